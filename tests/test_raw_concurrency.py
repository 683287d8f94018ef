"""Interruptions and concurrency, for real: a killed load leaves raw as it was; syncs never interleave."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psycopg
import pytest

from partner_sync.raw.loader import TableBusy, load_table
from partner_sync.raw.sync import TablesFailed
from test_raw_load import env, make_lead, rows, source, sql_exec, sync  # noqa: F401 - fixtures and helpers

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]
LEAD = {"lead": {"primary_key": ["id"], "cursor": "write_date"}}


def _checksum(url: str) -> tuple:
    return rows(url, "SELECT count(*), md5(string_agg(t::text, '' ORDER BY id)) FROM raw.odoo_lead t")[0] + \
        rows(url, "SELECT coalesce(max(watermark), '') FROM ops.watermarks")[0]


def test_killed_mid_copy_leaves_raw_exactly_as_before(env):
    settings, src, wh = env
    make_lead(src, 1000)
    sync(settings, source(LEAD))
    before = _checksum(wh)
    # a big change: 400k new rows and every old row rewritten, so the next load takes a while
    sql_exec(src, "INSERT INTO lead SELECT g, repeat('x', 50) || g, g, jsonb_build_object('pad', repeat('y', 300)), "
                  "TIMESTAMP '2026-05-01' + g * interval '1 second' FROM generate_series(1001, 400000) g",
             "UPDATE lead SET name = 'changed', write_date = TIMESTAMP '2026-06-01' WHERE id <= 1000")
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); sys.path.insert(0, {str(ROOT / 'plugins')!r})
        from partner_sync.config import load_settings
        from partner_sync.pipeline import run_source
        from test_raw_load import source, LEAD
        s = load_settings({{"AIRFLOW_CONN_WAREHOUSE_DB": {wh!r}, "AIRFLOW_CONN_ODOO_DB": {src!r},
                           "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_EMBEDDING_DIM": "8"}}, dotenv=False)
        run_source(s, source(LEAD), stages=("extract", "raw_load"))
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    dbname = wh.rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    copying = False
    while time.monotonic() < deadline and proc.poll() is None:
        copying = rows(wh, "SELECT count(*) FROM pg_stat_progress_copy p JOIN pg_database d ON d.oid = p.datid "
                           "WHERE d.datname = %s AND p.command = 'COPY FROM' AND p.tuples_processed > 1000",
                       (dbname,))[0][0] > 0
        if copying:
            break
        time.sleep(0.05)
    assert copying, "the load never reached its COPY"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # the server ends the orphaned backend; its transaction never commits
    for _ in range(200):
        if not rows(wh, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                        "AND state <> 'idle'", (dbname,))[0][0]:
            break
        time.sleep(0.05)
    assert _checksum(wh) == before
    assert rows(wh, "SELECT status FROM ops.sync_jobs ORDER BY started_at DESC LIMIT 1") == [("running",)]
    _, loads, _ = sync(settings, source(LEAD))
    assert (loads["lead"].inserted, loads["lead"].updated) == (399000, 1000)


def test_second_sync_of_a_locked_table_waits_then_fails_clearly(env):
    settings, src, wh = env
    make_lead(src, 10)
    sync(settings, source(LEAD))
    with psycopg.connect(wh) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(hashtextextended('raw.odoo_lead', 42))")
        started = time.monotonic()
        with pytest.raises(TablesFailed, match=r"raw.odoo_lead is being loaded by another sync; gave up after "
                                               r"waiting 2s"):
            sync(settings, source(LEAD))
        assert 1.9 <= time.monotonic() - started < 20


def test_two_syncs_at_once_serialise_per_table_and_run_in_parallel_across_tables(env):
    settings, src, wh = env
    make_lead(src, 20000)
    sql_exec(src, "CREATE TABLE other AS SELECT * FROM lead", "ALTER TABLE other ADD PRIMARY KEY (id)")
    results, errors = [], []

    def run(tables: dict) -> None:
        try:
            results.append(sync(settings, source(tables))[1])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(LEAD,)), threading.Thread(target=run, args=(LEAD,)),
               threading.Thread(target=run, args=({"other": {"primary_key": ["id"], "cursor": "write_date"}},))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    lead_loads = sorted((r["lead"] for r in results if "lead" in r), key=lambda t: -t.inserted)
    assert [(t.inserted, t.updated) for t in lead_loads] == [(20000, 0), (0, 0)]  # one loaded, the other saw it
    assert lead_loads[1].staged == 20000 or lead_loads[1].unchanged == lead_loads[1].staged
    assert rows(wh, "SELECT count(*) FROM raw.odoo_lead") == [(20000,)]
    assert rows(wh, "SELECT count(*) FROM raw.odoo_other") == [(20000,)]
