"""AWS partner funding (APFP fund requests, cash claims, approval history) as facts shared by both sources.

Odoo's c_aws_funding_request and APN's funding_request describe the same requests; deriving both
from one Funding value keeps their ids, programs, stages and amounts consistent. The vocabularies are
the APFP stages and statuses from the reference (funding.apfp_fund_request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from partner_sync.dev.demo.determinism import ANCHOR, rng, scrambled
from partner_sync.dev.demo.world import Plan

# (Odoo selection key, APFP label), in lifecycle order
STAGES = (("created", "Created"), ("aws_review", "AWS Review"), ("tech_approval", "Tech Approval"),
          ("business_approval", "Business Approval"), ("finance_approval", "Finance Approval"),
          ("pre_approved", "Pre-approved"), ("cash_claim", "Cash Claim"), ("completed", "Completed"))
STATUSES = {"active": "Active", "pending": "Pending", "terminated": "Terminated", "expired": "Expired",
            "completed": "Completed"}
PROGRAMS = (("MAP", "assess"), ("MAP", "mobilize"), ("MAP", "migrate"), ("POC", None), ("MDF", None),
            ("ISV WMP", None), ("Jumpstart", None), ("WAFR", None), ("Migration Assessment", None))
_PROGRAM_WEIGHTS = (14, 14, 22, 16, 8, 5, 6, 8, 7)
APPROVERS = (("Partner Solutions Architect", "Tech Approval"), ("Business approver", "Business Approval"),
             ("AWS Finance", "Finance Approval"), ("AWS reviewer", "AWS Review"))


@dataclass(frozen=True)
class Step:
    """One entry of a request's history: the stage/status it moved to, when and by whom."""

    at: datetime
    from_stage: str | None
    to_stage: str
    status: str
    actor: str
    role: str


@dataclass(frozen=True)
class Funding:
    key: int
    fr_id: str
    program: str
    phase: str | None
    funding_type: str  # cash / credits / cash_credits
    stage: int  # index into STAGES
    status: str  # key of STATUSES
    activity_name: str
    start: date
    end: date
    created: datetime
    submitted: datetime | None
    approved: datetime | None
    completed: datetime | None
    requested_cash: float
    requested_credits: float
    approved_cash: float
    approved_credits: float
    claimed: float
    received: float
    n_claims: int
    history: tuple[Step, ...]
    last_modified: datetime

    @property
    def program_label(self) -> str:
        return f"{self.program} 2.0 - {self.phase.title()}" if self.phase else self.program

    @property
    def stage_key(self) -> str:
        return STAGES[self.stage][0]

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage][1]


def fr_id(plan: Plan, key: int) -> str:
    return f"FR-{scrambled(key, 10**10, 3_141_592_653, plan.seed * 7_777 % 10**10):010d}"


def funding(plan: Plan, key: int, title: str, opened: datetime) -> Funding:
    """Funding request ``key`` (2*i for lead i's, 2*i + 1 for the ACE-only opportunity drawn at i)."""
    r = rng(plan.seed, "funding", key)
    program, phase = r.choices(PROGRAMS, _PROGRAM_WEIGHTS)[0]
    ftype = "credits" if program in ("POC",) and r.random() < 0.4 else r.choice(("cash", "cash", "cash_credits", "credits"))
    created = min(opened + timedelta(days=r.randrange(3, 90), seconds=r.randrange(86400)), ANCHOR - timedelta(days=2))
    room = (ANCHOR - created).days
    stage = r.choices(range(len(STAGES)), (10, 6, 6, 8, 8, 18, 16, 28))[0]
    if stage == 6 and ftype == "credits":
        stage = 7
    status = "completed" if stage == 7 else r.choices(("active", "pending", "terminated", "expired"), (80, 6, 8, 6))[0]
    history: list[Step] = []
    t = created
    history.append(Step(t, None, "Created", "Active", "partner", "Partner"))
    for s in range(1, stage + 1):
        t = t + timedelta(days=r.randrange(1, max(2, min(25, room // (stage + 1) + 1))), seconds=r.randrange(86400))
        t = min(t, ANCHOR - timedelta(hours=stage + 1 - s))
        role, _ = APPROVERS[s % len(APPROVERS)]
        history.append(Step(t, STAGES[s - 1][1], STAGES[s][1], "Completed" if s == 7 else "Active",
                            "aws" if s < 6 else "partner", role if s < 6 else "Partner"))
    if status in ("terminated", "expired", "pending"):
        t = min(t + timedelta(days=r.randrange(1, 30)), ANCHOR - timedelta(minutes=5))
        history.append(Step(t, STAGES[stage][1], STAGES[stage][1], STATUSES[status], "partner" if status == "terminated" else "system",
                            "Partner" if status == "terminated" else "System"))
    submitted = history[1].at if stage >= 1 else None
    approved = history[5].at if stage >= 5 else None
    completed = history[7].at if stage >= 7 else None
    start = (approved or created + timedelta(days=21)).date() + timedelta(days=r.randrange(0, 20))
    end = start + timedelta(days=r.choice((30, 60, 90, 120, 180)))
    base = round(2.718281828 ** r.uniform(8.2, 11.9), -2)
    req_cash = base if ftype != "credits" else 0.0
    req_credits = round(base * r.uniform(0.5, 2.0), -2) if ftype != "cash" else 0.0
    ok = stage >= 5 and status != "terminated"
    appr_cash = round(req_cash * r.choice((1.0, 1.0, 0.8, 0.5)), 2) if ok else 0.0
    appr_credits = req_credits if ok else 0.0
    n_claims = (1 if r.random() < 0.7 else 2) if stage >= 6 and appr_cash > 0 else 0
    claimed = round(appr_cash * r.uniform(0.7, 1.0), 2) if n_claims else 0.0
    received = claimed if stage == 7 else 0.0
    return Funding(key, fr_id(plan, key), program, phase, ftype, stage, status, title[:120], start, end, created,
                   submitted, approved, completed, req_cash, req_credits, appr_cash, appr_credits, claimed, received,
                   n_claims, tuple(history), history[-1].at)


def extra_funded(plan: Plan, i: int) -> bool:
    """Does the ACE-only opportunity drawn at lead i's turn (if any) carry a funding request?"""
    return rng(plan.seed, "ace-extra-funding", i).random() < 0.08
