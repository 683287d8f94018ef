"""APN API mode: the Partner Central Selling API through boto3, answered by botocore's Stubber.

The Stubber checks every request and every canned response against the real service model shipped in
botocore (partnercentral-selling 2022-07-26), so the shapes below are the API's own. Covered: flattening,
pagination, the incremental filter from the stored watermark, throttling then success, access denied, a
page failing midway (nothing half-written), the request budget stopping cleanly and the next run resuming,
and the ACE transform reading the API-mode raw table.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg
import pytest

from partner_sync.config import load_settings
from partner_sync.pipeline import run_source
from partner_sync.raw.sync import TablesFailed
from partner_sync.raw.watermarks import Window
from partner_sync.source_defs import load_source, parse_source
from partner_sync.sources.partner_central import (OPPORTUNITY_COLUMNS, PartnerCentralReader, flatten_opportunity,
                                                  parse_aws_connection)
from partner_sync.sources.rate_limit import RateLimiter, RequestBudget
from partner_central_stubs import api_mode_env, aws_client, sync

T0 = datetime(2026, 4, 1, 9, 0, 0, tzinfo=timezone.utc)
SORT = {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"}
TABLES = {"opportunity": {"primary_key": ["id"], "cursor": "last_modified_date"},
          "end_user": {"primary_key": ["end_user_id"], "cursor": "last_modified_date"},
          "users": {"primary_key": ["user_id"], "cursor": "last_modified_date"},
          "funding_request": {"primary_key": ["funding_request_id"], "cursor": "last_modified_date"}}


def client():
    return aws_client("partnercentral-selling")


def opportunity(n: int, modified: datetime, catalog: str = "AWS", **overrides) -> dict:
    """A GetOpportunity response as the API sends it (every nested shape the raw table reads)."""
    go = {
        "Catalog": catalog, "Id": f"O{1000000 + n}", "Arn": f"arn:aws:partnercentral:us-east-1::catalog/{catalog}/"
                                                              f"opportunity/O{1000000 + n}",
        "PartnerOpportunityIdentifier": f"ODOO-{n}", "OpportunityType": "Net New Business",
        "PrimaryNeedsFromAws": ["Co-Sell - Architectural Validation", "Co-Sell - Pricing Assistance"],
        "NationalSecurity": "No",
        "Customer": {
            "Account": {"CompanyName": f"Acme {n} Corp", "WebsiteUrl": f"https://www.acme{n}.example/",
                        "AwsAccountId": "012345678901", "Industry": "Computers and Electronics",
                        "Duns": "123456789",
                        "Address": {"City": "Berlin", "PostalCode": "10115", "StateOrRegion": "Berlin",
                                    "CountryCode": "DE", "StreetAddress": "Invalidenstr. 1"}},
            "Contacts": [{"Email": f"cto{n}@acme.example", "FirstName": "Ada", "LastName": "Lovelace",
                          "BusinessTitle": "CTO", "Phone": "+4930123456"},
                         {"Email": f"buyer{n}@acme.example", "FirstName": "Bob", "LastName": "Buyer"}]},
        "Project": {
            "Title": f"Migration {n}", "CustomerUseCase": "Migration / Database Migration",
            "DeliveryModels": ["Professional Services", "Managed Services"],
            "ExpectedCustomerSpend": [
                {"Amount": "12500.50", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"},
                {"Amount": "90000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "Self"}],
            "ApnPrograms": ["APN Immersion Days"], "SalesActivities": ["Initialized discussions with customer"],
            "CustomerBusinessProblem": "The customer runs an end-of-life data centre and must leave it by Q3.",
            "CompetitorName": "Microsoft Azure", "AdditionalComments": "via partner event"},
        "Marketing": {"Source": "Marketing Activity", "CampaignName": "APN-Summit-2026",
                      "Channels": ["Live Event", "Social"], "UseCases": ["Migration"], "AwsFundingUsed": "No"},
        "LifeCycle": {"Stage": "Qualified", "ReviewStatus": "Approved", "TargetCloseDate": "2026-09-30",
                      "NextSteps": "Workshop", "NextStepsHistory": [{"Value": "Intro call", "Time": T0}]},
        "OpportunityTeam": [{"FirstName": "Pat", "LastName": "Partner", "Email": "pat@partner.example",
                             "BusinessTitle": "OpportunityOwner"},
                            {"FirstName": "Sam", "LastName": "Seller", "Email": "sam@partner.example",
                             "BusinessTitle": "PartnerAccountManager", "Phone": "+4930999"}],
        "RelatedEntityIdentifiers": {"Solutions": ["S-0012345"], "AwsProducts": ["AmazonRDS", "AmazonEC2"]},
        "CreatedDate": T0 - timedelta(days=30), "LastModifiedDate": modified}
    go.update(overrides)
    return go


def aws_summary(n: int, catalog: str = "AWS") -> dict:
    return {"Catalog": catalog, "RelatedOpportunityId": f"O{1000000 + n}", "Origin": "Partner Referral",
            "InvolvementType": "Co-Sell", "Visibility": "Full",
            "LifeCycle": {"Stage": "Technical Validation", "TargetCloseDate": "2026-10-15",
                          "NextSteps": "AWS SA assigned"},
            "OpportunityTeam": [{"FirstName": "Riley", "LastName": "Rep", "Email": "riley@amazon.example",
                                 "BusinessTitle": "AWSSalesRep"},
                                {"FirstName": "Pam", "LastName": "Psm", "Email": "pam@amazon.example",
                                 "BusinessTitle": "PSM"}],
            "Insights": {"EngagementScore": "High"}}


def listed(n: int, modified: datetime, catalog: str = "AWS") -> dict:
    return {"Catalog": catalog, "Id": f"O{1000000 + n}", "LastModifiedDate": modified,
            "LifeCycle": {"Stage": "Qualified"}, "Customer": {"Account": {"CompanyName": f"Acme {n} Corp"}}}


def list_params(after: datetime | None = None, token: str | None = None, catalog: str = "AWS") -> dict:
    params = {"Catalog": catalog, "MaxResults": 100, "Sort": SORT}
    if after is not None:
        params["LastModifiedDate"] = {"AfterLastModifiedDate": after}
    if token:
        params["NextToken"] = token
    return params


def expect_list(stub, items, after=None, token=None, next_token=None, catalog="AWS"):
    resp = {"OpportunitySummaries": [listed(n, m, catalog) for n, m in items]}
    if next_token:
        resp["NextToken"] = next_token
    stub.add_response("list_opportunities", resp, list_params(after, token, catalog))


def expect_fetch(stub, n, modified, catalog="AWS", summary=True, **overrides):
    oid = f"O{1000000 + n}"
    stub.add_response("get_opportunity", opportunity(n, modified, catalog, **overrides),
                      {"Catalog": catalog, "Identifier": oid})
    if summary:
        stub.add_response("get_aws_opportunity_summary", aws_summary(n, catalog),
                          {"Catalog": catalog, "RelatedOpportunityIdentifier": oid})
    else:
        stub.add_client_error("get_aws_opportunity_summary", "ResourceNotFoundException", "no AWS summary yet",
                              404, expected_params={"Catalog": catalog, "RelatedOpportunityIdentifier": oid})


# -- unit ---------------------------------------------------------------------------------------------

def test_flatten_lands_the_database_modes_columns():
    row = flatten_opportunity(opportunity(1, T0), aws_summary(1))
    assert set(row) == {c for c, _, _ in OPPORTUNITY_COLUMNS}
    assert row["id"] == "O1000001" and row["catalog"] == "AWS"
    assert row["aws_account_id"] == "012345678901"  # a 12-digit string, leading zero kept
    assert (row["customer_company_name"], row["customer_website"], row["partner_project_title"]) == \
        ("Acme 1 Corp", "https://www.acme1.example/", "Migration 1")
    assert (row["customer_first_name"], row["customer_email"], row["customer_title"]) == \
        ("Ada", "cto1@acme.example", "CTO")
    assert row["delivery_model"] == "Professional Services;Managed Services"
    assert row["expected_monthly_aws_revenue"] == "12500.50" and row["expected_monthly_aws_revenue_currency"] == "USD"
    assert (row["stage"], row["status"], row["target_close_date"]) == ("Qualified", "Approved", "2026-09-30")
    assert (row["opportunity_ownership"], row["aws_stage"], row["aws_close_date"]) == \
        ("Partner Referral", "Technical Validation", "2026-10-15")
    assert (row["aws_sales_rep_name"], row["aws_sales_rep_email"]) == ("Riley Rep", "riley@amazon.example")
    assert row["aws_partner_success_manager_name"] == "Pam Psm" and row["aws_account_owner_name"] is None
    assert (row["opportunity_owner_name"], row["primary_contact_first_name"]) == ("Pat Partner", "Sam")
    assert row["campaign_name"] == "APN Immersion Days" and row["aws_sf_campaign_name"] == "APN-Summit-2026"
    assert row["is_opp_from_marketing_activity"] == "Yes" and row["aws_products"] == "AmazonRDS;AmazonEC2"
    assert row["next_step_history"] == "2026-04-01T09:00:00Z Intro call"
    assert '"Email": "buyer1@acme.example"' in row["customer_contacts"]
    assert '"BusinessTitle": "AWSSalesRep"' in row["aws_opportunity_team"]
    bare = flatten_opportunity(opportunity(2, T0, Customer={"Account": {"CompanyName": "X"}}), None)
    assert bare["customer_email"] is None and bare["opportunity_ownership"] is None and \
        bare["customer_contacts"] is None


def test_aws_connection_forms():
    c = parse_aws_connection("aws://AKIDEXAMPLE:s3cr%2Ft@/?region_name=us-east-1&aws_session_token=tok")
    assert (c.access_key_id, c.secret_access_key, c.session_token) == ("AKIDEXAMPLE", "s3cr/t", "tok")
    assert "s3cr" not in repr(c) and "tok" not in repr(c)
    p = parse_aws_connection('{"conn_type": "aws", "extra": {"profile_name": "partner"}}')
    assert p.profile_name == "partner" and p.access_key_id is None


def test_rate_limiter_keeps_the_rate():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(21):
        limiter.acquire()
    assert now[0] == pytest.approx(2.0)  # 21 requests at 10/s: the first goes at once
    budget = RequestBudget(3)
    budget.spend(2)
    assert budget.can_afford(1) and not budget.can_afford(2) and budget.left == 1


def test_placeholders_and_tables_without_an_api_source():
    src = parse_source({"source": "apn", "connection_id": "apn_db", "mode": "partner_central", "tables": TABLES})
    found = PartnerCentralReader(src, client(), sleep=lambda s: None).discover()
    assert list(found) == ["opportunity", "end_user", "users"]
    assert found["opportunity"].primary_key == ("catalog", "id")
    assert "funding_request" in found.skipped and not found.failures
    explicit = PartnerCentralReader(src, client(), sleep=lambda s: None).discover(["funding_request"])
    assert "no source" in explicit.failures["funding_request"]


# -- loads --------------------------------------------------------------------------------------------

@pytest.fixture
def stubbed(pc_stubs):
    """The Selling API's Stubber (pc_stubs, tests/conftest.py, also holds Benefits' and the backoff sleeps)."""
    return pc_stubs.selling


@pytest.fixture
def apn_env(make_db):
    return api_mode_env(make_db, "wh")


def apn_source(**extra):
    return parse_source({"source": "apn", "connection_id": "apn_db", "tables": {"opportunity": TABLES["opportunity"]},
                         **extra})


def rows(url, q, params=None):
    with psycopg.connect(url) as c:
        return c.execute(q, params).fetchall()


@pytest.mark.db
def test_pagination_then_incremental_from_the_aws_sent_watermark(stubbed, apn_env):
    env, wh = apn_env
    m = [T0 + timedelta(minutes=i) for i in range(5)]
    expect_list(stubbed, [(1, m[0]), (2, m[1])], next_token="page-2")
    expect_fetch(stubbed, 1, m[0])
    expect_fetch(stubbed, 2, m[1], summary=False)  # not shared with AWS yet: no summary
    expect_list(stubbed, [(3, m[2])], token="page-2")
    expect_fetch(stubbed, 3, m[2])
    load = sync(env, apn_source())["opportunity"]
    stubbed.assert_no_pending_responses()
    assert (load.inserted, load.window["pages"], load.window["requests"]) == (3, 2, 8)
    got = rows(wh, "SELECT catalog, id, aws_account_id, expected_monthly_aws_revenue, opportunity_ownership, "
                   "delivery_model, last_modified_date FROM raw.apn_opportunity ORDER BY id")
    assert got[0] == ("AWS", "O1000001", "012345678901", Decimal("12500.50"), "Partner Referral",
                      "Professional Services;Managed Services", m[0])
    assert got[1][4] is None  # no AWS summary -> NULL AWS-side columns
    assert rows(wh, "SELECT watermark FROM ops.watermarks WHERE source_system = 'apn'") == \
        [("2026-04-01 09:02:00+00",)]
    pk = rows(wh, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'raw.apn_opportunity'::regclass "
                  "AND indisunique AND NOT indisprimary")
    assert "(catalog, id)" in pk[0][0]

    # next run: only what changed after the newest LastModifiedDate AWS sent (not a local clock)
    expect_list(stubbed, [(2, m[3]), (4, m[4])], after=m[2])
    expect_fetch(stubbed, 2, m[3], OpportunityType="Expansion")
    expect_fetch(stubbed, 4, m[4])
    load = sync(env, apn_source())["opportunity"]
    stubbed.assert_no_pending_responses()
    assert (load.inserted, load.updated, load.deleted) == (1, 1, 0)
    assert rows(wh, "SELECT opportunity_type FROM raw.apn_opportunity WHERE id = 'O1000002'") == [("Expansion",)]


@pytest.mark.db
def test_throttling_backs_off_then_succeeds(stubbed, pc_stubs, apn_env):
    env, wh = apn_env
    expect_list(stubbed, [(1, T0)])
    for _ in range(2):
        stubbed.add_client_error("get_opportunity", "ThrottlingException", "Rate exceeded", 400,
                                 expected_params={"Catalog": "AWS", "Identifier": "O1000001"})
    expect_fetch(stubbed, 1, T0)
    load = sync(env, apn_source())["opportunity"]
    stubbed.assert_no_pending_responses()
    assert load.inserted == 1 and load.window["requests"] == 5
    backoff = [s for s in pc_stubs.sleeps if s >= 0.4]
    assert len(backoff) == 2 and backoff[1] > backoff[0] * 0.9  # exponential: ~1 s, then ~2 s


@pytest.mark.db
def test_access_denied_fails_the_table_clearly(stubbed, apn_env):
    env, wh = apn_env
    stubbed.add_client_error("list_opportunities", "AccessDeniedException",
                             "User is not authorized to perform partnercentral:ListOpportunities", 403,
                             expected_params=list_params())
    with pytest.raises(TablesFailed) as err:
        sync(env, apn_source())
    msg = err.value.failures["opportunity"]
    assert "refused ListOpportunities in catalog AWS" in msg and "partnercentral:ListOpportunities" in msg
    assert rows(wh, "SELECT to_regclass('raw.apn_opportunity')") == [(None,)]


@pytest.mark.db
def test_a_page_failing_midway_writes_nothing(stubbed, apn_env):
    env, wh = apn_env
    expect_list(stubbed, [(1, T0), (2, T0 + timedelta(minutes=1))], next_token="p2")
    expect_fetch(stubbed, 1, T0)
    expect_fetch(stubbed, 2, T0 + timedelta(minutes=1))
    stubbed.add_client_error("list_opportunities", "ValidationException", "NextToken is invalid", 400,
                             expected_params=list_params(token="p2"))
    with pytest.raises(TablesFailed, match="ValidationException"):
        sync(env, apn_source())
    stubbed.assert_no_pending_responses()
    assert rows(wh, "SELECT to_regclass('raw.apn_opportunity')") == [(None,)]
    assert rows(wh, "SELECT count(*) FROM ops.watermarks") == [(0,)]


@pytest.mark.db
def test_request_budget_stops_cleanly_and_the_next_run_resumes(stubbed, apn_env):
    env, wh = apn_env
    m = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    # budget 6 = 1 list + 2 opportunities x 2 calls + 1 left: the third (same date as the second) must wait,
    # and so must the second, or the next run's "after" filter would skip the third
    expect_list(stubbed, [(1, m[0]), (2, m[1]), (3, m[2]), (4, m[3])])
    expect_fetch(stubbed, 1, m[0])
    expect_fetch(stubbed, 2, m[1])
    load = sync(env, apn_source(request_budget=6))["opportunity"]
    stubbed.assert_no_pending_responses()
    assert load.inserted == 1 and "request budget of 6 spent" in load.window["stopped"]
    assert load.window["deferred"] == 1
    assert rows(wh, "SELECT watermark FROM ops.watermarks") == [("2026-04-01 09:00:00+00",)]

    expect_list(stubbed, [(2, m[1]), (3, m[2]), (4, m[3])], after=m[0])
    for n in (2, 3, 4):
        expect_fetch(stubbed, n, m[n - 1])
    load = sync(env, apn_source(), PARTNER_SYNC_APN_REQUEST_BUDGET="50")["opportunity"]
    stubbed.assert_no_pending_responses()
    assert load.inserted == 3 and "stopped" not in load.window
    assert rows(wh, "SELECT count(*) FROM raw.apn_opportunity") == [(4,)]


@pytest.mark.db
def test_persistent_throttling_is_a_clean_stop(stubbed, apn_env):
    env, wh = apn_env
    expect_list(stubbed, [(1, T0), (2, T0 + timedelta(minutes=1))])
    expect_fetch(stubbed, 1, T0)
    for _ in range(6):
        stubbed.add_client_error("get_opportunity", "ThrottlingException", "Rate exceeded", 400,
                                 expected_params={"Catalog": "AWS", "Identifier": "O1000002"})
    load = sync(env, apn_source())["opportunity"]
    stubbed.assert_no_pending_responses()
    assert load.inserted == 1 and "throttles" in load.window["stopped"]


@pytest.mark.db
def test_sandbox_catalog_is_part_of_the_key_and_of_the_resume_point(stubbed, apn_env):
    env, wh = apn_env
    expect_list(stubbed, [(1, T0)])
    expect_fetch(stubbed, 1, T0)
    sync(env, apn_source())
    # the same id in the Sandbox catalog is another row; Sandbox starts with a full read of its own
    expect_list(stubbed, [(1, T0 + timedelta(hours=1))], catalog="Sandbox")
    expect_fetch(stubbed, 1, T0 + timedelta(hours=1), catalog="Sandbox")
    sync(env, apn_source(), PARTNER_SYNC_APN_CATALOG="Sandbox")
    stubbed.assert_no_pending_responses()
    assert rows(wh, "SELECT catalog, id FROM raw.apn_opportunity ORDER BY catalog") == \
        [("AWS", "O1000001"), ("Sandbox", "O1000001")]
    expect_list(stubbed, [], after=T0)  # back on AWS: from AWS's own newest date, not Sandbox's
    sync(env, apn_source())
    stubbed.assert_no_pending_responses()


@pytest.mark.db
def test_database_mode_table_needs_the_catalog_key_first(stubbed, apn_env):
    env, wh = apn_env
    with psycopg.connect(wh, autocommit=True) as c:
        c.execute("CREATE TABLE raw.apn_opportunity (_raw_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                  "id text, catalog text, UNIQUE (id))")
    with pytest.raises(TablesFailed, match=r"ADD UNIQUE \(catalog, id\)"):
        sync(env, apn_source())


@pytest.mark.db
def test_the_ace_transform_reads_api_mode_raw(stubbed, pc_stubs, apn_env):
    env, wh = apn_env
    settings = load_settings(env, dotenv=False)
    src = load_source(settings.include_dir, "apn")  # the real apn.yml, mode from PARTNER_SYNC_APN_MODE
    expect_list(stubbed, [(1, T0), (2, T0 + timedelta(minutes=1))])
    expect_fetch(stubbed, 1, T0)
    expect_fetch(stubbed, 2, T0 + timedelta(minutes=1), summary=False)
    for op, key in (("list_benefit_applications", "BenefitApplicationSummaries"),
                    ("list_benefit_allocations", "BenefitAllocationSummaries")):
        pc_stubs.benefits.add_response(op, {key: []}, {"Catalog": "AWS", "MaxResults": 100})
    _, results, ctx = run_source(settings, src, stages=("extract", "raw_load", "transform"))
    stubbed.assert_no_pending_responses()
    pc_stubs.benefits.assert_no_pending_responses()
    assert {t.table for t in ctx.loads} == {"opportunity", "end_user", "users", "benefit_application",
                                            "benefit_allocation"}
    got = rows(wh, "SELECT source_id, name, account_name, customer_email, aws_account, project_budget, "
                   "delivery_model, aws_sales_rep_name, psm_name, status, aws_status, opportunity_ownership, "
                   "normalized_domain FROM core.ace_opportunities ORDER BY source_id")
    assert got[0] == ("O1000001", "Migration 1", "Acme 1 Corp", "cto1@acme.example", "012345678901",
                      Decimal("12500.50"), "Professional Services;Managed Services", "Riley Rep", "Pam Psm",
                      "Approved", "Technical Validation", "Partner Referral", "acme1.example")
    assert got[1][0] == "O1000002" and got[1][9] == "Approved" and got[1][10] is None


def test_reader_window_is_the_catalogs_own_newest_date():
    src = apn_source(mode="partner_central", catalog="Sandbox")
    r = PartnerCentralReader(src, client(), catalog="Sandbox", sleep=lambda s: None)
    w = Window(T0, None, reason="data interval", lower_inclusive=True)
    assert r.window(None, "opportunity", w) is w  # backfills keep their interval
    assert r.window(None, "opportunity", Window()).is_full  # no stored watermark: a full read
    assert r.budget.limit == 20_000 and r.limiter.rate == 8.0
