"""One run of one source: extract -> raw_load -> transform -> validate -> embed, journaled in ops.

The CLI (``partner_sync run``) and the Airflow tasks both call these functions; a stage whose engine
has not been built yet is a named no-op that says so in the log and in the job record.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.logs import kv
from partner_sync.ops import Journal
from partner_sync.source_defs import SourceDef, load_source

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


@dataclass
class StageResult:
    stage: str
    status: str  # success | noop | failed
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)


StageFn = Callable[[StageContext], dict[str, Any]]

def _extract_preflight(ctx: StageContext) -> dict[str, Any]:
    """Until streaming lands: prove the source is reachable and has every table the YAML lists."""
    from partner_sync.database import RetryPolicy
    from partner_sync.sources.postgres import check_source

    tables = ctx.tables or [t.name for t in ctx.source.enabled_tables]
    n = check_source(ctx.settings.conn(ctx.source.connection_id), ctx.source.name, tables,
                     retry=RetryPolicy.from_settings(ctx.settings))
    return {"status": "noop", "tables_checked": n,
            "reason": f"source reachable, {n} tables present; not extracting yet: {PENDING_ENGINES['extract']}"}


# Engines register here as they land; a stage without one is a no-op that names where it will come from.
STAGE_IMPLEMENTATIONS: dict[str, StageFn] = {"extract": _extract_preflight}
PENDING_ENGINES = {
    "extract": "source discovery and streaming (ingestion issue)",
    "raw_load": "COPY into raw with upsert and quarantine (ingestion issue)",
    "transform": "core SQL templates (transform issue)",
    "validate": "declarative quality checks (validate issue)",
    "embed": "sentence-transformers embeddings (embeddings issue)",
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
    config = {"tables": tables or [t.name for t in source.enabled_tables], "full_refresh": full_refresh,
              "stages": {}, "airflow": airflow or None}
    job_id = _journal(settings, warehouse).open_job(source.name, "full_sync" if full_refresh else "incremental",
                                                    config)
    log.info(kv("job.open", source=source.name, job=job_id, full_refresh=full_refresh))
    return job_id


def run_stage(ctx: StageContext, stage: str) -> StageResult:
    """Run one stage and journal it; a failure marks the job failed before re-raising."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    journal = _journal(ctx.settings, ctx.warehouse)
    started = time.monotonic()
    impl = STAGE_IMPLEMENTATIONS.get(stage)
    try:
        if impl is None:
            detail = {"status": "noop", "reason": f"not implemented yet: {PENDING_ENGINES[stage]}"}
            log.warning(kv("stage.noop", source=ctx.source.name, job=ctx.job_id, stage=stage,
                           reason=detail["reason"]))
        else:
            detail = {"status": "success", **impl(ctx)}
            if detail["status"] == "noop":
                log.warning(kv("stage.noop", source=ctx.source.name, job=ctx.job_id, stage=stage,
                               reason=detail.get("reason", "")))
    except Exception as exc:
        seconds = round(time.monotonic() - started, 3)
        journal.record_stage(ctx.job_id, stage, {"status": "failed", "seconds": seconds, "error": str(exc)})
        journal.finish_job(ctx.job_id, "failed", error=f"{stage}: {exc}", error_details={"stage": stage})
        log.error(kv("stage.failed", source=ctx.source.name, job=ctx.job_id, stage=stage, error=exc))
        raise
    seconds = round(time.monotonic() - started, 3)
    detail["seconds"] = seconds
    journal.record_stage(ctx.job_id, stage, detail, detail.get("counts"))
    log.info(kv("stage.done", source=ctx.source.name, job=ctx.job_id, stage=stage, status=detail["status"],
                seconds=seconds))
    return StageResult(stage, detail["status"], seconds, detail)


def finish_job(settings: Settings, warehouse: Database, job_id: uuid.UUID, status: str = "success") -> None:
    _journal(settings, warehouse).finish_job(job_id, status)
    log.info(kv("job.finish", job=job_id, status=status))


def run_source(settings: Settings, source_name: str, *, full_refresh: bool = False,
               tables: list[str] | None = None) -> tuple[uuid.UUID, list[StageResult]]:
    """All five stages of one source in order, outside Airflow (what ``partner_sync run`` does)."""
    source = load_source(settings.include_dir, source_name)
    with Database.from_settings(settings) as warehouse:
        job_id = open_job(settings, warehouse, source, full_refresh=full_refresh, tables=tables)
        ctx = StageContext(settings, source, job_id, warehouse, full_refresh, tables)
        results = [run_stage(ctx, stage) for stage in STAGES]
        finish_job(settings, warehouse, job_id, "success")
    return job_id, results
