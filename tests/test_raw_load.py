"""Ingestion against real databases: discovery types, drift, quarantine, idempotency, windows, deletions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from partner_sync.config import load_settings
from partner_sync.migrations import migrate, migration_params
from partner_sync.pipeline import run_source
from partner_sync.raw.artifacts import write_artifacts
from partner_sync.ingest import reconcile_source
from partner_sync.raw.sync import TablesFailed
from partner_sync.source_defs import parse_source
from partner_sync.sources.postgres import DiscoveryError, discover

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture
def env(make_db):
    src, wh = make_db("src"), make_db("wh")
    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_DB": src,
                              "AIRFLOW_CONN_APN_DB": src, "PARTNER_SYNC_POOL_MIN": "1",
                              "PARTNER_SYNC_POOL_MAX": "4", "PARTNER_SYNC_EMBEDDING_DIM": "8",
                              "PARTNER_SYNC_LOCK_WAIT_SECONDS": "2"}, dotenv=False)
    migrate(wh, settings.sql_dir, migration_params(settings))
    return settings, src, wh


def source(tables: dict) -> object:
    return parse_source({"source": "odoo", "connection_id": "odoo_db", "tables": tables})


LEAD = {"lead": {"primary_key": ["id"], "cursor": "write_date"}}


def sql_exec(url: str, *stmts, params=None):
    with psycopg.connect(url, autocommit=True) as c:
        for s in stmts:
            c.execute(s, params)


def rows(url: str, q: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute(q, params).fetchall()


def make_lead(src: str, n: int = 100) -> None:
    sql_exec(src, "CREATE TABLE lead (id int PRIMARY KEY, name varchar(64), amount numeric(12,2), "
                  "tags jsonb, write_date timestamp)",
             "INSERT INTO lead SELECT g, 'Lead ' || g, g * 1.5, jsonb_build_object('g', g), "
             f"TIMESTAMP '{T0}' + g * interval '1 minute' FROM generate_series(1, {n}) g")


def sync(settings, src_def, **kw):
    job_id, results, ctx = run_source(settings, src_def, stages=("extract", "raw_load"), **kw)
    return job_id, {t.table: t for t in ctx.loads}, ctx


# -- discovery -----------------------------------------------------------------------------------
ALL_TYPES = [
    ("c_varchar", "character varying(20)"), ("c_numeric", "numeric(12,3)"), ("c_numeric_free", "numeric"),
    ("c_int4", "integer"), ("c_int8", "bigint"), ("c_int2", "smallint"), ("c_float8", "double precision"),
    ("c_bool", "boolean"), ("c_date", "date"), ("c_ts", "timestamp without time zone"),
    ("c_tstz", "timestamp with time zone"), ("c_jsonb", "jsonb"), ("c_bytea", "bytea"),
    ("c_int_array", "integer[]"), ("c_text_array", "text[]"), ("c_text", "text"), ("c_uuid", "uuid"),
]


def test_discovery_keeps_every_exact_type_and_hides_secrets(env, tmp_path):
    settings, src, wh = env
    cols = ", ".join(f"{n} {t}" for n, t in ALL_TYPES)
    sql_exec(src, "CREATE TYPE mood AS ENUM ('ok', 'meh')", "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
             f"CREATE TABLE everything (id int PRIMARY KEY, {cols}, c_enum mood, c_domain posint, "
             "password varchar, api_key text, access_token text, signup_token text, write_date timestamp)",
             "INSERT INTO everything (id, c_varchar, c_enum, c_domain, password, c_int_array, c_bytea, c_tstz) "
             "VALUES (1, 'x', 'ok', 5, 'hunter2', '{1,2}', '\\x00ff', '2026-01-01 10:00+02')")
    src_def = source({"everything": {"primary_key": ["id"], "cursor": "write_date", "exclude_columns": ["c_uuid"],
                                     "include_columns": ["access_token"]}})
    with psycopg.connect(src) as c:
        found = discover(c, src_def, settings.include_dir)["everything"]
    types = {c.name: c.data_type for c in found.columns}
    for name, typ in ALL_TYPES:
        if name != "c_uuid":
            assert types[name] == typ, name
    assert types["c_enum"] == "text" and types["c_domain"] == "integer"
    assert found.excluded == {"c_uuid": "excluded in the source definition",
                              "password": "matches secret pattern 'password'",
                              "api_key": "matches secret pattern 'api_key'",
                              "signup_token": "matches secret pattern 'token'"}
    assert "access_token" in types
    _, loads, _ = sync(settings, src_def)
    assert loads["everything"].inserted == 1
    raw = dict(rows(wh, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = 'raw.odoo_everything'::regclass AND attnum > 0"))
    assert {k: raw[k] for k in types} == types
    assert "password" not in raw and "api_key" not in raw
    assert list(raw)[:5] == ["_raw_id", "_ingested_at", "_source_system", "_sync_batch_id", "_deleted_at"]
    assert rows(wh, "SELECT c_enum, c_int_array, c_bytea, c_tstz FROM raw.odoo_everything") == [
        ("ok", [1, 2], b"\x00\xff", datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc))]

    # artifacts: reproducible byte for byte, sorted, no timestamps
    j1, s1 = write_artifacts(tmp_path, "odoo", {"everything": found})
    first = (j1.read_bytes(), s1.read_bytes())
    write_artifacts(tmp_path, "apn", {"everything": found})
    write_artifacts(tmp_path, "odoo", {"everything": found})
    merged = json.loads(j1.read_text())
    assert list(merged["sources"]) == ["apn", "odoo"]
    assert merged["sources"]["odoo"]["tables"]["everything"]["excluded_columns"]["password"].startswith("matches")
    assert 'CREATE TABLE IF NOT EXISTS "raw"."odoo_everything"' in s1.read_text()
    write_artifacts(tmp_path / "again", "odoo", {"everything": found})
    assert (tmp_path / "again" / j1.relative_to(tmp_path)).read_bytes() == first[0]
    assert (tmp_path / "again" / s1.relative_to(tmp_path)).read_bytes() == first[1]


def test_missing_table_is_named(env):
    settings, src, wh = env
    make_lead(src, 1)
    src_def = source({**LEAD, "ghost": {"primary_key": ["id"]}, "phantom": {"primary_key": ["id"]}})
    with psycopg.connect(src) as c, pytest.raises(DiscoveryError, match="not found at the source: ghost, phantom"):
        discover(c, src_def, settings.include_dir)


def test_discovery_knows_which_keys_the_source_enforces(env):
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE pk (id int PRIMARY KEY, a int)", "CREATE TABLE bare (id int, a int)",
             "CREATE TABLE part (id int, a int)", "CREATE UNIQUE INDEX ON part (id) WHERE a > 0",
             "CREATE TABLE incl (id int, a int)", "CREATE UNIQUE INDEX ON incl (id) INCLUDE (a)",
             "CREATE TABLE expr (id int, a int)", "CREATE UNIQUE INDEX ON expr ((id + 0))",
             "CREATE TABLE pair (a int, b int, UNIQUE (b, a))", "CREATE VIEW pk_view AS SELECT * FROM pk")
    key = {"primary_key": ["id"]}
    src_def = source({"pk": key, "bare": key, "part": key, "incl": key, "expr": key, "pk_view": key,
                      "pair": {"primary_key": ["a", "b"]}})
    with psycopg.connect(src) as c:
        found = discover(c, src_def, settings.include_dir)
    assert {name: t.key_enforced for name, t in found.items()} == {
        "pk": True, "bare": False, "part": False, "incl": False, "expr": False, "pk_view": False, "pair": True}
    sql_exec(src, "CREATE INDEX ON bare (a, id)", "CREATE INDEX ON part (a) WHERE id > 0", "CREATE INDEX ON incl (id, a)")
    cursor_a = {"primary_key": ["id"], "cursor": "a"}
    with psycopg.connect(src) as c:
        found = discover(c, source({"pk": cursor_a, "bare": cursor_a, "part": cursor_a, "incl": cursor_a}),
                         settings.include_dir)
    assert {name: t.cursor_indexed for name, t in found.items()} == {
        "pk": False, "bare": True, "part": False, "incl": False}


# -- loading, idempotency, counts ---------------------------------------------------------------
def test_full_then_rerun_changes_nothing_and_job_counts_match_raw(env):
    settings, src, wh = env
    make_lead(src, 500)
    job1, loads, ctx = sync(settings, source(LEAD))
    assert (loads["lead"].inserted, loads["lead"].updated, loads["lead"].path) == (500, 0, "direct")
    assert ctx.status == "success"
    job_row = rows(wh, "SELECT status, job_type, records_processed, records_inserted, records_updated, "
                       "config->'stages'->'raw_load'->'tables'->'lead'->>'inserted' FROM ops.sync_jobs "
                       "WHERE job_id = %s", (job1,))[0]
    assert job_row == ("success", "incremental", 500, 500, 0, "500")
    assert rows(wh, "SELECT count(*), count(DISTINCT _sync_batch_id), min(_source_system) FROM raw.odoo_lead") == [
        (500, 1, "odoo")]
    before = rows(wh, "SELECT * FROM raw.odoo_lead ORDER BY id")
    _, loads, _ = sync(settings, source(LEAD), full_refresh=True)
    assert (loads["lead"].inserted, loads["lead"].updated, loads["lead"].unchanged) == (0, 0, 500)
    assert rows(wh, "SELECT * FROM raw.odoo_lead ORDER BY id") == before

    sql_exec(src, "UPDATE lead SET name = 'Renamed', write_date = write_date + interval '1 day' WHERE id <= 3",
             "UPDATE lead SET write_date = write_date + interval '1 day' WHERE id = 4")  # a no-op write
    _, loads, _ = sync(settings, source(LEAD))
    t = loads["lead"]
    assert (t.inserted, t.updated) == (0, 4)  # write_date itself is a mirrored column
    assert t.staged < 20, "incremental read only the changed rows and the overlap"
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE name = 'Renamed'") == [(3,)]


def test_incremental_window_overlap_and_data_interval(env):
    settings, src, wh = env
    make_lead(src, 100)  # write_date T0 + id minutes
    sync(settings, source(LEAD))
    assert rows(wh, "SELECT watermark FROM ops.watermarks WHERE table_name = 'lead'") == [
        (str(T0 + timedelta(minutes=100)),)]
    _, loads, _ = sync(settings, source(LEAD))
    w = loads["lead"].window
    assert w["lower"] == str(T0 + timedelta(minutes=95)) and "overlap" in w["reason"]
    assert loads["lead"].staged == 5 and loads["lead"].unchanged == 5  # ids 96..100 re-read, nothing changed
    # an explicit data interval (Airflow): [start - overlap, end), aware UTC mapped onto the naive cursor
    start = (T0 + timedelta(minutes=30)).replace(tzinfo=timezone.utc)
    _, loads, _ = sync(settings, source(LEAD), data_interval=(start, start + timedelta(minutes=10)))
    assert loads["lead"].staged == 15  # minutes 25..39
    assert loads["lead"].window["reason"] == "data interval"
    # a scheduled run: from the watermark, bounded above by its interval end
    from partner_sync.ingest import discover_source, sync_tables
    from partner_sync.raw.sync import load_options
    sql_exec(src, "INSERT INTO lead SELECT g, 'late', 1, '{}', TIMESTAMP '2026-03-01 13:40' + (g - 100) * interval "
                  "'1 minute' FROM generate_series(101, 110) g")
    schemas = discover_source(settings, source(LEAD))
    job = run_source(settings, source(LEAD), stages=())[0]
    bound = datetime(2026, 3, 1, 13, 45, tzinfo=timezone.utc)
    out = sync_tables(settings, source(LEAD), schemas, job, load_options(settings, upper_bound=bound))
    assert out.loads[0].staged == 5 + 4  # overlap rows 96..100, then 101..104 (before 13:45)
    assert out.loads[0].inserted == 4
    # a backfill never moves the watermark back
    assert rows(wh, "SELECT watermark FROM ops.watermarks WHERE table_name = 'lead'") == [
        ("2026-03-01 13:44:00",)]


def test_unchanged_window_is_checked_by_key_and_cursor_not_staged(env):
    settings, src, wh = env
    make_lead(src, 100)
    sync(settings, source(LEAD))
    _, loads, _ = sync(settings, source(LEAD))
    assert (loads["lead"].path, loads["lead"].unchanged) == ("binary", 5)  # no cursor index: staged, read once
    sql_exec(src, "CREATE INDEX ON lead (write_date)")
    _, loads, _ = sync(settings, source(LEAD))
    t = loads["lead"]
    assert (t.path, t.staged, t.unchanged, t.updated) == ("window unchanged", 5, 5, 0)  # ids 96..100
    # a change in the window moves its cursor: staged and upserted as usual
    sql_exec(src, "UPDATE lead SET name = 'moved', write_date = write_date + interval '1 second' WHERE id = 98")
    _, loads, _ = sync(settings, source(LEAD))
    assert (loads["lead"].path, loads["lead"].updated, loads["lead"].unchanged) == ("binary", 1, 4)
    # a row raw holds as deleted is no match: staged, and live again
    sql_exec(wh, "UPDATE raw.odoo_lead SET _deleted_at = now() WHERE id = 99")
    _, loads, _ = sync(settings, source(LEAD))
    assert loads["lead"].path == "binary"
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE _deleted_at IS NOT NULL") == [(0,)]
    # the cursor contract: a write that leaves the cursor alone is not seen here; --reconcile finds it
    sql_exec(src, "UPDATE lead SET name = 'silent' WHERE id = 100")
    _, loads, _ = sync(settings, source(LEAD))
    assert loads["lead"].path == "window unchanged"
    assert rows(wh, "SELECT name FROM raw.odoo_lead WHERE id = 100") == [("Lead 100",)]
    assert reconcile_source(settings, source(LEAD)).tables[0].reloaded == 1
    assert rows(wh, "SELECT name FROM raw.odoo_lead WHERE id = 100") == [("silent",)]
    # a source that does not enforce the key may repeat one: always staged, so the duplicate check runs
    sql_exec(src, "ALTER TABLE lead DROP CONSTRAINT lead_pkey")
    _, loads, _ = sync(settings, source(LEAD))
    assert (loads["lead"].path, loads["lead"].unchanged) == ("binary", 5)


def test_one_connection_per_database_for_a_whole_run(env, monkeypatch):
    settings, src, wh = env
    make_lead(src, 20)
    sql_exec(src, "CREATE TABLE stage (id int PRIMARY KEY, write_date timestamp)",
             "INSERT INTO stage VALUES (1, now())")
    opened = []
    real_connect = psycopg.Connection.connect.__func__

    def counting_connect(cls, conninfo="", **kw):  # every connection, pooled ones included
        conn = real_connect(cls, conninfo, **kw)
        opened.append(conn.info.dbname)
        return conn

    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(counting_connect))
    monkeypatch.setattr(psycopg, "connect", psycopg.Connection.connect)
    two = source({**LEAD, "stage": {"primary_key": ["id"], "cursor": "write_date"}})
    for _ in range(2):  # a first load and an incremental one
        opened.clear()
        _, loads, ctx = sync(settings, two)
        assert set(loads) == {"lead", "stage"} and ctx.status == "success"
        # discovery and both tables on one source connection; journal and loads on one warehouse connection
        assert sorted(opened) == sorted([psycopg.conninfo.conninfo_to_dict(src)["dbname"],
                                         psycopg.conninfo.conninfo_to_dict(wh)["dbname"]])


def test_deletion_and_revival(env):
    settings, src, wh = env
    make_lead(src, 50)
    sync(settings, source(LEAD))
    sql_exec(src, "CREATE TABLE lead_backup AS SELECT * FROM lead WHERE id IN (7, 8)",
             "DELETE FROM lead WHERE id IN (7, 8)")
    _, loads, _ = sync(settings, source(LEAD))
    assert loads["lead"].deleted == 2
    assert rows(wh, "SELECT id FROM raw.odoo_lead WHERE _deleted_at IS NOT NULL ORDER BY id") == [(7,), (8,)]
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead") == [(50,)]  # marked, never deleted
    sql_exec(src, "INSERT INTO lead SELECT * FROM lead_backup")  # back, with its old write_date
    _, loads, _ = sync(settings, source(LEAD))
    assert loads["lead"].revived == 2
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE _deleted_at IS NOT NULL") == [(0,)]


# -- drift --------------------------------------------------------------------------------------
def test_drift_add_keep_widen_and_refuse(env):
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE lead (id int PRIMARY KEY, small int, code varchar(10), amount numeric(8,2), "
                  "seen timestamp, legacy text, kind int, write_date timestamp)",
             "INSERT INTO lead VALUES (1, 5, 'abc', 123.45, '2026-01-01 00:00', 'old', 1, now())",
             "CREATE TABLE other (id int PRIMARY KEY, v text)", "INSERT INTO other VALUES (1, 'x')")
    tables = {**LEAD, "other": {"primary_key": ["id"]}}
    sync(settings, source(tables))
    sql_exec(src, "ALTER TABLE lead ADD COLUMN fresh text, DROP COLUMN legacy, ALTER COLUMN small TYPE bigint, "
                  "ALTER COLUMN code TYPE varchar(50), ALTER COLUMN amount TYPE numeric(14,2), "
                  "ALTER COLUMN seen TYPE timestamptz USING seen AT TIME ZONE 'UTC'",
             "INSERT INTO lead VALUES (2, 9000000000, repeat('z', 40), 123456789.12, '2026-02-01 00:00+00', 2, "
             "now(), 'new')")
    _, loads, _ = sync(settings, source(tables), full_refresh=True)
    drift = loads["lead"].drift
    assert drift["added"] == ["fresh"] and drift["gone"] == ["legacy"]
    assert len(drift["widened"]) == 4
    types = dict(rows(wh, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                          "attrelid = 'raw.odoo_lead'::regclass AND attnum > 0"))
    assert (types["small"], types["code"], types["amount"], types["seen"], types["legacy"]) == (
        "bigint", "character varying(50)", "numeric(14,2)", "timestamp with time zone", "text")
    assert rows(wh, "SELECT id, small, legacy, fresh, seen FROM raw.odoo_lead ORDER BY id") == [
        (1, 5, "old", None, datetime(2026, 1, 1, tzinfo=timezone.utc)),  # gone column keeps what it had
        (2, 9000000000, None, "new", datetime(2026, 2, 1, tzinfo=timezone.utc))]

    before = rows(wh, "SELECT * FROM raw.odoo_lead ORDER BY id")
    sql_exec(src, "ALTER TABLE lead ALTER COLUMN kind TYPE date USING DATE '2026-01-01' + kind",
             "INSERT INTO other VALUES (2, 'y')")
    with pytest.raises(TablesFailed) as err:
        sync(settings, source(tables), full_refresh=True)
    msg = str(err.value)
    assert "raw.odoo_lead" in msg and "column kind: integer -> date" in msg
    assert rows(wh, "SELECT * FROM raw.odoo_lead ORDER BY id") == before  # untouched
    assert rows(wh, "SELECT count(*) FROM raw.odoo_other") == [(2,)]  # the other table still loaded
    status, details = rows(wh, "SELECT status, error_details FROM ops.sync_jobs ORDER BY started_at DESC LIMIT 1")[0]
    assert status == "failed" and "lead" in details["failed_tables"]


def test_drift_narrowing_keeps_the_wider_raw_type(env):
    """A source column that narrows (bigint -> int, numeric scale drop, varchar shrink) leaves raw as wide as
    it was: stored values keep fitting, and a later widening back needs no ALTER."""
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE lead (id int PRIMARY KEY, big bigint, code varchar(50), amount numeric(12,4), "
                  "write_date timestamp)",
             "INSERT INTO lead VALUES (1, 9000000000, repeat('y', 40), 12345678.1234, now())")
    sync(settings, source(LEAD))
    sql_exec(src, "DELETE FROM lead",
             "ALTER TABLE lead ALTER COLUMN big TYPE int, ALTER COLUMN code TYPE varchar(10), "
             "ALTER COLUMN amount TYPE numeric(10,2)",
             "INSERT INTO lead VALUES (2, 7, 'short', 12345678.12, now())")
    _, loads, ctx = sync(settings, source(LEAD), full_refresh=True)
    drift = loads["lead"].drift
    assert "widened" not in drift and "refused" not in drift
    assert sorted(drift["kept_wider"]) == ["amount: numeric(12,4) (source numeric(10,2))",
                                           "big: bigint (source integer)",
                                           "code: character varying(50) (source character varying(10))"]
    types = dict(rows(wh, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                          "attrelid = 'raw.odoo_lead'::regclass AND attnum > 0"))
    assert (types["big"], types["code"], types["amount"]) == ("bigint", "character varying(50)", "numeric(12,4)")
    assert ctx.status == "success" and loads["lead"].quarantined == 0
    # the row stored before the narrowing keeps its wide values; the new row lands next to it
    assert rows(wh, "SELECT id, big, code, amount::text, _deleted_at IS NOT NULL FROM raw.odoo_lead ORDER BY id") == [
        (1, 9000000000, "y" * 40, "12345678.1234", True), (2, 7, "short", "12345678.1200", False)]


# -- quarantine ---------------------------------------------------------------------------------
def test_bad_rows_quarantined_good_rows_loaded(env):
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE lead (id int, payload text, code text, qty text, write_date timestamp)",
             "INSERT INTO lead VALUES (1, '{\"ok\": true}', 'AB', '1', now()), (2, '{broken', 'CD', '2', now()), "
             "(3, '[1,2]', 'TOOLONGVALUE', '3', now()), (NULL, '{}', 'EF', '4', now()), "
             "(5, '{}', 'GH', 'not a number', now()), (6, NULL, NULL, NULL, now())")
    tables = {"lead": {"primary_key": ["id"], "cursor": "write_date",
                       "column_types": {"payload": "jsonb", "code": "character varying(4)", "qty": "integer"}}}
    job, loads, ctx = sync(settings, source(tables))
    t = loads["lead"]
    assert (t.inserted, t.quarantined, t.path) == (2, 4, "validated")
    assert ctx.status == "partial"
    assert rows(wh, "SELECT id FROM raw.odoo_lead ORDER BY id") == [(1,), (6,)]
    q = rows(wh, "SELECT table_name, source_key, column_name, error_message, payload->>'code' FROM ops.quarantine "
                 "WHERE sync_job_id = %s ORDER BY source_key NULLS LAST, column_name", (job,))
    assert [r[:3] for r in q] == [("lead", "2", "payload"), ("lead", "3", "code"), ("lead", "5", "qty"),
                                  ("lead", None, "id")]
    assert "invalid input syntax for type json" in q[0][3]
    assert "too long" in q[1][3] and q[1][4] == "TOOLONGVALUE"
    assert q[3][3] == "primary key is NULL"
    assert rows(wh, "SELECT status FROM ops.sync_jobs WHERE job_id = %s", (job,)) == [("partial",)]


def test_null_key_on_the_binary_paths(env):
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE lead (id int, name text, write_date timestamp)",
             "INSERT INTO lead VALUES (1, 'a', now()), (NULL, 'no key', now())")
    job, loads, _ = sync(settings, source(LEAD))  # empty mirror: straight into raw
    assert (loads["lead"].path, loads["lead"].inserted, loads["lead"].quarantined) == ("direct", 1, 1)
    sql_exec(src, "INSERT INTO lead VALUES (2, 'b', now()), (NULL, 'still no key', now())")
    job, loads, _ = sync(settings, source(LEAD))  # staged and upserted
    assert (loads["lead"].path, loads["lead"].inserted, loads["lead"].quarantined) == ("binary", 1, 2)
    assert rows(wh, "SELECT column_name, payload->>'name' FROM ops.quarantine ORDER BY quarantined_at, 2") == [
        ("id", "no key"), ("id", "no key"), ("id", "still no key")]
    assert rows(wh, "SELECT id FROM raw.odoo_lead ORDER BY id") == [(1,), (2,)]


def test_duplicate_source_keys_are_quarantined_clearly(env):
    """Issue #14 changed this case: a key twice at the source no longer fails the table, every copy is
    quarantined naming the key and the other rows load (tests/test_ingest_reader_cases.py: incremental)."""
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE lead (id int, write_date timestamp)",
             "INSERT INTO lead VALUES (1, now()), (1, now()), (2, now())")
    _, loads, ctx = sync(settings, source(LEAD))
    assert (loads["lead"].inserted, loads["lead"].quarantined, ctx.status) == (1, 2, "partial")
    assert rows(wh, "SELECT source_key, error_message FROM ops.quarantine") == [
        ("1", "primary key (id) = 1 appears 2 times at the source: every copy quarantined, raw keeps its row")] * 2


# -- identifiers --------------------------------------------------------------------------------
def test_hostile_identifiers(env):
    settings, src, wh = env
    sql_exec(src, 'CREATE TABLE "Weird Table" ("ID" int PRIMARY KEY, "Upper" text, "with space" int, '
                  '"quo""te" text, "x; drop table y" text, "Write Date" timestamp)',
             """INSERT INTO "Weird Table" VALUES (1, 'U', 2, 'q"', 'boom', now())""")
    src_def = source({"Weird Table": {"primary_key": ["ID"], "cursor": "Write Date"}})
    _, loads, _ = sync(settings, src_def)
    assert loads["Weird Table"].inserted == 1
    assert rows(wh, 'SELECT "ID", "Upper", "with space", "quo""te", "x; drop table y" FROM raw."odoo_Weird Table"') \
        == [(1, "U", 2, 'q"', "boom")]
    _, loads, _ = sync(settings, src_def)
    assert loads["Weird Table"].unchanged == 1


# -- reconciliation -----------------------------------------------------------------------------
def test_reconcile_finds_rows_the_cursor_missed(env):
    settings, src, wh = env
    make_lead(src, 300)
    sync(settings, source(LEAD))
    # raw-SQL writes that skip write_date (as Odoo custom modules do)
    sql_exec(src, "UPDATE lead SET name = 'silently changed' WHERE id IN (10, 20, 30)")
    _, loads, _ = sync(settings, source(LEAD))
    assert loads["lead"].updated == 0  # the cursor cannot see them
    report = reconcile_source(settings, source(LEAD), range_size=64)
    t = report.tables[0]
    assert (t.checked, t.missed, t.reloaded) == (300, 3, 3)
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE name = 'silently changed'") == [(3,)]
    assert reconcile_source(settings, source(LEAD), range_size=64).tables[0].missed == 0
    assert rows(wh, "SELECT job_type, status FROM ops.sync_jobs WHERE job_id = %s", (report.job_id,)) == [
        ("reconcile", "success")]


# -- rows that arrive as Python values (API sources) ----------------------------------------------
def test_api_rows_quarantine_nul_bytes_broken_json_and_null_keys(env):
    from partner_sync.contracts import Column, TableSchema, no_snapshot
    from partner_sync.raw.loader import load_table

    class ListReader:
        """An API-style reader over Python values (what an API source yields), keys listed."""
        mode = "list"

        def overlap(self, configured):
            return configured

        def window(self, wh, table, window):
            return window

        def snapshot(self, schema):
            return no_snapshot()

        def rows(self, table, window, schema=None):
            return iter(rows_in)

        def keys(self, table):
            return iter([("O1",), ("O2",)])

        def notes(self, table):
            return {}

    settings, src, wh = env
    schema = TableSchema("opportunity", [Column("id", "text", False), Column("title", "text"),
                                         Column("spend", "numeric(15,2)"), Column("team", "jsonb"),
                                         Column("modified", "timestamp with time zone")],
                         ("id",), "modified")
    job = run_source(settings, source(LEAD), stages=())[0]
    rows_in = [
        {"id": "O1", "title": "Good", "spend": "10.50", "team": [{"role": "PSM"}], "modified": "2026-01-01T00:00:00Z"},
        {"id": "O2", "title": "Nul\x00byte", "spend": "1", "team": None, "modified": "2026-01-02T00:00:00Z"},
        {"id": "O3", "title": "Bad json", "spend": "1", "team": "{not json", "modified": "2026-01-03T00:00:00Z"},
        {"id": None, "title": "No key", "spend": "1", "team": None, "modified": "2026-01-04T00:00:00Z"},
        {"id": "O5", "title": "Too much", "spend": "1" * 20, "team": {}, "modified": "2026-01-05T00:00:00Z"},
    ]
    load = load_table(ListReader(), settings.conn("warehouse_db"), "apn", schema, raw_table="apn_opportunity",
                      job_id=job, include_dir=settings.include_dir)
    assert (load.inserted, load.quarantined, load.path) == (1, 4, "validated")
    got = rows(wh, "SELECT source_key, column_name, error_message FROM ops.quarantine ORDER BY source_key NULLS LAST")
    assert [g[:2] for g in got] == [("O2", "title"), ("O3", "team"), ("O5", "spend"), (None, "id")]
    assert got[0][2] == "NUL byte (0x00) at position 3 in text"
    assert "numeric field overflow" in got[2][2]
    assert rows(wh, "SELECT id, spend, team FROM raw.apn_opportunity") == [("O1", 10.5, [{"role": "PSM"}])]
    assert load.watermark == "2026-01-01 00:00:00+00"
