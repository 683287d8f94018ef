"""Rows of the partner's custom Odoo module: AWS accounts, funding requests and the c_billing_* tables.

The account numbers are the strongest twin signal the matcher gets, so they come from world.account()
(the same numbers the ACE side shows), malformed in Odoo the way humans mistype them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterator

from partner_sync.dev.demo import funding as fund
from partner_sync.dev.demo import world
from partner_sync.dev.demo.determinism import ANCHOR, ANCHOR_DATE, rng
from partner_sync.dev.demo.odoo_rows import INSTALL
from partner_sync.dev.demo.values import money
from partner_sync.dev.demo.world import Plan

USD = 2
_REGIONS = ("eu-central-1", "eu-west-1", "eu-west-3", "us-east-1", "us-west-2", "eu-north-1")
_SERVICES = ("AmazonEC2", "AmazonRDS", "AmazonS3", "AWSLambda", "AmazonEKS", "AmazonCloudFront", "AmazonRedshift",
             "AmazonBedrock", "AmazonDynamoDB", "AWSDataTransfer")


def month_start(months_back: int) -> date:
    """First day of the month ``months_back`` months before the anchor's month."""
    y, m = ANCHOR_DATE.year, ANCHOR_DATE.month - months_back
    while m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def c_aws_accounts(plan: Plan) -> Iterator[dict]:
    for k in range(plan.n_spp_payers):
        number = world.spp_payer_number(plan, k)
        created = INSTALL + timedelta(days=20 + 30 * k)
        yield {"id": k + 1, "create_uid": 2, "create_date": created, "write_uid": 2, "write_date": created,
               "name": f"Stratocloud SPP Payer {k + 1:02d}", "account_id": number, "alias": f"stratocloud-spp-{k + 1:02d}",
               "root_email": f"aws-spp-{k + 1:02d}@stratocloud.eu", "partner_id": world.PARTNER_COMPANY,
               "customer_company_id": world.PARTNER_COMPANY, "company_id": 1, "user_id": 2, "is_payer": True,
               "payer_account_id": None, "is_billable": False, "environment": "production", "active": True,
               "state": "active", "billing_model": "spp", "aws_org_id": f"o-spp{number[-7:]}",
               "organizational_unit": "Root", "support_plan": "enterprise", "primary_region": "eu-west-3",
               "joined_method": "created", "joined_date": created.date(), "billing_start_date": created.date(),
               "currency_id": USD, "marketplace_customer": False}
    for a in range(plan.n_accounts):
        yield _account_row(plan, world.account(plan, a))


def _account_row(plan: Plan, acct: world.Account) -> dict:
    r = rng(plan.seed, "account-row", acct.a)
    comp = world.company(plan, acct.company)
    o = comp.org
    company_pid = plan.company_partner_id(acct.company)
    partner = company_pid if r.random() < 0.85 else company_pid + (2 if comp.slot2 == "invoice" else 1)
    env_short = {"production": "prod", "staging": "stg", "dev": "dev", "sandbox": "sbx"}[acct.env]
    created = INSTALL + timedelta(seconds=int(r.uniform(0, (ANCHOR - INSTALL).total_seconds() - 86400 * 10)))
    joined = created.date() - timedelta(days=r.randrange(0, 700))
    label = r.choice((o.name.core, comp.name.strip(), o.name.core.upper()))
    state = "active" if acct.active else r.choice(("suspended", "closed"))
    cost = round(2.718281828 ** r.uniform(4, 11), 2)
    return {
        "id": acct.row_id, "create_uid": 2, "create_date": created, "write_uid": 2,
        "write_date": created + timedelta(seconds=int(r.random() ** 2 * (ANCHOR - created).total_seconds())),
        "name": f"{label} - {acct.env}" if r.random() < 0.8 else f"{label} {env_short.upper()}",
        "account_id": acct.stored, "alias": f"{o.name.slug[:20]}-{env_short}" if r.random() < 0.7 else None,
        "root_email": f"aws-{env_short}@{o.domain}" if r.random() < 0.6 else None,
        "partner_id": partner, "customer_company_id": company_pid, "company_id": 1,
        "user_id": plan.sales_user_id(r.randrange(plan.n_sales)) if r.random() < 0.9 else None,
        "is_payer": acct.is_payer, "payer_account_id": acct.payer_row_id, "is_billable": acct.is_billable,
        "environment": acct.env, "active": acct.active, "state": state,
        "billing_model": "direct" if o.self_paying else ("spp" if r.random() < 0.9 else "distribution"),
        "aws_org_id": f"o-{world.account_number(plan.seed, acct.company + 7)[-10:]}" if r.random() < 0.5 else None,
        "organizational_unit": r.choice(("Workloads/Prod", "Workloads/NonProd", "Sandbox", "Security", None)),
        "support_plan": r.choices(("basic", "developer", "business", "enterprise_on_ramp", "enterprise"), (30, 15, 40, 10, 5))[0],
        "primary_region": r.choice(_REGIONS), "joined_method": r.choice(("invited", "created")), "joined_date": joined,
        "billing_start_date": created.date().replace(day=1) if acct.is_billable else None,
        "billing_end_date": (ANCHOR_DATE - timedelta(days=r.randrange(30, 300))).replace(day=1) if state == "closed" else None,
        "spp_discount_pct": money(r.choice((0, 2, 3, 5))) if acct.is_billable else None,
        "monthly_budget": money(round(cost * 1.2, -2)) if r.random() < 0.4 else None,
        "last_month_cost": money(cost), "currency_id": USD, "lead_id": None,
        "cost_center": f"CC-{r.randrange(1000, 9999)}" if r.random() < 0.2 else None,
        "marketplace_customer": r.random() < 0.1,
        "note": "<p>Migrated from the old CMDB; check account id.</p>" if acct.stored != acct.number else None,
    }


def c_aws_funding_request(plan: Plan) -> Iterator[dict]:
    n = 0
    for i in range(plan.n_leads):
        if not world.maybe_funded(plan, i):
            continue
        ld = world.lead(plan, i)
        if not ld.funded:
            continue
        n += 1
        yield _funding_row(plan, ld, fund.funding(plan, 2 * i, ld.title, ld.create_date), n)


def _funding_row(plan: Plan, ld: world.Lead, f: fund.Funding, n: int) -> dict:
    r = rng(plan.seed, "funding-row", ld.i)
    psm_first, psm_last = world.PSMS[ld.company.org.o % len(world.PSMS)]
    psm_name, psm_email = world.aws_person(psm_first, psm_last)
    eur = round(f.approved_cash * 0.92, 2)
    contact = plan.company_partner_id(ld.c) + ld.contact_slot
    return {
        "id": n, "create_uid": plan.sales_user_id(ld.user_k) if ld.user_k is not None else 2, "create_date": f.created,
        "write_uid": 2, "write_date": f.last_modified, "name": f"FUND/{f.created.year}/{n:04d}",
        "apfp_fund_request_id": f.fr_id if (f.stage > 0 and r.random() < 0.9) else None,
        "ace_opportunity_id": world.ace_id(plan, 2 * ld.i) if ld.has_twin and r.random() < 0.6 else None,
        "lead_id": ld.id, "partner_id": plan.company_partner_id(ld.c),
        "aws_account_id": plan.account_row_id(ld.account) if ld.account is not None else None,
        "user_id": plan.sales_user_id(ld.user_k) if ld.user_k is not None else None, "team_id": ld.team_id,
        "company_id": 1, "currency_id": USD, "program": f.program, "program_phase": f.phase,
        "funding_type": f.funding_type, "stage": f.stage_key, "status": f.status, "activity_name": f.activity_name,
        "business_description": f"{ld.company.org.name.core}: {ld.theme.problem}.", "project_start_date": f.start,
        "project_end_date": f.end, "submitted_date": f.submitted.date() if f.submitted else None,
        "approved_date": f.approved.date() if f.approved else None,
        "completed_date": f.completed.date() if f.completed else None, "claim_due_date": f.end + timedelta(days=30),
        "requested_cash_amount": money(f.requested_cash), "requested_credit_amount": money(f.requested_credits),
        "approved_cash_amount": money(f.approved_cash), "approved_credit_amount": money(f.approved_credits),
        "claimed_amount": money(f.claimed), "received_amount": money(f.received),
        "partner_contribution": money(f.requested_cash * 0.25), "customer_contribution": money(f.requested_cash * 0.5),
        "total_project_cost": money(f.requested_cash * 1.75 + f.requested_credits),
        "expected_arr": money(ld.expected_revenue * r.uniform(0.5, 2.0)),
        "workload_count": r.randrange(1, 40) if f.program == "MAP" else None,
        "po_number": f"PO{r.randrange(10**7, 10**8)}" if f.approved_cash else None,
        "invoice_ref": f"INV/{f.end.year}/{r.randrange(1, 9999):05d}" if f.claimed else None,
        "credit_codes_issued": r.randrange(1, 4) if f.approved_credits else 0,
        "credit_code_expiry": f.end + timedelta(days=365) if f.approved_credits else None,
        "psm_name": psm_name, "psm_email": psm_email,
        "pdm_name": "Julien Marchand" if r.random() < 0.5 else None,
        "aws_approver_name": r.choice(("Priya Raman", "Tom Becker", "Sofia Lindgren")) if f.approved else None,
        "rejection_reason": "Missing customer signature on SOW" if f.stage == 0 and r.random() < 0.3 else None,
        "resubmission_count": 1 if f.stage == 0 and r.random() < 0.3 else 0,
        "mdf_wallet": "MDF-EMEA-2026" if f.program == "MDF" else None, "aws_region": r.choice(_REGIONS),
        "is_co_sell": ld.has_twin, "sow_signed": f.stage >= 3, "sow_reference": f"SOW-{ld.id}" if f.stage >= 3 else None,
        "poe_submitted": f.stage >= 6, "poe_date": f.end if f.stage >= 6 else None,
        "days_to_approval": round((f.approved - f.submitted).total_seconds() / 86400, 1) if f.approved and f.submitted else None,
        "exchange_rate": money(0.92), "amount_eur": money(eur), "priority": r.choice(("0", "0", "1", "2")),
        "kanban_state": "blocked" if f.status in ("terminated", "expired") else ("done" if f.stage == 7 else "normal"),
        "color": 0, "notes": None, "active": f.status != "terminated" or r.random() < 0.5,
        "message_main_attachment_id": None, "access_token": None,
        "map_arr_commitment": money(ld.expected_revenue) if f.program == "MAP" else None,
        "migration_wave": r.randrange(1, 5) if f.phase == "migrate" else None, "customer_contact_id": contact,
        "description": None,
        "reference_url": f"https://partnercentral.awspartner.com/FundingRequest?id={f.fr_id}" if f.stage > 0 else None,
    }


# -- billing -------------------------------------------------------------------------------------------
def c_billing_internal_cur(plan: Plan) -> Iterator[dict]:
    """Monthly actual cost per usage account and top service (what the CUR says AWS charged)."""
    n = 0
    for a in range(plan.n_accounts):
        acct = world.account(plan, a)
        r = rng(plan.seed, "cur", a)
        months = r.choice((0, 1, 1, 2, 2, 3))
        if world.company(plan, acct.company).org.self_paying:
            payer = world.account(plan, plan.accounts_of(acct.company).start).number
        else:
            payer = world.spp_payer_number(plan, acct.company % plan.n_spp_payers)
        for back in range(1, months + 1):
            period = month_start(back)
            for service in r.sample(_SERVICES, r.choice((1, 1, 2))):
                n += 1
                at = ANCHOR.replace(day=1) - timedelta(days=30 * (back - 1)) + timedelta(days=2, hours=r.randrange(24))
                at = min(at, ANCHOR)
                yield {"id": n, "create_uid": 1, "create_date": at, "write_uid": 1, "write_date": at,
                       "aws_account_id": acct.row_id, "usage_account_number": acct.number,
                       "payer_account_number": payer, "billing_period": period, "product_code": service,
                       "line_item_type": r.choices(("Usage", "Credit", "Tax", "SppDiscount"), (85, 5, 5, 5))[0],
                       "unblended_cost": money(round(2.718281828 ** r.uniform(2, 10), 2)),
                       "usage_amount": money(r.uniform(1, 10000)), "currency_code": "USD"}


def c_billing_spp_bill(plan: Plan) -> Iterator[dict]:
    """AWS's monthly SPP invoices to the partner, per payer account and bill type."""
    n = 0
    vendor_bills = max(1, plan.n_moves // 10)
    for k in range(plan.n_spp_payers):
        for back in range(1, 13):
            period = month_start(back)
            for bill_type in ("usage", "credit", "spp_discount"):
                n += 1
                r = rng(plan.seed, "spp-bill", n)
                amount = round(r.uniform(5000, 250000), 2) * (-0.05 if bill_type == "credit" else 1)
                discount = round(amount * 0.03, 2) if bill_type == "spp_discount" else 0.0
                issued = min(_midnight(period) + timedelta(days=r.randrange(32, 36), hours=r.randrange(24)), ANCHOR)
                q = (k * 12 + back) % vendor_bills
                yield {"id": n, "create_uid": 1, "create_date": issued, "write_uid": 1,
                       "write_date": min(issued + timedelta(days=r.randrange(0, 10)), ANCHOR),
                       "name": f"EUINFR{str(period.year)[2:]}-{r.randrange(10**5, 10**6)}",
                       "payer_account_id": k + 1, "billing_period": period, "bill_type": bill_type,
                       "amount_usd": money(amount), "spp_discount_amount": money(discount),
                       "net_amount": money(amount - discount), "currency_id": USD, "invoice_date": issued.date(),
                       "state": "reconciled" if back > 2 else r.choice(("draft", "validated")),
                       "vendor_move_id": 10 * q + 9 if 10 * q + 8 < plan.n_moves and back > 1 else None}


def iter_bills(plan: Plan) -> Iterator[tuple[int, int, int]]:
    """(bill id, company index, months back) for every staged customer bill, in id order."""
    n = 0
    for c in range(plan.n_companies):
        r = rng(plan.seed, "bill-company", c)
        if r.random() >= 0.35:
            continue
        for back in range(1, r.choice((1, 1, 2)) + 1):
            n += 1
            yield n, c, back


def c_billing_bill(plan: Plan) -> Iterator[dict]:
    invoices = max(1, plan.n_moves // 10)
    for bill_id, c, back in iter_bills(plan):
        r = rng(plan.seed, "bill", bill_id)
        lines = _bill_lines(plan, bill_id, c)
        untaxed = round(sum(subtotal for *_, subtotal in lines), 2)
        tax = round(untaxed * 0.2, 2) if world.company(plan, c).org.country.code == "FR" else 0.0
        period = month_start(back)
        at = min(_midnight(period) + timedelta(days=33, hours=r.randrange(24)), ANCHOR)
        state = "invoiced" if back > 1 else r.choice(("draft", "ready", "invoiced", "cancel"))
        q = bill_id % invoices
        yield {"id": bill_id, "create_uid": 1, "create_date": at, "write_uid": 2,
               "write_date": min(at + timedelta(days=r.randrange(0, 5)), ANCHOR),
               "name": f"BILL/{period.year}/{period.month:02d}/{bill_id:04d}", "partner_id": plan.company_partner_id(c),
               "billing_period": period, "currency_id": 1, "amount_untaxed": money(untaxed), "amount_tax": money(tax),
               "amount_total": money(untaxed + tax), "state": state,
               "move_id": 10 * q + (bill_id % 7) + 1 if state == "invoiced" and 10 * q + 6 < plan.n_moves else None,
               "company_id": 1, "margin_pct": money(r.choice((3, 5, 8, 10)))}


def _bill_lines(plan: Plan, bill_id: int, c: int) -> list[tuple[int | None, int, str, float, float, float, float]]:
    """(account row id, product, label, qty, cost, markup %, subtotal) per line: one per account + a fee line."""
    r = rng(plan.seed, "bill-lines", bill_id)
    out = []
    for a in plan.accounts_of(c):
        acct = world.account(plan, a)
        cost = round(2.718281828 ** r.uniform(4, 10), 2)
        markup = r.choice((3.0, 5.0, 8.0))
        out.append((acct.row_id, 1, f"AWS usage {acct.number} ({acct.env})", 1.0, cost, markup,
                    round(cost * (1 + markup / 100), 2)))
    if r.random() < 0.5:
        out.append((None, 7, "Managed Services - Essentials (monthly)", 1.0, 0.0, 0.0, 2500.0))
    return out


def c_billing_bill_line(plan: Plan) -> Iterator[dict]:
    n = 0
    for bill_id, c, back in iter_bills(plan):
        at = min(_midnight(month_start(back)) + timedelta(days=33), ANCHOR)
        for account_id, product, label, qty, cost, markup, subtotal in _bill_lines(plan, bill_id, c):
            n += 1
            yield {"id": n, "create_uid": 1, "create_date": at, "write_uid": 1, "write_date": at, "bill_id": bill_id,
                   "aws_account_id": account_id, "product_id": product, "name": label, "quantity": money(qty),
                   "cost_amount": money(cost), "markup_pct": money(markup), "price_subtotal": money(subtotal)}
