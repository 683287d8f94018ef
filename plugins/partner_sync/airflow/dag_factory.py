"""One DAG per ``include/sources/*.yml``: extract >> raw_load >> transform >> validate >> embed.

Each task is a thin wrapper over ``partner_sync.pipeline``: ``extract`` opens the run's
``ops.sync_jobs`` row and pushes its id (XCom ``return_value``); the later tasks pull that id from
``extract`` and run their stage; ``embed`` closes the job. All logic lives in the engine, so the
CLI (``partner_sync run``) and Airflow do exactly the same work.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import pendulum
from airflow.sdk import DAG, Param, chain, task

from partner_sync import pipeline
from partner_sync.config import Settings, get_config
from partner_sync.database import Database
from partner_sync.source_defs import SourceDef, load_sources

log = logging.getLogger(__name__)

DEFAULT_SCHEDULE = "0 2 * * *"
START_DATE = pendulum.datetime(2025, 1, 1, tz="UTC")
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "partner_sync",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    # Airflow 3.x: a multiplier (2.0 doubles the delay each try), no longer a bool (True == 1 == constant).
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
}


def dag_id_for(source_name: str) -> str:
    return f"{source_name}_sync"


# -- task bodies (run inside the Airflow worker) ----------------------------------------------------

def _airflow_info(context: dict[str, Any]) -> dict[str, Any]:
    ti = context["ti"]
    return {"dag_id": ti.dag_id, "run_id": ti.run_id, "try_number": ti.try_number}


def _params(context: dict[str, Any]) -> tuple[bool, list[str] | None]:
    params = context.get("params") or {}
    tables = list(params.get("tables") or []) or None
    return bool(params.get("full_refresh", False)), tables


def _window(context: dict[str, Any]) -> dict[str, Any]:
    """How far raw_load reads, from the Airflow run (the engine's StageContext fields).

    A backfill run reads exactly its data interval (``data_interval``); every other run (scheduled,
    manual, asset-triggered) reads from the table's watermark up to the run's interval end
    (``upper_bound``), so a skipped day is never a gap. Airflow 3's cron schedules default to
    CronTriggerTimetable, whose interval is a point (start == end == logical date): fine as an upper
    bound, meaningless as a window -- hence a zero-width interval is never passed as ``data_interval``.
    """
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    run = context.get("dag_run")
    run_type = str(getattr(getattr(run, "run_type", None), "value", getattr(run, "run_type", "")) or "")
    if run_type == "backfill" and start is not None and end is not None and start < end:
        return {"data_interval": (start, end)}
    return {"upper_bound": end}


def _settings_for(source: SourceDef) -> Settings:
    from partner_sync.airflow.connections import task_settings

    return task_settings(get_config(), ("warehouse_db", source.connection_id))


def _job_id(context: dict[str, Any]) -> uuid.UUID:
    value = context["ti"].xcom_pull(task_ids="extract", key="return_value")
    if not value:
        raise RuntimeError("no job id from the extract task (XCom return_value of task 'extract' is empty); "
                           "clear the run from 'extract' to open a new job")
    return uuid.UUID(str(value))


def _stage_callable(source: SourceDef, stage: str) -> Callable[..., str]:
    """The Python callable of one stage's task; returns the job id (str) so it is visible as XCom."""

    def run_stage_task(**context: Any) -> str:
        settings = _settings_for(source)
        full_refresh, tables = _params(context)
        with Database.from_settings(settings) as warehouse:
            if stage == "extract":
                job_id = pipeline.open_job(settings, warehouse, source, full_refresh=full_refresh, tables=tables,
                                           airflow=_airflow_info(context))
            else:
                job_id = _job_id(context)
            ctx = pipeline.StageContext(settings=settings, source=source, job_id=job_id, warehouse=warehouse,
                                        full_refresh=full_refresh, tables=tables, **_window(context))
            result = pipeline.run_stage(ctx, stage)
            log.info("%s %s: %s in %.3fs (job %s)", source.name, stage, result.status, result.seconds, job_id)
            if stage == pipeline.STAGES[-1]:
                final = pipeline.finish_job(settings, warehouse, job_id, "success")
                log.info("%s job %s finished: %s", source.name, job_id, final)
        return str(job_id)

    run_stage_task.__name__ = run_stage_task.__qualname__ = f"{source.name}_{stage}"
    run_stage_task.__doc__ = f"Run the {stage} stage of source {source.name} (partner_sync.pipeline.run_stage)."
    return run_stage_task


# -- DAG construction (parse time: no database access here) ----------------------------------------

def _doc_md(source: SourceDef, schedule: str) -> str:
    tables = "\n".join(f"| `{t.name}` | {'yes' if t.enabled else 'no'} | {t.description} |"
                       for t in source.tables.values())
    return f"""\
### {source.name}: {source.description or 'partner_sync source'}

Defined in `include/sources/{source.path.name if source.path else source.name + '.yml'}`;
source connection `{source.connection_id}`, warehouse connection `warehouse_db`, schedule `{schedule}`.

`extract` >> `raw_load` >> `transform` >> `validate` >> `embed`: each task runs one stage of
`partner_sync.pipeline` and journals it in `ops.sync_jobs` (the job id is the `extract` task's XCom).

**Params**: `full_refresh` (re-read everything instead of changes since the last cursor);
`tables` (only these tables; empty = every enabled table).

| table | enabled | description |
|---|---|---|
{tables}
"""


def build_source_dag(source: SourceDef, settings: Settings | None = None) -> DAG:
    """The ``<source>_sync`` DAG for one source definition."""
    del settings  # the tasks read Settings at run time (get_config), never at parse time
    schedule = source.schedule or DEFAULT_SCHEDULE
    table_names = list(source.tables)
    with DAG(
        dag_id=dag_id_for(source.name),
        description=source.description or f"partner_sync: sync {source.name}",
        doc_md=_doc_md(source, schedule),
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["partner_sync", source.name],
        params={
            "full_refresh": Param(False, type="boolean", title="Full refresh",
                                  description="Re-read every row instead of only the changes since the last run."),
            "tables": Param([], type="array", title="Tables",
                            items={"type": "string", "enum": table_names}, uniqueItems=True,
                            description="Only these tables (empty: every enabled table). "
                                        f"Known: {', '.join(table_names)}"),
        },
    ) as dag:
        tasks = []
        for stage in pipeline.STAGES:
            kwargs: dict[str, Any] = {"task_id": stage, "doc_md": f"`partner_sync.pipeline.run_stage(ctx, '{stage}')`"}
            if stage == "extract" and source.pool:
                kwargs["pool"] = source.pool  # caps concurrent reads of the source database
            tasks.append(task(**kwargs)(_stage_callable(source, stage))())
        chain(*tasks)
    return dag


def build_all_dags(include_dir: Path | str | None = None) -> dict[str, DAG]:
    """Every source's DAG keyed by dag id; ``include_dir`` defaults to the configured one."""
    include = Path(include_dir) if include_dir is not None else get_config().include_dir
    return {dag_id_for(name): build_source_dag(src) for name, src in load_sources(include).items()}
