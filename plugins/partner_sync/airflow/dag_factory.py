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
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, chain, task

from partner_sync.airflow.connections import task_settings_for_warehouse
from partner_sync.airflow.task_bodies import extract_callable, load_callable, match_callable, stage_callable
from partner_sync.config import Settings, get_config
from partner_sync.source_defs import SourceDef

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


def source_asset(source_name: str) -> Asset:
    """Emitted when a source's embeddings are fresh; search_refresh is scheduled on these."""
    return Asset(name=f"partner_sync.{source_name}.embedded",
                 uri=f"x-partner-sync://warehouse/search/embeddings/{source_name}")


def _schedule_for(source: SourceDef) -> str:
    """Cron from configuration: PARTNER_SYNC_<SOURCE>_SCHEDULE, else the YAML, else 02:00 UTC daily."""
    import os

    return os.environ.get(f"PARTNER_SYNC_{source.name.upper()}_SCHEDULE") or source.schedule or DEFAULT_SCHEDULE


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
    return task(**kwargs)(stage_callable(source, "embed"))()


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
                       )(extract_callable(source))()
        load_kwargs: dict[str, Any] = {"task_id": "raw_load", "map_index_template": "{{ task.op_kwargs['table'] }}",
                                       "doc_md": "One mapped task per table: stream into raw (COPY, upsert)."}
        if source.pool:
            load_kwargs["pool"] = source.pool  # caps concurrent reads of the source database
        raw_load = task(**load_kwargs)(load_callable(source)).expand(table=extract)
        from partner_sync.airflow.operators import TransformOperator
        from partner_sync.transform import template_files

        transform = TransformOperator(task_id="transform", source=source,
                                      sql_templates=template_files(settings.include_dir, source),
                                      doc_md="Core SQL templates (include/sql/transform), rendered by Airflow.")
        validate = task(task_id="validate", doc_md="Declarative checks (include/checks).")(
            stage_callable(source, "validate"))()
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
        task(task_id="match")(match_callable())()
    return dag


def build_maintenance_dag(sources: list[SourceDef], settings: Settings) -> DAG:
    """Weekly: VACUUM ANALYZE raw/core/search, reconcile every database source, prune old ops rows."""

    def vacuum(**_: Any) -> int:
        from partner_sync.maintenance import vacuum_analyze

        return len(vacuum_analyze(task_settings_for_warehouse()))

    def reconcile(source_name: str, **_: Any) -> dict:
        from partner_sync.airflow.connections import task_settings
        from partner_sync.ingest import reconcile_source

        src = next(s for s in sources if s.name == source_name)
        report = reconcile_source(task_settings(get_config(), ("warehouse_db", src.connection_id)), src)
        return {"job_id": str(report.job_id), "status": report.status,
                "missed": {t.table: t.missed for t in report.tables}}

    def prune(**_: Any) -> dict:
        from partner_sync.maintenance import prune_ops, sweep_abandoned

        s = task_settings_for_warehouse()
        abandoned = sweep_abandoned(s)  # first: an abandoned job is prunable, a running one never is
        return {**prune_ops(s, s.ops_retention_days), "abandoned": len(abandoned)}

    with DAG(dag_id="partner_sync_maintenance", description="partner_sync: weekly VACUUM ANALYZE, reconcile, prune",
             schedule=MAINTENANCE_SCHEDULE, start_date=START_DATE, catchup=False, max_active_runs=1,
             default_args=_default_args(settings),
             tags=["partner_sync", "maintenance"],
             doc_md="Weekly housekeeping: `reconcile_<source>` compares every database source table with raw "
                    "by row hash and reloads the rows the change cursor missed; `vacuum_analyze` runs VACUUM "
                    "ANALYZE on the raw, core and search schemas; `prune_ops` marks jobs left running by a killed "
                    "process `abandoned` (`PARTNER_SYNC_JOB_TIMEOUT`), then deletes ops rows older than "
                    "`PARTNER_SYNC_OPS_RETENTION_DAYS`.") as dag:
        from partner_sync.sources.readers import has_sql_access

        recon = [task(task_id=f"reconcile_{s.name}", pool=s.pool or "default_pool")(reconcile)(source_name=s.name)
                 for s in sources if has_sql_access(settings, s)]  # row hashes need SQL
        chain(recon or [], task(task_id="vacuum_analyze")(vacuum)(), task(task_id="prune_ops")(prune)())
    return dag
