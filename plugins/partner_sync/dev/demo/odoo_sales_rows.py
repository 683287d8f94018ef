"""Rows of odoo_demo's sales, invoicing and project tables (product_template, sale_order(_line),
project_project, account_move(_line)).

Orders hang off won/proposed opportunities, projects off confirmed orders, invoices off orders or
AWS resale; line ids live in fixed per-parent slots (order k -> ids 6k+1.., move m -> 8m+1..) so a
child's id is known without a lookup, and the gaps look like deleted lines, as in any real Odoo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Iterator

from partner_sync.dev.demo import world
from partner_sync.dev.demo.determinism import ANCHOR, AffinePermutation, before_anchor, rng
from partner_sync.dev.demo.odoo_rows import INSTALL
from partner_sync.dev.demo.values import jsonb, money, translated
from partner_sync.dev.demo.world import Plan

ORDER_LINE_SLOTS = 6
MOVE_LINE_SLOTS = 8
EUR, USD = 1, 2
EU_REVERSE_CHARGE = {"DE", "AT", "NL", "BE", "LU", "ES", "IT", "DK", "SE", "PL", "IE", "PT"}
# id, en_US, fr_FR, list price, default_code, detailed_type, recurring, active
PRODUCTS = (
    (1, "AWS Usage (resale)", "Consommation AWS (revente)", 1.0, "AWS-USAGE", "service", True, True),
    (2, "AWS Marketplace subscription", None, 1.0, "AWS-MP", "service", True, True),
    (3, "Cloud Migration Assessment", "Évaluation de migration cloud", 12000.0, "SVC-MIGASSESS", "service", False, True),
    (4, "Migration Readiness Assessment (MRA)", "Évaluation MRA", 15000.0, "SVC-MRA", "service", False, True),
    (5, "Well-Architected Review", "Revue Well-Architected", 6000.0, "SVC-WAR", "service", False, True),
    (6, "Landing Zone setup", "Mise en place Landing Zone", 18000.0, "SVC-LZ", "service", False, True),
    (7, "Managed Services - Essentials (monthly)", "Services managés - Essentiel (mensuel)", 2500.0, "MSP-ESS", "service", True, True),
    (8, "Managed Services - Premium (monthly)", "Services managés - Premium (mensuel)", 7500.0, "MSP-PREM", "service", True, True),
    (9, "DevOps consulting day", "Journée de conseil DevOps", 1200.0, "DAY-DEVOPS", "service", False, True),
    (10, "Solutions Architect day", "Journée architecte solutions", 1400.0, "DAY-SA", "service", False, True),
    (11, "Data engineering day", None, 1300.0, "DAY-DATA", "service", False, True),
    (12, "Project management day", "Journée de gestion de projet", 1100.0, "DAY-PM", "service", False, True),
    (13, "Training - AWS Cloud Practitioner", "Formation AWS Cloud Practitioner", 700.0, "TRN-CP", "service", False, True),
    (14, "Enterprise Support (resale)", "Support Entreprise (revente)", 1.0, "AWS-ES", "service", True, True),
    (15, "Security assessment", "Audit de sécurité", 9000.0, "SVC-SEC", "service", False, True),
    (16, "FinOps review", None, 5000.0, "SVC-FINOPS", "service", False, True),
    (17, "SAP Basis on AWS (monthly)", "Basis SAP sur AWS (mensuel)", 4000.0, "MSP-SAP", "service", True, True),
    (18, "Amazon Connect implementation", None, 20000.0, "SVC-CONNECT", "service", False, True),
    (19, None, "PoC IA générative (Bedrock)", 15000.0, "SVC-GENAI", "service", False, True),
    (20, "Backup & DR as a service (monthly)", "Sauvegarde et PRA (mensuel)", 900.0, "MSP-DR", "service", True, True),
    (21, "Travel expenses", "Frais de déplacement", 0.0, "EXP-TRAVEL", "service", False, True),
    (22, "AWS Snowball rental", None, 3000.0, "HW-SNOW", "consu", False, False),
    (23, "Migration day (legacy rate)", "Journée migration (ancien tarif)", 950.0, "DAY-MIG-OLD", "service", False, False),
)
_SERVICE_PRODUCTS = tuple(p[0] for p in PRODUCTS if p[0] >= 3 and p[7])


def product_template(plan: Plan) -> Iterator[dict]:
    for pid, en, fr, price, code, dtype, recurring, active in PRODUCTS:
        r = rng(plan.seed, "product", pid)
        created = INSTALL + timedelta(days=3 + pid * 5)
        service = dtype == "service"
        yield {"id": pid, "sequence": 1, "categ_id": 4 if service else 1, "uom_id": 1 if pid in (1, 2, 14) or not service else 4,
               "uom_po_id": 1 if pid in (1, 2, 14) or not service else 4, "company_id": None, "color": 0,
               "create_uid": 2, "write_uid": 2, "detailed_type": dtype, "type": dtype, "default_code": code,
               "priority": "0", "name": translated(en, fr),
               "description_sale": translated(f"{en or fr} - see statement of work", None) if r.random() < 0.4 else None,
               "list_price": money(price), "volume": money(0), "weight": money(0), "sale_ok": True,
               "purchase_ok": not service, "active": active, "can_image_1024_be_zoomed": False,
               "has_configurable_attributes": False, "create_date": created,
               "write_date": created + timedelta(days=r.randrange(0, 400)),
               "service_type": "manual" if service else None, "sale_line_warn": "no-message",
               "expense_policy": "cost" if pid == 21 else "no",
               "invoice_policy": "delivery" if pid in (1, 2, 14) else "order",
               "service_tracking": "project_only" if pid in (3, 4, 6, 18, 19) else "no"}


# -- sale orders -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    product_id: int | None
    name: str
    qty: float
    price: float
    discount: float
    tax_rate: float
    section: bool = False

    @property
    def subtotal(self) -> float:
        return round(self.qty * self.price * (1 - self.discount / 100), 2)


@dataclass(frozen=True)
class Order:
    k: int
    id: int
    name: str
    lead: world.Lead | None
    c: int
    partner_id: int
    invoice_partner_id: int
    shipping_partner_id: int
    state: str
    date_order: datetime
    created: datetime
    written: datetime
    user_id: int | None
    team_id: int | None
    lines: tuple[Line, ...]

    @property
    def untaxed(self) -> float:
        return round(sum(line.subtotal for line in self.lines), 2)

    @property
    def tax(self) -> float:
        return round(sum(line.subtotal * line.tax_rate for line in self.lines), 2)


def _tax_rate(country: str) -> float:
    return 0.20 if country == "FR" else 0.0  # intra-EU B2B reverse charge / export: no VAT


@lru_cache(maxsize=1)
def _order_perm(plan: Plan) -> AffinePermutation:
    return AffinePermutation(plan.n_leads, plan.seed, "order->lead")


def order(plan: Plan, k: int) -> Order:
    r = rng(plan.seed, "order", k)
    ld = world.lead(plan, _order_perm(plan)(k))
    if ld.type != "opportunity" or r.random() > 0.85:
        ld = None
    if ld is not None:
        c = ld.c
        if ld.status == "won":
            state = "sale"
        elif ld.status == "lost":
            state = "cancel" if r.random() < 0.7 else "draft"
        else:
            state = ("sent" if r.random() < 0.6 else "draft") if ld.stage_id in (3, 5) else "draft"
        created = min(ld.create_date + timedelta(days=r.randrange(1, 40)), ANCHOR - timedelta(days=1))
        date_order = ld.date_closed if state == "sale" and ld.date_closed else created
        user = plan.sales_user_id(ld.user_k) if ld.user_k is not None else None
        team = ld.team_id
    else:
        c = r.randrange(plan.n_companies)
        state = r.choices(("sale", "draft", "sent", "cancel"), (70, 15, 10, 5))[0]
        created = before_anchor(r, 800, 1)
        date_order = created + timedelta(hours=r.randrange(0, 48)) if state == "sale" else created
        user = plan.sales_user_id(r.randrange(plan.n_sales))
        team = r.choice((1, 4, 6, 7))
    date_order = min(date_order, ANCHOR - timedelta(minutes=10))
    comp = world.company(plan, c)
    pid = plan.company_partner_id(c)
    invoice_pid = pid + 2 if comp.slot2 == "invoice" else pid
    shipping_pid = pid + 2 if comp.slot2 == "delivery" else pid
    rate = _tax_rate(comp.org.country.code)
    lines: list[Line] = []
    n = r.choices((1, 2, 3, 4, 5), (15, 25, 30, 20, 10))[0]
    for t in range(n):
        if t == 1 and n >= 3 and r.random() < 0.15:
            lines.append(Line(None, "Phase 2 - run", 0.0, 0.0, 0.0, 0.0, section=True))
            continue
        pid_ = r.choice(_SERVICE_PRODUCTS) if t == 0 else r.choice((1, 9, 10, 11, 12, 7, 14, 21))
        product = PRODUCTS[pid_ - 1]
        if pid_ in (1, 14):
            qty, price = float(round(r.uniform(500, 40000), 2)), 1.0
        elif product[6]:
            qty, price = float(r.choice((1, 3, 6, 12))), product[3]
        else:
            qty, price = float(r.choice((1, 1, 2, 3, 5, 10, 20))), product[3]
        discount = r.choice((0.0, 0.0, 0.0, 5.0, 10.0, 15.0))
        lines.append(Line(pid_, product[1] or product[2], qty, price, discount, rate))
    written = min(date_order + timedelta(days=r.randrange(0, 30)), ANCHOR)
    return Order(k, k + 1, f"S{k + 1:05d}", ld, c, pid, invoice_pid, shipping_pid, state, date_order, created,
                 max(written, created), user, team, tuple(lines))


def project_of_order(plan: Plan, o: Order) -> int | None:
    """Every fifth confirmed order created a project (project p <- order 5p)."""
    p = o.k // 5
    return p + 1 if o.k % 5 == 0 and p < plan.n_projects and o.state == "sale" else None


def sale_order(plan: Plan) -> Iterator[dict]:
    for k in range(plan.n_orders):
        o = order(plan, k)
        r = rng(plan.seed, "order-row", k)
        untaxed, tax = o.untaxed, o.tax
        invoiced = o.state == "sale" and r.random() < 0.7
        yield {"id": o.id, "campaign_id": None, "source_id": None, "medium_id": None, "company_id": 1,
               "partner_id": o.partner_id, "journal_id": None, "partner_invoice_id": o.invoice_partner_id,
               "partner_shipping_id": o.shipping_partner_id, "fiscal_position_id": 2 if tax == 0 else None,
               "payment_term_id": r.choice((1, 2, 4)), "pricelist_id": 1, "currency_id": EUR, "user_id": o.user_id,
               "team_id": o.team_id, "analytic_account_id": None, "create_uid": o.user_id or 2,
               "write_uid": o.user_id or 2, "access_token": None, "name": o.name, "state": o.state,
               "client_order_ref": f"PO-{r.randrange(10**5, 10**6)}" if r.random() < 0.3 else None,
               "origin": o.lead.title if o.lead else None, "reference": None,
               "signed_by": None, "invoice_status": ("invoiced" if invoiced else "to invoice") if o.state == "sale" else "no",
               "validity_date": (o.created + timedelta(days=30)).date(), "note": "<p>Payment terms: 30 days.</p>",
               "currency_rate": money(1.0), "amount_untaxed": money(untaxed), "amount_tax": money(tax),
               "amount_total": money(untaxed + tax), "amount_to_invoice": money(0 if invoiced else untaxed + tax),
               "locked": o.state == "sale" and r.random() < 0.2, "require_signature": False, "require_payment": False,
               "create_date": o.created, "commitment_date": None, "date_order": o.date_order,
               "signed_on": None, "write_date": o.written, "prepayment_percent": 1.0,
               "pending_email_template_id": None, "opportunity_id": o.lead.id if o.lead else None,
               "sale_order_template_id": None, "project_id": project_of_order(plan, o),
               "x_studio_aws_po_number": f"4500{r.randrange(10**6):06d}" if r.random() < 0.25 else None,
               "x_studio_billing_period": o.date_order.strftime("%Y-%m") if o.lines[0].product_id in (1, 14) else None,
               "x_studio_spp_discount": money(r.choice((0, 2, 3, 5))) if r.random() < 0.2 else None}


def sale_order_line(plan: Plan) -> Iterator[dict]:
    for k in range(plan.n_orders):
        o = order(plan, k)
        project = project_of_order(plan, o)
        invoiced = o.state == "sale"
        for t, line in enumerate(o.lines):
            row = {"id": ORDER_LINE_SLOTS * k + t + 1, "order_id": o.id, "sequence": 10 + t, "company_id": 1,
                   "currency_id": EUR, "order_partner_id": o.partner_id, "salesman_id": o.user_id,
                   "create_uid": o.user_id or 2, "write_uid": o.user_id or 2, "state": o.state, "create_date": o.created,
                   "write_date": o.written, "is_downpayment": False, "is_expense": line.product_id == 21,
                   "name": line.name, "discount": money(line.discount), "customer_lead": 0.0}
            if line.section:
                row.update(display_type="line_section", product_uom_qty=money(0), price_unit=money(0),
                           price_subtotal=money(0), price_total=money(0), price_tax=0.0)
            else:
                sub = line.subtotal
                tax = round(sub * line.tax_rate, 2)
                row.update(product_id=line.product_id, product_uom=1 if line.product_id in (1, 2, 14) else 4,
                           qty_delivered_method="manual" if line.product_id not in (1, 14) else "analytic",
                           invoice_status=("invoiced" if invoiced else "no"),
                           analytic_distribution=jsonb({"3": 100.0}) if t == 0 and project else None,
                           product_uom_qty=money(line.qty), price_unit=money(line.price), price_subtotal=money(sub),
                           price_total=money(sub + tax), price_reduce_taxexcl=money(sub / line.qty if line.qty else 0),
                           price_reduce_taxinc=money((sub + tax) / line.qty if line.qty else 0),
                           qty_delivered=money(line.qty if invoiced else 0), qty_invoiced=money(line.qty if invoiced else 0),
                           qty_to_invoice=money(0), untaxed_amount_invoiced=money(sub if invoiced else 0),
                           untaxed_amount_to_invoice=money(0 if invoiced else sub), price_tax=tax,
                           product_packaging_qty=0.0, is_service=True,
                           project_id=project if t == 0 else None)
            yield row


def project_project(plan: Plan) -> Iterator[dict]:
    for p in range(plan.n_projects):
        r = rng(plan.seed, "project", p)
        o = order(plan, 5 * p) if 5 * p < plan.n_orders else None
        linked = o is not None and o.state == "sale"
        if linked and o.lead is not None:
            title = o.lead.theme.odoo[0]
            c = o.c
        else:
            c = r.randrange(plan.n_companies)
            title = r.choice(("Internal tooling", "Run & maintenance", "AWS account factory", "Customer onboarding"))
        comp = world.company(plan, c)
        en = f"{comp.org.name.core} - {title}"
        lang = r.random()
        name = translated(en, None) if lang < 0.5 else (translated(en, f"{comp.org.name.core} - {title} (FR)") if lang < 0.9
                                                           else translated(None, f"{comp.org.name.core} - {title}"))
        created = min((o.date_order if linked else before_anchor(r, 700, 5)) + timedelta(days=1), ANCHOR - timedelta(hours=1))
        start = created.date() + timedelta(days=r.randrange(0, 30))
        end = start + timedelta(days=r.randrange(30, 300)) if r.random() < 0.7 else None
        yield {"id": p + 1, "alias_id": 100 + p, "sequence": 10, "partner_id": plan.company_partner_id(c),
               "company_id": 1, "analytic_account_id": p + 3, "color": r.randrange(0, 12),
               "user_id": plan.sales_user_id(r.randrange(plan.n_sales)), "stage_id": r.choice((1, 2, 3)),
               "last_update_id": None, "create_uid": 2, "write_uid": 2, "access_token": None,
               "privacy_visibility": r.choice(("followers", "employees", "portal")), "rating_status": "stage",
               "rating_status_period": "monthly", "last_update_status": r.choice(("on_track", "at_risk", "to_define", "done")),
               "date_start": start, "date": end, "name": name, "label_tasks": translated("Tasks", "Tâches"),
               "task_properties_definition": None, "description": None, "active": r.random() > 0.1,
               "allow_task_dependencies": False, "allow_milestones": r.random() < 0.3, "rating_active": False,
               "rating_request_deadline": None, "create_date": created,
               "write_date": created + timedelta(seconds=int(r.random() * (ANCHOR - created).total_seconds())),
               "sale_line_id": ORDER_LINE_SLOTS * o.k + 1 if linked else None, "allow_billable": linked}


# -- invoices ----------------------------------------------------------------------------------------
_MOVE_KINDS = ("out_invoice",) * 7 + ("out_refund", "in_invoice", "entry")


def move_kind(m: int) -> str:
    """Move m's type: 7 in 10 customer invoices, then a refund, an AWS vendor bill and a misc entry."""
    return _MOVE_KINDS[m % 10]


def account_move(plan: Plan) -> Iterator[dict]:
    for m in range(plan.n_moves):
        head, _ = _move(plan, m)
        yield head


def account_move_line(plan: Plan) -> Iterator[dict]:
    for m in range(plan.n_moves):
        _, lines = _move(plan, m)
        yield from lines


def _move(plan: Plan, m: int) -> tuple[dict, list[dict]]:
    r = rng(plan.seed, "move", m)
    kind = move_kind(m)
    o = order(plan, m) if kind == "out_invoice" and m < plan.n_orders else None
    if o is not None and o.state != "sale":
        o = None
    if kind == "in_invoice":
        partner, c = r.choice((world.PARTNER_AWS_EMEA, world.PARTNER_AWS_INC)), None
    elif kind == "entry":
        partner, c = None, None
    elif o is not None:
        partner, c = o.invoice_partner_id, o.c
    else:
        c = r.randrange(plan.n_companies)
        partner = plan.company_partner_id(c)
    commercial = plan.company_partner_id(c) if c is not None else partner
    when = (o.date_order + timedelta(days=r.randrange(0, 20))) if o else before_anchor(r, 720, 1)
    when = min(when, ANCHOR - timedelta(hours=2))
    state = r.choices(("posted", "draft", "cancel"), (85, 10, 5))[0]
    journal, prefix = {"out_invoice": (1, "INV"), "out_refund": (1, "RINV"), "in_invoice": (2, "BILL"),
                       "entry": (3, "MISC")}[kind]
    seq_prefix = f"{prefix}/{when.year}/"
    name = f"{seq_prefix}{m + 1:05d}" if state != "draft" else "/"
    currency = USD if kind == "in_invoice" else EUR
    fx = 0.92 if currency == USD else 1.0
    # product lines: (label, product, qty, price, tax rate)
    items: list[tuple[str, int | None, float, float, float]] = []
    if o is not None:
        items = [(ln.name, ln.product_id, ln.qty, ln.price * (1 - ln.discount / 100), ln.tax_rate)
                 for ln in o.lines if not ln.section][:4]
    elif kind == "in_invoice":
        month = when.strftime("%B %Y")
        items = [(f"AWS Solution Provider usage - {month}", 1, 1.0, round(r.uniform(2000, 90000), 2), 0.0)]
        if r.random() < 0.5:
            items.append((f"AWS Enterprise Support - {month}", 14, 1.0, round(r.uniform(500, 9000), 2), 0.0))
    elif kind == "entry":
        items = [("Accrued AWS cost", None, 1.0, round(r.uniform(1000, 50000), 2), 0.0)]
    else:
        rate = _tax_rate(world.company(plan, c).org.country.code)
        items = [(f"AWS usage - {when.strftime('%B %Y')}", 1, round(r.uniform(300, 30000), 2), 1.0, rate)]
        if r.random() < 0.4:
            items.append(("Managed Services - Essentials (monthly)", 7, 1.0, 2500.0, rate))
    sign = {"out_invoice": -1, "out_refund": 1, "in_invoice": 1, "entry": 1}[kind]  # sign of product-line balance
    untaxed = round(sum(q * p for _, _, q, p, _ in items), 2)
    tax = round(sum(q * p * t for _, _, q, p, t in items), 2)
    total = round(untaxed + tax, 2)
    paid = state == "posted" and kind != "entry"
    pay_state = r.choices(("paid", "not_paid", "partial", "in_payment"), (60, 25, 8, 7))[0] if paid else "not_paid"
    residual = {"paid": 0.0, "in_payment": 0.0, "partial": round(total * 0.5, 2)}.get(pay_state, total)
    due = when.date() + timedelta(days=30)
    created = when
    written = min(when + timedelta(days=r.randrange(0, 45)), ANCHOR)
    invoice = kind != "entry"
    out = kind in ("out_invoice", "out_refund")
    head = {"id": m + 1, "sequence_number": m + 1 if state != "draft" else 0, "journal_id": journal, "company_id": 1,
            "partner_id": partner, "commercial_partner_id": commercial,
            "partner_shipping_id": partner if out else None, "currency_id": currency,
            "invoice_user_id": (o.user_id if o else plan.sales_user_id(r.randrange(plan.n_sales))) if out else None,
            "create_uid": 2, "write_uid": 2, "sequence_prefix": seq_prefix, "name": name,
            "ref": f"AWS-{r.randrange(10**9)}" if kind == "in_invoice" else None, "state": state, "move_type": kind,
            "auto_post": "no", "payment_reference": name if out and state == "posted" else None,
            "payment_state": pay_state if invoice else None,
            "invoice_partner_display_name": world.company(plan, c).name.strip() if c is not None and invoice else None,
            "invoice_origin": o.name if o else None, "date": when.date(),
            "invoice_date": when.date() if invoice else None, "invoice_date_due": due if invoice else None,
            "amount_untaxed": money(untaxed), "amount_tax": money(tax),
            "amount_total": money(total), "amount_residual": money(residual),
            "amount_untaxed_signed": money(-sign * untaxed * fx), "amount_tax_signed": money(-sign * tax * fx),
            "amount_total_signed": money(-sign * total * fx), "amount_total_in_currency_signed": money(-sign * total),
            "amount_residual_signed": money(-sign * residual * fx), "quick_edit_total_amount": money(0),
            "is_storno": False, "always_tax_exigible": False, "to_check": False, "posted_before": state != "draft",
            "is_move_sent": out and state == "posted", "create_date": created, "write_date": written,
            "team_id": o.team_id if o else None}
    lines: list[dict] = []
    base_id = MOVE_LINE_SLOTS * m + 1
    common = {"move_id": m + 1, "journal_id": journal, "company_id": 1, "company_currency_id": EUR,
              "currency_id": currency, "partner_id": commercial if kind != "entry" else None, "create_uid": 2,
              "write_uid": 2, "move_name": name, "parent_state": state, "ref": head["ref"], "date": when.date(),
              "invoice_date": head["invoice_date"], "discount": money(0), "discount_amount_currency": money(0),
              "discount_balance": money(0), "tax_tag_invert": False, "reconciled": False, "blocked": False,
              "create_date": created, "write_date": written, "is_downpayment": False}

    def amounts(cur_amount: float) -> dict:
        bal = round(cur_amount * fx, 2)
        return {"debit": money(max(bal, 0)), "credit": money(max(-bal, 0)), "balance": money(bal),
                "amount_currency": money(cur_amount), "amount_residual": money(0),
                "amount_residual_currency": money(0)}

    for t, (label, product, qty, price, rate) in enumerate(items):
        sub = round(qty * price, 2)
        lines.append({**common, **amounts(sign * sub), "id": base_id + t, "sequence": 10 + t,
                      "account_id": {1: 21, -1: 17}[sign] if kind != "entry" else 25, "product_id": product,
                      "product_uom_id": 1 if product else None, "name": label, "display_type": "product",
                      "quantity": money(qty), "price_unit": money(price), "price_subtotal": money(sub),
                      "price_total": money(sub * (1 + rate)), "tax_base_amount": money(0),
                      "analytic_distribution": jsonb({"3": 100.0}) if r.random() < 0.2 else None})
    n = len(items)
    if tax:
        lines.append({**common, **amounts(sign * tax), "id": base_id + n, "sequence": 10 + n, "account_id": 13,
                      "tax_line_id": 1, "tax_group_id": 1, "name": "TVA 20%", "display_type": "tax",
                      "tax_base_amount": money(untaxed), "quantity": money(0), "price_unit": money(0),
                      "price_subtotal": money(0), "price_total": money(0)})
        n += 1
    counter = -sign * total
    cp = {"account_id": 6 if out else (14 if kind == "in_invoice" else 26), "name": name if invoice else "Accrual",
          "display_type": "payment_term" if invoice else "product", "date_maturity": due if invoice else None,
          "quantity": money(0), "price_unit": money(0), "price_subtotal": money(0), "price_total": money(0),
          "tax_base_amount": money(0)}
    row = {**common, **amounts(counter), **cp, "id": base_id + n, "sequence": 10 + n}
    if invoice:
        row["amount_residual"] = money(residual * fx * (1 if counter >= 0 else -1))
        row["amount_residual_currency"] = money(residual * (1 if counter >= 0 else -1))
        row["reconciled"] = pay_state == "paid"
        row["matching_number"] = f"A{m + 1}" if pay_state == "paid" else None
    lines.append(row)
    return head, lines
