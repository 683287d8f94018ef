"""The DAGs: one ``<source>_sync`` per ``include/sources/*.yml``, plus ``search_refresh`` and maintenance.

``<source>_sync``: extract >> raw_load (mapped: one task per table, capped by the source's pool) >>
transform >> validate >> embed. Each task is a thin wrapper over ``partner_sync.pipeline``:
``extract`` opens (or, on a retry, reopens) the run's ``ops.sync_jobs`` row, pushes its id as XCom
``job_id`` and returns the table list raw_load maps over; ``embed`` closes the job and emits the
source's Asset, which schedules ``search_refresh``. All logic lives in the engine, so the CLI
(``partner_sync run``) and Airflow do exactly the same work.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any, Callable

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, chain, task

from partner_sync import pipeline
from partner_sync.airflow import job_state
from partner_sync.config import Settings, get_config
from partner_sync.database import Database
from partner_sync.source_defs import SourceDef, load_sources

log = logging.getLogger(__name__)

DEFAULT_SCHEDULE = "0 2 * * *"
MAINTENANCE_SCHEDULE = "0 4 * * 0"  # weekly, Sunday 04:00 UTC
START_DATE = pendulum.datetime(2025, 1, 1, tz="UTC")
DEFAULT_ARGS: dict[str, Any] = {"owner": "partner_sync"}


def _default_args(settings: Settings) -> dict[str, Any]:
    """Owner, retries that fit the failure (transient only, PARTNER_SYNC_TASK_RETRY_DELAYS) and the callbacks
    that alert and close the run's job after the last try."""
    from partner_sync.airflow.job_state import close_job_on_task_failure
    from partner_sync.airflow.retries import retry_args

    return {**DEFAULT_ARGS, **retry_args(settings.task_retry_delays),
            "on_failure_callback": [*_failure_callbacks(settings), close_job_on_task_failure]}


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
    """How far raw_load reads (and the checks look), from the Airflow run (the engine's StageContext fields).

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
    from partner_sync.airflow.connections import task_settings

    return task_settings(get_config(), ("warehouse_db", source.connection_id))


def source_asset(source_name: str) -> Asset:
    """Emitted when a source's embeddings are fresh; search_refresh is scheduled on these."""
    return Asset(name=f"partner_sync.{source_name}.embedded",
                 uri=f"x-partner-sync://warehouse/search/embeddings/{source_name}")


def _job_id(context: dict[str, Any]) -> uuid.UUID:
    value = context["ti"].xcom_pull(task_ids="extract", key="job_id")
    if not value:
        raise RuntimeError("no job id from the extract task (XCom job_id of task 'extract' is empty); "
                           "clear the run from 'extract' to open a new job")
    return uuid.UUID(str(value))


def _schedule_for(source: SourceDef) -> str:
    """Cron from configuration: PARTNER_SYNC_<SOURCE>_SCHEDULE, else the YAML, else 02:00 UTC daily."""
    import os

    return os.environ.get(f"PARTNER_SYNC_{source.name.upper()}_SCHEDULE") or source.schedule or DEFAULT_SCHEDULE


def _context(source: SourceDef, stage_context: dict[str, Any], warehouse: Database, settings: Settings,
             job_id: uuid.UUID) -> pipeline.StageContext:
    full_refresh, tables = _params(stage_context)
    return pipeline.StageContext(settings=settings, source=source, job_id=job_id, warehouse=warehouse,
                                 full_refresh=full_refresh, tables=tables, close_on_failure=False,
                                 **_window(stage_context))


def _journal(settings: Settings, warehouse: Database):
    from partner_sync.ops import Journal

    return Journal(warehouse, settings.include_dir)


def _extract_callable(source: SourceDef) -> Callable[..., list[str]]:
    def extract(**context: Any) -> list[str]:
        settings = _settings_for(source)
        full_refresh, tables = _params(context)
        with Database.from_settings(settings) as warehouse, warehouse.pinned():
            job_id = pipeline.open_job(settings, warehouse, source, full_refresh=full_refresh, tables=tables,
                                       airflow=_airflow_info(context))
            context["ti"].xcom_push(key="job_id", value=str(job_id))
            with _context(source, context, warehouse, settings, job_id) as ctx, \
                    job_state.tracked(_journal(settings, warehouse), job_id, context, "extract"):
                names = pipeline.extract_tables(ctx)
        log.info("%s extract: %d tables to load (job %s)", source.name, len(names), job_id)
        return names

    extract.__name__ = extract.__qualname__ = f"{source.name}_extract"
    return extract


def _load_callable(source: SourceDef) -> Callable[..., dict]:
    def raw_load(table: str, **context: Any) -> dict:
        settings = _settings_for(source)
        with Database.from_settings(settings) as warehouse, warehouse.pinned():
            job_id = _job_id(context)
            with _context(source, context, warehouse, settings, job_id) as ctx, \
                    job_state.tracked(_journal(settings, warehouse), job_id, context, "raw_load", table):
                detail = pipeline.load_one_table(ctx, table)
        return {k: detail[k] for k in ("table", "inserted", "updated", "unchanged", "quarantined", "deleted")}

    raw_load.__name__ = raw_load.__qualname__ = f"{source.name}_raw_load"
    return raw_load


def run_stage_in_task(source: SourceDef, stage: str, context: dict[str, Any], **extra: Any) -> str:
    """Run one stage on the run's job inside a task; the last stage (embed) also closes the job."""
    settings = _settings_for(source)
    with Database.from_settings(settings) as warehouse, warehouse.pinned():
        job_id = _job_id(context)
        ctx = _context(source, context, warehouse, settings, job_id)
        for key, value in extra.items():
            setattr(ctx, key, value)
        with ctx, job_state.tracked(_journal(settings, warehouse), job_id, context, stage):
            result = pipeline.run_stage(ctx, stage)
            log.info("%s %s: %s in %.3fs (job %s)", source.name, stage, result.status, result.seconds, job_id)
            if stage == pipeline.STAGES[-1]:
                final = pipeline.finish_job(settings, warehouse, job_id, "success")
                log.info("%s job %s finished: %s", source.name, job_id, final)
    return str(job_id)


def _stage_callable(source: SourceDef, stage: str) -> Callable[..., str]:
    """validate / embed as TaskFlow tasks."""

    def run_stage_task(**context: Any) -> str:
        return run_stage_in_task(source, stage, context)

    run_stage_task.__name__ = run_stage_task.__qualname__ = f"{source.name}_{stage}"
    run_stage_task.__doc__ = f"Run the {stage} stage of source {source.name} (partner_sync.pipeline.run_stage)."
    return run_stage_task


def _embed_task(source: SourceDef, settings: Settings, callbacks: list) -> Any:
    """In-process (default), on a GPU Celery queue, or as a KubernetesPodOperator with an nvidia.com/gpu limit."""
    mode = settings.embed_execution
    kwargs: dict[str, Any] = {"task_id": "embed", "outlets": [source_asset(source.name)]}
    if mode == "kubernetes":
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from kubernetes.client import models as k8s

        return KubernetesPodOperator(
            **kwargs, name=f"partner-sync-embed-{source.name}",
            image=settings.embed_image,
            namespace=settings.embed_namespace,
            cmds=["partner_sync"],
            arguments=["embed", source.name, "--job", "{{ ti.xcom_pull(task_ids='extract', key='job_id') }}",
                       "--finish-job"],
            container_resources=k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": str(settings.embed_gpus)}),
            get_logs=True, on_failure_callback=callbacks)
    if mode == "celery_gpu":
        kwargs["queue"] = settings.embed_queue
    return task(**kwargs)(_stage_callable(source, "embed"))()


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

`raw_load` is mapped: one task per table, capped by the pool `{source.pool or 'default_pool'}`.

**Params**: `full_refresh` (re-read everything instead of changes since the last cursor);
`tables` (only these tables; empty = every enabled table).

| table | enabled | description |
|---|---|---|
{tables}
"""


def build_source_dag(source: SourceDef, settings: Settings | None = None) -> DAG:
    """The ``<source>_sync`` DAG for one source definition."""
    settings = settings or get_config()
    schedule = _schedule_for(source)
    table_names = list(source.tables)
    default_args = _default_args(settings)
    callbacks = default_args["on_failure_callback"]
    with DAG(
        dag_id=dag_id_for(source.name),
        description=source.description or f"partner_sync: sync {source.name}",
        doc_md=_doc_md(source, schedule),
        schedule=CronDataIntervalTimetable(schedule, timezone="UTC"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args={**default_args, "on_retry_callback": _retry_callbacks(settings)},
        on_failure_callback=_close_job_on_dag_failure,
        tags=["partner_sync", source.name],
        deadline=_deadline_alerts(source, schedule, settings),
        template_searchpath=[str(settings.include_dir / "sql")],
        params={
            "full_refresh": Param(False, type="boolean", title="Full refresh",
                                  description="Re-read every row instead of only the changes since the last run."),
            "tables": Param([], type="array", title="Tables",
                            items={"type": "string", "enum": table_names}, uniqueItems=True,
                            description="Only these tables (empty: every enabled table). "
                                        f"Known: {', '.join(table_names)}"),
        },
    ) as dag:
        extract = task(task_id="extract", doc_md="Discover the source catalog; open the run's job.",
                       )(_extract_callable(source))()
        load_kwargs: dict[str, Any] = {"task_id": "raw_load", "map_index_template": "{{ task.op_kwargs['table'] }}",
                                       "doc_md": "One mapped task per table: stream into raw (COPY, upsert)."}
        if source.pool:
            load_kwargs["pool"] = source.pool  # caps concurrent reads of the source database
        raw_load = task(**load_kwargs)(_load_callable(source)).expand(table=extract)
        from partner_sync.airflow.operators import TransformOperator
        from partner_sync.transform import template_files

        transform = TransformOperator(task_id="transform", source=source,
                                      sql_templates=template_files(settings.include_dir, source),
                                      doc_md="Core SQL templates (include/sql/transform), rendered by Airflow.")
        validate = task(task_id="validate", doc_md="Declarative checks (include/checks).")(
            _stage_callable(source, "validate"))()
        chain(raw_load, transform, validate, _embed_task(source, settings, callbacks))
    return dag


def _deadline_alerts(source: SourceDef, schedule: str, settings: Settings) -> list:
    from partner_sync.airflow.deadlines import deadline_alerts

    return deadline_alerts(source, schedule, settings)


def _close_job_on_dag_failure(context: dict[str, Any]) -> None:
    from partner_sync.airflow.job_state import close_job_on_dag_failure

    close_job_on_dag_failure(context)


def _failure_callbacks(settings: Settings) -> list:
    from partner_sync.airflow.alerts import failure_callbacks

    return failure_callbacks(settings)


def _retry_callbacks(settings: Settings) -> list:
    from partner_sync.airflow.alerts import retry_callbacks

    return retry_callbacks(settings)


def _match_callable() -> Callable[..., dict]:
    def match(**context: Any) -> dict:
        import importlib

        settings = task_settings_for_warehouse()
        try:
            module = importlib.import_module("partner_sync.match")
        except ModuleNotFoundError:
            log.warning("search_refresh: partner_sync.match is not built yet; nothing to refresh")
            return {"status": "noop"}
        return module.run_match(settings).as_dict()

    match.__name__ = match.__qualname__ = "search_refresh_match"
    return match


def task_settings_for_warehouse() -> Settings:
    from partner_sync.airflow.connections import task_settings

    return task_settings(get_config(), ("warehouse_db",))


def build_search_dag(sources: list[SourceDef], settings: Settings) -> DAG:
    """Matching runs when any source's embeddings are fresh (data-aware scheduling on their Assets)."""
    assets = [source_asset(s.name) for s in sources]
    schedule = assets[0]
    for asset in assets[1:]:
        schedule = schedule | asset
    with DAG(dag_id="search_refresh", description="partner_sync: Odoo <-> ACE matching on fresh embeddings",
             schedule=schedule, start_date=START_DATE, catchup=False, max_active_runs=1,
             default_args=_default_args(settings),
             tags=["partner_sync", "search"],
             doc_md="Fills `search.similarity_cache` (`partner_sync match`) whenever a source DAG's embed task "
                    "emits its Asset.") as dag:
        task(task_id="match")(_match_callable())()
    return dag


def build_maintenance_dag(sources: list[SourceDef], settings: Settings) -> DAG:
    """Weekly: VACUUM ANALYZE raw/core/search, reconcile every database source, prune old ops rows."""

    def vacuum(**_: Any) -> int:
        from partner_sync.maintenance import vacuum_analyze

        return len(vacuum_analyze(task_settings_for_warehouse()))

    def reconcile(source_name: str, **_: Any) -> dict:
        from partner_sync.airflow.connections import task_settings
        from partner_sync.raw.reconcile import reconcile_source

        src = next(s for s in sources if s.name == source_name)
        report = reconcile_source(task_settings(get_config(), ("warehouse_db", src.connection_id)), src)
        return {"job_id": str(report.job_id), "status": report.status,
                "missed": {t.table: t.missed for t in report.tables}}

    def prune(**_: Any) -> dict:
        from partner_sync.maintenance import prune_ops

        s = task_settings_for_warehouse()
        return prune_ops(s, s.ops_retention_days)

    with DAG(dag_id="partner_sync_maintenance", description="partner_sync: weekly VACUUM ANALYZE, reconcile, prune",
             schedule=MAINTENANCE_SCHEDULE, start_date=START_DATE, catchup=False, max_active_runs=1,
             default_args=_default_args(settings),
             tags=["partner_sync", "maintenance"],
             doc_md="Seed: *schedule regular VACUUM ANALYZE*; plus the weekly ingestion reconciliation "
                    "(rows the change cursor missed) and pruning of ops rows older than "
                    "`PARTNER_SYNC_OPS_RETENTION_DAYS`.") as dag:
        from partner_sync.sources.base import effective_source

        recon = [task(task_id=f"reconcile_{s.name}", pool=s.pool or "default_pool")(reconcile)(source_name=s.name)
                 for s in sources if effective_source(settings, s).mode == "database"]  # row hashes need SQL
        chain(recon or [], task(task_id="vacuum_analyze")(vacuum)(), task(task_id="prune_ops")(prune)())
    return dag


def build_all_dags(include_dir: Path | str | None = None) -> dict[str, DAG]:
    """Every DAG keyed by dag id; ``include_dir`` defaults to the configured one."""
    settings = get_config()
    include = Path(include_dir) if include_dir is not None else settings.include_dir
    sources = load_sources(include)
    dags = {dag_id_for(name): build_source_dag(src, settings) for name, src in sources.items()}
    if sources:
        dags["search_refresh"] = build_search_dag(list(sources.values()), settings)
        dags["partner_sync_maintenance"] = build_maintenance_dag(list(sources.values()), settings)
    return dags
