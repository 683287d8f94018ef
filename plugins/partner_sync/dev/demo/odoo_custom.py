"""The partner's own additions to Odoo: Studio fields (x_studio_*), the custom module's crm_lead fields (c_*)
and the custom module's tables (c_aws_accounts, c_aws_funding_request, c_billing_*).

Why separate from the catalog: these columns are not Odoo's, they are this customer's; each carries
a one-line meaning that docs/demo_sources.md repeats and the core layer relies on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Col:
    name: str
    type: str
    not_null: bool = False
    fk: str | None = None  # referenced table (created by the demo) or None
    on_delete: str | None = None
    doc: str = ""


def _magic() -> tuple[Col, ...]:
    """Odoo's magic columns every model gets (id first, audit columns)."""
    return (
        Col("id", "integer", True, doc="primary key (serial)"),
        Col("create_uid", "integer", fk="res_users", on_delete="set null", doc="res_users who created the row"),
        Col("create_date", "timestamp without time zone", doc="creation time, UTC, naive"),
        Col("write_uid", "integer", fk="res_users", on_delete="set null", doc="res_users who last wrote the row"),
        Col("write_date", "timestamp without time zone", doc="last write, UTC, naive: the incremental-sync cursor"),
    )


# Extra columns on standard Odoo tables, appended after Odoo's own (Studio adds them at the end).
EXTRA_COLUMNS: dict[str, tuple[Col, ...]] = {
    "crm_lead": (
        Col("c_aws_account_id", "integer", fk="c_aws_accounts", on_delete="set null",
            doc="custom module: the customer's AWS account (c_aws_accounts.id) the opportunity is about"),
        Col("c_origination", "character varying",
            doc="custom module: where the deal came from: Partner Referral / AWS Referral / Marketplace / Inbound Website / Event"),
        Col("c_aws_am_name", "character varying", doc="custom module: AWS account manager (sales rep) name, free text"),
        Col("c_aws_psm_name", "character varying", doc="custom module: AWS Partner Success Manager name, free text"),
        Col("x_studio_ace_opportunity_id", "character varying",
            doc="Studio: ACE opportunity id typed in by the salesperson (rarely filled)"),
        Col("x_studio_aws_region", "character varying", doc="Studio: main AWS region of the workload (eu-central-1 ...)"),
        Col("x_studio_workload", "character varying", doc="Studio: workload category picked by the salesperson"),
        Col("x_studio_mrr_estimate", "numeric", doc="Studio: estimated monthly AWS spend (EUR)"),
        Col("x_studio_marketplace", "boolean", doc="Studio: deal transacts through AWS Marketplace"),
    ),
    "res_partner": (
        Col("x_studio_aws_segment", "character varying", doc="Studio: AWS segment of the customer (ENT/MM/SMB/ISV/Public Sector)"),
        Col("x_studio_duns", "character varying", doc="Studio: D-U-N-S number (9 digits, as text)"),
        Col("x_studio_customer_since", "date", doc="Studio: first contract date"),
        Col("x_studio_partner_tier", "character varying", doc="Studio: internal customer tier (Gold/Silver/Bronze)"),
    ),
    "sale_order": (
        Col("x_studio_aws_po_number", "character varying", doc="Studio: customer's purchase-order number"),
        Col("x_studio_billing_period", "character varying", doc="Studio: billed month for AWS resale orders ('2026-05')"),
        Col("x_studio_spp_discount", "numeric", doc="Studio: SPP discount passed on to the customer, percent"),
    ),
}

STUDIO_COUNTS = {t: sum(c.name.startswith("x_studio_") for c in cols) for t, cols in EXTRA_COLUMNS.items()}

CUSTOM_TABLES: dict[str, tuple[Col, ...]] = {
    "c_aws_accounts": _magic() + (
        Col("name", "character varying", True, doc="display name, e.g. 'Veltora Logistics - production'"),
        Col("account_id", "character varying", True,
            doc="AWS account id as typed: 12 digits with leading zeros; a few malformed (11 digits, dashes, spaces, alias)"),
        Col("alias", "character varying", doc="IAM account alias"),
        Col("root_email", "character varying", doc="root user e-mail of the account"),
        Col("partner_id", "integer", fk="res_partner", on_delete="set null",
            doc="res_partner the account is registered to (usually the customer company, sometimes its contact or invoice address)"),
        Col("customer_company_id", "integer", fk="res_partner", on_delete="set null",
            doc="the customer company (res_partner, is_company) = commercial partner of partner_id"),
        Col("company_id", "integer", doc="res_company (the partner's own company, always 1; no FK: res_company is not in the demo)"),
        Col("user_id", "integer", fk="res_users", on_delete="set null", doc="salesperson responsible for the account"),
        Col("is_payer", "boolean", doc="management/payer account of an AWS organization"),
        Col("payer_account_id", "integer", fk="c_aws_accounts", on_delete="set null",
            doc="the payer account (c_aws_accounts.id) this linked account rolls up to; NULL for payers"),
        Col("is_billable", "boolean", doc="the partner re-bills this account's usage to the customer"),
        Col("environment", "character varying", doc="production / staging / dev / sandbox"),
        Col("active", "boolean", doc="false = archived"),
        Col("state", "character varying", doc="AWS account status: active / suspended / closed"),
        Col("billing_model", "character varying", doc="spp (billed through the partner's SPP payer) / direct / distribution"),
        Col("aws_org_id", "character varying", doc="AWS Organizations id, 'o-' + 10 chars"),
        Col("organizational_unit", "character varying", doc="OU path inside the customer's organization"),
        Col("support_plan", "character varying", doc="basic / developer / business / enterprise_on_ramp / enterprise"),
        Col("primary_region", "character varying", doc="main AWS region"),
        Col("joined_method", "character varying", doc="invited / created (how the account joined the payer's organization)"),
        Col("joined_date", "date", doc="date the account joined the organization"),
        Col("billing_start_date", "date", doc="first month the partner bills it"),
        Col("billing_end_date", "date", doc="last billed month (set when the account left)"),
        Col("spp_discount_pct", "numeric", doc="SPP discount the partner passes on, percent"),
        Col("monthly_budget", "numeric", doc="agreed monthly budget (USD)"),
        Col("last_month_cost", "numeric", doc="last month's unblended cost (USD)"),
        Col("currency_id", "integer", doc="res_currency id of the amounts (2 = USD)"),
        Col("lead_id", "integer", fk="crm_lead", on_delete="set null", doc="opportunity the account was opened for (rarely filled: always NULL in the demo)"),
        Col("cost_center", "character varying", doc="customer cost centre"),
        Col("marketplace_customer", "boolean", doc="buys through AWS Marketplace"),
        Col("note", "text", doc="internal notes (HTML)"),
        Col("message_main_attachment_id", "integer", doc="mail.thread main attachment (ir_attachment id)"),
    ),
    "c_aws_funding_request": _magic() + (
        Col("name", "character varying", True, doc="internal reference 'FUND/2026/0042'"),
        Col("apfp_fund_request_id", "character varying", doc="APN funding portal id of the request (apn funding_request.funding_request_id)"),
        Col("ace_opportunity_id", "character varying", doc="ACE opportunity id as typed (sometimes missing)"),
        Col("lead_id", "integer", fk="crm_lead", on_delete="set null", doc="the Odoo opportunity"),
        Col("partner_id", "integer", fk="res_partner", on_delete="set null", doc="customer company"),
        Col("aws_account_id", "integer", fk="c_aws_accounts", on_delete="set null", doc="customer AWS account"),
        Col("user_id", "integer", fk="res_users", on_delete="set null", doc="salesperson"),
        Col("team_id", "integer", fk="crm_team", on_delete="set null", doc="sales team"),
        Col("company_id", "integer", doc="res_company (1)"),
        Col("currency_id", "integer", doc="res_currency of the amounts (2 = USD)"),
        Col("program", "character varying", True, doc="funding program: MAP, POC, MDF, ISV WMP, Jumpstart, WAFR, Migration Assessment"),
        Col("program_phase", "character varying", doc="MAP phase: assess / mobilize / migrate"),
        Col("funding_type", "character varying", doc="cash / credits / cash_credits"),
        Col("stage", "character varying", True,
            doc="APFP stage: created, aws_review, tech_approval, business_approval, finance_approval, pre_approved, cash_claim, completed"),
        Col("status", "character varying", True, doc="APFP status: active, pending, terminated, expired, completed"),
        Col("activity_name", "character varying", doc="activity / project name as submitted"),
        Col("business_description", "text", doc="business description as submitted"),
        Col("project_start_date", "date", doc='planned activity start'), Col("project_end_date", "date", doc='planned activity end'),
        Col("submitted_date", "date", doc='first submitted to AWS'), Col("approved_date", "date", doc='reached Pre-approved'), Col("completed_date", "date", doc='reached Completed'),
        Col("claim_due_date", "date", doc="about a month after the project end"),
        Col("requested_cash_amount", "numeric", doc='cash requested (USD)'), Col("requested_credit_amount", "numeric", doc='AWS promotional credits requested (USD)'),
        Col("approved_cash_amount", "numeric", doc='cash approved (USD)'), Col("approved_credit_amount", "numeric", doc='credits approved (USD)'),
        Col("claimed_amount", "numeric", doc='cash claimed so far (USD)'), Col("received_amount", "numeric", doc='cash paid by AWS (USD)'),
        Col("partner_contribution", "numeric", doc="partner's share of the cost (USD)"), Col("customer_contribution", "numeric", doc="customer's share of the cost (USD)"),
        Col("total_project_cost", "numeric", doc='total activity cost (USD)'),
        Col("expected_arr", "numeric", doc="expected annual AWS revenue after the project (USD)"),
        Col("workload_count", "integer", doc="workloads in scope"),
        Col("po_number", "character varying", doc="AWS purchase order for cash funding"),
        Col("invoice_ref", "character varying", doc="partner invoice to AWS for the claim"),
        Col("credit_codes_issued", "integer", doc='number of credit codes received'), Col("credit_code_expiry", "date", doc='expiry of the credit codes'),
        Col("psm_name", "character varying", doc="AWS Partner Success Manager"),
        Col("psm_email", "character varying", doc='PSM e-mail'),
        Col("pdm_name", "character varying", doc="AWS Partner Development Manager"),
        Col("aws_approver_name", "character varying", doc='last AWS approver'),
        Col("rejection_reason", "text", doc='why AWS sent it back'),
        Col("resubmission_count", "integer", doc='times resubmitted after a rejection'),
        Col("mdf_wallet", "character varying", doc="MDF wallet (MDF programs only)"),
        Col("aws_region", "character varying", doc='main region of the funded workload'),
        Col("is_co_sell", "boolean", doc='the opportunity is shared with AWS on ACE'),
        Col("sow_signed", "boolean", doc="customer signed the statement of work"),
        Col("sow_reference", "character varying", doc='statement of work reference'),
        Col("poe_submitted", "boolean", doc="proof of execution uploaded"),
        Col("poe_date", "date", doc='proof of execution date'),
        Col("days_to_approval", "double precision", doc='days from submission to pre-approval'),
        Col("exchange_rate", "numeric", doc="USD -> EUR rate used for amount_eur"),
        Col("amount_eur", "numeric", doc="approved cash in company currency"),
        Col("priority", "character varying", doc="'0'..'2'"),
        Col("kanban_state", "character varying", doc="normal / done / blocked"),
        Col("color", "integer", doc='kanban colour'),
        Col("notes", "text", doc='internal notes'),
        Col("active", "boolean", doc='false = archived'),
        Col("message_main_attachment_id", "integer", doc='mail.thread main attachment (ir_attachment id)'),
        Col("access_token", "character varying", doc='portal access token (secret-like: mirrors exclude *token* columns)'),
        Col("map_arr_commitment", "numeric", doc="MAP: committed annual run rate (USD)"),
        Col("migration_wave", "integer", doc="MAP: wave number"),
        Col("customer_contact_id", "integer", fk="res_partner", on_delete="set null", doc="customer contact for the request"),
        Col("description", "text", doc="internal description (HTML)"),
        Col("reference_url", "character varying", doc="link to the request in the APN portal"),
    ),
    "c_billing_spp_bill": _magic() + (
        Col("name", "character varying", True, doc="AWS invoice number, e.g. 'EUINDE26-123456'"),
        Col("payer_account_id", "integer", fk="c_aws_accounts", on_delete="restrict", doc="the partner's SPP payer account"),
        Col("billing_period", "date", True, doc="first day of the billed month"),
        Col("bill_type", "character varying", doc="usage / credit / spp_discount / tax / marketplace"),
        Col("amount_usd", "numeric", doc="amount AWS billed (USD, credits negative)"),
        Col("spp_discount_amount", "numeric", doc="SPP discount granted by AWS"),
        Col("net_amount", "numeric", doc="amount_usd - spp_discount_amount"),
        Col("currency_id", "integer", doc="res_currency (2 = USD)"),
        Col("invoice_date", "date", doc='date of the AWS invoice'),
        Col("state", "character varying", doc="draft / validated / reconciled"),
        Col("vendor_move_id", "integer", fk="account_move", on_delete="set null", doc="the vendor bill in account_move"),
    ),
    "c_billing_internal_cur": _magic() + (
        Col("aws_account_id", "integer", fk="c_aws_accounts", on_delete="cascade", doc="usage account"),
        Col("usage_account_number", "character varying", doc="12-digit usage account id from the CUR (clean)"),
        Col("payer_account_number", "character varying", doc="12-digit payer account id from the CUR"),
        Col("billing_period", "date", True, doc="first day of the month"),
        Col("product_code", "character varying", doc="AWS service code (AmazonEC2 ...)"),
        Col("line_item_type", "character varying", doc="Usage / Tax / Credit / SppDiscount"),
        Col("unblended_cost", "numeric", doc="actual cost (USD)"),
        Col("usage_amount", "numeric", doc='usage quantity in the service unit'),
        Col("currency_code", "character varying", doc="USD"),
    ),
    "c_billing_bill": _magic() + (
        Col("name", "character varying", True, doc="'BILL/2026/05/0042'"),
        Col("partner_id", "integer", fk="res_partner", on_delete="restrict", doc="customer company billed"),
        Col("billing_period", "date", True, doc="first day of the month"),
        Col("currency_id", "integer", doc='res_currency of the bill (1 = EUR)'),
        Col("amount_untaxed", "numeric", doc='total before tax (EUR)'), Col("amount_tax", "numeric", doc='tax (FR customers 20%, others reverse charge)'), Col("amount_total", "numeric", doc='total (EUR)'),
        Col("state", "character varying", doc="draft / ready / invoiced / cancel"),
        Col("move_id", "integer", fk="account_move", on_delete="set null", doc="customer invoice once invoiced"),
        Col("company_id", "integer", doc='res_company (1)'),
        Col("margin_pct", "numeric", doc="markup over AWS cost, percent"),
    ),
    "c_billing_bill_line": _magic() + (
        Col("bill_id", "integer", True, fk="c_billing_bill", on_delete="cascade", doc='the staged bill (c_billing_bill.id)'),
        Col("aws_account_id", "integer", fk="c_aws_accounts", on_delete="set null", doc='account billed on this line (NULL for fee lines)'),
        Col("product_id", "integer", doc="product_product id (= product_template id in the demo)"),
        Col("name", "text", doc="line label"),
        Col("quantity", "numeric", doc='quantity'),
        Col("cost_amount", "numeric", doc="AWS cost of the line (USD)"),
        Col("markup_pct", "numeric", doc='markup over AWS cost, percent'),
        Col("price_subtotal", "numeric", doc='line amount billed'),
    ),
}
