"""One truth: the run's ``ops.sync_jobs`` row follows what Airflow does with the run's tasks.

- a task fails and Airflow will retry it: ``pending_retry`` with the real next try time (the retry policy's
  delay after this try); when it will not (last try, or a failure no retry can fix): ``failed``;
- a retried (or cleared) task starts: the same job is ``running`` again;
- every try that failed, and a retry that succeeded, is appended to ``config->'attempts'``;
- safety nets for what the task itself cannot write (a killed task, a zombie): the task's failure callback
  and the DAG run's failure callback close a job that is still open as ``failed``.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from partner_sync.database import Database, mask_dsn
from partner_sync.logs import kv
from partner_sync.ops import Journal

log = logging.getLogger(__name__)


def _ti_facts(context: dict[str, Any]) -> dict[str, Any]:
    ti = context["ti"]
    facts: dict[str, Any] = {"task": ti.task_id, "try_number": int(getattr(ti, "try_number", 1) or 1)}
    map_index = getattr(ti, "map_index", -1)
    if map_index is not None and map_index >= 0:
        facts["map_index"] = map_index
    return facts


@contextmanager
def tracked(journal: Journal, job_id: uuid.UUID, context: dict[str, Any], stage: str,
            table: str | None = None) -> Iterator[None]:
    """Around one task body: reopen the job on a retry, settle it from Airflow's decision on a failure."""
    facts = _ti_facts(context)
    retry = facts["try_number"] > 1
    if retry and journal.resume_job(job_id, facts["try_number"]):
        log.info(kv("job.resume", job=job_id, task=facts["task"], try_number=facts["try_number"]))
    try:
        yield
    except BaseException as exc:
        settle_failure(journal, job_id, context, stage, exc, table)
        raise
    if retry:
        journal.record_attempt(job_id, {**facts, **({"table": table} if table else {}), "stage": stage,
                                        "at": datetime.now(timezone.utc).isoformat(), "outcome": "success"})


def settle_failure(journal: Journal, job_id: uuid.UUID, context: dict[str, Any], stage: str,
                   exc: BaseException, table: str | None = None) -> str:
    """Record the failed try and set the job pending_retry (Airflow will retry) or failed; returns the status."""
    from partner_sync.airflow.retries import will_retry

    failure, delay = will_retry(context, exc)
    now = datetime.now(timezone.utc)
    where = f"{stage} {table}" if table else stage
    attempt = {**_ti_facts(context), "stage": stage, **({"table": table} if table else {}), "at": now.isoformat(),
               "outcome": "failed", "error": mask_dsn(failure.message)[:2000], "kind": failure.kind,
               "transient": failure.transient,
               "next_attempt_at": (now + delay).isoformat() if delay is not None else None}
    status = "pending_retry" if delay is not None else "failed"
    try:
        journal.record_attempt(job_id, attempt)
        journal.settle_failed_job(job_id, status, where, failure, table=table,
                                  failed_checks=getattr(exc, "failed_checks", None),
                                  retry={"try_number": attempt["try_number"],
                                         "next_attempt_at": attempt["next_attempt_at"]})
    except Exception as journal_error:  # noqa: BLE001 - the warehouse may be what failed; keep the task's error
        log.error(kv("job.settle_failed", job=job_id, status=status, error=journal_error))
        return "unknown"
    log.info(kv("job.settled", job=job_id, status=status, stage=stage, kind=failure.kind,
                next_attempt_at=attempt["next_attempt_at"]))
    return status


def _warehouse_journal() -> tuple[Database, Journal]:
    from partner_sync.airflow.connections import task_settings_for_warehouse

    settings = task_settings_for_warehouse()
    db = Database.from_settings(settings)
    return db, Journal(db, settings.include_dir)


def _close_run_job(dag_id: str, run_id: str, error: str | None, details: dict[str, Any]) -> None:
    db, journal = _warehouse_journal()
    with db:
        found = journal.job_for_run(dag_id, run_id)
        if found is None:
            return
        job_id, status = found
        if journal.fail_open_job(job_id, error, details):
            log.warning(kv("job.closed_failed", job=job_id, was=status, dag=dag_id, run=run_id))


def close_job_on_task_failure(context: dict[str, Any]) -> None:
    """on_failure_callback (after the last try): a job the task could not settle itself is closed failed."""
    try:
        ti = context["ti"]
        exc = context.get("exception")
        _close_run_job(ti.dag_id, ti.run_id, f"{ti.task_id}: {exc}" if exc else f"{ti.task_id} failed",
                       {"task": ti.task_id, "try_number": getattr(ti, "try_number", None), "closed_by": "task"})
    except Exception as exc:  # noqa: BLE001 - a callback must never hide the task's own failure
        log.error(kv("job.close_failed", error=exc))


def close_job_on_dag_failure(context: dict[str, Any]) -> None:
    """The DAG run failed: its job cannot stay running or pending_retry (e.g. one mapped table failed for good
    while another one's retry reopened the job)."""
    try:
        run = context.get("dag_run")
        dag_id = getattr(run, "dag_id", None) or getattr(context.get("dag"), "dag_id", None)
        run_id = getattr(run, "run_id", None) or context.get("run_id")
        if not (dag_id and run_id):
            return
        reason = context.get("reason") or "the DAG run failed"
        _close_run_job(dag_id, run_id, f"run failed: {reason}", {"closed_by": "dag_run", "reason": reason})
    except Exception as exc:  # noqa: BLE001
        log.error(kv("job.close_failed", error=exc))
