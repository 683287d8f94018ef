"""Rows of apn_demo: ACE opportunities (twins of Odoo leads and ACE-only ones), their end users, the
partner's portal users, and the funding requests, cash claims and history behind them.

A twin is rendered from the same world.Lead as its Odoo row, through the Twin decisions: the account
id may be reformatted or missing, the website reshaped or replaced by an e-mail domain, the company
and project names reworded. The ground-truth file lists exactly the pairs rendered here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random
from typing import Callable, Iterator

from partner_sync.dev.demo import funding as fund
from partner_sync.dev.demo import names, world
from partner_sync.dev.demo.determinism import ANCHOR, aware, before_anchor, rng
from partner_sync.dev.demo.values import money
from partner_sync.dev.demo.world import Ace, Plan

_SALES_ACTIVITIES = ("Initialized discussions with customer", "Customer has shown interest in solution",
                     "Conducted POC / Demo", "In evaluation / planning stage", "Agreed on solution to Business Problem",
                     "Completed Action Plan", "Finalized Deployment Need", "SOW Signed")
_NEEDS = ("Co-Sell - Architectural Validation", "Co-Sell - Business Presentation", "Co-Sell - Competitive Information",
          "Co-Sell - Pricing Assistance", "Co-Sell - Technical Consultation", "Co-Sell - Total Cost of Ownership Evaluation",
          "Co-Sell - Deal Support", "Co-Sell - Support for Public Tender / RFx")
_CLOSED_LOST = ("Customer Deficiency", "Delay / Cancellation of Project", "Legal / Tax / Regulatory",
                "Lost to Competitor - Google", "Lost to Competitor - Microsoft", "Lost to Competitor - Other",
                "No Opportunity", "On Premises Deployment", "Partner Gap", "Price", "Security / Compliance",
                "Technical Limitations", "Financial/Commercial")
_COMPETITORS = ("Microsoft Azure", "Google Cloud Platform", "On-Prem", "Oracle Cloud", "No Competition", "*Other", "Co-location")
_PROGRAMS = ("Migration Acceleration Program", "ISV Workload Migration", "Well-Architected", "AWS Marketplace Campaign",
             "Partner Opportunity Acceleration Funded", "Windows", "VMware Cloud on AWS")
_CHANNELS = ("AWS Marketing Central", "Email", "Live Event", "Virtual Event", "Search", "Social")
_MKT_USECASES = ("Migration & Transfer", "Analytics", "AI/ML", "Containers", "Databases", "Security", "Storage")
_SOLUTIONS = ("S-0012345", "S-0012346", "S-0031877", "S-0044210")
_JUNK_WEBSITES = ("test@test.com", "N/A", "na", "none", "https://www.google.com")
_STAGE_OF_ODOO = {1: "Prospect", 2: "Qualified", 3: "Technical Validation", 5: "Committed", 6: "Qualified"}


# -- opportunities -----------------------------------------------------------------------------------
def opportunity(plan: Plan, truth: Callable[[tuple[int, str]], None] | None = None) -> Iterator[dict]:
    """ACE opportunities; each twin pair (lead id, ACE id) is passed to ``truth`` as it streams by."""
    for ace in world.iter_ace(plan):
        if ace.lead is not None and truth is not None:
            truth((ace.lead.id, ace.id))
        yield opportunity_row(plan, ace)


def _stage(r: Random, ace: Ace) -> str:
    ld = ace.lead
    if ld is None:
        return r.choices(("Prospect", "Qualified", "Technical Validation", "Business Validation", "Committed",
                          "Launched", "Closed Lost"), (18, 20, 14, 10, 8, 16, 14))[0]
    if ld.status == "won":
        return "Launched" if r.random() < 0.85 else "Committed"
    if ld.status == "lost":
        return "Closed Lost" if r.random() < 0.8 else _STAGE_OF_ODOO.get(ld.stage_id, "Qualified")
    stage = _STAGE_OF_ODOO[ld.stage_id]
    if stage == "Technical Validation" and r.random() < 0.4:
        stage = "Business Validation"
    return stage


def _account_on_ace(plan: Plan, r: Random, ace: Ace) -> str | None:
    ld = ace.lead
    if ld is None:
        if ace.company is not None and r.random() < 0.5:
            span = plan.accounts_of(ace.company)
            return world.account(plan, r.randrange(span.start, span.stop)).number
        if r.random() < 0.4:
            return world.account_number(plan.seed, plan.n_accounts + plan.n_spp_payers + ace.key)
        return None
    mode = ld.twin.account_mode
    span = plan.accounts_of(ld.c)
    number = world.account(plan, ld.account if ld.account is not None else span.start).number
    if mode == "missing":
        return None
    if mode == "reformat":
        if number.startswith("0"):
            return number[1:]  # leading zero lost by a spreadsheet
        slug = "".join(ch for ch in ld.company.org.name.slug if ch.isalnum())[:8]
        return f"{slug}prod"[:12]  # the alias instead of the number
    if mode == "payer" and ld.company.org.self_paying:
        return world.account(plan, span.start).number
    return number


def _website_on_ace(r: Random, ace: Ace) -> str | None:
    domain = ace.org.domain
    mode = ace.lead.twin.domain_mode if ace.lead is not None else r.choices(("same", "email_only", "missing"), (75, 15, 10))[0]
    if mode == "same":
        return names.website(r, domain)
    if mode == "other_tld":
        stem, _, tld = domain.partition(".")
        return names.website(r, f"{stem}.{'com' if tld != 'com' else ace.org.country.tld}")
    if mode == "missing":
        return r.choice(_JUNK_WEBSITES) if r.random() < 0.6 else None
    return None  # email_only: the customer e-mail carries the domain


def _customer(plan: Plan, r: Random, ace: Ace) -> world.Person | None:
    ld = ace.lead
    if ld is not None:
        if ld.twin.same_contact:
            return world.contact(plan, ld.c, ld.contact_slot)
        if ld.twin.domain_mode == "email_only" or r.random() < 0.7:
            first, last = names.person(r, ace.org.country.code)
            return world.Person(first, last, names.email(r, first, last, ace.org.domain), names.phone(r, ace.org.country),
                                r.choice(names.JOB_TITLES))
        return None
    if ace.company is not None and r.random() < 0.5:
        return world.contact(plan, ace.company, 1)
    if r.random() < 0.85:
        first, last = names.person(r, ace.org.country.code)
        return world.Person(first, last, names.email(r, first, last, ace.org.domain, free_mail=0.1),
                            names.phone(r, ace.org.country) if r.random() < 0.5 else None, r.choice(names.JOB_TITLES))
    return None


def _title(r: Random, ace: Ace, company_name: str) -> str:
    if ace.lead is not None and r.random() < 0.15:
        return ace.lead.title  # copy-pasted from the CRM
    phrase = r.choice(ace.theme.ace)
    with_company = ace.lead.twin.title_with_company if ace.lead is not None else r.random() < 0.4
    if not with_company:
        return phrase
    short = company_name.split(" ")[0] if r.random() < 0.3 else ace.org.name.core
    return r.choice((f"{short} - {phrase}", f"{phrase} ({short})", f"{short} | {phrase}"))


def ace_dates(plan: Plan, ace: Ace) -> tuple[datetime, datetime]:
    """(created, last modified), naive UTC; partner referrals follow the Odoo lead, AWS referrals precede it."""
    r = rng(plan.seed, "ace-dates", ace.key)
    ld = ace.lead
    if ld is None:
        created = before_anchor(r, 800, 1)
    elif ld.origination == "AWS Referral":
        created = ld.create_date - timedelta(days=r.randrange(1, 12), seconds=r.randrange(86400))
    else:
        created = ld.create_date + timedelta(days=r.randrange(1, 25), seconds=r.randrange(86400))
    created = min(created, ANCHOR - timedelta(hours=6))
    modified = created + timedelta(seconds=int(r.random() ** 1.5 * (ANCHOR - created).total_seconds()))
    return created, modified


def opportunity_row(plan: Plan, ace: Ace) -> dict:
    r = rng(plan.seed, "ace-row", ace.key)
    ld, o = ace.lead, ace.org
    if ld is not None:
        company_name = names.company_variant(r, o.name, ld.twin.name_mode)
    else:
        company_name = names.company_variant(r, o.name, r.choice(("exact", "exact", "suffix", "case", "abbrev")))
    stage = _stage(r, ace)
    created, modified = ace_dates(plan, ace)
    origin = ("AWS Referral" if ld.origination == "AWS Referral" else "Partner Referral") if ld is not None else \
        ("AWS Referral" if r.random() < 0.6 else "Partner Referral")
    person = _customer(plan, r, ace)
    if ld is not None and ld.user_k is not None and ld.twin.same_owner:
        owner_k = ld.user_k
    else:
        owner_k = r.randrange(plan.n_sales)
    owner = world.salesperson(plan, owner_k)
    am_known = ld.twin.am_known if ld is not None else r.random() < 0.6
    am_name, am_email = world.aws_person(*o.aws_am)
    psm_name, psm_email = world.aws_person(*world.PSMS[o.o % len(world.PSMS)])
    if ld is not None and ld.date_deadline:
        close = ld.date_deadline + timedelta(days=r.randrange(-30, 46))
    else:
        close = (created + timedelta(days=r.randrange(30, 270))).date()
    revenue = ld.expected_revenue if ld is not None else round(2.718281828 ** r.uniform(8.5, 13.5), -2)
    mrr = max(1.0, round(revenue / 12 * 1.08 * r.uniform(0.6, 1.4), 2)) if revenue else float(r.randrange(100, 5000))
    recurring = ace.theme.recurring
    opp_type = r.choices(("Net New Business", "Expansion", "Flat Renewal"), (40, 30, 30) if recurring else (75, 20, 5))[0]
    industry = o.name.industry if r.random() > 0.03 else "Other"
    launched_or_lost = stage in ("Launched", "Closed Lost")
    status = "Approved" if origin == "AWS Referral" else r.choices(
        ("Approved", "Submitted", "In review", "Action Required", "Pending Submission", "Rejected"), (76, 5, 5, 5, 5, 4))[0]
    acceptance = None
    if origin == "AWS Referral":
        acceptance = r.choices(("Accepted", "Rejected", None), (85, 5, 10))[0]
    activities = r.sample(_SALES_ACTIVITIES, r.randrange(1, 4))
    marketing = r.random() < 0.15
    return {
        "id": ace.id, "catalog": "AWS",
        "partner_crm_unique_identifier": ld.twin.crm_id if ld is not None else
        (f"SF-006{r.randrange(10**8):08d}" if r.random() < 0.05 else None),
        "partner_project_title": _title(r, ace, company_name), "customer_company_name": company_name,
        "customer_website": _website_on_ace(r, ace), "customer_duns": o.duns if r.random() < 0.2 else None,
        "aws_account_id": _account_on_ace(plan, r, ace), "industry": industry,
        "industry_other": "Agritech" if industry == "Other" else None,
        "street_address": o.street if r.random() < 0.6 else None, "city": o.city, "state": o.state_code,
        "postal_code": o.zip if r.random() < 0.8 else None, "country": o.country.code,
        "customer_first_name": person.first if person else None, "customer_last_name": person.last if person else None,
        "customer_email": person.email if person else None, "customer_phone": person.phone if person else None,
        "customer_title": person.function if person else None, "opportunity_type": opp_type,
        "opportunity_ownership": origin, "stage": stage, "status": status,
        "aws_stage": stage if launched_or_lost else (r.choice(("Qualified", "Technical Validation", "Prospect")) if r.random() < 0.2 else None),
        "target_close_date": close, "aws_close_date": close + timedelta(days=r.randrange(0, 60)) if r.random() < 0.3 else None,
        "expected_monthly_aws_revenue": money(mrr), "delivery_model": ";".join(ace.theme.delivery),
        "use_case": ace.theme.use_case, "sales_activities": ";".join(activities),
        "partner_primary_need_from_aws": ";".join(r.sample(_NEEDS, r.randrange(1, 3))),
        "project_description": f"{o.name.core} needs to {ace.theme.problem}." if r.random() < 0.8 else ace.theme.problem.capitalize(),
        "additional_comments": "Customer asked for MAP funding." if r.random() < 0.1 else None,
        "next_step": r.choice(("Schedule workshop", "Send proposal", "Waiting for customer PO", "Technical deep dive", None)),
        "next_step_history": None, "solution_offered": r.choice(_SOLUTIONS) if r.random() < 0.8 else "Other",
        "other_solution_offered": None, "aws_products": ";".join(ace.theme.products),
        "campaign_name": ";".join(r.sample(_PROGRAMS, r.randrange(1, 3))) if r.random() < 0.4 else None,
        "aws_sf_campaign_name": f"7013a00000{r.randrange(10**5):05d}" if marketing else None,
        "is_opp_from_marketing_activity": "Yes" if marketing else "No",
        "marketing_activity_channel": r.choice(_CHANNELS) if marketing else None,
        "marketing_activity_usecase": r.choice(_MKT_USECASES) if marketing else None,
        "is_marketing_development_funded": ("Yes" if r.random() < 0.3 else "No") if marketing else "No",
        "competitive_tracking": r.choice(_COMPETITORS), "competitive_tracking_other": None,
        "closed_lost_reason": r.choice(_CLOSED_LOST) if stage == "Closed Lost" else None,
        "aws_closed_lost_reason": (r.choice(_CLOSED_LOST) if r.random() < 0.5 else None) if stage == "Closed Lost" else None,
        "parent_opp_id": None, "opportunity_owner_name": owner.name, "opportunity_owner_email": owner.email,
        "primary_contact_first_name": owner.first, "primary_contact_last_name": owner.last,
        "primary_contact_email": owner.email, "primary_contact_phone": "+33 1 84 88 00 00" if r.random() < 0.5 else None,
        "aws_sales_rep_name": am_name if am_known else None, "aws_sales_rep_email": am_email if am_known else None,
        "aws_account_owner_name": am_name if am_known and r.random() < 0.5 else None,
        "aws_account_owner_email": am_email if am_known and r.random() < 0.5 else None,
        "aws_partner_success_manager_name": psm_name if r.random() < 0.7 else None,
        "aws_partner_success_manager_email": psm_email if r.random() < 0.7 else None,
        "partner_acceptance_status": acceptance,
        "accept_by": aware(created + timedelta(days=14)) if origin == "AWS Referral" else None,
        "created_date": aware(created), "last_modified_date": aware(modified),
    }


def end_user(plan: Plan) -> Iterator[dict]:
    """Customer.Contacts[] of each opportunity: the primary one mirrors opportunity.customer_*."""
    n = 0
    for ace in world.iter_ace(plan):
        row = opportunity_row(plan, ace)
        r = rng(plan.seed, "end-user", ace.key)
        contacts = []
        if row["customer_email"] or row["customer_last_name"]:
            contacts.append((row["customer_first_name"], row["customer_last_name"], row["customer_email"],
                             row["customer_phone"], row["customer_title"]))
        for _ in range(r.choice((0, 0, 1, 1, 2))):
            first, last = names.person(r, ace.org.country.code)
            contacts.append((first, last, names.email(r, first, last, ace.org.domain, free_mail=0.08),
                             names.phone(r, ace.org.country) if r.random() < 0.4 else None, r.choice(names.JOB_TITLES)))
        created = row["created_date"]
        for order, (first, last, mail, tel, title) in enumerate(contacts):
            n += 1
            yield {"end_user_id": n, "opportunity_id": ace.id, "contact_order": order, "first_name": first,
                   "last_name": last, "email": mail, "phone": tel, "business_title": title,
                   "company_name": row["customer_company_name"] if r.random() < 0.8 else ace.org.name.full,
                   "website": row["customer_website"], "country": ace.org.country.code, "city": ace.org.city,
                   "is_primary": order == 0, "role": r.choice(("Decision Maker", "Technical", "Procurement", "Executive Sponsor")),
                   "source": "Opportunity" if order == 0 else r.choice(("Opportunity", "Lead conversion", "Marketing")),
                   "catalog": "AWS", "created_date": created + timedelta(minutes=order),
                   "last_modified_date": row["last_modified_date"]}


def users(plan: Plan) -> Iterator[dict]:
    """Partner Central users: the salespeople (same people as Odoo's) plus the alliance team."""
    for k in range(plan.n_sales):
        r = rng(plan.seed, "apn-user", k)
        p = world.salesperson(plan, k)
        yield {"user_id": _sf_id(r, "005"), "full_name": p.name, "email": p.email,
               "role": "ACE User" if r.random() < 0.85 else "ACE Manager",
               "status": "Active" if r.random() > 0.08 else "Inactive",
               "last_modified_date": aware(before_anchor(r, 700, 1))}
    for k, (name, mail, role) in enumerate((("Camille Roche", "alliances@stratocloud.eu", "Alliance Lead"),
                                             ("Yann Le Gall", "marketing@stratocloud.eu", "Marketing"),
                                             ("Inès Haddad", "funding@stratocloud.eu", "Funding Manager"))):
        r = rng(plan.seed, "apn-user-extra", k)
        yield {"user_id": _sf_id(r, "005"), "full_name": name, "email": mail, "role": role, "status": "Active",
               "last_modified_date": aware(before_anchor(r, 700, 1))}


def _sf_id(r: Random, prefix: str) -> str:
    return prefix + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))


# -- funding -----------------------------------------------------------------------------------------
def iter_funding(plan: Plan) -> Iterator[tuple[fund.Funding, Ace | None, world.Lead | None]]:
    """Every fund request in a fixed order: lead i's (key 2i), then the ACE-only one drawn at i (key 2i+1)."""
    for i in range(plan.n_leads):
        if world.maybe_funded(plan, i):
            ld = world.lead(plan, i)
            if ld.funded:
                ace = Ace(2 * i, world.ace_id(plan, 2 * i), ld, ld.company.org, ld.c, ld.theme) if ld.has_twin else None
                yield fund.funding(plan, 2 * i, ld.title, ld.create_date), ace, ld
        if fund.extra_funded(plan, i):
            extra = world.extra_ace(plan, i)
            if extra is not None:
                created, _ = ace_dates(plan, extra)
                yield fund.funding(plan, extra.key, extra.theme.ace[0], created), extra, None


def funding_request(plan: Plan) -> Iterator[dict]:
    for f, ace, ld in iter_funding(plan):
        r = rng(plan.seed, "apn-funding-row", f.key)
        org = ace.org if ace is not None else ld.company.org
        opp = opportunity_row(plan, ace) if ace is not None else None
        owner = world.salesperson(plan, (ld.user_k if ld is not None and ld.user_k is not None else f.key) % plan.n_sales)
        psm_name, psm_email = world.aws_person(*world.PSMS[org.o % len(world.PSMS)])
        motion = {"POC": "Sell", "MDF": "Market", "ISV WMP": "Miscellaneous", "Jumpstart": "Miscellaneous"}.get(f.program, "Sell")
        ftype = {"cash": "Cash", "credits": "Credits", "cash_credits": "Cash and Credits"}[f.funding_type]
        total = f.requested_cash * 1.75 + f.requested_credits
        account = opp["aws_account_id"] if opp else (world.account(plan, ld.account).number if ld and ld.account is not None else None)
        yield {
            "funding_request_id": f.fr_id, "catalog": "AWS", "opportunity_id": ace.id if ace is not None else None,
            "program_name": f.program_label, "program_phase": f.phase.title() if f.phase else None,
            "funding_motion": motion, "funding_type": ftype, "stage": f.stage_label, "status": fund.STATUSES[f.status],
            "activity_name": f.activity_name, "business_description": f"{org.name.core}: {(ace or ld).theme.problem}.",
            "customer_company_name": opp["customer_company_name"] if opp else org.name.full,
            "customer_website": opp["customer_website"] if opp else names.website(r, org.domain),
            "customer_aws_account_id": account, "customer_country": org.country.code, "industry": org.name.industry,
            "project_start_date": f.start, "project_end_date": f.end, "claim_due_date": f.end + timedelta(days=30),
            "currency_code": "USD", "requested_cash_amount": money(f.requested_cash),
            "requested_credit_amount": money(f.requested_credits), "approved_cash_amount": money(f.approved_cash),
            "approved_credit_amount": money(f.approved_credits), "total_project_cost": money(total),
            "partner_contribution": money(f.requested_cash * 0.25), "customer_contribution": money(f.requested_cash * 0.5),
            "aws_contribution_pct": money(100 * (f.requested_cash + f.requested_credits) / total if total else 0),
            "expected_arr": money((ld.expected_revenue if ld else 50000) * r.uniform(0.5, 2.0)),
            "workload_count": r.randrange(1, 40) if f.program == "MAP" else None,
            "map_engagement_id": f"MPE{r.randrange(10**5, 10**6)}" if f.program == "MAP" else None,
            "is_net_new_customer": r.choice(("Yes", "No")), "po_number": f"PO{r.randrange(10**7, 10**8)}" if f.approved_cash else None,
            "credit_code_count": r.randrange(1, 4) if f.approved_credits else 0,
            "credits_redeemed_amount": money(f.approved_credits * r.uniform(0, 1) if f.approved_credits else 0),
            "mdf_wallet_name": "MDF-EMEA-2026" if f.program == "MDF" else None,
            "partner_contact_name": owner.name, "partner_contact_email": owner.email, "partner_contact_title": "Account Executive",
            "psm_name": psm_name, "psm_email": psm_email, "pdm_name": "Julien Marchand", "pdm_email": "jmarchan@amazon.com",
            "aws_approver_name": f.history[-1].role if f.approved else None,
            "approval_comments": "Approved, please proceed." if f.approved and r.random() < 0.3 else None,
            "rejection_reason": "Missing customer signature on SOW" if f.stage == 0 and r.random() < 0.3 else None,
            "resubmission_count": 1 if f.stage == 0 and r.random() < 0.3 else 0, "recall_count": 0,
            "submitted_date": aware(f.submitted) if f.submitted else None,
            "pre_approved_date": aware(f.approved) if f.approved else None,
            "completed_date": aware(f.completed) if f.completed else None,
            "expiration_date": f.end + timedelta(days=30) if f.status == "expired" else None,
            "proof_of_execution_status": "Approved" if f.stage == 7 else ("Submitted" if f.stage == 6 else "Not Started"),
            "created_by": owner.email, "created_date": aware(f.created),
            "last_modified_by": "AWS" if f.history[-1].actor == "aws" else owner.email,
            "last_modified_date": aware(f.last_modified),
        }


def cash_claim(plan: Plan) -> Iterator[dict]:
    for f, ace, _ in iter_funding(plan):
        for n in range(1, f.n_claims + 1):
            r = rng(plan.seed, "claim", f.key * 4 + n)
            submitted = min(datetime.combine(f.end, datetime.min.time()) + timedelta(days=r.randrange(1, 25)), f.last_modified)
            status = "Paid" if f.stage == 7 else r.choice(("Pending Approval", "Approved", "Action Required", "Draft"))
            approved = submitted + timedelta(days=r.randrange(2, 15)) if status in ("Paid", "Approved") else None
            approved = min(approved, ANCHOR - timedelta(minutes=1)) if approved else None
            amount = round(f.claimed / f.n_claims, 2)
            last = max(t for t in (submitted, approved) if t is not None)
            yield {"cash_claim_id": f"CC-{f.fr_id[3:]}{n}", "funding_request_id": f.fr_id,
                   "opportunity_id": ace.id if ace is not None else None, "claim_number": n,
                   "milestone_name": f"Milestone {n}" if f.n_claims > 1 else "Project completion",
                   "claim_status": status, "claim_amount": money(amount),
                   "approved_amount": money(amount) if approved else None, "currency_code": "USD",
                   "activity_start_date": f.start, "activity_end_date": f.end, "claim_due_date": f.end + timedelta(days=30),
                   "submitted_date": aware(submitted) if status != "Draft" else None,
                   "approved_date": aware(approved) if approved else None,
                   "paid_date": (approved + timedelta(days=30)).date() if status == "Paid" and approved else None,
                   "invoice_number": f"INV/{f.end.year}/{r.randrange(1, 99999):05d}" if status in ("Approved", "Paid") else None,
                   "invoice_date": approved.date() if approved else None, "po_number": f"PO{r.randrange(10**7, 10**8)}",
                   "payee_platform_reference": f"COUPA-{r.randrange(10**6, 10**7)}" if status == "Paid" else None,
                   "proof_of_execution": "sow_signed.pdf;poe_screenshots.zip",
                   "rejection_reason": None, "reviewer_comments": None, "created_by": "funding@stratocloud.eu",
                   "created_date": aware(submitted - timedelta(days=1)), "last_modified_by": "AWS" if approved else "funding@stratocloud.eu",
                   "last_modified_date": aware(last)}


def funding_request_history(plan: Plan) -> Iterator[dict]:
    n = 0
    for f, _, _ in iter_funding(plan):
        prev_status = None
        for seq, step in enumerate(f.history, start=1):
            n += 1
            kind = "Created" if seq == 1 else ("StatusChange" if step.from_stage == step.to_stage else "StageChange")
            yield {"history_id": n, "funding_request_id": f.fr_id, "event_sequence": seq, "event_type": kind,
                   "from_stage": step.from_stage, "to_stage": step.to_stage, "from_status": prev_status,
                   "to_status": step.status, "actor_type": {"aws": "AWS", "partner": "Partner", "system": "System"}[step.actor],
                   "actor_name": "funding@stratocloud.eu" if step.actor == "partner" else (step.role if step.actor == "aws" else None),
                   "actor_role": step.role, "comments": None, "event_date": aware(step.at), "last_modified_date": aware(step.at)}
            prev_status = step.status
