"""The ops journal: one ``ops.sync_jobs`` row per source run, with each stage's outcome inside."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from partner_sync.database import Database, mask_dsn
from partner_sync.sql_files import load_sql

# abandoned: left running by a process that died (kill -9); set by the sweeper (``Journal.sweep_abandoned``)
JOB_STATUSES = ("pending", "running", "success", "partial", "failed", "pending_retry", "abandoned")


@dataclass
class Journal:
    """Writes job and stage records through the warehouse pool."""

    db: Database
    include_dir: Any

    def _sql(self, name: str) -> str:
        return load_sql(self.include_dir, f"ops/{name}")

    def open_job(self, source_system: str, job_type: str, config: dict[str, Any]) -> uuid.UUID:
        rows = self.db.execute_query(self._sql("open_job"), {
            "source_system": source_system, "job_type": job_type, "config": json.dumps(config, default=str)})
        return rows[0][0]

    def record_stage(self, job_id: uuid.UUID, stage: str, detail: dict[str, Any],
                     counts: dict[str, int] | None = None) -> None:
        counts = counts or {}
        self.db.execute_query(self._sql("record_stage"), {
            "job_id": job_id, "stage": stage, "detail": json.dumps(detail, default=str),
            "processed": counts.get("processed", 0), "inserted": counts.get("inserted", 0),
            "updated": counts.get("updated", 0), "failed": counts.get("failed", 0)}, fetch=False)

    def record_table(self, job_id: uuid.UUID, stage: str, table: str, detail: dict[str, Any],
                     counts: dict[str, int] | None = None) -> None:
        counts = counts or {}
        self.db.execute_query(self._sql("record_table"), {
            "job_id": job_id, "stage": stage, "table": table, "detail": json.dumps(detail, default=str),
            "processed": counts.get("processed", 0), "inserted": counts.get("inserted", 0),
            "updated": counts.get("updated", 0), "failed": counts.get("failed", 0)}, fetch=False)

    def reopen_job(self, source_system: str, airflow: dict[str, Any]) -> uuid.UUID | None:
        """The job of this Airflow run, set running again (a retried task); None when there is none."""
        rows = self.db.execute_query(self._sql("reopen_job"), {
            "source_system": source_system, "dag_id": airflow.get("dag_id"), "run_id": airflow.get("run_id"),
            "try_number": airflow.get("try_number") or 1})
        return rows[0][0] if rows else None

    def finish_job(self, job_id: uuid.UUID, status: str, error: str | None = None,
                   error_details: dict[str, Any] | None = None) -> None:
        if status not in JOB_STATUSES:
            raise ValueError(f"unknown job status {status!r}; one of {JOB_STATUSES}")
        self.db.execute_query(self._sql("finish_job"), {
            "job_id": job_id, "status": status, "error_message": mask_dsn(error) if error else None,
            "error_details": json.dumps(error_details, default=str) if error_details else None}, fetch=False)

    def settle_failed_job(self, job_id: uuid.UUID, status: str, where: str, failure: Any, *,
                          table: str | None = None, failed_tables: dict[str, str] | None = None,
                          failed_checks: list[str] | None = None, retry: dict[str, Any] | None = None) -> None:
        """The one place a failed stage (or table) closes its job: ``failed`` (nothing will retry: the CLI, or
        Airflow's last try) or ``pending_retry`` (Airflow retries; ``retry`` holds try_number and
        next_attempt_at). ``failure`` is a ``failures.Failure``; the error names the stage and table."""
        details: dict[str, Any] = {"stage": where.split(" ", 1)[0], "kind": failure.kind,
                                   "transient": failure.transient, **(retry or {})}
        if table is not None:
            details["table"] = table
            failed_tables = {table: mask_dsn(failure.message)[:2000], **(failed_tables or {})}
        if failed_tables:
            details["failed_tables"] = failed_tables
        if failed_checks:
            details["failed_checks"] = list(failed_checks)
        self.finish_job(job_id, status, error=f"{where}: {failure.message}", error_details=details)

    def record_attempt(self, job_id: uuid.UUID, attempt: dict[str, Any]) -> None:
        """One Airflow try of a task, appended to config->'attempts'."""
        self.db.execute_query(self._sql("record_attempt"), {
            "job_id": job_id, "attempt": json.dumps(attempt, default=str)}, fetch=False)

    def resume_job(self, job_id: uuid.UUID, try_number: int) -> bool:
        """A retried task runs: a pending_retry / failed job is running again; True when it was reopened."""
        return bool(self.db.execute_query(self._sql("resume_job"), {"job_id": job_id, "try_number": try_number}))

    def job_for_run(self, dag_id: str, run_id: str) -> tuple[uuid.UUID, str] | None:
        """(job id, status) of an Airflow DAG run's job, or None."""
        rows = self.db.execute_query(self._sql("job_for_run"), {"dag_id": dag_id, "run_id": run_id})
        return (rows[0][0], rows[0][1]) if rows else None

    def fail_open_job(self, job_id: uuid.UUID, error: str | None, error_details: dict[str, Any]) -> bool:
        """Close a still open job as failed (Airflow will not try again); True when it was open."""
        return bool(self.db.execute_query(self._sql("fail_open_job"), {
            "job_id": job_id, "error_message": mask_dsn(error) if error else None,
            "error_details": json.dumps(error_details, default=str)}))

    def sweep_abandoned(self, timeout_seconds: float) -> list[tuple[uuid.UUID, str]]:
        """Mark jobs still running ``timeout_seconds`` after their last start as abandoned: (job id, source)."""
        rows = self.db.execute_query(self._sql("sweep_abandoned"), {"seconds": float(timeout_seconds)})
        return [(r[0], r[1]) for r in rows]

    def stage_details(self, job_id: uuid.UUID) -> dict[str, Any]:
        """Each stage's recorded outcome (config->'stages'): all that closing a job needs to read."""
        rows = self.db.execute_query("SELECT config->'stages' FROM ops.sync_jobs WHERE job_id = %s", (job_id,))
        if not rows:
            raise LookupError(f"no sync job {job_id}")
        return rows[0][0] or {}

    def get_job(self, job_id: uuid.UUID | str) -> dict[str, Any]:
        with self.db.get_connection() as conn:
            cur = conn.execute("SELECT * FROM ops.sync_jobs WHERE job_id = %s", (job_id,))
            row = cur.fetchone()
            if row is None:
                raise LookupError(f"no sync job {job_id}")
            return dict(zip([d.name for d in cur.description], row))
