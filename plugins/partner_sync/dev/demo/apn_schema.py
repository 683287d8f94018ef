"""DDL of apn_demo: ACE opportunities (columns named after the real ACE CRM-integration fields, snake_case)
plus funding requests, cash claims, their history, customer end users and APN portal users.

Why these names: the ACE field list (apnCrmUniqueIdentifier, partnerProjectTitle, customerCompanyName ...)
is what partners actually received; values follow the Partner Central API vocabularies (Industry with
'and', ReviewStatus 'Pending Submission', ISO country codes). Every table has last_modified_date
(timestamptz), the incremental cursor, and a text or bigint primary key.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql


@dataclass(frozen=True)
class ApnCol:
    name: str
    type: str
    doc: str
    not_null: bool = False


@dataclass(frozen=True)
class ApnTable:
    name: str
    primary_key: str
    description: str
    columns: tuple[ApnCol, ...]
    references: tuple[tuple[str, str], ...] = ()  # (column, referenced table) -> FK to its primary key


def _c(name: str, typ: str, doc: str, not_null: bool = False) -> ApnCol:
    return ApnCol(name, typ, doc, not_null)


T, D, TS, M = "text", "date", "timestamp with time zone", "numeric(15,2)"

OPPORTUNITY = ApnTable("opportunity", "id", "ACE opportunities shared with AWS (one row per opportunity, catalog AWS)", (
    _c("id", T, "ACE opportunity id, 'O' + digits (apnCrmUniqueIdentifier)", True),
    _c("catalog", T, "Partner Central catalog: 'AWS' (production) or 'Sandbox'", True),
    _c("partner_crm_unique_identifier", T, "the partner's CRM id (partnerCrmUniqueIdentifier): the Odoo lead id when filled, sometimes 'ODOO-' prefixed"),
    _c("partner_project_title", T, "project title (partnerProjectTitle)"),
    _c("customer_company_name", T, "end customer company name (customerCompanyName)"),
    _c("customer_website", T, "end customer website as typed (customerWebsite): scheme/www/path vary, sometimes junk"),
    _c("customer_duns", "varchar(9)", "customer D-U-N-S number (customerDuns)"),
    _c("aws_account_id", "varchar(12)", "customer AWS account id (awsAccountId): 12 digits with leading zeros; a few 11-digit or alias values"),
    _c("industry", T, "industry (industry), API vocabulary with 'and'"),
    _c("industry_other", T, "free text when industry = 'Other' (industryOther)"),
    _c("street_address", T, "customer street (streetAddress)"),
    _c("city", T, "customer city (city)"),
    _c("state", T, "customer state or region (state)"),
    _c("postal_code", T, "customer postal code (postalCode)"),
    _c("country", "varchar(2)", "customer country, ISO 3166 alpha-2 as in the API (country)"),
    _c("customer_first_name", T, "customer contact first name (customerFirstName)"),
    _c("customer_last_name", T, "customer contact last name (customerLastName)"),
    _c("customer_email", T, "customer contact e-mail (customerEmail)"),
    _c("customer_phone", T, "customer contact phone (customerPhone)"),
    _c("customer_title", T, "customer contact job title (customerTitle)"),
    _c("opportunity_type", T, "Net New Business / Expansion / Flat Renewal (opportunityType)"),
    _c("opportunity_ownership", T, "AWS Referral / Partner Referral (opportunityOwnership)"),
    _c("stage", T, "partner sales stage: Prospect ... Launched / Closed Lost (stage)"),
    _c("status", T, "AWS review status (status = LifeCycle.ReviewStatus): Pending Submission, Submitted, In review, Approved, Rejected, Action Required"),
    _c("aws_stage", T, "AWS-side stage, disclosed late (aWSStage)"),
    _c("target_close_date", D, "target close date (targetCloseDate)"),
    _c("aws_close_date", D, "AWS-side close date (aWSCloseDate)"),
    _c("expected_monthly_aws_revenue", M, "estimated AWS monthly recurring revenue, USD (expectedMonthlyAwsRevenue)"),
    _c("delivery_model", T, "';'-joined delivery models (deliveryModel)"),
    _c("use_case", T, "customer use case (useCase)"),
    _c("sales_activities", T, "';'-joined sales activities (salesActivities)"),
    _c("partner_primary_need_from_aws", T, "';'-joined needs from AWS (partnerPrimaryNeedFromAws)"),
    _c("project_description", T, "customer business problem (projectDescription)"),
    _c("additional_comments", T, "additional comments (additionalComments)"),
    _c("next_step", T, "next step (nextStep)"),
    _c("next_step_history", T, "next steps log (nextStepHistory)"),
    _c("solution_offered", T, "';'-joined partner solution ids 'S-0012345' or 'Other' (solutionOffered)"),
    _c("other_solution_offered", T, "free text when solution is Other (otherSolutionOffered)"),
    _c("aws_products", T, "';'-joined AWS product codes (awsProducts)"),
    _c("campaign_name", T, "';'-joined APN programs (campaignName, despite its name)"),
    _c("aws_sf_campaign_name", T, "AWS marketing campaign code (awsSFCampaignName)"),
    _c("is_opp_from_marketing_activity", T, "Yes/No (IsOppFromMarketingActivity)"),
    _c("marketing_activity_channel", T, "';'-joined channels (marketingActivityChannel)"),
    _c("marketing_activity_usecase", T, "';'-joined marketing use cases (marketingActivityUsecase)"),
    _c("is_marketing_development_funded", T, "Yes/No (isMarketingDevelopmentFunded)"),
    _c("competitive_tracking", T, "main competitor (competitiveTracking)"),
    _c("competitive_tracking_other", T, "other competitor (competitiveTrackingOther)"),
    _c("closed_lost_reason", T, "partner's closed-lost reason (closedLostReason)"),
    _c("aws_closed_lost_reason", T, "AWS closed-lost reason (aWSClosedLostReason)"),
    _c("parent_opp_id", T, "parent opportunity id (parentOppId)"),
    _c("opportunity_owner_name", T, "partner opportunity owner (opportunityOwnerName)"),
    _c("opportunity_owner_email", T, "partner opportunity owner e-mail (opportunityOwnerEmail)"),
    _c("primary_contact_first_name", T, "partner sales contact first name (primaryContactFirstName)"),
    _c("primary_contact_last_name", T, "partner sales contact last name (primaryContactLastName)"),
    _c("primary_contact_email", T, "partner sales contact e-mail (primaryContactEmail)"),
    _c("primary_contact_phone", T, "partner sales contact phone (primaryContactPhone)"),
    _c("aws_sales_rep_name", T, "AWS sales rep (aWSSalesRepName)"),
    _c("aws_sales_rep_email", T, "AWS sales rep e-mail (aWSSalesRepEmail)"),
    _c("aws_account_owner_name", T, "AWS account manager (aWSAccountOwnerName)"),
    _c("aws_account_owner_email", T, "AWS account manager e-mail (aWSAccountOwnerEmail)"),
    _c("aws_partner_success_manager_name", T, "AWS PSM (aWSPartnerSuccessManagerName)"),
    _c("aws_partner_success_manager_email", T, "AWS PSM e-mail (aWSPartnerSuccessManagerEmail)"),
    _c("partner_acceptance_status", T, "Accepted / Rejected for AWS referrals, NULL while pending or for partner referrals (partnerAcceptanceStatus)"),
    _c("accept_by", TS, "deadline to accept an AWS referral (acceptBy)"),
    _c("created_date", TS, "created in ACE (createdDate)", True),
    _c("last_modified_date", TS, "last change in ACE (lastModifiedDate): the incremental cursor", True),
))

FUNDING_REQUEST = ApnTable("funding_request", "funding_request_id",
                           "APFP fund requests (MAP, POC, MDF ...) with stage/status vocabularies from the funding guide", (
    _c("funding_request_id", T, "fund request id 'FR-' + 10 digits", True),
    _c("catalog", T, "'AWS'", True),
    _c("opportunity_id", T, "linked ACE opportunity id (opportunity.id), NULL when none"),
    _c("program_name", T, "funding program, e.g. 'MAP 2.0 - Migrate', 'POC', 'MDF'"),
    _c("program_phase", T, "MAP phase: Assess / Mobilize / Migrate"),
    _c("funding_motion", T, "Sell / Build / Market / Miscellaneous"),
    _c("funding_type", T, "Cash / Credits / Cash and Credits"),
    _c("stage", T, "Created, AWS Review, Tech Approval, Business Approval, Finance Approval, Pre-approved, Cash Claim, Completed"),
    _c("status", T, "Active, Pending, Terminated, Expired, Completed"),
    _c("activity_name", T, "activity / project name"),
    _c("business_description", T, "business description"),
    _c("customer_company_name", T, "end customer name as typed on the request"),
    _c("customer_website", T, "end customer website"),
    _c("customer_aws_account_id", "varchar(12)", "end customer AWS account id"),
    _c("customer_country", "varchar(2)", "ISO alpha-2"),
    _c("industry", T, "API industry vocabulary"),
    _c("project_start_date", D, "planned start"), _c("project_end_date", D, "planned end"),
    _c("claim_due_date", D, "about one month after the project end"),
    _c("currency_code", T, "USD"),
    _c("requested_cash_amount", M, "cash requested"), _c("requested_credit_amount", M, "promotional credits requested"),
    _c("approved_cash_amount", M, "cash approved"), _c("approved_credit_amount", M, "credits approved"),
    _c("total_project_cost", M, "total cost of the activity"),
    _c("partner_contribution", M, "partner's share"), _c("customer_contribution", M, "customer's share"),
    _c("aws_contribution_pct", "numeric(5,2)", "AWS share of the total cost, percent"),
    _c("expected_arr", M, "expected annual recurring AWS revenue"),
    _c("workload_count", "integer", "workloads in scope (MAP)"),
    _c("map_engagement_id", T, "MAP engagement id 'MPE' + digits (MAP only)"),
    _c("is_net_new_customer", T, "Yes/No"),
    _c("po_number", T, "AWS purchase order for cash funding"),
    _c("credit_code_count", "integer", "credit codes issued"),
    _c("credits_redeemed_amount", M, "credits redeemed so far"),
    _c("mdf_wallet_name", T, "MDF wallet (MDF only)"),
    _c("partner_contact_name", T, "partner contact"), _c("partner_contact_email", T, "partner contact e-mail"),
    _c("partner_contact_title", T, "partner contact title"),
    _c("psm_name", T, "AWS Partner Success Manager"), _c("psm_email", T, "PSM e-mail"),
    _c("pdm_name", T, "AWS Partner Development Manager"), _c("pdm_email", T, "PDM e-mail"),
    _c("aws_approver_name", T, "last AWS approver"), _c("approval_comments", T, "approver comments"),
    _c("rejection_reason", T, "why it went back to Created"), _c("resubmission_count", "integer", "resubmissions"),
    _c("recall_count", "integer", "recalls by the partner"),
    _c("submitted_date", TS, "first submission"), _c("pre_approved_date", TS, "reached Pre-approved"),
    _c("completed_date", TS, "reached Completed"), _c("expiration_date", D, "30 days after the delivery end"),
    _c("proof_of_execution_status", T, "Not Started / Submitted / Approved"),
    _c("created_by", T, "portal user e-mail"), _c("created_date", TS, "created in the portal", True),
    _c("last_modified_by", T, "portal user or 'AWS'"),
    _c("last_modified_date", TS, "last change: the incremental cursor", True),
), (("opportunity_id", "opportunity"),))

CASH_CLAIM = ApnTable("cash_claim", "cash_claim_id", "cash claims against approved fund requests (claim actuals, payment)", (
    _c("cash_claim_id", T, "claim id 'CC-' + 10 digits", True),
    _c("funding_request_id", T, "the fund request (funding_request.funding_request_id)", True),
    _c("opportunity_id", T, "the fund request's ACE opportunity, copied"),
    _c("claim_number", "integer", "1, 2 ... per request"), _c("milestone_name", T, "milestone claimed"),
    _c("claim_status", T, "Draft, Pending Approval, Action Required, Approved, Rejected, Paid"),
    _c("claim_amount", M, "actuals claimed"), _c("approved_amount", M, "amount approved"), _c("currency_code", T, "USD"),
    _c("activity_start_date", D, "activity start"), _c("activity_end_date", D, "activity end"),
    _c("claim_due_date", D, "claim due date"), _c("submitted_date", TS, "submitted"), _c("approved_date", TS, "approved"),
    _c("paid_date", D, "paid by AWS"), _c("invoice_number", T, "partner invoice to AWS"), _c("invoice_date", D, "invoice date"),
    _c("po_number", T, "AWS PO"), _c("payee_platform_reference", T, "reference in the payee platform"),
    _c("proof_of_execution", T, "uploaded proof file names, ';'-joined"), _c("rejection_reason", T, "why rejected"),
    _c("reviewer_comments", T, "AWS reviewer comments"), _c("created_by", T, "portal user"),
    _c("created_date", TS, "created", True), _c("last_modified_by", T, "portal user or 'AWS'"),
    _c("last_modified_date", TS, "last change: the incremental cursor", True),
), (("funding_request_id", "funding_request"),))

FUNDING_REQUEST_HISTORY = ApnTable("funding_request_history", "history_id", "audit trail of fund request stage/status changes", (
    _c("history_id", "bigint", "event id", True),
    _c("funding_request_id", T, "the fund request", True),
    _c("event_sequence", "integer", "1, 2 ... per request"),
    _c("event_type", T, "Created / StageChange / StatusChange"),
    _c("from_stage", T, "stage before"), _c("to_stage", T, "stage after"),
    _c("from_status", T, "status before"), _c("to_status", T, "status after"),
    _c("actor_type", T, "Partner / AWS / System"), _c("actor_name", T, "who"), _c("actor_role", T, "approver role"),
    _c("comments", T, "comment"), _c("event_date", TS, "when", True),
    _c("last_modified_date", TS, "= event_date (history rows are immutable): the incremental cursor", True),
), (("funding_request_id", "funding_request"),))

END_USER = ApnTable("end_user", "end_user_id", "end-customer contacts attached to opportunities (Customer.Contacts[])", (
    _c("end_user_id", "bigint", "contact id", True),
    _c("opportunity_id", T, "the opportunity (opportunity.id)", True),
    _c("contact_order", "integer", "position in Customer.Contacts (0 = primary, mirrored in opportunity.customer_*)"),
    _c("first_name", T, "first name"), _c("last_name", T, "last name"), _c("email", T, "e-mail"), _c("phone", T, "phone"),
    _c("business_title", T, "job title"), _c("company_name", T, "company as typed for this contact"),
    _c("website", T, "company website as typed"), _c("country", "varchar(2)", "ISO alpha-2"), _c("city", T, "city"),
    _c("is_primary", "boolean", "primary contact"), _c("role", T, "Decision Maker / Technical / Procurement / Executive Sponsor"),
    _c("source", T, "Opportunity / Lead conversion / Marketing"), _c("catalog", T, "'AWS'"),
    _c("created_date", TS, "created"), _c("last_modified_date", TS, "last change: the incremental cursor", True),
), (("opportunity_id", "opportunity"),))

USERS = ApnTable("users", "user_id", "APN Partner Central users of the partner", (
    _c("user_id", T, "portal user id (Salesforce-style 15 characters)", True),
    _c("full_name", T, "name"), _c("email", T, "e-mail"),
    _c("role", T, "Alliance Lead / ACE Manager / ACE User / Marketing / Funding Manager"),
    _c("status", T, "Active / Inactive"), _c("last_modified_date", TS, "last change: the incremental cursor", True),
))

APN_TABLES: tuple[ApnTable, ...] = (OPPORTUNITY, FUNDING_REQUEST, CASH_CLAIM, FUNDING_REQUEST_HISTORY, END_USER, USERS)


def create_table(table: ApnTable) -> sql.Composed:
    parts = [sql.SQL("{} {}{}").format(sql.Identifier(c.name), sql.SQL(c.type), sql.SQL(" NOT NULL" if c.not_null else ""))
             for c in table.columns]
    return sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table.name), sql.SQL(", ").join(parts))


def post_load(tables: tuple[ApnTable, ...] = APN_TABLES) -> list[sql.Composed]:
    """Primary keys, FKs between APN tables, and an index on every cursor column."""
    stmts = []
    for t in tables:
        stmts.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
            sql.Identifier(t.name), sql.Identifier(f"{t.name}_pkey"), sql.Identifier(t.primary_key)))
    by_name = {t.name: t for t in tables}
    for t in tables:
        for col, ref in t.references:
            stmts.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})").format(
                sql.Identifier(t.name), sql.Identifier(f"{t.name}_{col}_fkey"), sql.Identifier(col),
                sql.Identifier(ref), sql.Identifier(by_name[ref].primary_key)))
        stmts.append(sql.SQL("CREATE INDEX {} ON {} (last_modified_date)").format(
            sql.Identifier(f"{t.name}_last_modified_date_idx"), sql.Identifier(t.name)))
    return stmts
