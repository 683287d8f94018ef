"""Odoo API mode against a local server that speaks Odoo 17's XML-RPC and JSON-RPC (tests/odoo_rpc_server.py).

Discovery types, paging, incremental windows, archived rows, deletions, both protocols landing the same
raw rows, and the failures: refused login, one model denied, a field gone between pages, timeouts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import psycopg
import pytest

from odoo_rpc_server import FakeOdoo
from partner_sync.config import ConfigError, load_settings
from partner_sync.migrations import migrate, migration_params
from partner_sync.pipeline import run_source
from partner_sync.raw.sync import TablesFailed
from partner_sync.raw.watermarks import Window
from partner_sync.source_defs import SourceDefinitionError, parse_source
from partner_sync.sources import odoo_types
from partner_sync.sources.base import Backoff, SourceAuthError, SourceUnavailable
from partner_sync.sources.odoo_rpc import OdooClient, OdooRpcReader, parse_odoo_connection

KEY = "0123456789abcdef0123456789abcdef01234567"
TABLES = {"crm_lead": {"primary_key": ["id"], "cursor": "write_date"},
          "crm_stage": {"primary_key": ["id"], "cursor": "write_date"},
          "res_partner": {"primary_key": ["id"], "cursor": "write_date", "enabled": False}}


@pytest.fixture
def odoo():
    server = FakeOdoo()
    server.url = server.start()
    yield server
    server.stop()


def odoo_source(tables=None, **extra):
    return parse_source({"source": "odoo", "connection_id": "odoo_db", "tables": tables or TABLES, **extra})


def conn_uri(server, protocol="xmlrpc", key=KEY, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"protocol": protocol, "scheme": "http", **extra}.items())
    return f"odoo://admin:{key}@{server.url.split('://')[1]}/odoo17?{query}"


def make_settings(wh, uri, **env):
    return load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_API": uri,
                          "PARTNER_SYNC_ODOO_MODE": "odoo_rpc", "PARTNER_SYNC_POOL_MIN": "1",
                          "PARTNER_SYNC_POOL_MAX": "4", "PARTNER_SYNC_EMBEDDING_DIM": "8",
                          "PARTNER_SYNC_RETRY_BASE_DELAY": "0.01", "PARTNER_SYNC_LOCK_WAIT_SECONDS": "2", **env},
                         dotenv=False)


@pytest.fixture
def warehouse(make_db):
    wh = make_db("wh")
    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": wh, "PARTNER_SYNC_EMBEDDING_DIM": "8"}, dotenv=False)
    migrate(wh, settings.sql_dir, migration_params(settings))
    return wh


def rows(url, q, params=None):
    with psycopg.connect(url) as c:
        return c.execute(q, params).fetchall()


def sync(settings, src, **kw):
    job_id, _, ctx = run_source(settings, src, stages=("extract", "raw_load"), **kw)
    return job_id, {t.table: t for t in ctx.loads}


def reader(server, protocol="xmlrpc", page_size=500, **kw):
    conn = parse_odoo_connection(conn_uri(server, protocol, **kw))
    return OdooRpcReader(odoo_source(mode="odoo_rpc"), OdooClient(conn, backoff=Backoff(2, 0.01)),
                         page_size=page_size, lang=conn.lang or "en_US")


# -- configuration ------------------------------------------------------------------------------------

def test_connection_uri_json_and_masking():
    c = parse_odoo_connection(f"odoo://sync%40partner.com:{KEY}@erp.example.com:8069/prod?protocol=jsonrpc&lang=fr_FR")
    assert (c.url, c.database, c.login, c.protocol, c.lang) == ("https://erp.example.com:8069", "prod",
                                                                "sync@partner.com", "jsonrpc", "fr_FR")
    assert KEY not in repr(c) and KEY not in c.masked and "***" in c.masked
    j = parse_odoo_connection('{"conn_type": "odoo", "host": "https://acme.odoo.com", "login": "bot", '
                              f'"password": "{KEY}", "schema": "acme", "extra": {{"protocol": "xmlrpc"}}}}')
    assert (j.url, j.database, j.protocol) == ("https://acme.odoo.com", "acme", "xmlrpc")
    with pytest.raises(ValueError, match="API key"):
        parse_odoo_connection("odoo://bot@erp:8069/prod")
    with pytest.raises(ConfigError) as err:
        load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": "postgresql://u@h/db", "PARTNER_SYNC_ODOO_MODE": "rpc",
                       "AIRFLOW_CONN_ODOO_API": f"odoo://bot:{KEY}@erp:8069/prod?protocol=soap"}, dotenv=False)
    assert "PARTNER_SYNC_ODOO_MODE" in str(err.value) and "protocol" in str(err.value) and KEY not in str(err.value)


def test_mode_in_yaml_and_override():
    src = odoo_source(mode="odoo_rpc", page_size=200)
    assert (src.mode, src.page_size, src.api_connection) == ("odoo_rpc", 200, "odoo_api")
    assert odoo_source().mode == "database"
    with pytest.raises(SourceDefinitionError, match="mode"):
        odoo_source(mode="csv")
    settings = load_settings({"PARTNER_SYNC_ODOO_MODE": "odoo_rpc", "PARTNER_SYNC_ODOO_PAGE_SIZE": "50"},
                             dotenv=False)
    assert odoo_source().with_overrides(**settings.source_options("odoo")).page_size == 50


# -- discovery and values -----------------------------------------------------------------------------

def test_fields_get_types_match_the_database_mode(odoo):
    found = reader(odoo).discover()
    lead = {c.name: c.data_type for c in found["crm_lead"].columns}
    assert lead == {
        "id": "integer", "active": "boolean", "color": "integer", "create_date": "timestamp without time zone",
        "create_uid": "integer", "date_closed": "timestamp without time zone", "date_deadline": "date",
        "description": "text", "email_from": "character varying", "expected_revenue": "numeric",
        "lead_properties": "jsonb", "name": "character varying", "partner_id": "integer",
        "priority": "character varying", "probability": "double precision", "stage_id": "integer",
        "tag_ids": "jsonb", "type": "character varying", "user_id": "integer",
        "write_date": "timestamp without time zone", "write_uid": "integer", "x_margin": "numeric",
        "x_studio_ace_opportunity_id": "character varying(20)"}
    assert set(found["crm_lead"].excluded) == {"api_token", "x_document"}  # computed/one2many: no columns
    assert "secret" in found["crm_lead"].excluded["api_token"]
    assert {c.name: c.data_type for c in found["crm_stage"].columns}["name"] == "text"  # translatable char
    assert "res_partner" not in found  # disabled
    call = odoo.calls_of("fields_get", "crm.lead")[0]
    assert set(call["kwargs"]["attributes"]) >= {"type", "relation", "required", "store", "translate"}


def test_read_format_becomes_typed_values(odoo):
    r = reader(odoo, lang="fr_FR")
    r.discover()
    leads = {row["id"]: row for row in r.rows("crm_lead", Window())}
    assert len(leads) == 1200  # archived (active False) included: active_test False
    assert leads[50]["active"] is False
    one = leads[1]
    assert one["partner_id"] == 7 and one["stage_id"] == 2 and one["tag_ids"] == "[1, 2]"
    assert one["write_date"] == datetime(2026, 3, 1, 8, 7) and one["date_closed"] is None  # False -> NULL
    assert leads[10]["email_from"] is None and leads[9]["partner_id"] is None and leads[2]["tag_ids"] == "[]"
    assert leads[17]["lead_properties"] == '{"budget_owner": "cfo"}'
    stages = {row["id"]: row["name"] for row in r.rows("crm_stage", Window())}
    assert stages[2] == "Qualifié"  # the connection's language
    search_reads = odoo.calls_of("search_read", "crm.lead")
    assert all(c["kwargs"]["context"]["active_test"] is False for c in search_reads)
    pages = [c for c in search_reads if c["kwargs"].get("order") == "id"]
    assert [c["kwargs"]["limit"] for c in pages] == [500, 500, 500]


# -- loads through the pipeline -----------------------------------------------------------------------

@pytest.mark.db
def test_full_then_incremental_with_deletions_and_archived_rows(odoo, warehouse):
    settings = make_settings(warehouse, conn_uri(odoo), PARTNER_SYNC_ODOO_PAGE_SIZE="450")
    src = odoo_source()
    _, loads = sync(settings, src)
    assert loads["crm_lead"].inserted == 1200 and loads["crm_stage"].inserted == 4
    assert loads["crm_lead"].window["pages"] == 3 and loads["crm_lead"].window["mode"] == "odoo_rpc"
    got = dict(rows(warehouse, "SELECT id, partner_id FROM raw.odoo_crm_lead WHERE id IN (1, 9, 50)"))
    assert got == {1: 7, 9: None, 50: 8}
    assert rows(warehouse, "SELECT count(*) FROM raw.odoo_crm_lead WHERE NOT active")[0][0] == 24
    assert rows(warehouse, "SELECT tag_ids, x_margin, probability, description FROM raw.odoo_crm_lead WHERE id = 3") \
        == [([1, 2], __import__("decimal").Decimal("1.11"), 30.0, "<p>Lead 3</p>")]
    mark = rows(warehouse, "SELECT watermark FROM ops.watermarks WHERE table_name = 'crm_lead'")[0][0]
    assert mark == "2026-03-07 04:00:00"  # the newest write_date Odoo sent (to the second)

    later = datetime(2026, 3, 9, 10, 0, 0, 250000)
    odoo.write("crm.lead", 5, later, name="Renamed", stage_id=4)
    odoo.write("crm.lead", 6, later, active=False)  # archived: still mirrored, active = false
    odoo.write("crm.lead", 7, later + timedelta(seconds=1), partner_id=None)
    new_id = odoo.create("crm.lead", {"name": "Brand new", "type": "opportunity", "active": True, "stage_id": 1},
                         later)
    odoo.unlink("crm.lead", 11)
    odoo.unlink("crm.lead", 12)
    _, loads = sync(settings, src)
    lead = loads["crm_lead"]
    # rows inside the 5-minute overlap before the old watermark come again and are unchanged
    assert (lead.inserted, lead.updated, lead.deleted) == (1, 3, 2) and lead.unchanged == 1
    domain = odoo.calls_of("search_read", "crm.lead")[-1]["args"][0]
    assert ["write_date", ">", "2026-03-07 03:55:00"] in domain
    got = rows(warehouse, "SELECT id, name, stage_id, active, partner_id, _deleted_at IS NOT NULL "
                          "FROM raw.odoo_crm_lead WHERE id IN (5, 6, 7, 11, %s) ORDER BY id", (new_id,))
    assert got == [(5, "Renamed", 4, True, 7, False), (6, "Opportunity 6", 3, False, 8, False),
                   (7, "Opportunity 7", 4, True, None, False), (11, "Opportunity 11", 4, True, 7, True),
                   (new_id, "Brand new", 1, True, None, False)]
    assert rows(warehouse, "SELECT watermark FROM ops.watermarks WHERE table_name = 'crm_lead'")[0][0] \
        == "2026-03-09 10:00:01"


@pytest.mark.db
def test_jsonrpc_lands_the_same_rows_as_xmlrpc(odoo, make_db):
    results = []
    for protocol in ("xmlrpc", "jsonrpc"):
        wh = make_db("wh")
        settings = make_settings(wh, conn_uri(odoo, protocol))
        migrate(wh, settings.sql_dir, migration_params(settings))
        sync(settings, odoo_source())
        results.append(rows(wh, "SELECT to_jsonb(l) - '_raw_id' - '_ingested_at' - '_sync_batch_id' "
                                "FROM raw.odoo_crm_lead l ORDER BY id"))
    assert len(results[0]) == 1200 and results[0] == results[1]
    assert {c["protocol"] for c in odoo.calls} == {"xmlrpc", "jsonrpc"}


@pytest.mark.db
@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_refused_login_fails_the_job_and_never_shows_the_key(odoo, warehouse, caplog, protocol):
    bad = "ffffffffffffffffffffffffffffffffffffffff"
    settings = make_settings(warehouse, conn_uri(odoo, protocol, key=bad))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceAuthError, match="refused the login of 'admin'") as err:
        sync(settings, odoo_source())
    assert bad not in str(err.value) and bad not in caplog.text and bad not in repr(settings)
    job = rows(warehouse, "SELECT status, error_message FROM ops.sync_jobs")
    assert job[0][0] == "failed" and bad not in job[0][1]


@pytest.mark.db
def test_access_error_on_one_model_fails_that_table_only(odoo, warehouse):
    odoo.denied.add("crm.stage")
    settings = make_settings(warehouse, conn_uri(odoo, "jsonrpc"))
    with pytest.raises(TablesFailed) as err:
        sync(settings, odoo_source())
    assert list(err.value.failures) == ["crm_stage"]
    assert "may not fields_get model crm.stage" in err.value.failures["crm_stage"]
    assert "not allowed to access" in err.value.failures["crm_stage"]
    assert rows(warehouse, "SELECT count(*) FROM raw.odoo_crm_lead")[0][0] == 1200
    assert rows(warehouse, "SELECT to_regclass('raw.odoo_crm_stage')")[0][0] is None


@pytest.mark.db
@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_field_gone_between_pages_fails_the_table_and_writes_nothing(odoo, warehouse, protocol):
    settings = make_settings(warehouse, conn_uri(odoo, protocol))
    odoo.drop_field = ("crm.lead", "x_margin", 2)  # after the newest-row probe and the first page
    with pytest.raises(TablesFailed) as err:
        sync(settings, odoo_source())
    msg = err.value.failures["crm_lead"]
    assert "x_margin" in msg and "disappeared while it was read (page 2)" in msg
    assert rows(warehouse, "SELECT to_regclass('raw.odoo_crm_lead')")[0][0] is None  # nothing half-written
    assert rows(warehouse, "SELECT count(*) FROM raw.odoo_crm_stage")[0][0] == 4
    assert rows(warehouse, "SELECT count(*) FROM ops.watermarks WHERE table_name = 'crm_lead' "
                           "AND watermark IS NOT NULL")[0][0] == 0
    _, loads = sync(settings, odoo_source())  # the next run discovers the model without it
    assert loads["crm_lead"].inserted == 1200
    assert rows(warehouse, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'raw' "
                           "AND table_name = 'odoo_crm_lead' AND column_name = 'x_margin'")[0][0] == 0


@pytest.mark.db
def test_timeouts_and_gateway_errors_are_retried_with_backoff(odoo, warehouse):
    settings = make_settings(warehouse, conn_uri(odoo, "xmlrpc", timeout="0.4"))
    odoo.slow_methods = {"search_read": [1.0, 1.0]}  # two timeouts, then fine
    _, loads = sync(settings, odoo_source(tables={"crm_stage": TABLES["crm_stage"]}))
    assert loads["crm_stage"].inserted == 4
    assert len(odoo.calls_of("search_read", "crm.stage")) == 4  # newest-row probe x3, then the page
    odoo.fail_next = [502, 503]
    _, loads = sync(settings, odoo_source(tables={"crm_stage": TABLES["crm_stage"]}), full_refresh=True)
    assert loads["crm_stage"].unchanged == 4


def test_persistent_timeout_is_source_unavailable(odoo):
    odoo.slow = [1.0] * 4
    r = reader(odoo, timeout="0.3")
    with pytest.raises(SourceUnavailable, match="failed after 3 attempts"):
        r.discover()


def test_unknown_model_is_a_table_failure(odoo):
    r = OdooRpcReader(odoo_source({"c_aws_accounts": {"primary_key": ["id"], "cursor": "write_date"}}, mode="odoo_rpc"),
                      OdooClient(parse_odoo_connection(conn_uri(odoo)), backoff=Backoff(0, 0.01)))
    found = r.discover()
    assert "c.aws.accounts" in found.failures["c_aws_accounts"] and "module" in found.failures["c_aws_accounts"]


def test_type_map_covers_every_odoo_type():
    m = {"boolean": "boolean", "integer": "integer", "float": "double precision", "monetary": "numeric",
         "char": "character varying", "text": "text", "html": "text", "selection": "character varying",
         "date": "date", "datetime": "timestamp without time zone", "many2one": "integer",
         "many2many": "jsonb", "reference": "character varying", "many2one_reference": "integer",
         "json": "jsonb", "properties": "jsonb", "properties_definition": "jsonb"}
    for ftype, pg in m.items():
        assert odoo_types.pg_type("f", {"type": ftype}) == pg, ftype
    assert odoo_types.pg_type("f", {"type": "one2many"}) is None and odoo_types.pg_type("f", {"type": "binary"}) is None
    assert odoo_types.pg_type("f", {"type": "float", "digits": [16, 2]}) == "numeric"
    assert odoo_types.converter({"type": "integer"}, "integer")(False) is None
    assert odoo_types.converter({"type": "boolean"}, "boolean")(False) is False
    assert odoo_types.converter({"type": "many2one"}, "integer")([7, "Azure Interior"]) == 7


@pytest.mark.db
def test_one_table_at_a_time_as_airflow_maps_raw_load(odoo, warehouse):
    from partner_sync.ingest import discover_table, load_one
    from partner_sync.raw.sync import load_options

    settings = make_settings(warehouse, conn_uri(odoo, "jsonrpc"))
    job = run_source(settings, odoo_source(), stages=())[0]
    schema = discover_table(settings, odoo_source(), "crm_stage")
    load = load_one(settings, odoo_source(), schema, job, load_options(settings))
    assert (load.inserted, load.window["mode"]) == (4, "odoo_rpc")
    odoo.denied.add("crm.lead")
    with pytest.raises(LookupError, match="crm_lead: Odoo user 'admin' may not fields_get model crm.lead"):
        discover_table(settings, odoo_source(), "crm_lead")


def test_wrong_endpoint_is_named_not_retried(odoo):
    from partner_sync.sources.base import SourceError

    r = reader(odoo)
    r.client.transport.url = r.client.transport.url + "/nowhere"  # 404 for every call
    with pytest.raises(SourceError, match="answered HTTP 404"):
        r.discover()
    assert len(odoo.calls) == 0
