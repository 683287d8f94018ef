"""The run request is fixed for the whole run, and a stage's result is what gets journaled."""

from __future__ import annotations

import dataclasses
import time
import uuid
from pathlib import Path

import pytest

from partner_sync.raw.sync import TablesFailed
from partner_sync.run_request import RunOutcome, RunRequest, StageResult
from partner_sync.source_defs import load_source
from test_raw_load import env, make_lead, rows, source, sql_exec, sync  # noqa: F401 - env is a fixture

ROOT = Path(__file__).resolve().parents[1]


def test_the_run_request_cannot_be_changed_by_a_stage():
    request = RunRequest(load_source(ROOT / "include", "odoo"), uuid.uuid4(), tables=["crm_lead"],
                         rendered_sql={"aws_accounts": "SELECT 1"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.full_refresh = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        request.rendered_sql["aws_accounts"] = "DROP TABLE core.aws_accounts"  # type: ignore[index]
    assert request.tables == ("crm_lead",) and request.table_list == ["crm_lead"]
    assert RunRequest(request.source, request.job_id, upper_bound="b").as_of == "b"
    assert RunRequest(request.source, request.job_id, data_interval=("a", "c"), upper_bound="b").as_of == "c"


def test_a_stage_result_is_its_journal_entry():
    ok = StageResult("raw_load", counts={"processed": 3, "inserted": 2}, notes={"tables": {}, "partial": True},
                     payload=["load"]).timed(1.5)
    assert ok.detail == {"status": "success", "tables": {}, "partial": True,
                         "counts": {"processed": 3, "inserted": 2}, "seconds": 1.5}
    assert ok.partial and "payload" not in ok.detail
    failed = StageResult("raw_load", failures={"failed_tables": {"crm_lead": "boom"}}, notes={"tables": {}}
                         ).failed(RuntimeError("boom"), 0.2, transient=False)
    assert failed.detail == {"status": "failed", "tables": {}, "error": "boom", "transient": False,
                             "failed_tables": {"crm_lead": "boom"}, "seconds": 0.2}
    with pytest.raises(ValueError, match="status must be one of"):
        StageResult("embed", "maybe")
    outcome = RunOutcome(uuid.uuid4(), (StageResult("extract"), ok), "partial")
    assert outcome.loads == ["load"] and outcome.status == "partial"



def _source_sessions(url: str) -> int:
    """Other sessions on the source database (the reader's connection while it is open)."""
    for _ in range(50):  # a closed connection's backend exits just after the client hangs up
        n = rows(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid()")[0][0]
        if n == 0:
            return 0
        time.sleep(0.1)
    return n


@pytest.mark.db
def test_a_run_opens_its_source_reader_once_and_closes_it_when_a_stage_fails(env, monkeypatch):
    """Discovery and every table's load share the run's one reader (one source login); a failing run still
    closes it: no session of the run is left on the source once run_source has raised."""
    from partner_sync.sources import readers

    settings, src, _ = env
    make_lead(src)
    sql_exec(src, "CREATE TABLE other (id int PRIMARY KEY, code varchar(4), write_date timestamp)",
             "INSERT INTO other VALUES (1, 'ok', '2026-01-01')")
    tables = {"lead": {"primary_key": ["id"], "cursor": "write_date"},
              "other": {"primary_key": ["id"], "cursor": "write_date"}}
    open_reader, opened = readers.open_reader, []
    monkeypatch.setattr(readers, "open_reader", lambda *a, **kw: opened.append(open_reader(*a, **kw)) or opened[-1])
    _, loads, _ = sync(settings, source(tables))
    assert set(loads) == {"lead", "other"} and len(opened) == 1  # a good run: one reader for both tables
    assert _source_sessions(src) == 0
    sql_exec(src, "ALTER TABLE lead DROP COLUMN write_date")  # lead's cursor is gone: that table fails
    with pytest.raises(TablesFailed, match="lead"):
        sync(settings, source(tables))
    assert len(opened) == 2, "the failing run opened one reader too"
    assert _source_sessions(src) == 0, "the failing run left its source connection open"
