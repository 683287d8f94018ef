"""APN funding in API mode: the Partner Central Benefits API through boto3, answered by botocore's Stubber.

The Stubber checks every request and every canned response against botocore's own partnercentral-benefits
service model (2018-05-10), so the shapes are the API's. Covered: the raw columns are the model's members,
pagination, change detection (only new or changed items are fetched), an application linked to two
opportunities, an allocation without an application, throttling, access denied, a budget stop that the next
run resumes with nothing lost, funding per opportunity in core from both modes, and the wall time of a
1,000-application sync.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg
import pytest

from partner_sync.config import load_settings
from partner_sync.pipeline import run_source
from partner_sync.raw.sync import TablesFailed
from partner_sync.source_defs import load_source, parse_source
from partner_sync.sources import partner_central_benefits as benefits
from partner_central_stubs import api_mode_env, sync
from test_partner_central import expect_fetch, expect_list

T0 = datetime(2026, 5, 1, 8, 0, 0, tzinfo=timezone.utc)
ACCOUNT = "123456789012"
TABLES = {"benefit_application": {"primary_key": ["catalog", "id"], "cursor": "updated_at",
                                  "modes": ["partner_central"]},
          "benefit_allocation": {"primary_key": ["catalog", "id"], "cursor": "updated_at",
                                 "modes": ["partner_central"]}}


def app_id(n: int) -> str:
    return f"benappl-{n:014d}"


def alloc_id(n: int) -> str:
    return f"benalloc-{n:014d}"


def opp_arn(oid: str, catalog: str = "AWS") -> str:
    return f"arn:aws:partnercentral:us-east-1:{ACCOUNT}:catalog/{catalog}/opportunity/{oid}"


def money(amount: str, currency: str = "USD") -> dict:
    return {"Amount": amount, "CurrencyCode": currency}


def application(n: int, updated: datetime, opps=("O1000001",), status="APPROVED", requested="25000.00",
                programs=("MAP",), catalog="AWS") -> dict:
    """A GetBenefitApplication response with every member of the output shape."""
    return {
        "Id": app_id(n), "Catalog": catalog,
        "Arn": f"arn:aws:partnercentral:us-east-1:{ACCOUNT}:catalog/{catalog}/benefit-application/{app_id(n)}",
        "BenefitId": "ben-map0migrate01", "Name": f"MAP Migrate {n}", "Description": f"Migration funding {n}",
        "FulfillmentTypes": ["CREDITS", "CASH"],
        "BenefitApplicationDetails": {"RequestedAmount": money(requested), "ProjectStartDate": "2026-06-01",
                                      "Workloads": [{"Name": "ERP", "Servers": 40}]},
        "Programs": list(programs), "Status": status, "Stage": "Business Approval",
        "StatusReason": "meets program criteria", "StatusReasonCode": "APPROVED_BY_PDM",
        "StatusReasonCodes": ["APPROVED_BY_PDM"], "CreatedAt": T0 - timedelta(days=20), "UpdatedAt": updated,
        "Revision": "3", "AssociatedResources": [opp_arn(o, catalog) for o in opps],
        "PartnerContacts": [{"Email": "pat@partner.example", "FirstName": "Pat", "LastName": "Partner",
                             "BusinessTitle": "Alliance Lead", "Phone": "+4930111"}],
        "FileDetails": [{"FileURI": "s3://partner-docs/map/plan.pdf", "FileName": "plan.pdf",
                         "FileType": "application/pdf", "FileStatus": "ACCEPTED", "CreatedBy": "pat@partner.example",
                         "CreatedAt": T0 - timedelta(days=19), "BusinessUseCase": "migration plan"}],
    }


def app_summary(n: int, updated: datetime, status="APPROVED", catalog="AWS") -> dict:
    return {"Catalog": catalog, "Name": f"MAP Migrate {n}", "Id": app_id(n), "BenefitId": "ben-map0migrate01",
            "Programs": ["MAP"], "FulfillmentTypes": ["CREDITS", "CASH"], "Status": status,
            "Stage": "Business Approval", "CreatedAt": T0 - timedelta(days=20), "UpdatedAt": updated,
            "BenefitApplicationDetails": {"Program": "MAP"}, "AssociatedResources": [opp_arn("O1000001")]}


def allocation(n: int, application_n: int | None, kind="CREDITS", status="ACTIVE", allocated="10000.00",
               paid="4000.00", updated=T0, catalog="AWS") -> dict:
    if kind == "CREDITS":
        detail = {"CreditDetails": {"AllocatedAmount": money(allocated), "IssuedAmount": money(paid),
                                    "Codes": [{"AwsAccountId": "012345678901", "Value": money(paid),
                                               "AwsCreditCode": f"PC-{n}-XYZ", "Status": status,
                                               "IssuedAt": updated, "ExpiresAt": updated + timedelta(days=365)}]}}
    else:
        detail = {"DisbursementDetails": {"DisbursedAmount": money(paid),
                                          "IssuanceDetails": {"IssuanceId": f"iss-{n}", "IssuanceAmount": money(paid),
                                                              "IssuedAt": updated}}}
    out = {"Id": alloc_id(n), "Catalog": catalog,
           "Arn": f"arn:aws:partnercentral:us-east-1:{ACCOUNT}:catalog/{catalog}/benefit-allocation/{alloc_id(n)}",
           "Name": f"{kind.title()} allocation {n}", "Description": "granted", "Status": status,
           "StatusReason": "granted by AWS", "BenefitId": "ben-map0migrate01", "FulfillmentType": kind,
           "ApplicableBenefitIds": ["ben-map0migrate01"], "FulfillmentDetail": detail,
           "CreatedAt": T0 - timedelta(days=5), "UpdatedAt": updated, "StartsAt": T0 - timedelta(days=5),
           "ExpiresAt": T0 + timedelta(days=360)}
    if application_n is not None:
        out["BenefitApplicationId"] = app_id(application_n)
    return out


def alloc_summary(n: int, application_n: int | None, status="ACTIVE", kind="CREDITS", catalog="AWS") -> dict:
    out = {"Id": alloc_id(n), "Catalog": catalog, "Status": status, "StatusReason": "granted by AWS",
           "Name": f"{kind.title()} allocation {n}", "BenefitId": "ben-map0migrate01", "FulfillmentTypes": [kind],
           "CreatedAt": T0 - timedelta(days=5), "ExpiresAt": T0 + timedelta(days=360),
           "ApplicableBenefitIds": ["ben-map0migrate01"]}
    if application_n is not None:
        out["BenefitApplicationId"] = app_id(application_n)
    return out


def list_apps(stub, summaries, token=None, next_token=None, catalog="AWS"):
    resp = {"BenefitApplicationSummaries": summaries, **({"NextToken": next_token} if next_token else {})}
    stub.add_response("list_benefit_applications", resp,
                      {"Catalog": catalog, "MaxResults": 100, **({"NextToken": token} if token else {})})


def get_app(stub, response, catalog="AWS"):
    stub.add_response("get_benefit_application", response, {"Catalog": catalog, "Identifier": response["Id"]})


def list_allocs(stub, summaries, token=None, next_token=None, catalog="AWS"):
    resp = {"BenefitAllocationSummaries": summaries, **({"NextToken": next_token} if next_token else {})}
    stub.add_response("list_benefit_allocations", resp,
                      {"Catalog": catalog, "MaxResults": 100, **({"NextToken": token} if token else {})})


def get_alloc(stub, response, catalog="AWS"):
    stub.add_response("get_benefit_allocation", response, {"Catalog": catalog, "Identifier": response["Id"]})


@pytest.fixture
def stubs(pc_stubs):
    """The Selling and Benefits Stubbers (pc_stubs, tests/conftest.py, also holds the backoff sleeps)."""
    return pc_stubs.selling, pc_stubs.benefits


@pytest.fixture
def apn_env(make_db):
    return api_mode_env(make_db, "wh_ben")


def source(**extra):
    return parse_source({"source": "apn", "connection_id": "apn_db", "tables": TABLES, **extra})


def q(url, sql, params=None):
    with psycopg.connect(url) as c:
        return c.execute(sql, params).fetchall()


# -- unit ---------------------------------------------------------------------------------------------

def test_raw_columns_are_every_member_of_the_service_model():
    model = benefits.service_model()
    assert model.api_version == "2018-05-10"
    for op in ("ListBenefitApplications", "GetBenefitApplication", "ListBenefitAllocations", "GetBenefitAllocation"):
        assert op in model.operation_names
    for table, (_, _, get_op) in benefits.TABLES.items():
        members = list(model.operation_model(get_op).output_shape.members)
        cols = benefits.table_columns(table)
        assert [m for _, _, m in cols] == members
        schema = benefits.schema_for(table)
        assert schema.primary_key == ("catalog", "id") and schema.cursor == "updated_at"
    types = {c: t for c, t, _ in benefits.table_columns("benefit_application")}
    assert types["associated_resources"] == types["partner_contacts"] == types["benefit_application_details"] == "jsonb"
    assert types["updated_at"] == "timestamp with time zone" and types["status"] == "text"
    row = benefits.flatten("benefit_allocation", allocation(1, 1))
    assert row["id"] == alloc_id(1) and row["fulfillment_type"] == "CREDITS"
    assert '"IssuedAmount": {"Amount": "4000.00", "CurrencyCode": "USD"}' in row["fulfillment_detail"]
    assert "2026-05-01T08:00:00.000000Z" in row["fulfillment_detail"]  # nested datetimes as ISO UTC


def test_database_mode_has_no_benefit_tables_and_api_mode_no_apfp_transform():
    settings = load_settings({}, dotenv=False)
    apn = load_source(settings.include_dir, "apn")
    assert "benefit_application" not in [t.name for t in apn.enabled_tables]
    assert [t.template for t in apn.mode_transforms] == ["ace_opportunities", "ace_funding_apfp"]
    api = apn.with_overrides(mode="partner_central")
    assert {"benefit_application", "benefit_allocation"} <= {t.name for t in api.enabled_tables}
    assert [t.template for t in api.mode_transforms] == ["ace_opportunities", "ace_funding_benefits"]


def test_both_funding_templates_end_in_one_shared_tail_the_same_from_files_and_from_airflow():
    """ace_funding_write.sql is appended to either mode's template; Airflow renders it too (a template file of the
    source), and the composed text, so its lineage hash, is the same from the files and from Airflow's render."""
    from partner_sync.transform import composed, rules_for, template_files

    settings = load_settings({}, dotenv=False)
    include = settings.include_dir
    apn = load_source(include, "apn")
    funding = [t for t in apn.transforms if t.target == "core.ace_opportunities.funding"]
    assert [t.tail for t in funding] == ["ace_funding_write", "ace_funding_write"]
    files = template_files(include, apn)
    assert files["ace_funding_write"] == "transform/ace_funding_write.sql"
    rendered = {n: (include / "sql" / f).read_text().rstrip("\n") for n, f in files.items()}  # as Jinja renders
    tail = rendered["ace_funding_write"]
    for tdef in funding:
        text = composed(tdef, rendered.__getitem__)
        assert text.startswith(rendered[tdef.template]) and text.endswith(tail)
        assert rules_for(include, tdef, (text, None)) == rules_for(include, tdef)


# -- loads --------------------------------------------------------------------------------------------

@pytest.mark.db
def test_pagination_then_only_new_or_changed_items_are_fetched(stubs, apn_env):
    _, stub = stubs
    env, wh = apn_env
    m = [T0 + timedelta(minutes=i) for i in range(6)]
    list_apps(stub, [app_summary(1, m[0]), app_summary(2, m[1])], next_token="apps-2")
    get_app(stub, application(1, m[0]))
    get_app(stub, application(2, m[1], opps=()))
    list_apps(stub, [app_summary(3, m[2])], token="apps-2")
    get_app(stub, application(3, m[2], status="IN_REVIEW"))
    list_allocs(stub, [alloc_summary(1, 1)], next_token="alloc-2")
    get_alloc(stub, allocation(1, 1))
    list_allocs(stub, [alloc_summary(2, 1, status="FULFILLED", kind="CASH")], token="alloc-2")
    get_alloc(stub, allocation(2, 1, kind="CASH", status="FULFILLED"))
    loads = sync(env, source())
    stub.assert_no_pending_responses()
    apps, allocs = loads["benefit_application"], loads["benefit_allocation"]
    assert (apps.inserted, apps.window["pages"], apps.window["fetched"]) == (3, 2, 3)
    assert (allocs.inserted, allocs.window["pages"]) == (2, 2)
    got = q(wh, "SELECT catalog, id, status, associated_resources, benefit_application_details->'RequestedAmount', "
                "partner_contacts->0->>'Email', file_details->0->>'FileName', status_reason_codes, updated_at "
                "FROM raw.apn_benefit_application ORDER BY id")
    assert got[0] == ("AWS", app_id(1), "APPROVED", [opp_arn("O1000001")], money("25000.00"), "pat@partner.example",
                      "plan.pdf", ["APPROVED_BY_PDM"], m[0])
    assert got[1][3] is None  # no associated resources: NULL, not an empty list
    assert q(wh, "SELECT fulfillment_type, fulfillment_detail->'DisbursementDetails'->'DisbursedAmount'->>'Amount' "
                 "FROM raw.apn_benefit_allocation WHERE id = %s", (alloc_id(2),)) == [("CASH", "4000.00")]

    # next run: application 3 changed, 1 and 2 did not; allocation 1 is ACTIVE (its amounts move), 2 is
    # FULFILLED and unchanged: only application 3 and allocation 1 are fetched again
    list_apps(stub, [app_summary(1, m[0]), app_summary(2, m[1])], next_token="apps-2")
    list_apps(stub, [app_summary(3, m[3])], token="apps-2")
    get_app(stub, application(3, m[3], status="APPROVED"))
    list_allocs(stub, [alloc_summary(1, 1), alloc_summary(2, 1, status="FULFILLED", kind="CASH")])
    get_alloc(stub, allocation(1, 1, paid="9000.00", updated=m[4]))
    loads = sync(env, source())
    stub.assert_no_pending_responses()
    apps, allocs = loads["benefit_application"], loads["benefit_allocation"]
    assert (apps.updated, apps.window["fetched"], apps.window["unchanged"], apps.window["requests"]) == (1, 1, 2, 3)
    assert (allocs.updated, allocs.window["fetched"], allocs.window["unchanged"]) == (1, 1, 1)
    assert q(wh, "SELECT status FROM raw.apn_benefit_application WHERE id = %s", (app_id(3),)) == [("APPROVED",)]


@pytest.mark.db
def test_throttling_backs_off_then_succeeds(stubs, pc_stubs, apn_env):
    _, stub = stubs
    env, wh = apn_env
    list_apps(stub, [app_summary(1, T0)])
    for _ in range(2):
        stub.add_client_error("get_benefit_application", "ThrottlingException", "Rate exceeded", 400,
                              expected_params={"Catalog": "AWS", "Identifier": app_id(1)})
    get_app(stub, application(1, T0))
    list_allocs(stub, [])
    loads = sync(env, source())
    stub.assert_no_pending_responses()
    assert loads["benefit_application"].inserted == 1
    backoff = [s for s in pc_stubs.sleeps if s >= 0.4]
    assert len(backoff) == 2 and backoff[1] > backoff[0] * 0.9  # exponential: ~1 s, then ~2 s


@pytest.mark.db
def test_access_denied_fails_that_table_only(stubs, apn_env):
    _, stub = stubs
    env, wh = apn_env
    stub.add_client_error("list_benefit_applications", "AccessDeniedException",
                          "User is not authorized to perform partnercentral:ListBenefitApplications", 403,
                          expected_params={"Catalog": "AWS", "MaxResults": 100})
    list_allocs(stub, [alloc_summary(1, None, kind="CASH")])
    get_alloc(stub, allocation(1, None, kind="CASH"))
    with pytest.raises(TablesFailed) as err:
        sync(env, source())
    stub.assert_no_pending_responses()
    msg = err.value.failures["benefit_application"]
    assert "refused ListBenefitApplications in catalog AWS" in msg and "partnercentral:ListBenefitApplications" in msg
    assert set(err.value.failures) == {"benefit_application"}
    assert q(wh, "SELECT to_regclass('raw.apn_benefit_application')") == [(None,)]
    assert q(wh, "SELECT id, benefit_application_id FROM raw.apn_benefit_allocation") == [(alloc_id(1), None)]


@pytest.mark.db
def test_budget_stop_resumes_next_run_with_nothing_lost(stubs, apn_env):
    _, stub = stubs
    env, wh = apn_env
    m = [T0 + timedelta(minutes=i) for i in range(4)]
    # budget 3 = the list page + 2 applications: the third waits for the next run (allocations: nothing left)
    list_apps(stub, [app_summary(n, m[n - 1]) for n in (1, 2, 3)])
    get_app(stub, application(1, m[0]))
    get_app(stub, application(2, m[1]))
    loads = sync(env, source(request_budget=3))
    stub.assert_no_pending_responses()
    apps, allocs = loads["benefit_application"], loads["benefit_allocation"]
    assert apps.inserted == 2 and "request budget of 3 spent" in apps.window["stopped"] and apps.window["deferred"] == 1
    assert "request budget of 3 spent" in allocs.window["stopped"] and allocs.inserted == 0

    # meanwhile application 1 changed too: the next run fetches it and the one the budget left out
    list_apps(stub, [app_summary(1, m[3]), app_summary(2, m[1]), app_summary(3, m[2])])
    get_app(stub, application(1, m[3], status="APPROVED"))
    get_app(stub, application(3, m[2]))
    list_allocs(stub, [alloc_summary(7, None, kind="CASH")])
    get_alloc(stub, allocation(7, None, kind="CASH"))
    loads = sync(env, source(), PARTNER_SYNC_APN_REQUEST_BUDGET="50")
    stub.assert_no_pending_responses()
    assert (loads["benefit_application"].inserted, loads["benefit_application"].updated) == (1, 1)
    assert "stopped" not in loads["benefit_application"].window
    assert q(wh, "SELECT id, updated_at FROM raw.apn_benefit_application ORDER BY id") == \
        [(app_id(1), m[3]), (app_id(2), m[1]), (app_id(3), m[2])]


@pytest.mark.db
def test_persistent_throttling_is_a_clean_stop(stubs, apn_env):
    _, stub = stubs
    env, wh = apn_env
    list_apps(stub, [app_summary(1, T0), app_summary(2, T0)])
    get_app(stub, application(1, T0))
    for _ in range(6):
        stub.add_client_error("get_benefit_application", "ThrottlingException", "Rate exceeded", 400,
                              expected_params={"Catalog": "AWS", "Identifier": app_id(2)})
    list_allocs(stub, [])
    loads = sync(env, source())
    stub.assert_no_pending_responses()
    assert loads["benefit_application"].inserted == 1 and "throttles" in loads["benefit_application"].window["stopped"]


# -- core: funding per ACE opportunity ------------------------------------------------------------------

@pytest.mark.db
def test_funding_per_opportunity_from_the_benefits_api(stubs, apn_env):
    """An application linked to two opportunities counts for both; an allocation without an application for none."""
    selling, stub = stubs
    env, wh = apn_env
    settings = load_settings(env, dotenv=False)
    apn = load_source(settings.include_dir, "apn")  # the real apn.yml, mode from PARTNER_SYNC_APN_MODE
    expect_list(selling, [(1, T0), (2, T0 + timedelta(minutes=1)), (3, T0 + timedelta(minutes=2))])
    for n in (1, 2, 3):
        expect_fetch(selling, n, T0 + timedelta(minutes=n - 1))
    list_apps(stub, [app_summary(1, T0), app_summary(2, T0), app_summary(3, T0)])
    get_app(stub, application(1, T0, opps=("O1000001", "O1000002"), requested="50000.00", programs=("MAP",)))
    get_app(stub, application(2, T0 + timedelta(hours=1), opps=("O1000002",), requested="8000",
                              programs=("POC",), status="IN_REVIEW"))
    get_app(stub, application(3, T0, opps=("O9999999",), requested="1.00"))  # an opportunity not in core
    list_allocs(stub, [alloc_summary(1, 1), alloc_summary(2, 1, kind="CASH", status="FULFILLED"),
                       alloc_summary(3, None, kind="CASH", status="FULFILLED")])
    get_alloc(stub, allocation(1, 1, allocated="30000.00", paid="12000.00"))
    get_alloc(stub, allocation(2, 1, kind="CASH", status="FULFILLED", paid="5000.00"))
    get_alloc(stub, allocation(3, None, kind="CASH", status="FULFILLED", paid="77777.00"))  # no application
    _, results, ctx = run_source(settings, apn, stages=("extract", "raw_load", "transform"))
    selling.assert_no_pending_responses()
    stub.assert_no_pending_responses()
    got = {r[0]: r[1:] for r in q(wh, "SELECT source_id, funding_requested_amount, funding_approved_amount, "
                                      "funding_disbursed_amount, funding_currency, funding_programs, funding_status, "
                                      "funding_ids FROM core.ace_opportunities")}
    # O1: application 1 alone: requested 50,000; approved 30,000 credits + 5,000 cash; paid 12,000 + 5,000
    assert got["O1000001"] == (Decimal("50000.00"), Decimal("35000.00"), Decimal("17000.00"), "USD", "MAP",
                               "APPROVED", app_id(1))
    # O2: application 1 (shared) and application 2 (no allocation yet, the latest one: IN_REVIEW)
    assert got["O1000002"] == (Decimal("58000.00"), Decimal("35000.00"), Decimal("17000.00"), "USD", "MAP;POC",
                               "IN_REVIEW", f"{app_id(1)};{app_id(2)}")
    assert got["O1000003"] == (None,) * 7
    assert "O9999999" not in got

    # the allocation moves on: only that opportunity's funding changes, incrementally, with lineage
    list_apps(stub, [app_summary(1, T0), app_summary(2, T0 + timedelta(hours=1)), app_summary(3, T0)])
    list_allocs(stub, [alloc_summary(1, 1), alloc_summary(2, 1, kind="CASH", status="FULFILLED"),
                       alloc_summary(3, None, kind="CASH", status="FULFILLED")])
    get_alloc(stub, allocation(1, 1, allocated="30000.00", paid="30000.00", updated=T0 + timedelta(days=1)))
    expect_list(selling, [], after=T0 + timedelta(minutes=2))
    _, results, ctx = run_source(settings, apn, stages=("extract", "raw_load", "transform"))
    stub.assert_no_pending_responses()
    targets = results[-1].detail["targets"]
    assert targets["core.ace_opportunities.funding"]["updated"] == 2  # O1 and O2 share application 1
    assert q(wh, "SELECT funding_disbursed_amount FROM core.ace_opportunities WHERE source_id = 'O1000001'") == \
        [(Decimal("35000.00"),)]
    assert q(wh, "SELECT source_table, count(*) FROM ops.transformation_log WHERE target_table = "
                 "'core.ace_opportunities.funding' GROUP BY 1") == [("raw.apn_benefit_application", 4)]


@pytest.mark.db
def test_funding_per_opportunity_from_the_apfp_database(demo_env):
    """Database mode: the same core columns from fund requests and cash claims, checked against the source."""
    demo_env.run("apn")
    src = demo_env.query(
        "SELECT f.opportunity_id, sum(COALESCE(f.requested_cash_amount, 0) + COALESCE(f.requested_credit_amount, 0)), "
        "count(DISTINCT f.currency_code), string_agg(f.funding_request_id, ';' ORDER BY f.funding_request_id) "
        "FROM funding_request f WHERE f.opportunity_id IS NOT NULL GROUP BY 1", url=demo_env.apn)
    paid = dict(demo_env.query(
        "SELECT f.opportunity_id, sum(c.approved_amount) FROM cash_claim c JOIN funding_request f USING "
        "(funding_request_id) WHERE c.claim_status = 'Paid' AND f.opportunity_id IS NOT NULL GROUP BY 1",
        url=demo_env.apn))
    core = {r[0]: r[1:] for r in demo_env.query(
        "SELECT source_id, funding_requested_amount, funding_disbursed_amount, funding_ids, funding_status "
        "FROM core.ace_opportunities")}
    linked = [r for r in src if r[0] in core]
    assert len(linked) >= 3, linked
    for opp, requested, currencies, ids in linked:
        assert core[opp][2] == ids and core[opp][3] is not None
        if currencies == 1:
            assert core[opp][0] == requested
            assert core[opp][1] >= (paid.get(opp) or 0)  # cash paid out, plus credits redeemed
    unfunded = set(core) - {r[0] for r in src}
    assert unfunded and all(core[o] == (None, None, None, None) for o in unfunded)
    assert demo_env.query("SELECT DISTINCT source_table FROM ops.transformation_log "
                          "WHERE target_table = 'core.ace_opportunities.funding'") == [("raw.apn_funding_request",)]


# -- speed ----------------------------------------------------------------------------------------------

@pytest.mark.db
def test_wall_time_of_a_benefits_sync_of_1000_applications(stubs, apn_env):
    """1,000 stubbed applications (10 pages) and 1,000 allocations: the note's figure, printed, not asserted."""
    _, stub = stubs
    env, wh = apn_env
    n_apps = 1000
    for page in range(10):
        nums = range(page * 100 + 1, page * 100 + 101)
        list_apps(stub, [app_summary(n, T0) for n in nums], token=f"p{page}" if page else None,
                  next_token=f"p{page + 1}" if page < 9 else None)
        for n in nums:
            get_app(stub, application(n, T0, opps=(f"O{1000000 + n}",)))
    for page in range(10):
        nums = range(page * 100 + 1, page * 100 + 101)
        list_allocs(stub, [alloc_summary(n, n) for n in nums], token=f"a{page}" if page else None,
                    next_token=f"a{page + 1}" if page < 9 else None)
        for n in nums:
            get_alloc(stub, allocation(n, n))
    started = time.perf_counter()
    loads = sync(env, source(rate_limit=1000), PARTNER_SYNC_APN_REQUEST_BUDGET="5000")
    wall = time.perf_counter() - started
    stub.assert_no_pending_responses()
    assert loads["benefit_application"].inserted == n_apps and loads["benefit_allocation"].inserted == n_apps
    assert loads["benefit_allocation"].window["requests"] == 2 * (n_apps + 10)
    print(f"\nbenefits sync: {n_apps} applications + {n_apps} allocations, {2 * (n_apps + 10)} stubbed requests, "
          f"wall {wall:.2f}s (rate limit lifted; at the default 8 requests/s the quota alone takes "
          f"{2 * (n_apps + 10) / 8:.0f}s)")
