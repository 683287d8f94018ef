"""Rows of odoo_demo's reference and CRM tables: countries, states, teams, stages, users, partners, leads.

Each generator yields one dict per row (column -> value; absent columns are NULL), in id order, and
derives every row from world.py facts, so the tables agree with each other and with apn_demo.
"""

from __future__ import annotations

from datetime import timedelta
from random import Random
from typing import Iterator

from partner_sync.dev.demo import names, world
from partner_sync.dev.demo.determinism import ANCHOR, rng
from partner_sync.dev.demo.geo import COUNTRIES, COUNTRY_ID, CURRENCY_IDS, STATE_ID, STATES
from partner_sync.dev.demo.values import jsonb, money, translated
from partner_sync.dev.demo.world import Plan

INSTALL = ANCHOR - timedelta(days=1100)  # when the Odoo database was created
EU = {"DE", "FR", "AT", "NL", "BE", "LU", "ES", "IT", "DK", "SE", "PL", "IE", "PT"}
TEAMS = (  # id, en_US, fr_FR (None = missing), use_leads
    (1, "Sales", "Ventes", True), (2, "Website", "Site web", True), (3, "AWS Alliance", None, False),
    (4, "Enterprise DACH", "Grands comptes DACH", False), (5, "Public Sector", "Secteur public", False),
    (6, "Managed Services", "Services managés", False), (7, None, "Équipe France", True),
)
STAGES = (  # id, en_US, fr_FR, sequence, is_won, fold, team_id, requirements
    (1, "New", "Nouveau", 1, False, False, None, None),
    (2, "Qualified", "Qualifié", 2, False, False, None, "Budget, authority, need and timing confirmed"),
    (3, "Proposition", "Proposition", 3, False, False, None, "Proposal sent; AWS pricing calculator attached"),
    (4, "Won", "Gagné", 70, True, False, None, None),
    (5, "Negotiation", None, 4, False, False, None, None),
    (6, None, "Validation co-sell AWS", 5, False, False, 3, "Opportunity shared on ACE and accepted by AWS"),
)
SEGMENT_PROPERTY = "a3f0c1d2e4b5a6c7"  # crm_team 3's lead property (aws segment)


def res_country(plan: Plan) -> Iterator[dict]:
    for n, c in enumerate(COUNTRIES, start=1):
        vat = translated("VAT", "TVA") if c.code in EU else (translated("GST", None) if c.code in ("AU", "IN", "SG") else None)
        yield {"id": n, "currency_id": CURRENCY_IDS.get(c.currency), "phone_code": c.phone, "create_uid": 1,
               "write_uid": 1, "code": c.code, "name_position": "before", "name": translated(c.en, c.fr),
               "vat_label": vat,
               "address_format": "%(street)s\n%(street2)s\n%(city)s %(state_code)s %(zip)s\n%(country_name)s",
               "state_required": c.code in ("US", "CA", "AU", "IN", "BR", "JP"), "zip_required": True,
               "create_date": INSTALL, "write_date": INSTALL}


def res_country_state(plan: Plan) -> Iterator[dict]:
    for n, (cc, sc, name) in enumerate(STATES, start=1):
        yield {"id": n, "country_id": COUNTRY_ID[cc], "create_uid": 1, "write_uid": 1, "name": name, "code": sc,
               "create_date": INSTALL, "write_date": INSTALL}


def crm_team(plan: Plan) -> Iterator[dict]:
    for tid, en, fr, use_leads in TEAMS:
        definition = None
        if tid == 3:
            definition = [{"name": SEGMENT_PROPERTY, "type": "selection", "string": "AWS Segment",
                           "selection": [["ent", "ENT"], ["mm", "MM"], ["smb", "SMB"], ["isv", "ISV"], ["pub", "Public Sector"]]}]
        created = INSTALL + timedelta(days=2 + tid * 11)
        yield {"id": tid, "sequence": tid * 10, "company_id": 1, "user_id": plan.sales_user_id(tid % plan.n_sales),
               "color": tid, "create_uid": 2, "write_uid": 2, "name": translated(en, fr), "active": True,
               "create_date": created, "write_date": created + timedelta(days=40 * tid), "alias_id": 10 + tid,
               "lead_properties_definition": jsonb(definition), "use_leads": use_leads, "use_opportunities": True,
               "assignment_optout": False, "invoiced_target": float(250000 * tid) if tid != 2 else 0.0}


def crm_stage(plan: Plan) -> Iterator[dict]:
    for sid, en, fr, seq, won, fold, team, req in STAGES:
        created = INSTALL if sid <= 4 else INSTALL + timedelta(days=30 + sid)
        yield {"id": sid, "sequence": seq, "team_id": team, "create_uid": 1 if sid <= 4 else 2, "write_uid": 2,
               "name": translated(en, fr), "requirements": req, "is_won": won, "fold": fold,
               "create_date": created, "write_date": created}


def res_users(plan: Plan) -> Iterator[dict]:
    system = (  # id, login, partner, active, share
        (1, "__system__", world.PARTNER_ODOOBOT, False, False), (2, "admin", world.PARTNER_ADMIN, True, False),
        (3, "default", world.PARTNER_DEFAULT_TMPL, False, False), (4, "public", world.PARTNER_PUBLIC, False, True),
        (5, "portaltemplate", world.PARTNER_PORTAL_TMPL, False, True),
    )
    for uid, login, partner, active, share in system:
        yield {"id": uid, "company_id": 1, "partner_id": partner, "active": active, "create_date": INSTALL,
               "login": login, "create_uid": 1, "write_uid": 1, "share": share, "write_date": INSTALL,
               "notification_type": "email", "odoobot_state": "disabled" if uid != 2 else "idle",
               "odoobot_failed": False, "password": _password(plan, uid) if uid == 2 else None}
    for k in range(plan.n_sales):
        r = rng(plan.seed, "user", k)
        person = world.salesperson(plan, k)
        created = INSTALL + timedelta(days=r.randrange(5, 900))
        yield {"id": plan.sales_user_id(k), "company_id": 1, "partner_id": plan.sales_partner_id(k),
               "active": r.random() > 0.08, "create_date": created, "login": person.email,
               "password": _password(plan, plan.sales_user_id(k)), "create_uid": 2, "write_uid": 2,
               "signature": f"<p>{person.name}<br/>Account Executive, Stratocloud</p>", "share": False,
               "write_date": created + timedelta(days=r.randrange(0, 60)),
               "totp_secret": None, "notification_type": r.choice(("email", "inbox")), "odoobot_state": "idle",
               "odoobot_failed": False, "sale_team_id": r.choice((1, 3, 4, 5, 6, 7)),
               "target_sales_won": r.choice((0, 50000, 100000)), "target_sales_done": 0, "target_sales_invoiced": 0}


def _password(plan: Plan, uid: int) -> str:
    """A pbkdf2 hash lookalike (a secret column: mirrors must exclude it)."""
    r = rng(plan.seed, "password", uid)
    salt = "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./") for _ in range(22))
    digest = "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./") for _ in range(86))
    return f"$pbkdf2-sha512$600000${salt}${digest}"


# -- res_partner -------------------------------------------------------------------------------------
def res_partner(plan: Plan) -> Iterator[dict]:
    yield from _fixed_partners()
    for k in range(plan.n_sales):
        person = world.salesperson(plan, k)
        pid = plan.sales_partner_id(k)
        yield {**_partner_defaults(INSTALL + timedelta(days=5 + k)), "id": pid, "company_id": 1, "name": person.name,
               "parent_id": world.PARTNER_COMPANY, "commercial_partner_id": world.PARTNER_COMPANY,
               "complete_name": f"Stratocloud SAS, {person.name}", "email": person.email,
               "email_normalized": person.email, "type": "contact", "is_company": False, "partner_share": False,
               "lang": "fr_FR", "tz": "Europe/Paris", "country_id": COUNTRY_ID["FR"],
               "commercial_company_name": "Stratocloud SAS", "function": person.function}
    for c in range(plan.n_companies):
        yield from _company_block(plan, c)


def _partner_defaults(created) -> dict:
    return {"create_date": created, "write_date": created, "create_uid": 2, "write_uid": 2, "color": 0,
            "active": True, "employee": False, "message_bounce": 0, "invoice_warn": "no-message",
            "sale_warn": "no-message", "supplier_rank": 0, "customer_rank": 0, "partner_gid": 0}


def _fixed_partners() -> Iterator[dict]:
    fixed = (  # id, name, active, is_company, parent, email, share, supplier_rank
        (1, "Stratocloud SAS", True, True, None, "contact@stratocloud.eu", False, 0),
        (2, "OdooBot", False, False, None, "odoobot@example.com", False, 0),
        (3, "Administrator", True, False, 1, "admin@stratocloud.eu", False, 0),
        (4, "Public user", False, False, 1, None, True, 0),
        (5, "Default User Template", False, False, None, None, False, 0),
        (6, "Portal User Template", False, False, 1, None, True, 0),
        (7, "Amazon Web Services, Inc.", True, True, None, "aws-receivables-support@email.amazon.com", True, 14),
        (8, "Amazon Web Services EMEA SARL", True, True, None, "aws-emea-billing@amazon.com", True, 31),
    )
    for pid, name, active, is_company, parent, mail, share, supplier in fixed:
        commercial = parent if parent else pid
        row = {**_partner_defaults(INSTALL), "id": pid, "name": name, "active": active, "is_company": is_company,
               "parent_id": parent, "commercial_partner_id": commercial, "type": "contact", "email": mail,
               "email_normalized": mail.lower() if mail else None, "partner_share": share,
               "complete_name": f"Stratocloud SAS, {name}" if parent else name, "supplier_rank": supplier,
               "commercial_company_name": "Stratocloud SAS" if commercial == 1 else (name if is_company else None),
               "company_id": 1 if pid == 1 else None, "create_uid": 1, "write_uid": 1}
        if pid == 1:
            row.update(street="12 rue de la Paix", city="Paris", zip="75002", country_id=COUNTRY_ID["FR"],
                       website="https://www.stratocloud.eu", vat="FR40123456789", phone="+33 1 84 88 00 00",
                       lang="fr_FR", tz="Europe/Paris")
        if pid == 7:
            row.update(street="410 Terry Avenue North", city="Seattle", zip="98109", country_id=COUNTRY_ID["US"],
                       state_id=STATE_ID[("US", "WA")], website="https://aws.amazon.com", vat="US911646860")
        if pid == 8:
            row.update(street="38 Avenue John F. Kennedy", city="Luxembourg", zip="L-1855", country_id=COUNTRY_ID["LU"],
                       website="aws.amazon.com", vat="LU26888617")
        yield row


def _company_block(plan: Plan, c: int) -> Iterator[dict]:
    """Company c's three partner rows: the company, a contact, and a contact/invoice/delivery/orphan row."""
    comp = world.company(plan, c)
    o = comp.org
    r = rng(plan.seed, "partner-row", c)
    pid = plan.company_partner_id(c)
    created = INSTALL + timedelta(seconds=int(r.uniform(0, (ANCHOR - INSTALL).total_seconds() - 86400 * 30)))
    written = created + timedelta(seconds=int(r.random() ** 3 * (ANCHOR - created).total_seconds()))
    country_id = COUNTRY_ID[o.country.code]
    state_id = STATE_ID.get((o.country.code, o.state_code)) if o.state_code else None
    user_id = plan.sales_user_id(r.randrange(plan.n_sales)) if r.random() < 0.8 else None
    address = {"street": o.street, "city": o.city, "zip": o.zip, "country_id": country_id, "state_id": state_id}
    company_row = {
        **_partner_defaults(created), **address, "id": pid, "company_id": None if r.random() < 0.9 else 1,
        "write_date": written, "name": comp.name, "parent_id": None, "commercial_partner_id": pid,
        "user_id": user_id, "industry_id": r.randrange(1, 22) if r.random() < 0.6 else None,
        "complete_name": comp.name.strip(), "ref": f"C{c + 1:06d}" if r.random() < 0.4 else None,
        "lang": o.country.lang if o.country.lang in ("en_US", "fr_FR") else "en_US", "tz": o.country.tz,
        "vat": o.vat, "company_registry": f"{r.randrange(10**8, 10**9)}" if r.random() < 0.3 else None,
        "website": names.website(r, o.domain) if r.random() < 0.85 else None,
        "type": "contact", "email": f"info@{o.domain}" if r.random() < 0.5 else None,
        "phone": names.phone(r, o.country) if r.random() < 0.7 else None,
        "commercial_company_name": comp.name, "is_company": True, "partner_share": True, "active": comp.active,
        "customer_rank": r.randrange(1, 9), "team_id": r.choice((1, 3, 4, 5, 6, 7)) if r.random() < 0.5 else None,
        "partner_latitude": money(r.uniform(-40, 60)) if r.random() < 0.2 else None,
        "partner_longitude": money(r.uniform(-120, 140)) if r.random() < 0.2 else None,
        "comment": "<p>Key account, quarterly business review.</p>" if r.random() < 0.05 else None,
        "debit_limit": money(0), "date": None,
        "x_studio_aws_segment": o.segment if r.random() < 0.7 else None,
        "x_studio_duns": o.duns if r.random() < 0.35 else None,
        "x_studio_customer_since": (created + timedelta(days=r.randrange(0, 60))).date() if r.random() < 0.5 else None,
        "x_studio_partner_tier": r.choice(("Gold", "Silver", "Bronze", "gold", None)),
        "ubl_cii_format": r.choice(("facturx", "ubl_bis3", "xrechnung", None, None, None)),
        "peppol_endpoint": None, "peppol_eas": None,
    }
    if company_row["email"]:
        company_row["email_normalized"] = company_row["email"].lower()
    if company_row["phone"]:
        company_row["phone_sanitized"] = names.e164(company_row["phone"], o.country)
    yield company_row
    for slot in (1, 2):
        yield _child(plan, c, slot, comp, company_row, address, created)


def _child(plan: Plan, c: int, slot: int, comp: world.Company, parent: dict, address: dict, created) -> dict:
    r = rng(plan.seed, f"partner-child{slot}", c)
    kind = "contact" if slot == 1 else comp.slot2
    pid = parent["id"] + slot
    made = created + timedelta(days=r.randrange(0, 200))
    made = min(made, ANCHOR - timedelta(days=1))
    base = {**_partner_defaults(made), "id": pid, "company_id": parent["company_id"], "lang": parent["lang"],
            "tz": parent["tz"], "user_id": parent["user_id"], "partner_share": True,
            "active": comp.active and r.random() > 0.06, "is_company": False,
            "write_date": made + timedelta(seconds=int(r.random() ** 3 * (ANCHOR - made).total_seconds()))}
    if kind in ("invoice", "delivery"):
        name = None if r.random() < 0.5 else ("Accounts Payable" if kind == "invoice" else "Warehouse")
        mail = f"invoices@{comp.org.domain}" if kind == "invoice" and r.random() < 0.7 else None
        company_name = comp.name.strip()
        return {**base, **address, "name": name, "parent_id": parent["id"], "commercial_partner_id": parent["id"],
                "type": kind, "email": mail, "email_normalized": mail,
                "complete_name": f"{company_name}, {name}" if name else company_name,
                "commercial_company_name": comp.name, "street2": "Service comptabilité" if r.random() < 0.2 else None}
    person = world.contact(plan, c, slot)
    row = {**base, "name": person.name, "type": "contact" if kind != "other" else "other", "email": person.email,
           "email_normalized": person.email.lower() if person.email else None, "phone": person.phone,
           "mobile": names.phone(r, comp.org.country) if r.random() < 0.3 else None, "function": person.function,
           "title": r.choice((None, None, 1, 2, 3))}
    if person.phone:
        row["phone_sanitized"] = names.e164(person.phone, comp.org.country)
    if kind == "orphan":  # a person typed in without linking the company: parent NULL, company only as text
        return {**row, "parent_id": None, "commercial_partner_id": pid, "complete_name": person.name,
                "company_name": comp.org.name.full if r.random() < 0.7 else comp.org.name.core,
                "commercial_company_name": None, "country_id": address["country_id"]}
    return {**row, **address, "parent_id": parent["id"], "commercial_partner_id": parent["id"],
            "complete_name": f"{comp.name.strip()}, {person.name}", "commercial_company_name": comp.name}


# -- crm_lead ----------------------------------------------------------------------------------------
_REGIONS = ("eu-central-1", "eu-west-1", "eu-west-3", "us-east-1", "us-west-2", "eu-north-1", "ap-northeast-1")
_LOST_REASONS = 7


def crm_lead(plan: Plan) -> Iterator[dict]:
    for i in range(plan.n_leads):
        yield lead_row(plan, world.lead(plan, i))


def am_as_typed(r: Random, first: str, last: str) -> str:
    """The AWS AM's name the way salespeople type it."""
    return r.choices((f"{first} {last}", f"{last}, {first}", f"{first} {last}".lower(), f"{first[0]}. {last}"),
                     (60, 15, 15, 10))[0]


def lead_row(plan: Plan, ld: world.Lead) -> dict:
    r = rng(plan.seed, "lead-row", ld.i)
    comp, o = ld.company, ld.company.org
    company_pid = plan.company_partner_id(ld.c)
    person = world.contact(plan, ld.c, ld.contact_slot)
    if ld.partner_mode == "company":
        partner_id = company_pid
    elif ld.partner_mode == "contact":
        partner_id = company_pid + ld.contact_slot
    else:
        partner_id = None
    if partner_id is None:
        partner_name = names.company_variant(r, o.name, r.choice(("exact", "exact", "case", "suffix", "typo")))
    else:
        partner_name = comp.name if r.random() < 0.7 else None
    with_contact = ld.partner_mode != "company" or r.random() < 0.3
    email_from = person.email if with_contact and person.email else None
    if email_from and r.random() < 0.15:  # typed with capitals: 'Anna.Weber@Veltora.de'
        local, host = email_from.split("@", 1)
        email_from = f"{local.title()}@{host.capitalize()}"
    domain_crit = None
    if email_from:
        host = email_from.split("@")[-1].lower()
        domain_crit = None if host in names.FREE_MAIL else host
    user_id = plan.sales_user_id(ld.user_k) if ld.user_k is not None else None
    created = ld.create_date
    opened = created + timedelta(minutes=r.randrange(1, 60 * 24 * 3)) if user_id else None
    converted = None
    if ld.type == "opportunity" and r.random() < 0.45:
        converted = created + timedelta(hours=r.randrange(1, 24 * 20))
    closed = ld.date_closed
    stage_update = closed or (created + timedelta(days=r.randrange(0, 60)))
    stage_update = min(stage_update, ld.write_date)
    expected = ld.expected_revenue
    recurring = round(expected / 12, -1) if ld.theme.recurring and expected else None
    prob = ld.probability
    am = am_as_typed(r, *o.aws_am) if ld.am_on_lead else None
    psm = None
    if ld.origination == "AWS Referral" or r.random() < 0.35:
        psm = " ".join(world.PSMS[o.o % len(world.PSMS)])
    country = o.country
    has_address = ld.partner_mode == "none" or r.random() < 0.4
    ace_typed = None
    if ld.twin is not None and r.random() < 0.06:
        ace_typed = world.ace_id(plan, 2 * ld.i)
    properties = {SEGMENT_PROPERTY: o.segment.lower()[:3] if o.segment != "Public Sector" else "pub"} if ld.team_id == 3 else None
    row = {
        "id": ld.id, "campaign_id": r.choice((None, None, None, 1, 2, 3)), "source_id": r.choice((None, None, 1, 2, 5, 7)),
        "medium_id": r.choice((None, None, 1, 3, 4)), "message_bounce": 0, "user_id": user_id, "team_id": ld.team_id,
        "company_id": 1 if r.random() < 0.95 else None, "stage_id": ld.stage_id, "color": 0,
        "recurring_plan": 1 if recurring else None, "partner_id": partner_id,
        "title": r.choice((None, None, None, 1, 2, 3)) if with_contact else None,
        "lang_id": 1 if country.lang.startswith("en") else (2 if country.lang.startswith("fr") else None),
        "state_id": STATE_ID.get((country.code, o.state_code)) if has_address and o.state_code else None,
        "country_id": COUNTRY_ID[country.code] if has_address else None,
        "lost_reason_id": r.randrange(1, _LOST_REASONS + 1) if ld.status == "lost" and r.random() < 0.8 else None,
        "create_uid": user_id or 2, "write_uid": user_id if (user_id and r.random() < 0.7) else 2,
        "phone_sanitized": names.e164(person.phone, country) if with_contact and person.phone else None,
        "email_normalized": email_from.lower() if email_from else None, "email_cc": None,
        "name": ld.title, "referred": r.choice(("AWS Summit Paris", "re:Invent", "AWS Partner Network")) if r.random() < 0.05 else None,
        "type": ld.type, "priority": r.choices(("0", "1", "2", "3"), (50, 30, 15, 5))[0],
        "contact_name": person.name if with_contact else None, "partner_name": partner_name,
        "function": person.function if with_contact else None, "email_from": email_from,
        "email_domain_criterion": domain_crit, "phone": person.phone if with_contact else None,
        "mobile": None, "phone_state": "correct" if with_contact and person.phone else None,
        "email_state": ("correct" if r.random() < 0.97 else "incorrect") if email_from else None,
        "website": names.website(r, o.domain) if r.random() < 0.55 else None,
        "street": o.street if has_address else None, "street2": None, "zip": o.zip if has_address else None,
        "city": o.city if has_address else None, "date_deadline": ld.date_deadline, "lead_properties": jsonb(properties),
        "description": f"<p>{person.first} wants to {ld.theme.problem}.</p>" if r.random() < 0.6 else None,
        "expected_revenue": money(expected), "prorated_revenue": money(expected * prob / 100),
        "recurring_revenue": money(recurring) if recurring else None,
        "recurring_revenue_monthly": money(recurring or 0), "recurring_revenue_monthly_prorated": money((recurring or 0) * prob / 100),
        "recurring_revenue_prorated": money((recurring or 0) * prob / 100), "active": ld.status != "lost",
        "date_closed": closed, "date_automation_last": None, "date_open": opened,
        "date_last_stage_update": stage_update, "date_conversion": converted, "create_date": created,
        "write_date": ld.write_date,
        "day_open": round((opened - created).total_seconds() / 86400, 2) if opened else None,
        "day_close": round((closed - created).total_seconds() / 86400, 2) if closed else None,
        "probability": prob, "automated_probability": round(min(99.0, max(1.0, prob * r.uniform(0.5, 1.3) + 3)), 2),
        "reveal_id": None, "iap_enrich_done": False, "lead_mining_request_id": None,
        "c_aws_account_id": plan.account_row_id(ld.account) if ld.account is not None else None,
        "c_origination": ld.origination if r.random() < 0.9 else None,
        "c_aws_am_name": am, "c_aws_psm_name": psm, "x_studio_ace_opportunity_id": ace_typed,
        "x_studio_aws_region": r.choice(_REGIONS) if r.random() < 0.4 else None,
        "x_studio_workload": ld.theme.use_case.split(" / ")[0][:40] if r.random() < 0.5 else None,
        "x_studio_mrr_estimate": money(expected / 12 * r.uniform(0.6, 1.2)) if expected and r.random() < 0.3 else None,
        "x_studio_marketplace": ld.origination == "Marketplace",
    }
    return row
