"""One run of one source: extract -> raw_load -> transform -> validate -> embed, journaled in ops.

The CLI (``partner_sync run``) and the Airflow tasks both call these functions. Each stage takes the run's
frozen ``RunRequest`` (and its live ``RunResources``) and returns a ``StageResult``, which ``run_stage``
journals; nothing is written back into a shared context. ``STAGE_FUNCTIONS`` maps each stage to its function.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any, Callable, Mapping

from partner_sync.checks import run_validate_stage
from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.embed.stage import run_embed_stage
from partner_sync.failures import classify
from partner_sync.interrupts import closing_on_interrupt, interruption
from partner_sync.logs import kv
from partner_sync.ops import Journal
from partner_sync.run_request import RunOutcome, RunRequest, RunResources, StageResult
from partner_sync.source_defs import SourceDef, load_source
from partner_sync.sql_files import load_sql
from partner_sync.transform import run_transform_stage

log = logging.getLogger(__name__)

STAGES = ("extract", "raw_load", "transform", "validate", "embed")

# A stage: the run's request, its resources, and the results of the stages run before it in this process.
StageFn = Callable[[RunRequest, RunResources, Mapping[str, StageResult]], StageResult]


def _extract(request: RunRequest, res: RunResources, earlier: Mapping[str, StageResult]) -> StageResult:
    """Read the source catalog: every column of every table, and which columns stay at the source."""
    from partner_sync.ingest import discover_source

    schemas = discover_source(res.settings, request.source, request.table_list, reader=res.reader)
    notes: dict[str, Any] = {"tables": {name: {"columns": len(t.columns), "excluded": t.excluded}
                                        for name, t in schemas.items()}}
    if getattr(schemas, "skipped", None):  # optional tables the source lacks (odoo.yml `optional: true`)
        notes["skipped"] = dict(schemas.skipped)
    failures = getattr(schemas, "failures", {})
    if failures:  # raw_load reports them as failed tables (an Airflow mapped task each), the others still load
        notes["undiscovered"] = dict(failures)
    # the catalog goes to raw_load in this process; an Airflow task discovers again
    return StageResult("extract", notes=notes, payload=schemas)


def _raw_load(request: RunRequest, res: RunResources, earlier: Mapping[str, StageResult]) -> StageResult:
    """Stream every table into raw; quarantined rows make the job partial, failed tables fail the stage."""
    from partner_sync.ingest import discover_source, sync_tables
    from partner_sync.raw.sync import TablesFailed, load_options

    schemas = (earlier["extract"].payload if "extract" in earlier and earlier["extract"].payload is not None
               else discover_source(res.settings, request.source, request.table_list, reader=res.reader))
    outcome = sync_tables(res.settings, request.source, schemas, request.job_id,
                          load_options(res.settings, full=request.full_refresh, data_interval=request.data_interval,
                                       upper_bound=request.upper_bound), reader=res.reader,
                          warehouse=res.warehouse)
    totals = outcome.totals()
    result = StageResult(
        "raw_load", notes={"tables": {t.table: t.as_dict() for t in outcome.loads}, "totals": totals,
                           "partial": totals["quarantined"] > 0},
        counts={"processed": totals["staged"], "inserted": totals["inserted"], "updated": totals["updated"],
                "failed": totals["quarantined"]},
        payload=outcome.loads)
    if outcome.failures:
        return StageResult(result.stage, "failed", result.counts, {"failed_tables": dict(outcome.failures)},
                           result.notes, error=TablesFailed(request.source.name, outcome.failures),
                           payload=outcome.loads)
    return result


STAGE_FUNCTIONS: dict[str, StageFn] = {
    "extract": _extract,
    "raw_load": _raw_load,
    "transform": run_transform_stage,
    "validate": run_validate_stage,
    "embed": run_embed_stage,
}


def _journal(settings: Settings, warehouse: Database) -> Journal:
    return Journal(warehouse, settings.include_dir)


def open_job(settings: Settings, warehouse: Database, source: SourceDef, *, full_refresh: bool = False,
             tables: list[str] | tuple[str, ...] | None = None, airflow: dict[str, Any] | None = None) -> uuid.UUID:
    """Create the run's ops.sync_jobs row (status running) and return its id."""
    unknown = sorted(set(tables or ()) - set(source.tables))
    if unknown:
        raise ValueError(f"source {source.name}: unknown table(s) {', '.join(unknown)}; "
                         f"defined: {', '.join(source.tables)}")
    journal = _journal(settings, warehouse)
    sweep_abandoned(settings, journal)
    if airflow and airflow.get("run_id"):
        job_id = journal.reopen_job(source.name, airflow)
        if job_id is not None:
            log.info(kv("job.reopen", source=source.name, job=job_id, try_number=airflow.get("try_number")))
            return job_id
    config = {"tables": list(tables or [t.name for t in source.enabled_tables]), "full_refresh": full_refresh,
              "stages": {}, "airflow": airflow or None}
    job_id = journal.open_job(source.name, "full_sync" if full_refresh else "incremental", config)
    log.info(kv("job.open", source=source.name, job=job_id, full_refresh=full_refresh))
    return job_id


def sweep_abandoned(settings: Settings, journal: Journal) -> list[tuple[uuid.UUID, str]]:
    """Jobs left running by a dead process (kill -9) past PARTNER_SYNC_JOB_TIMEOUT become ``abandoned``; runs
    at every job start and in maintenance."""
    swept = journal.sweep_abandoned(settings.job_timeout_seconds)
    for job_id, source in swept:
        log.warning(kv("job.abandoned", job=job_id, source=source, timeout_s=settings.job_timeout_seconds))
    return swept


def _close_interrupted(request: RunRequest, res: RunResources, stage: str, how: str) -> None:
    """SIGTERM / Ctrl-C in a CLI run: the job is failed, on a fresh connection (the pool's one may be mid-query)."""
    from partner_sync.database import connect

    try:
        with connect(res.settings.conn("warehouse_db")) as conn:
            conn.execute(load_sql(res.settings.include_dir, "ops/fail_open_job"), {
                "job_id": request.job_id, "error_message": f"{stage}: interrupted by {how}",
                "error_details": json.dumps({"stage": stage, "kind": "interrupted", "transient": True,
                                             "signal": how, "closed_by": "cli"})})
        log.error(kv("job.interrupted", source=request.source.name, job=request.job_id, stage=stage, signal=how))
    except Exception as exc:  # noqa: BLE001 - the interruption is what the user must see; the sweeper is the net
        log.error(kv("job.interrupt_not_recorded", job=request.job_id, error=exc))


def run_stage(request: RunRequest, res: RunResources, stage: str,
              earlier: Mapping[str, StageResult] | None = None) -> StageResult:
    """Run one stage and journal its result; a failure is journaled (and, outside Airflow, closes the job)
    before it is raised."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    journal = _journal(res.settings, res.warehouse)
    started = time.monotonic()
    try:
        if request.close_on_failure:
            with closing_on_interrupt(lambda how: _close_interrupted(request, res, stage, how)):
                result = STAGE_FUNCTIONS[stage](request, res, earlier or {})
        else:
            result = STAGE_FUNCTIONS[stage](request, res, earlier or {})
    except Exception as exc:
        result = StageResult(stage, error=exc)
    except BaseException as exc:  # SIGTERM (the CLI's handler) or Ctrl-C: never leave the job running
        how = interruption(exc)
        if how and request.close_on_failure:
            _close_interrupted(request, res, stage, how)
        raise
    seconds = round(time.monotonic() - started, 3)
    if result.error is not None:
        failure = classify(result.error)
        result = result.failed(result.error, seconds, failure.transient)
        journal.record_stage(request.job_id, stage, result.detail, result.counts)
        if request.close_on_failure:  # outside Airflow nothing retries: the job is over
            journal.settle_failed_job(request.job_id, "failed", stage, failure,
                                      failed_tables=result.failures.get("failed_tables"),
                                      failed_checks=result.failures.get("failed_checks"))
        log.error(kv("stage.failed", source=request.source.name, job=request.job_id, stage=stage,
                     error=result.error))
        raise result.error
    result = result.timed(seconds)
    if result.status == "noop":  # e.g. embed for a source without core tables
        log.warning(kv("stage.noop", source=request.source.name, job=request.job_id, stage=stage,
                       reason=result.notes.get("reason", "")))
    journal.record_stage(request.job_id, stage, result.detail, result.counts)
    log.info(kv("stage.done", source=request.source.name, job=request.job_id, stage=stage, status=result.status,
                seconds=seconds))
    return result


def extract_tables(request: RunRequest, res: RunResources) -> list[str]:
    """The extract stage for Airflow: discover, journal, and return the tables raw_load maps over."""
    result = run_stage(request, res, "extract")
    names = set(result.notes.get("tables") or {}) | set(result.notes.get("undiscovered") or {})
    return sorted(names, key=list(request.source.tables).index)


def load_one_table(request: RunRequest, res: RunResources, table: str) -> dict[str, Any]:
    """One table of the raw_load stage (an Airflow mapped task): load it and journal it under the stage.

    A failure is journaled on the table (and, outside Airflow, closes the job naming it) and re-raised, so
    that mapped task fails alone.
    """
    from partner_sync.ingest import discover_table, load_one
    from partner_sync.raw.sync import load_options

    journal = _journal(res.settings, res.warehouse)
    try:
        schema = discover_table(res.settings, request.source, table, reader=res.reader)
        load = load_one(res.settings, request.source, schema, request.job_id,
                        load_options(res.settings, full=request.full_refresh, data_interval=request.data_interval,
                                     upper_bound=request.upper_bound), reader=res.reader,
                        warehouse=res.warehouse)
    except Exception as exc:
        failure = classify(exc)
        journal.record_table(request.job_id, "raw_load", table, {"status": "failed", "error": str(exc),
                                                                 "transient": failure.transient})
        if request.close_on_failure:
            journal.settle_failed_job(request.job_id, "failed", f"raw_load {table}", failure, table=table)
        raise
    detail = {**load.as_dict(), "status": "success", "partial": load.quarantined > 0}
    journal.record_table(request.job_id, "raw_load", table, detail,
                         {"processed": load.staged, "inserted": load.inserted, "updated": load.updated,
                          "failed": load.quarantined})
    log.info(kv("stage.table", source=request.source.name, job=request.job_id, stage="raw_load", table=table,
                inserted=load.inserted, updated=load.updated, quarantined=load.quarantined))
    return detail


def finish_job(settings: Settings, warehouse: Database, job_id: uuid.UUID, status: str = "success") -> str:
    """Close the job; 'success' becomes 'partial' when a stage quarantined rows. Returns the final status."""
    journal = _journal(settings, warehouse)
    if status == "success":
        stages = journal.stage_details(job_id)
        details = [d for d in stages.values() if isinstance(d, dict)]
        details += [t for d in details for t in (d.get("tables") or {}).values() if isinstance(t, dict)]
        if any(d.get("partial") or d.get("quarantined") for d in details):
            status = "partial"
    journal.finish_job(job_id, status)
    log.info(kv("job.finish", job=job_id, status=status))
    return status


def run_stages(request: RunRequest, res: RunResources, stages: tuple[str, ...]) -> list[StageResult]:
    """Stages in order on one request; each later stage sees the earlier ones' results."""
    results: dict[str, StageResult] = {}
    for stage in stages:
        results[stage] = run_stage(request, res, stage, results)
    return list(results.values())


def run_source(settings: Settings, source_name: str | SourceDef, *, full_refresh: bool = False,
               tables: list[str] | None = None, stages: tuple[str, ...] = STAGES,
               data_interval: tuple[Any, Any] | None = None) -> tuple[uuid.UUID, list[StageResult], RunOutcome]:
    """Stages of one source in order, outside Airflow (``partner_sync run`` all five, ``sync`` the first two)."""
    source = source_name if isinstance(source_name, SourceDef) else load_source(settings.include_dir, source_name)
    with Database.from_settings(settings) as warehouse, warehouse.pinned():
        job_id = open_job(settings, warehouse, source, full_refresh=full_refresh, tables=tables)
        request = RunRequest(source, job_id, full_refresh=full_refresh, tables=tuple(tables) if tables else None,
                             data_interval=data_interval)
        with RunResources(settings, warehouse, source) as res:
            results = run_stages(request, res, stages)
            # closed after the job: a connection closing mid-run costs the server a backend exit
            status = finish_job(settings, warehouse, job_id, "success")
    return job_id, results, RunOutcome(job_id, tuple(results), status)
