"""APN / ACE opportunities through the AWS Partner Central Selling API (boto3 ``partnercentral-selling``).

Since AWS closed the ACE S3 CRM integration to new partners (2024), this API is the programmatic source of
a partner's ACE opportunities. One run, per catalog (``AWS`` or ``Sandbox``, from configuration):

1. ``ListOpportunities`` filtered by ``LastModifiedDate.AfterLastModifiedDate`` = the newest AWS-sent
   LastModifiedDate already in raw for this catalog (never a local clock), sorted by LastModifiedDate
   ascending, paginated by ``NextToken`` (100 per page);
2. per changed opportunity ``GetOpportunity`` and ``GetAwsOpportunitySummary`` (the summary holds Origin,
   the AWS stage and the AWS team; ResourceNotFound there means AWS has no summary yet: NULL columns);
3. each pair flattened into one row of ``raw.apn_opportunity`` with the database mode's column names
   (``customer_company_name``, ``partner_project_title``, ``last_modified_date`` ...) plus API-only
   columns (the structured lists as JSONB), keyed on ``(catalog, id)``.

The read quota (10 requests/s and 100,000 per 24 h per partner account, shared by every tool of the
partner) is kept by a client-side rate limiter, exponential backoff on ThrottlingException and a per-run
request budget. When the budget runs out (or AWS keeps throttling) the run stops cleanly: only rows whose
LastModifiedDate is older than the first opportunity not fetched are kept, so the watermark the loader
stores is exactly where the next run resumes. A failure anywhere (access denied, a page that fails) raises
inside the loader's transaction: nothing is half-written.

Partner Central has no delete: raw rows are never marked deleted in this mode.

Funding (benefit applications and allocations) comes from the Benefits API through the same reader, so it
shares the limiter, the backoff and the request budget: see ``partner_central_benefits``.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

from psycopg import sql

from partner_sync.logs import kv
from partner_sync.contracts import Column, TableSchema, Window, no_snapshot
from partner_sync.sources.aws_client import AwsConnection, parse_aws_connection, service_client
from partner_sync.sources.base import (Backoff, Discovered, SourceAccessError, SourceAuthError, SourceError,
                                       SourceUnavailable, api_connection_value, wanted_tables)
from partner_sync.sources.rate_limit import BudgetExhausted, RateLimiter, RequestBudget

log = logging.getLogger(__name__)
SERVICE = "partnercentral-selling"
PAGE_SIZE = 100       # ListOpportunities MaxResults: 1..100
DEFAULT_SLEEP = time.sleep  # tests replace it

T, D, TS, J = "text", "date", "timestamp with time zone", "jsonb"
# raw.apn_opportunity: the database mode's columns (same names and types, in its order) then the API-only ones.
OPPORTUNITY_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("id", T, False), ("catalog", T, False), ("partner_crm_unique_identifier", T, True),
    ("partner_project_title", T, True), ("customer_company_name", T, True), ("customer_website", T, True),
    ("customer_duns", "character varying(9)", True), ("aws_account_id", "character varying(12)", True),
    ("industry", T, True), ("industry_other", T, True), ("street_address", T, True), ("city", T, True),
    ("state", T, True), ("postal_code", T, True), ("country", "character varying(2)", True),
    ("customer_first_name", T, True), ("customer_last_name", T, True), ("customer_email", T, True),
    ("customer_phone", T, True), ("customer_title", T, True), ("opportunity_type", T, True),
    ("opportunity_ownership", T, True), ("stage", T, True), ("status", T, True), ("aws_stage", T, True),
    ("target_close_date", D, True), ("aws_close_date", D, True),
    ("expected_monthly_aws_revenue", "numeric(15,2)", True), ("delivery_model", T, True), ("use_case", T, True),
    ("sales_activities", T, True), ("partner_primary_need_from_aws", T, True), ("project_description", T, True),
    ("additional_comments", T, True), ("next_step", T, True), ("next_step_history", T, True),
    ("solution_offered", T, True), ("other_solution_offered", T, True), ("aws_products", T, True),
    ("campaign_name", T, True), ("aws_sf_campaign_name", T, True), ("is_opp_from_marketing_activity", T, True),
    ("marketing_activity_channel", T, True), ("marketing_activity_usecase", T, True),
    ("is_marketing_development_funded", T, True), ("competitive_tracking", T, True),
    ("competitive_tracking_other", T, True), ("closed_lost_reason", T, True), ("aws_closed_lost_reason", T, True),
    ("parent_opp_id", T, True), ("opportunity_owner_name", T, True), ("opportunity_owner_email", T, True),
    ("primary_contact_first_name", T, True), ("primary_contact_last_name", T, True),
    ("primary_contact_email", T, True), ("primary_contact_phone", T, True), ("aws_sales_rep_name", T, True),
    ("aws_sales_rep_email", T, True), ("aws_account_owner_name", T, True), ("aws_account_owner_email", T, True),
    ("aws_partner_success_manager_name", T, True), ("aws_partner_success_manager_email", T, True),
    ("partner_acceptance_status", T, True), ("accept_by", TS, True), ("created_date", TS, False),
    ("last_modified_date", TS, False),
    # API-only
    ("arn", T, True), ("national_security", T, True), ("review_comments", T, True),
    ("review_status_reason", T, True), ("expected_monthly_aws_revenue_currency", T, True),
    ("expected_customer_spend", J, True), ("customer_contacts", J, True), ("opportunity_team", J, True),
    ("aws_opportunity_team", J, True), ("aws_involvement_type", T, True), ("aws_visibility", T, True),
    ("aws_next_steps", T, True), ("aws_engagement_score", T, True),
)
OPPORTUNITY_KEY = ("catalog", "id")
# Funding: the Partner Central Benefits API (partner_central_benefits.py), same quota, same reader.
BENEFIT_TABLES = ("benefit_application", "benefit_allocation")

# Tables the database mode has and the Selling API has not: kept (empty when new) so that joins on them
# (the ACE transform reads end_user and users) resolve; never written, never marked deleted.
PLACEHOLDERS: dict[str, tuple[tuple[tuple[str, str, bool], ...], tuple[str, ...]]] = {
    "end_user": ((("end_user_id", "bigint", False), ("opportunity_id", T, False), ("contact_order", "integer", True),
                  ("first_name", T, True), ("last_name", T, True), ("email", T, True), ("phone", T, True),
                  ("business_title", T, True), ("company_name", T, True), ("website", T, True),
                  ("country", "character varying(2)", True), ("city", T, True), ("is_primary", "boolean", True),
                  ("role", T, True), ("source", T, True), ("catalog", T, True), ("created_date", TS, True),
                  ("last_modified_date", TS, False)), ("end_user_id",)),
    "users": ((("user_id", T, False), ("full_name", T, True), ("email", T, True), ("role", T, True),
               ("status", T, True), ("last_modified_date", TS, False)), ("user_id",)),
}
PLACEHOLDER_REASON = ("the Partner Central Selling API has no such data: the contacts are in "
                      "apn_opportunity.customer_contacts, the partner team in opportunity_team")


# -- connection ---------------------------------------------------------------------------------------

def make_client(conn: AwsConnection | None, timeout: float = 60.0) -> Any:
    """A partnercentral-selling client; botocore's own retries are off (ours count against the budget)."""
    return service_client(SERVICE, conn, timeout)


# -- flattening ---------------------------------------------------------------------------------------

def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _join(values: Any) -> str | None:
    """A list as ';'-joined text, the way ACE sent multi-valued fields (empty -> NULL)."""
    return ";".join(str(v) for v in values) if values else None


def _json(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else None


def _name(member: dict | None) -> str | None:
    if not member:
        return None
    return " ".join(p for p in (member.get("FirstName"), member.get("LastName")) if p) or None


def _member(team: list | None, *titles: str) -> dict | None:
    for title in titles:
        for m in team or ():
            if (m.get("BusinessTitle") or "").lower() == title.lower():
                return m
    return None


def _monthly_aws(spend: list | None) -> dict | None:
    """The ExpectedCustomerSpend entry for AWS, monthly (a 'Self' total-contract entry may sit beside it)."""
    for entry in spend or ():
        if (entry.get("TargetCompany") or "").strip().upper() == "AWS" and entry.get("Frequency") == "Monthly":
            return entry
    return None


def _history(items: list | None) -> str | None:
    if not items:
        return None
    lines = []
    for item in items:
        when = item.get("Time")
        if isinstance(when, datetime):
            when = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{when} {item.get('Value', '')}".strip())
    return "\n".join(lines)


def flatten_opportunity(go: dict, summary: dict | None) -> dict[str, Any]:
    """GetOpportunity (+ GetAwsOpportunitySummary, None when AWS has none) -> one raw.apn_opportunity row."""
    summary = summary or {}
    account = _get(go, "Customer", "Account") or {}
    address = account.get("Address") or {}
    contacts = _get(go, "Customer", "Contacts") or []
    first = contacts[0] if contacts else {}
    project = go.get("Project") or {}
    life = go.get("LifeCycle") or {}
    marketing = go.get("Marketing") or {}
    related = go.get("RelatedEntityIdentifiers") or {}
    team = go.get("OpportunityTeam") or []
    owner = _member(team, "OpportunityOwner")
    primary = _member(team, "PartnerAccountManager") or (team[0] if team else None)
    aws_team = summary.get("OpportunityTeam") or []
    rep, am, psm = (_member(aws_team, t) for t in ("AWSSalesRep", "AWSAccountOwner", "PSM"))
    spend = project.get("ExpectedCustomerSpend") or []
    monthly = _monthly_aws(spend)
    source = marketing.get("Source")
    return {
        "id": go.get("Id"), "catalog": go.get("Catalog"),
        "partner_crm_unique_identifier": go.get("PartnerOpportunityIdentifier"),
        "partner_project_title": project.get("Title"),
        "customer_company_name": account.get("CompanyName"), "customer_website": account.get("WebsiteUrl"),
        "customer_duns": account.get("Duns"), "aws_account_id": account.get("AwsAccountId"),
        "industry": account.get("Industry"), "industry_other": account.get("OtherIndustry"),
        "street_address": address.get("StreetAddress"), "city": address.get("City"),
        "state": address.get("StateOrRegion"), "postal_code": address.get("PostalCode"),
        "country": address.get("CountryCode"),
        "customer_first_name": first.get("FirstName"), "customer_last_name": first.get("LastName"),
        "customer_email": first.get("Email"), "customer_phone": first.get("Phone"),
        "customer_title": first.get("BusinessTitle"),
        "opportunity_type": go.get("OpportunityType"), "opportunity_ownership": summary.get("Origin"),
        "stage": life.get("Stage"), "status": life.get("ReviewStatus"),
        "aws_stage": _get(summary, "LifeCycle", "Stage"),
        "target_close_date": life.get("TargetCloseDate"),
        "aws_close_date": _get(summary, "LifeCycle", "TargetCloseDate"),
        "expected_monthly_aws_revenue": (monthly or {}).get("Amount") or None,
        "delivery_model": _join(project.get("DeliveryModels")), "use_case": project.get("CustomerUseCase"),
        "sales_activities": _join(project.get("SalesActivities")),
        "partner_primary_need_from_aws": _join(go.get("PrimaryNeedsFromAws")),
        "project_description": project.get("CustomerBusinessProblem"),
        "additional_comments": project.get("AdditionalComments"),
        "next_step": life.get("NextSteps"), "next_step_history": _history(life.get("NextStepsHistory")),
        "solution_offered": _join(related.get("Solutions")),
        "other_solution_offered": project.get("OtherSolutionDescription"),
        "aws_products": _join(related.get("AwsProducts")), "campaign_name": _join(project.get("ApnPrograms")),
        "aws_sf_campaign_name": marketing.get("CampaignName"),
        "is_opp_from_marketing_activity": None if source is None else
        ("Yes" if source == "Marketing Activity" else "No"),
        "marketing_activity_channel": _join(marketing.get("Channels")),
        "marketing_activity_usecase": _join(marketing.get("UseCases")),
        "is_marketing_development_funded": marketing.get("AwsFundingUsed"),
        "competitive_tracking": project.get("CompetitorName"),
        "competitive_tracking_other": project.get("OtherCompetitorNames"),
        "closed_lost_reason": life.get("ClosedLostReason"),
        "aws_closed_lost_reason": _get(summary, "LifeCycle", "ClosedLostReason"),
        "parent_opp_id": project.get("RelatedOpportunityIdentifier"),
        "opportunity_owner_name": _name(owner), "opportunity_owner_email": (owner or {}).get("Email"),
        "primary_contact_first_name": (primary or {}).get("FirstName"),
        "primary_contact_last_name": (primary or {}).get("LastName"),
        "primary_contact_email": (primary or {}).get("Email"), "primary_contact_phone": (primary or {}).get("Phone"),
        "aws_sales_rep_name": _name(rep), "aws_sales_rep_email": (rep or {}).get("Email"),
        "aws_account_owner_name": _name(am), "aws_account_owner_email": (am or {}).get("Email"),
        "aws_partner_success_manager_name": _name(psm), "aws_partner_success_manager_email": (psm or {}).get("Email"),
        "partner_acceptance_status": None, "accept_by": None,  # engagement invitations: not read
        "created_date": go.get("CreatedDate"), "last_modified_date": go.get("LastModifiedDate"),
        "arn": go.get("Arn"), "national_security": go.get("NationalSecurity"),
        "review_comments": life.get("ReviewComments"), "review_status_reason": life.get("ReviewStatusReason"),
        "expected_monthly_aws_revenue_currency": (monthly or {}).get("CurrencyCode"),
        "expected_customer_spend": _json(spend), "customer_contacts": _json(contacts),
        "opportunity_team": _json(team), "aws_opportunity_team": _json(aws_team),
        "aws_involvement_type": summary.get("InvolvementType"), "aws_visibility": summary.get("Visibility"),
        "aws_next_steps": _get(summary, "LifeCycle", "NextSteps"),
        "aws_engagement_score": _get(summary, "Insights", "EngagementScore"),
    }


# -- reader -------------------------------------------------------------------------------------------

def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class PartnerCentralReader:
    """Reads ACE opportunities of one catalog for the raw loader, within the quota."""

    mode = "partner_central"

    @property
    def connection_id(self) -> str:
        return self.source.api_connection

    def __init__(self, source: Any, client: Any, *, catalog: str = "AWS", budget: RequestBudget | None = None,
                 limiter: RateLimiter | None = None, throttle_retries: int = 5, base_delay: float = 1.0,
                 max_delay: float = 30.0, sleep: Callable[[float], None] = time.sleep,
                 benefits_client: Any = None, benefits_factory: Callable[[], Any] | None = None):
        self.source, self.client, self.catalog = source, client, catalog
        self._benefits_client, self._benefits_factory = benefits_client, benefits_factory
        self._stored: dict[str, dict] = {}  # Benefits tables: what raw holds, for change detection
        self.budget = budget or RequestBudget(source.request_budget)
        self.limiter = limiter or RateLimiter(source.rate_limit, sleep=sleep)
        self.throttle_retries, self.base_delay, self.max_delay = throttle_retries, base_delay, max_delay
        self.sleep = sleep
        self.backoff = Backoff(throttle_retries, base_delay, max_delay, sleep, jitter=True)
        self._notes: dict[str, dict] = {}

    @classmethod
    def from_settings(cls, settings: Any, source: Any, *, client: Any = None, sleep: Callable | None = None,
                      clock: Callable | None = None) -> "PartnerCentralReader":
        value = api_connection_value(settings, source.api_connection)
        conn = parse_aws_connection(value, source.api_connection) if value else None
        if client is None:
            client = make_client(conn, timeout=source.timeout_seconds)

        def benefits_factory() -> Any:
            from partner_sync.sources import partner_central_benefits

            return partner_central_benefits.make_client(conn, timeout=source.timeout_seconds)

        sleep = sleep or DEFAULT_SLEEP
        limiter = RateLimiter(source.rate_limit, sleep=sleep, **({"clock": clock} if clock else {}))
        return cls(source, client, catalog=source.catalog, budget=RequestBudget(source.request_budget),
                   limiter=limiter, sleep=sleep, benefits_factory=benefits_factory)

    @property
    def benefits_client(self) -> Any:
        """The partnercentral-benefits client, made on first use (same credentials, same quota)."""
        if self._benefits_client is None:
            if self._benefits_factory is None:
                raise SourceError("no Partner Central Benefits client configured for this reader")
            self._benefits_client = self._benefits_factory()
        return self._benefits_client

    # discovery: the columns are the API model's, fixed here; no request is spent
    def discover(self, tables: list[str] | None = None) -> Discovered:
        found = Discovered()
        for tdef in wanted_tables(self.source, tables):
            if tdef.name == "opportunity":
                cols = [Column(n, tdef.column_types.get(n, t), nullable) for n, t, nullable in OPPORTUNITY_COLUMNS]
                found[tdef.name] = TableSchema("opportunity", cols, OPPORTUNITY_KEY, "last_modified_date")
            elif tdef.name in BENEFIT_TABLES:
                from partner_sync.sources import partner_central_benefits as benefits

                found[tdef.name] = benefits.schema_for(tdef.name, tdef.column_types)
            elif tdef.name in PLACEHOLDERS:
                cols, key = PLACEHOLDERS[tdef.name]
                found[tdef.name] = TableSchema(tdef.name, [Column(n, t, nl) for n, t, nl in cols], key,
                                               "last_modified_date")
                log.info(kv("discover.placeholder", source=self.source.name, table=tdef.name,
                            reason=PLACEHOLDER_REASON))
            else:
                reason = (f"table {tdef.name}: the Partner Central APIs have no source for it (mode "
                          "partner_central reads opportunity, benefit_application and benefit_allocation); "
                          "disable it or use the database mode")
                if tables:
                    found.failures[tdef.name] = reason
                else:
                    found.skipped[tdef.name] = reason
                log.warning(kv("discover.skipped", source=self.source.name, table=tdef.name, reason=reason))
        return found

    def overlap(self, configured: timedelta) -> timedelta:
        return timedelta(0)  # AWS-sent LastModifiedDate values need no overlap

    def snapshot(self, schema: TableSchema) -> Any:
        """No SQL access to Partner Central: the loader reads ``rows`` (``keys`` is None: no deletes)."""
        return no_snapshot()

    def window(self, wh: Any, table: str, window: Window) -> Window:
        """Resume from the newest LastModifiedDate stored for *this* catalog (the watermark is per table);
        a Benefits table reads what raw holds for change detection instead."""
        if table in BENEFIT_TABLES:
            from partner_sync.sources import partner_central_benefits as benefits

            self._stored[table] = benefits.stored_state(wh, self, table)
            if window.reason == "data interval":
                return window
            return Window(None, None, reason=f"full list, change detection against {len(self._stored[table])} "
                                             f"stored rows of catalog {self.catalog}")
        if table != "opportunity" or window.lower is None or window.reason == "data interval":
            return window
        raw = sql.Identifier("raw", self.source.raw_table(table))
        if wh.execute("SELECT to_regclass(%s)", (raw.as_string(wh),)).fetchone()[0] is None:
            return Window(None, window.upper, reason="first load: full read")
        newest = wh.execute(sql.SQL("SELECT max(last_modified_date) FROM {} WHERE catalog = %s").format(raw),
                            (self.catalog,)).fetchone()[0]
        if newest is None:
            return Window(None, window.upper, reason=f"first load of catalog {self.catalog}: full read")
        return Window(newest, window.upper, reason=f"newest LastModifiedDate of catalog {self.catalog}: {newest}")

    # requests
    def _call(self, operation: str, client: Any = None, **params: Any) -> dict | None:
        """One API call (on ``client``, default the Selling client) within rate and budget; throttling backs
        off; None for ResourceNotFound."""
        from botocore import xform_name
        from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError, \
            NoCredentialsError, ReadTimeoutError, ConnectTimeoutError

        method = getattr(client or self.client, xform_name(operation))
        transient_codes = ("ThrottlingException", "InternalServerException")

        def once() -> dict | None:
            self.limiter.acquire()
            self.budget.spend()  # every try costs a request of the run's budget
            try:
                return method(**params)
            except NoCredentialsError:
                raise SourceAuthError(f"Partner Central {operation}: no AWS credentials: define the connection "
                                      f"{self.source.api_connection} or configure boto3's default chain "
                                      "(see docs/api_sources.md)") from None
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                message = exc.response.get("Error", {}).get("Message", "")
                if code == "ResourceNotFoundException":
                    return None
                if code == "AccessDeniedException":
                    raise SourceAccessError(f"Partner Central refused {operation} in catalog {self.catalog}: "
                                            f"{message or code} (the caller needs partnercentral:{operation}; "
                                            "see docs/api_sources.md)") from None
                if code not in transient_codes:
                    raise SourceError(f"Partner Central {operation} failed: {code}: {message}") from None
                raise

        def transient(exc: BaseException) -> bool:
            if isinstance(exc, ClientError):
                return exc.response.get("Error", {}).get("Code", "") in transient_codes
            return isinstance(exc, (BotoConnectionError, ReadTimeoutError, ConnectTimeoutError))

        def exhausted(exc: BaseException, tries: int) -> Exception:
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else None
            if code == "ThrottlingException":
                return BudgetExhausted(f"AWS still throttles {operation} after {tries} tries "
                                       "(the shared quota is spent)")
            if code is not None:
                return SourceUnavailable(f"Partner Central {operation}: {code} after {tries} tries")
            return SourceUnavailable(f"Partner Central {operation}: unreachable after {tries} tries: {exc}")

        return self.backoff.run(once, transient, f"Partner Central {operation}", exhausted=exhausted,
                                describe=lambda exc: (exc.response.get("Error", {}).get("Code", "")
                                                      if isinstance(exc, ClientError) else type(exc).__name__))

    def _summaries(self, window: Window, notes: dict) -> Iterator[dict]:
        """Every changed opportunity's summary, oldest change first, one page at a time."""
        params: dict[str, Any] = {"Catalog": self.catalog, "MaxResults": PAGE_SIZE,
                                  "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"}}
        dates = {}
        if window.lower is not None:
            dates["AfterLastModifiedDate"] = _utc(window.lower)
        if window.upper is not None:
            dates["BeforeLastModifiedDate"] = _utc(window.upper)
        if dates:
            params["LastModifiedDate"] = dates
        token = None
        while True:
            if not self.budget.can_afford(1):
                raise BudgetExhausted(f"request budget of {self.budget.limit} spent")
            page = self._call("ListOpportunities", **params, **({"NextToken": token} if token else {})) or {}
            notes["pages"] += 1
            yield from page.get("OpportunitySummaries") or []
            token = page.get("NextToken")
            if not token:
                return

    def rows(self, table: str, window: Window, schema: TableSchema | None = None) -> Iterator[dict[str, Any]]:
        notes = self._notes[table] = {"mode": self.mode, "catalog": self.catalog, "pages": 0, "fetched": 0,
                                      "budget": self.budget.limit}
        if table in BENEFIT_TABLES:
            from partner_sync.sources import partner_central_benefits as benefits

            yield from benefits.rows(self, table, window, self._stored.pop(table, None), notes)
            return
        if table != "opportunity":
            notes["placeholder"] = PLACEHOLDER_REASON
            return
        pending: list[dict] = []      # rows of the newest LastModifiedDate listed so far (more may follow)
        pending_at: datetime | None = None
        late: list[dict] = []         # rows changed again between ListOpportunities and GetOpportunity
        last_listed: datetime | None = None
        stop_at: datetime | None = None
        summaries = self._summaries(window, notes)
        try:
            for summary in summaries:
                listed = _utc(summary["LastModifiedDate"]) if summary.get("LastModifiedDate") else None
                if listed is not None:
                    if last_listed is not None and listed < last_listed:
                        raise SourceError("ListOpportunities did not return LastModifiedDate in ascending order; "
                                          "a run cut short by the request budget could not resume safely")
                    last_listed = listed
                    if pending and pending_at < listed:  # nothing unlisted can share their date any more
                        yield from pending
                        pending = []
                if not self.budget.can_afford(2):
                    stop_at = last_listed
                    raise BudgetExhausted(f"request budget of {self.budget.limit} spent")
                row = self._fetch(summary["Id"])
                if row is None:
                    continue
                notes["fetched"] += 1
                if listed is None or _utc(row["last_modified_date"]) > listed:
                    late.append(row)
                else:
                    pending.append(row)
                    pending_at = listed
        except BudgetExhausted as exc:
            stop_at = stop_at or last_listed
            kept = [r for r in (*pending, *late) if stop_at is None or _utc(r["last_modified_date"]) < stop_at]
            notes.update(stopped=str(exc), resume_after=str(stop_at), deferred=len(pending) + len(late) - len(kept))
            log.warning(kv("apn.budget_stop", catalog=self.catalog, reason=exc, requests=self.budget.used,
                           loaded=notes["fetched"] - notes["deferred"], resume_from=stop_at))
            yield from kept
            notes["requests"] = self.budget.used
            return
        yield from pending
        yield from late
        notes["requests"] = self.budget.used

    def _fetch(self, opportunity_id: str) -> dict[str, Any] | None:
        go = self._call("GetOpportunity", Catalog=self.catalog, Identifier=opportunity_id)
        if go is None:
            log.warning(kv("apn.vanished", catalog=self.catalog, id=opportunity_id))
            return None
        summary = self._call("GetAwsOpportunitySummary", Catalog=self.catalog,
                             RelatedOpportunityIdentifier=opportunity_id)
        return flatten_opportunity(go, summary)

    def keys(self, table: str) -> None:
        return None  # Partner Central has no delete; listing every id would only spend quota

    def notes(self, table: str) -> dict[str, Any]:
        return dict(self._notes.get(table, {}))

    def close(self) -> None:
        pass
