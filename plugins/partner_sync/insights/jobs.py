"""Sync jobs as people look at them: newest per source, one job's stages and per-table counts, its quarantine."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from partner_sync.database import Database
from partner_sync.insights.rows import fetch, parse_uuid
from partner_sync.ops import Journal
from partner_sync.pipeline import STAGES
from partner_sync.source_defs import SourceDef
from partner_sync.sql_files import load_sql

TABLE_COUNTS = ("staged", "inserted", "updated", "unchanged", "quarantined", "deleted")


def _sql(include_dir: Path, name: str) -> str:
    return load_sql(include_dir, f"insights/{name}")


def airflow_run_path(airflow: dict | None) -> str | None:
    """The Airflow UI path of the job's DAG run (``/dags/<dag>/runs/<run>``), when Airflow ran it."""
    if not airflow or not airflow.get("dag_id") or not airflow.get("run_id"):
        return None
    return f"/dags/{quote(airflow['dag_id'], safe='')}/runs/{quote(airflow['run_id'], safe='')}"


def _tables(stages: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-table counts of raw_load (status, error and the counts the loader journals)."""
    loads = ((stages.get("raw_load") or {}).get("tables") or {})
    out = []
    for name, detail in loads.items():
        if not isinstance(detail, dict):
            continue
        row = {"table": name, "status": detail.get("status", "success"), "error": detail.get("error"),
               "seconds": detail.get("seconds")}
        row.update({k: detail.get(k) for k in TABLE_COUNTS})
        out.append(row)
    return sorted(out, key=lambda r: r["table"])


def _stage_status(detail: dict[str, Any]) -> str:
    """A stage's status; raw_load run as mapped Airflow tasks only records its tables: derived from theirs."""
    if detail.get("status"):
        return detail["status"]
    tables = [t for t in (detail.get("tables") or {}).values() if isinstance(t, dict)]
    if not tables:
        return "not run"
    return "failed" if any(t.get("status") == "failed" for t in tables) else "success"


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    """A job row as the API and pages show it: stages in pipeline order, tables, retry state, run link."""
    config = row.pop("config", None) or {}
    stages = config.get("stages") or {}
    details = row.get("error_details") or {}
    ordered = [{"stage": s, **{k: v for k, v in (stages.get(s) or {}).items() if k != "tables"},
                "status": _stage_status(stages.get(s) or {})} for s in STAGES if s in stages]
    ordered += [{"stage": s, **{k: v for k, v in d.items() if k != "tables"}}
                for s, d in stages.items() if s not in STAGES and isinstance(d, dict)]
    airflow = config.get("airflow") or None
    return {**row, "full_refresh": bool(config.get("full_refresh")), "requested_tables": config.get("tables") or [],
            "stages": ordered, "tables": _tables(stages),
            "pending_retry": row.get("status") == "pending_retry",
            "next_attempt_at": details.get("next_attempt_at") if isinstance(details, dict) else None,
            "airflow": airflow, "airflow_run_path": airflow_run_path(airflow), "triggered_by": config.get("triggered_by")}


def list_jobs(db: Database, include_dir: Path, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Newest jobs first (of one source, or of all)."""
    return [_shape(r) for r in fetch(db, _sql(include_dir, "jobs"), {"source": source, "job_id": None, "limit": int(limit)})]


def get_job(db: Database, include_dir: Path, job_id: str | uuid.UUID, quarantine_limit: int = 50) -> dict | None:
    """One job with stages, per-table counts and its quarantined rows; None when there is no such job."""
    jid = job_id if isinstance(job_id, uuid.UUID) else parse_uuid(job_id)
    rows = fetch(db, _sql(include_dir, "jobs"), {"source": None, "job_id": jid, "limit": 1})
    if not rows:
        return None
    job = _shape(rows[0])
    job["quarantine"] = fetch(db, _sql(include_dir, "quarantine"), {"job_id": jid, "limit": int(quarantine_limit)})
    return job


def job_for_run(db: Database, include_dir: Path, dag_id: str, run_id: str) -> str | None:
    """The job id an Airflow DAG run opened, if any."""
    rows = fetch(db, _sql(include_dir, "job_for_run"), {"dag_id": dag_id, "run_id": run_id})
    return rows[0]["job_id"] if rows else None


def queue_job(db: Database, include_dir: Path, source: SourceDef, *, dag_id: str, run_id: str,
              full_refresh: bool = False, tables: list[str] | None = None, triggered_by: str | None = None
              ) -> uuid.UUID:
    """Record a requested sync as a pending job of the DAG run about to be triggered.

    The run's extract task reopens this job (matched on dag id and run id) instead of opening another,
    so the id returned here is the run's job from the first second. Unknown tables: ValueError.
    """
    unknown = sorted(set(tables or ()) - set(source.tables))
    if unknown:
        raise ValueError(f"source {source.name}: unknown table(s) {', '.join(unknown)}; "
                         f"defined: {', '.join(source.tables)}")
    config = {"tables": list(tables or []) or [t.name for t in source.enabled_tables], "full_refresh": full_refresh,
              "stages": {}, "airflow": {"dag_id": dag_id, "run_id": run_id, "try_number": 0},
              "triggered_by": triggered_by}
    rows = db.execute_query(_sql(include_dir, "queue_job"), {
        "source_system": source.name, "job_type": "full_sync" if full_refresh else "incremental",
        "config": json.dumps(config)})
    return rows[0][0]


def fail_queued(db: Database, include_dir: Path, job_id: uuid.UUID, error: str) -> None:
    """The DAG run could not be created: the pending job fails with the reason (passwords masked)."""
    Journal(db, include_dir).finish_job(job_id, "failed", error=f"trigger: {error}",
                                        error_details={"stage": "trigger"})
