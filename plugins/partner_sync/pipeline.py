"""One run of one source: extract -> raw_load -> transform -> validate -> embed, journaled in ops.

The CLI (``partner_sync run``) and the Airflow tasks both call these functions; ``STAGE_FUNCTIONS`` maps
each stage to the engine function that runs it.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from partner_sync.checks import run_validate_stage
from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.embed.stage import run_embed_stage
from partner_sync.failures import Failure, classify
from partner_sync.logs import kv
from partner_sync.ops import Journal
from partner_sync.source_defs import SourceDef, load_source
from partner_sync.transform import run_transform_stage

log = logging.getLogger(__name__)

STAGES = ("extract", "raw_load", "transform", "validate", "embed")


@dataclass
class StageContext:
    """What a stage needs: settings, the source, its job and the warehouse pool."""

    settings: Settings
    source: SourceDef
    job_id: uuid.UUID
    warehouse: Database
    full_refresh: bool = False
    tables: list[str] | None = None
    data_interval: tuple[Any, Any] | None = None
    detail_on_failure: dict[str, Any] | None = None
    upper_bound: Any = None  # Airflow run: read up to its interval end (scheduled) or its run_after (manual)
    # False under Airflow: the task layer sets failed / pending_retry from Airflow's own retry decision
    close_on_failure: bool = True
    loads: list[Any] = field(default_factory=list)
    partial: bool = False
    status: str = "running"
    discovered: dict[str, Any] | None = None
    rendered_sql: dict[str, str] | None = None  # transform templates rendered by Airflow's template fields
    _reader: Any = None

    @property
    def reader(self) -> Any:
        """The run's one source reader (``contracts.SourceReader``, any mode), opened on first use: one source
        connection, login or request budget for discovery and every table."""
        if self._reader is None:
            from partner_sync.sources.readers import open_reader

            self._reader = open_reader(self.settings, self.source)
        return self._reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self) -> "StageContext":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class StageResult:
    stage: str
    status: str  # success | noop | failed
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)


StageFn = Callable[[StageContext], dict[str, Any]]

def _extract(ctx: StageContext) -> dict[str, Any]:
    """Read the source catalog: every column of every table, and which columns stay at the source."""
    from partner_sync.ingest import discover_source

    schemas = discover_source(ctx.settings, ctx.source, ctx.tables, reader=ctx.reader)
    ctx.discovered = schemas  # the next stage in this process reuses it; an Airflow task discovers again
    detail: dict[str, Any] = {"tables": {name: {"columns": len(t.columns), "excluded": t.excluded}
                                         for name, t in schemas.items()}}
    if getattr(schemas, "skipped", None):  # optional tables the source lacks (odoo.yml `optional: true`)
        detail["skipped"] = dict(schemas.skipped)
    failures = getattr(schemas, "failures", {})
    if failures:  # raw_load reports them as failed tables (an Airflow mapped task each), the others still load
        detail["undiscovered"] = dict(failures)
    return detail


def _raw_load(ctx: StageContext) -> dict[str, Any]:
    """Stream every table into raw; quarantined rows make the job partial, failed tables fail the stage."""
    from partner_sync.ingest import discover_source, sync_tables
    from partner_sync.raw.sync import TablesFailed, load_options

    schemas = ctx.discovered or discover_source(ctx.settings, ctx.source, ctx.tables, reader=ctx.reader)
    outcome = sync_tables(ctx.settings, ctx.source, schemas, ctx.job_id,
                          load_options(ctx.settings, full=ctx.full_refresh, data_interval=ctx.data_interval,
                                       upper_bound=ctx.upper_bound), reader=ctx.reader, warehouse=ctx.warehouse)
    totals = outcome.totals()
    detail = {"tables": {t.table: t.as_dict() for t in outcome.loads}, "totals": totals,
              "partial": totals["quarantined"] > 0,
              "counts": {"processed": totals["staged"], "inserted": totals["inserted"],
                         "updated": totals["updated"], "failed": totals["quarantined"]}}
    if outcome.failures:
        ctx.detail_on_failure = {**detail, "failed_tables": outcome.failures}
        raise TablesFailed(ctx.source.name, outcome.failures)
    ctx.loads = outcome.loads
    return detail


STAGE_FUNCTIONS: dict[str, StageFn] = {
    "extract": _extract,
    "raw_load": _raw_load,
    "transform": run_transform_stage,
    "validate": run_validate_stage,
    "embed": run_embed_stage,
}


def _journal(ctx_settings: Settings, warehouse: Database) -> Journal:
    return Journal(warehouse, ctx_settings.include_dir)


def open_job(settings: Settings, warehouse: Database, source: SourceDef, *, full_refresh: bool = False,
             tables: list[str] | None = None, airflow: dict[str, Any] | None = None) -> uuid.UUID:
    """Create the run's ops.sync_jobs row (status running) and return its id."""
    unknown = sorted(set(tables or ()) - set(source.tables))
    if unknown:
        raise ValueError(f"source {source.name}: unknown table(s) {', '.join(unknown)}; "
                         f"defined: {', '.join(source.tables)}")
    journal = _journal(settings, warehouse)
    if airflow and airflow.get("run_id"):
        job_id = journal.reopen_job(source.name, airflow)
        if job_id is not None:
            log.info(kv("job.reopen", source=source.name, job=job_id, try_number=airflow.get("try_number")))
            return job_id
    config = {"tables": tables or [t.name for t in source.enabled_tables], "full_refresh": full_refresh,
              "stages": {}, "airflow": airflow or None}
    job_id = journal.open_job(source.name, "full_sync" if full_refresh else "incremental", config)
    log.info(kv("job.open", source=source.name, job=job_id, full_refresh=full_refresh))
    return job_id


def run_stage(ctx: StageContext, stage: str) -> StageResult:
    """Run one stage and journal it; a failure marks the job failed before re-raising."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    journal = _journal(ctx.settings, ctx.warehouse)
    started = time.monotonic()
    try:
        detail = {"status": "success", **STAGE_FUNCTIONS[stage](ctx)}
        if detail["status"] == "noop":  # e.g. embed for a source without core tables
            log.warning(kv("stage.noop", source=ctx.source.name, job=ctx.job_id, stage=stage,
                           reason=detail.get("reason", "")))
    except Exception as exc:
        seconds = round(time.monotonic() - started, 3)
        failure = classify(exc)
        failed = {**(ctx.detail_on_failure or {}), "status": "failed", "seconds": seconds, "error": str(exc),
                  "transient": failure.transient}
        journal.record_stage(ctx.job_id, stage, failed, (ctx.detail_on_failure or {}).get("counts"))
        if ctx.close_on_failure:  # outside Airflow nothing retries: the job is over
            journal.finish_job(ctx.job_id, "failed", error=f"{stage}: {exc}",
                               error_details=failure_details(ctx, stage, failure))
        log.error(kv("stage.failed", source=ctx.source.name, job=ctx.job_id, stage=stage, error=exc))
        raise
    seconds = round(time.monotonic() - started, 3)
    detail["seconds"] = seconds
    ctx.partial = ctx.partial or bool(detail.get("partial"))
    journal.record_stage(ctx.job_id, stage, detail, detail.get("counts"))
    log.info(kv("stage.done", source=ctx.source.name, job=ctx.job_id, stage=stage, status=detail["status"],
                seconds=seconds))
    return StageResult(stage, detail["status"], seconds, detail)


def extract_tables(ctx: StageContext) -> list[str]:
    """The extract stage for Airflow: discover, journal, and return the tables raw_load maps over."""
    result = run_stage(ctx, "extract")
    names = set(result.detail.get("tables") or {}) | set(result.detail.get("undiscovered") or {})
    return sorted(names, key=list(ctx.source.tables).index)


def load_one_table(ctx: StageContext, table: str) -> dict[str, Any]:
    """One table of the raw_load stage (an Airflow mapped task): load it and journal it under the stage.

    A failure marks the job failed (naming the table) and re-raises, so that mapped task fails alone.
    """
    from partner_sync.ingest import discover_table, load_one
    from partner_sync.raw.sync import load_options

    journal = _journal(ctx.settings, ctx.warehouse)
    try:
        schema = discover_table(ctx.settings, ctx.source, table, reader=ctx.reader)
        load = load_one(ctx.settings, ctx.source, schema, ctx.job_id,
                        load_options(ctx.settings, full=ctx.full_refresh, data_interval=ctx.data_interval,
                                     upper_bound=ctx.upper_bound), reader=ctx.reader, warehouse=ctx.warehouse)
    except Exception as exc:
        failure = classify(exc)
        journal.record_table(ctx.job_id, "raw_load", table, {"status": "failed", "error": str(exc),
                                                             "transient": failure.transient})
        if ctx.close_on_failure:
            journal.finish_job(ctx.job_id, "failed", error=f"raw_load {table}: {exc}",
                               error_details=failure_details(ctx, "raw_load", failure, table))
        raise
    detail = {**load.as_dict(), "status": "success", "partial": load.quarantined > 0}
    journal.record_table(ctx.job_id, "raw_load", table, detail,
                         {"processed": load.staged, "inserted": load.inserted, "updated": load.updated,
                          "failed": load.quarantined})
    log.info(kv("stage.table", source=ctx.source.name, job=ctx.job_id, stage="raw_load", table=table,
                inserted=load.inserted, updated=load.updated, quarantined=load.quarantined))
    return detail


def failure_details(ctx: StageContext, stage: str, failure: Failure, table: str | None = None) -> dict[str, Any]:
    """The job's error_details for a failed stage (or table): what failed, whether a retry can help."""
    details: dict[str, Any] = {"stage": stage, "kind": failure.kind, "transient": failure.transient}
    if table is not None:
        details["table"] = table
        details["failed_tables"] = {table: failure.message}
    elif ctx.detail_on_failure and ctx.detail_on_failure.get("failed_tables"):
        details["failed_tables"] = ctx.detail_on_failure["failed_tables"]
    if ctx.detail_on_failure and ctx.detail_on_failure.get("failed_error"):
        details["failed_checks"] = ctx.detail_on_failure["failed_error"]
    return details


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


def run_source(settings: Settings, source_name: str | SourceDef, *, full_refresh: bool = False,
               tables: list[str] | None = None, stages: tuple[str, ...] = STAGES,
               data_interval: tuple[Any, Any] | None = None) -> tuple[uuid.UUID, list[StageResult], StageContext]:
    """Stages of one source in order, outside Airflow (``partner_sync run`` all five, ``sync`` the first two)."""
    source = source_name if isinstance(source_name, SourceDef) else load_source(settings.include_dir, source_name)
    with Database.from_settings(settings) as warehouse, warehouse.pinned():
        job_id = open_job(settings, warehouse, source, full_refresh=full_refresh, tables=tables)
        with StageContext(settings, source, job_id, warehouse, full_refresh, tables, data_interval) as ctx:
            results = [run_stage(ctx, stage) for stage in stages]
            # closed after the job: a connection closing mid-run costs the server a backend exit
            ctx.status = finish_job(settings, warehouse, job_id, "success")
    return job_id, results, ctx
