"""The bodies of the source DAGs' tasks and of search_refresh's: what runs inside the Airflow worker.

Each one is a thin wrapper over ``partner_sync.pipeline``: it resolves the run's settings and window from
the task context, opens (extract) or finds (the other stages) the run's job and runs its stage. The DAG
factory and ``TransformOperator`` both use them; neither is imported back from here.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable

from partner_sync import pipeline
from partner_sync.airflow import job_state
from partner_sync.airflow.connections import task_settings, task_settings_for_warehouse
from partner_sync.config import Settings, get_config
from partner_sync.database import Database
from partner_sync.run_request import RunRequest, RunResources
from partner_sync.source_defs import SourceDef

log = logging.getLogger(__name__)


def _airflow_info(context: dict[str, Any]) -> dict[str, Any]:
    ti = context["ti"]
    return {"dag_id": ti.dag_id, "run_id": ti.run_id, "try_number": ti.try_number}


def _params(context: dict[str, Any]) -> tuple[bool, list[str] | None]:
    params = context.get("params") or {}
    tables = list(params.get("tables") or []) or None
    return bool(params.get("full_refresh", False)), tables


def _window(context: dict[str, Any]) -> dict[str, Any]:
    """How far raw_load reads (and the checks look), from the Airflow run (the ``RunRequest``'s window fields).

    - backfill: exactly its data interval (``data_interval``);
    - scheduled: from the table's watermark up to its interval end (``upper_bound``), so a skipped day is
      never a gap and the 02:00 run of today stops at 02:00;
    - manual / REST API / asset-triggered / anything else: from the watermark up to the moment the run was
      triggered (its ``run_after``), i.e. "sync now" -- not the last complete interval.

    Airflow 3's CronTriggerTimetable intervals are points (start == end): a zero-width backfill interval is
    never passed as a window, its end is an upper bound.
    """
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    run = context.get("dag_run")
    run_type = str(getattr(getattr(run, "run_type", None), "value", getattr(run, "run_type", "")) or "")
    if run_type == "backfill" and start is not None and end is not None and start < end:
        return {"data_interval": (start, end)}
    if run_type in ("backfill", "scheduled"):
        return {"upper_bound": end}
    return {"upper_bound": getattr(run, "run_after", None) or end}


def _settings_for(source: SourceDef) -> Settings:
    """The task's settings: warehouse and source connections from Airflow, and an API source's connection."""
    from partner_sync.sources.readers import api_connections

    settings = get_config()
    return task_settings(settings, ("warehouse_db", source.connection_id), api_connections(settings, source))


def _job_id(context: dict[str, Any]) -> uuid.UUID:
    value = context["ti"].xcom_pull(task_ids="extract", key="job_id")
    if not value:
        raise RuntimeError("no job id from the extract task (XCom job_id of task 'extract' is empty); "
                           "clear the run from 'extract' to open a new job")
    return uuid.UUID(str(value))


def _request(source: SourceDef, context: dict[str, Any], job_id: uuid.UUID,
             rendered_sql: dict[str, str] | None = None) -> RunRequest:
    """The run request of this task: the DAG run's params and window, built once and never changed."""
    full_refresh, tables = _params(context)
    return RunRequest(source, job_id, full_refresh=full_refresh, tables=tuple(tables) if tables else None,
                      close_on_failure=False, rendered_sql=rendered_sql or {}, **_window(context))


def _journal(settings: Settings, warehouse: Database):
    from partner_sync.ops import Journal

    return Journal(warehouse, settings.include_dir)


def extract_callable(source: SourceDef) -> Callable[..., list[str]]:
    """The extract task: open (or reopen) the run's job, push its id, return the tables raw_load maps over."""
    def extract(**context: Any) -> list[str]:
        settings = _settings_for(source)
        full_refresh, tables = _params(context)
        with Database.from_settings(settings) as warehouse, warehouse.pinned():
            job_id = pipeline.open_job(settings, warehouse, source, full_refresh=full_refresh, tables=tables,
                                       airflow=_airflow_info(context))
            context["ti"].xcom_push(key="job_id", value=str(job_id))
            with RunResources(settings, warehouse, source) as res, \
                    job_state.tracked(_journal(settings, warehouse), job_id, context, "extract"):
                names = pipeline.extract_tables(_request(source, context, job_id), res)
        log.info("%s extract: %d tables to load (job %s)", source.name, len(names), job_id)
        return names

    extract.__name__ = extract.__qualname__ = f"{source.name}_extract"
    return extract


def load_callable(source: SourceDef) -> Callable[..., dict]:
    """One raw_load mapped task: load one table on the run's job."""
    def raw_load(table: str, **context: Any) -> dict:
        settings = _settings_for(source)
        with Database.from_settings(settings) as warehouse, warehouse.pinned():
            job_id = _job_id(context)
            with RunResources(settings, warehouse, source) as res, \
                    job_state.tracked(_journal(settings, warehouse), job_id, context, "raw_load", table):
                detail = pipeline.load_one_table(_request(source, context, job_id), res, table)
        return {k: detail[k] for k in ("table", "inserted", "updated", "unchanged", "quarantined", "deleted")}

    raw_load.__name__ = raw_load.__qualname__ = f"{source.name}_raw_load"
    return raw_load


def run_stage_in_task(source: SourceDef, stage: str, context: dict[str, Any],
                      rendered_sql: dict[str, str] | None = None) -> str:
    """Run one stage on the run's job inside a task; the last stage (embed) also closes the job."""
    settings = _settings_for(source)
    with Database.from_settings(settings) as warehouse, warehouse.pinned():
        job_id = _job_id(context)
        request = _request(source, context, job_id, rendered_sql)
        with RunResources(settings, warehouse, source) as res, \
                job_state.tracked(_journal(settings, warehouse), job_id, context, stage):
            result = pipeline.run_stage(request, res, stage)
            log.info("%s %s: %s in %.3fs (job %s)", source.name, stage, result.status, result.seconds, job_id)
            if stage == pipeline.STAGES[-1]:
                final = pipeline.finish_job(settings, warehouse, job_id, "success")
                log.info("%s job %s finished: %s", source.name, job_id, final)
    return str(job_id)


def stage_callable(source: SourceDef, stage: str) -> Callable[..., str]:
    """validate / embed as TaskFlow tasks."""

    def run_stage_task(**context: Any) -> str:
        return run_stage_in_task(source, stage, context)

    run_stage_task.__name__ = run_stage_task.__qualname__ = f"{source.name}_{stage}"
    run_stage_task.__doc__ = f"Run the {stage} stage of source {source.name} (partner_sync.pipeline.run_stage)."
    return run_stage_task


def match_callable() -> Callable[..., dict]:
    """search_refresh's task: score, assign and decide on the warehouse Airflow knows."""
    def match(**context: Any) -> dict:
        from partner_sync.match import run_match  # imported in the task: the DAG file parses without scipy

        return run_match(task_settings_for_warehouse()).as_dict()

    match.__name__ = match.__qualname__ = "search_refresh_match"
    return match
