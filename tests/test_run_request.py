"""The run request is fixed for the whole run, and a stage's result is what gets journaled."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest

from partner_sync.run_request import RunOutcome, RunRequest, StageResult
from partner_sync.source_defs import load_source

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
