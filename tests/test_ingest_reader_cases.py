"""Issue #14, the loader cases, each against a real PostgreSQL source through the database reader.

Each test first reproduces what a real-world source did to the loader (a table stalled for good, or raw left
quietly stale while the job said success), then checks the fix; every rerun leaves raw byte-identical.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from partner_sync.raw.sync import TablesFailed
from test_raw_load import T0, env, make_lead, rows, source, sql_exec, sync  # noqa: F401 - fixtures and helpers

pytestmark = pytest.mark.db
LEAD = {"lead": {"primary_key": ["id"], "cursor": "write_date"}}


def raw_state(url: str, table: str = "odoo_lead") -> tuple:
    """Every raw row with its metadata, and every watermark: equal means byte-identical raw."""
    return rows(url, f"SELECT count(*), md5(string_agg(t::text, '' ORDER BY id)) FROM raw.{table} t")[0] + \
        rows(url, "SELECT coalesce(string_agg(table_name || '=' || watermark, ',' ORDER BY table_name), '') "
                  "FROM ops.watermarks")[0]


def assert_rerun_identical(settings, wh: str, src_def, table: str = "odoo_lead") -> None:
    before = raw_state(wh, table)
    sync(settings, src_def)
    assert raw_state(wh, table) == before


def watermark(wh: str, table: str = "lead") -> str | None:
    got = rows(wh, "SELECT watermark FROM ops.watermarks WHERE table_name = %s", (table,))
    return got[0][0] if got else None


# -- 1. a cursor value of infinity or far in the future ------------------------------------------
def test_future_cursor_values_are_quarantined_and_never_become_the_watermark(env):
    settings, src, wh = env
    make_lead(src, 100)  # write_date T0 + id minutes
    sync(settings, source(LEAD))
    real = str(T0 + timedelta(minutes=100))
    sql_exec(src, "UPDATE lead SET name = 'broken', write_date = 'infinity' WHERE id = 5",
             "UPDATE lead SET name = 'far', write_date = '9999-12-31' WHERE id = 6")
    job, loads, ctx = sync(settings, source(LEAD))
    assert loads["lead"].quarantined == 2
    assert watermark(wh) == real, "a cursor beyond now + tolerance never becomes the watermark"
    got = rows(wh, "SELECT source_key, column_name, error_message FROM ops.quarantine WHERE sync_job_id = %s "
                   "ORDER BY source_key", (job,))
    assert [g[:2] for g in got] == [("5", "write_date"), ("6", "write_date")]
    assert "write_date = infinity" in got[0][2] and "beyond now + 1 day" in got[0][2]
    assert "9999-12-31" in got[1][2]
    assert ctx.status == "partial"
    assert rows(wh, "SELECT name FROM raw.odoo_lead WHERE id IN (5, 6) ORDER BY id") == [("Lead 5",), ("Lead 6",)]
    # the next 60 real changes are read (the far-future watermark used to skip them silently)
    sql_exec(src, "UPDATE lead SET name = 'changed', write_date = TIMESTAMP '2026-03-01 15:00' + id * interval "
                  "'1 second' WHERE id BETWEEN 10 AND 69")
    _, loads, _ = sync(settings, source(LEAD))
    assert loads["lead"].updated == 60
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE name = 'changed'") == [(60,)]
    assert watermark(wh) == "2026-03-01 15:01:09"
    # a rerun quarantines the two again (the source still holds them) and leaves raw byte-identical
    assert_rerun_identical(settings, wh, source(LEAD))
    # fixed at the source: loaded as usual
    sql_exec(src, "UPDATE lead SET write_date = TIMESTAMP '2026-03-01 16:00' WHERE id IN (5, 6)")
    _, loads, _ = sync(settings, source(LEAD))
    assert (loads["lead"].updated, loads["lead"].quarantined) == (2, 0)


def test_a_stored_infinite_watermark_is_reset_by_full_and_ignored_by_incremental(env):
    settings, src, wh = env
    make_lead(src, 20)
    sync(settings, source(LEAD))
    # what the loader used to store from a row stamped 'infinity': every later run failed, even --full
    sql_exec(wh, "UPDATE ops.watermarks SET watermark = 'infinity' WHERE table_name = 'lead'")
    _, loads, _ = sync(settings, source(LEAD), full_refresh=True)
    assert watermark(wh) == str(T0 + timedelta(minutes=20)), "--full resets a watermark beyond now + tolerance"
    sql_exec(wh, "UPDATE ops.watermarks SET watermark = '9999-12-31 00:00:00' WHERE table_name = 'lead'")
    sql_exec(src, "UPDATE lead SET name = 'seen', write_date = TIMESTAMP '2026-03-02' WHERE id = 3")
    _, loads, _ = sync(settings, source(LEAD))
    assert "beyond now" in loads["lead"].window["reason"]
    assert loads["lead"].updated == 1
    assert watermark(wh) == "2026-03-02 00:00:00"
    assert_rerun_identical(settings, wh, source(LEAD))


# -- 2. a source restored from a backup, or replaced ---------------------------------------------
def test_keys_raw_lacks_are_loaded_whatever_their_cursor(env):
    settings, src, wh = env
    make_lead(src, 100)
    sync(settings, source(LEAD))
    sync(settings, source(LEAD))  # the watermark is T0 + 100 minutes
    # replaced by another database (a restore of an older backup into a new instance): new keys, older cursors
    sql_exec(src, "DELETE FROM lead",
             "INSERT INTO lead SELECT g, 'Restored ' || g, g, '{}', TIMESTAMP '2026-02-01' + g * interval '1 minute' "
             "FROM generate_series(1001, 1150) g")
    job, loads, ctx = sync(settings, source(LEAD))
    t = loads["lead"]
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE _deleted_at IS NULL") == [(150,)], \
        "the restored rows are loaded, not only the old ones marked deleted"
    assert (t.deleted, t.inserted) == (100, 150)
    assert t.window["keys_missing_from_raw"] == 150 and t.window["missing_keys_loaded"] == 150
    assert "whatever their cursor" in t.window["missing_keys_note"]
    stored = rows(wh, "SELECT config->'stages'->'raw_load'->'tables'->'lead'->'window'->>'missing_keys_loaded', "
                      "records_inserted FROM ops.sync_jobs WHERE job_id = %s", (job,))
    assert stored == [("150", 150)], "the job says so"
    assert ctx.status == "success"
    assert_rerun_identical(settings, wh, source(LEAD))
    # a later row beyond a scheduled run's upper bound is left to the run that reaches it
    from partner_sync.ingest import discover_source, sync_tables
    from partner_sync.raw.sync import load_options
    from partner_sync.pipeline import run_source
    from datetime import datetime, timezone
    sql_exec(src, "INSERT INTO lead VALUES (2001, 'future', 1, '{}', TIMESTAMP '2026-03-05')")
    job = run_source(settings, source(LEAD), stages=())[0]
    out = sync_tables(settings, source(LEAD), discover_source(settings, source(LEAD)), job,
                      load_options(settings, upper_bound=datetime(2026, 3, 3, tzinfo=timezone.utc)))
    assert out.loads[0].inserted == 0
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE id = 2001") == [(0,)]


# -- 3. duplicate keys at the source --------------------------------------------------------------
def test_duplicate_keys_are_found_for_the_window_on_every_run_and_every_copy_quarantined(env):
    settings, src, wh = env
    make_lead(src, 100)
    sql_exec(src, "ALTER TABLE lead DROP CONSTRAINT lead_pkey")  # a source that does not enforce its key
    sync(settings, source(LEAD))
    sync(settings, source(LEAD))
    # a second copy of key 7 appears, newer: an incremental window holds this copy only
    sql_exec(src, "INSERT INTO lead VALUES (7, 'second copy', 1, '{}', TIMESTAMP '2026-03-01 14:00')",
             "UPDATE lead SET name = 'real change', write_date = TIMESTAMP '2026-03-01 14:01' WHERE id = 8")
    job, loads, ctx = sync(settings, source(LEAD))
    assert rows(wh, "SELECT name FROM raw.odoo_lead WHERE id = 7") == [("Lead 7",)], \
        "the incremental run used to keep whichever copy fell in the window"
    got = rows(wh, "SELECT source_key, column_name, error_message, payload->>'name' FROM ops.quarantine "
                   "WHERE sync_job_id = %s ORDER BY 4", (job,))
    assert [(g[0], g[1], g[3]) for g in got] == [("7", "id", "Lead 7"), ("7", "id", "second copy")]
    assert "primary key (id) = 7 appears 2 times at the source" in got[0][2]
    assert loads["lead"].quarantined == 2 and loads["lead"].updated == 1
    assert rows(wh, "SELECT name FROM raw.odoo_lead WHERE id = 8") == [("real change",)]
    assert ctx.status == "partial"
    assert_rerun_identical(settings, wh, source(LEAD))


# -- 4. a column added with a DEFAULT at the source -----------------------------------------------
def test_a_column_added_with_a_default_is_read_for_every_row_once(env):
    settings, src, wh = env
    make_lead(src, 100)
    sync(settings, source(LEAD))
    sync(settings, source(LEAD))
    # an Odoo module install: the new column is filled for every row, write_date untouched
    sql_exec(src, "ALTER TABLE lead ADD COLUMN probability int NOT NULL DEFAULT 10",
             "UPDATE lead SET probability = 50, write_date = TIMESTAMP '2026-03-01 14:00' WHERE id = 1")
    _, loads, ctx = sync(settings, source(LEAD))
    t = loads["lead"]
    assert t.drift["added"] == ["probability"]
    assert rows(wh, "SELECT probability, count(*) FROM raw.odoo_lead GROUP BY 1 ORDER BY 1") == [(10, 99), (50, 1)], \
        "incremental runs used to fill only the rows in the cursor window"
    assert "probability added at the source: whole table read once" in t.window["reason"]
    assert t.updated == 100 and ctx.status == "success"
    assert watermark(wh) == "2026-03-01 14:00:00"
    # once: the next run is incremental again, and changes nothing
    _, loads, _ = sync(settings, source(LEAD))
    assert "overlap" in loads["lead"].window["reason"] and loads["lead"].staged <= 5
    assert_rerun_identical(settings, wh, source(LEAD))


# -- 5. a renamed table, a dropped key or cursor column: that table fails, the others load ---------
def test_a_renamed_table_or_a_dropped_key_or_cursor_fails_that_table_only(env):
    settings, src, wh = env
    make_lead(src, 10)
    sql_exec(src, "CREATE TABLE team (id int PRIMARY KEY, name text, write_date timestamp)",
             "CREATE TABLE stage (id int PRIMARY KEY, name text, write_date timestamp)",
             "CREATE TABLE tag (id int PRIMARY KEY, name text)",
             "INSERT INTO team VALUES (1, 'a', now())", "INSERT INTO stage VALUES (1, 'a', now())",
             "INSERT INTO tag VALUES (1, 'a')")
    tables = {**LEAD, "team": {"primary_key": ["id"], "cursor": "write_date"},
              "stage": {"primary_key": ["id"], "cursor": "write_date"}, "tag": {"primary_key": ["id"]}}
    sync(settings, source(tables))
    sql_exec(src, "ALTER TABLE team RENAME TO crm_team", "ALTER TABLE stage DROP COLUMN write_date",
             "ALTER TABLE tag RENAME COLUMN id TO tag_id",
             "UPDATE lead SET name = 'still loads', write_date = TIMESTAMP '2026-03-02' WHERE id = 1")
    with pytest.raises(TablesFailed) as err:
        sync(settings, source(tables))
    failed = err.value.failures
    assert sorted(failed) == ["stage", "tag", "team"], "one table's problem used to stop all of them at extract"
    assert "table team not found at the source" in failed["team"]
    assert "table stage has no column(s) write_date named as primary key/cursor" in failed["stage"]
    assert "table tag has no column(s) id" in failed["tag"]
    assert rows(wh, "SELECT name FROM raw.odoo_lead WHERE id = 1") == [("still loads",)]
    status, details = rows(wh, "SELECT status, error_details FROM ops.sync_jobs ORDER BY started_at DESC LIMIT 1")[0]
    assert status == "failed" and sorted(details["failed_tables"]) == ["stage", "tag", "team"]
    before = raw_state(wh)
    with pytest.raises(TablesFailed):
        sync(settings, source(tables))
    assert raw_state(wh) == before


# -- 6. a missing privilege on one table ----------------------------------------------------------
def test_missing_privilege_reports_the_real_error_for_that_table(env):
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    from partner_sync.config import load_settings

    settings, src, wh = env
    make_lead(src, 10)
    sql_exec(src, "CREATE TABLE crm_team (id int PRIMARY KEY, name text, write_date timestamp)",
             "INSERT INTO crm_team VALUES (1, 'a', now())")
    role = f"ro_{uuid.uuid4().hex[:8]}"
    sql_exec(src, f"CREATE ROLE {role} LOGIN PASSWORD 's3cret-pw'", f"GRANT USAGE ON SCHEMA public TO {role}",
             f"GRANT SELECT ON lead TO {role}")  # crm_team: no privilege
    parts = urlsplit(src)
    limited = urlunsplit(parts._replace(netloc=f"{role}:s3cret-pw@{parts.hostname}:{parts.port}"))
    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_DB": limited,
                              "PARTNER_SYNC_EMBEDDING_DIM": "8", "PARTNER_SYNC_LOCK_WAIT_SECONDS": "2"}, dotenv=False)
    tables = {**LEAD, "crm_team": {"primary_key": ["id"], "cursor": "write_date"}}
    try:
        for _ in range(2):  # every run says so, per table
            with pytest.raises(TablesFailed) as err:
                sync(settings, source(tables))
            assert list(err.value.failures) == ["crm_team"]
            message = err.value.failures["crm_team"]
            assert "permission denied for table crm_team" in message, \
                "the background key count's error used to surface as 'current transaction is aborted'"
            assert "connection odoo_db" in message and "table crm_team" in message
            assert "s3cret-pw" not in message
            assert rows(wh, "SELECT count(*) FROM raw.odoo_lead") == [(10,)]
    finally:
        sql_exec(src, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


# -- 7. the validated path only for the columns that need it ---------------------------------------
def test_one_enum_or_kept_wider_column_keeps_the_binary_path(env):
    settings, src, wh = env
    sql_exec(src, "CREATE TYPE mood AS ENUM ('ok', 'meh')", "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
             "CREATE TYPE pair AS (a int, b text)",
             "CREATE TABLE lead (id int PRIMARY KEY, name varchar(64), amount numeric(12,2), m mood, p posint, "
             "c pair, big bigint, write_date timestamp)",
             "INSERT INTO lead SELECT g, 'Lead ' || g, g * 1.5, (ARRAY['ok', 'meh'])[1 + g % 2]::mood, g, "
             f"ROW(g, 'x' || g)::pair, g, TIMESTAMP '{T0}' + g * interval '1 minute' FROM generate_series(1, 50) g")
    _, loads, _ = sync(settings, source(LEAD))
    assert loads["lead"].path == "direct", "one enum/domain/composite column used to force the validated path"
    assert rows(wh, "SELECT m, p, c FROM raw.odoo_lead WHERE id = 3") == [("meh", 3, "(3,x3)")]
    # the source narrows a column: raw keeps the wider type (a cast at the source, still binary)
    sql_exec(src, "ALTER TABLE lead ALTER COLUMN big TYPE int",
             "UPDATE lead SET m = 'ok', big = 7, write_date = TIMESTAMP '2026-03-02' WHERE id = 3")
    _, loads, ctx = sync(settings, source(LEAD))
    t = loads["lead"]
    assert t.drift["kept_wider"] == ["big: bigint (source integer)"]
    assert (t.path, t.updated, t.quarantined) == ("binary", 1, 0)
    assert rows(wh, "SELECT m, big FROM raw.odoo_lead WHERE id = 3") == [("ok", 7)]
    assert_rerun_identical(settings, wh, source(LEAD))
    # a value the cast refuses (a YAML override the data does not meet) still takes the validating path, and
    # only that column is named
    sql_exec(src, "ALTER TABLE lead ADD COLUMN qty text",
             "UPDATE lead SET qty = CASE WHEN id = 4 THEN 'lots' ELSE '1' END, write_date = TIMESTAMP '2026-03-03'")
    tables = {"lead": {**LEAD["lead"], "column_types": {"qty": "integer"}}}
    job, loads, _ = sync(settings, source(tables))
    assert (loads["lead"].path, loads["lead"].quarantined) == ("validated", 1)
    assert rows(wh, "SELECT source_key, column_name FROM ops.quarantine WHERE sync_job_id = %s", (job,)) == [
        ("4", "qty")]
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead WHERE qty = 1") == [(49,)]
