"""Data quality as people look at it: one run's checks, each check's trend, pass rates, quarantine, freshness."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.freshness import Deadline, DeadlineError
from partner_sync.insights.rows import fetch, parse_uuid
from partner_sync.source_defs import SourceDef
from partner_sync.sql_files import load_sql

TREND_RUNS = 30


def verdict(passed: bool | None, severity: str | None) -> str:
    """pass / warn / fail / skip: a failed check of severity warn only warns."""
    if passed is None:
        return "skip"
    if passed:
        return "pass"
    return "warn" if severity == "warn" else "fail"


def _check_row(r: dict[str, Any]) -> dict[str, Any]:
    details = r.get("failure_details") or {}
    name, _, description = (r.get("check_description") or "").partition(": ")
    return {"check": name, "description": description, "table": r.get("table_name"), "type": r.get("check_type"),
            "result": verdict(r.get("passed"), details.get("severity")), "severity": details.get("severity"),
            "checked": r.get("records_checked"), "failed": r.get("records_failed"),
            "sample_keys": details.get("sample_keys") or [], "rate": details.get("rate"),
            "min_rate": details.get("min_rate"), "skipped": details.get("skipped"), "error": details.get("error"),
            "executed_at": r.get("executed_at")}


def job_report(db: Database, job_id: str | uuid.UUID) -> dict | None:
    """The checks one job ran (None when the job does not exist)."""
    jid = job_id if isinstance(job_id, uuid.UUID) else parse_uuid(job_id)
    jobs = fetch(db, "SELECT job_id, source_system, job_type, status, started_at, completed_at FROM ops.sync_jobs "
                     "WHERE job_id = %s", (jid,))
    if not jobs:
        return None
    rows = fetch(db, "SELECT table_name, check_type, check_description, passed, records_checked, records_failed, "
                     "failure_details, executed_at FROM ops.data_quality_checks WHERE sync_job_id = %s "
                     "ORDER BY executed_at, check_id", (jid,))
    checks = [_check_row(r) for r in rows]
    summary = {k: sum(1 for c in checks if c["result"] == k) for k in ("pass", "warn", "fail", "skip")}
    return {"job": jobs[0], "checks": checks, "summary": {"checks": len(checks), **summary}}


def latest_checked_job(db: Database, source: str | None = None) -> str | None:
    """The newest job (of a source) that ran checks."""
    rows = fetch(db, "SELECT c.sync_job_id AS job_id FROM ops.data_quality_checks c JOIN ops.sync_jobs j "
                     "ON j.job_id = c.sync_job_id WHERE (%(source)s::text IS NULL OR j.source_system = %(source)s::text) "
                     "ORDER BY c.executed_at DESC LIMIT 1", {"source": source})
    return rows[0]["job_id"] if rows else None


def trends(db: Database, include_dir: Path, source: str, runs: int = TREND_RUNS) -> dict[str, list[dict[str, Any]]]:
    """Per check, its outcome in each of the source's last ``runs`` checked jobs, oldest first."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in fetch(db, load_sql(include_dir, "insights/check_trend"), {"source": source, "runs": int(runs)}):
        out[r["check_name"]].append({"job_id": r["sync_job_id"], "at": r["executed_at"],
                                     "result": verdict(r["passed"], r["severity"]),
                                     "checked": r["records_checked"], "failed": r["records_failed"]})
    return dict(out)


def freshness(db: Database, include_dir: Path, sources: dict[str, SourceDef], schedules: dict[str, str],
              source: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Per table: newest cursor loaded and its age; per source: its deadline and whether the last one was met."""
    now = now or datetime.now(timezone.utc)
    tables = fetch(db, load_sql(include_dir, "insights/freshness"), {"source": source})
    done = {r["source_system"]: r["completed_at"] for r in fetch(db, load_sql(include_dir, "insights/last_success"))}
    per_source = {}
    for name, src in sources.items():
        if source and name != source:
            continue
        entry: dict[str, Any] = {"schedule": schedules.get(name), "last_success": done.get(name)}
        try:
            deadline = Deadline.of(schedules.get(name) or "", src.deadline)
            last = datetime.fromisoformat(done[name]) if done.get(name) else None
            entry.update(deadline.verdict(last, now))
        except DeadlineError as exc:
            entry["deadline"] = None
            entry["note"] = str(exc)
        per_source[name] = entry
    return {"tables": tables, "sources": per_source, "as_of": now.isoformat()}


def metrics(db: Database, include_dir: Path, sources: dict[str, SourceDef], schedules: dict[str, str],
            source: str | None = None, days: int = 30) -> dict[str, Any]:
    """GET /validate/metrics: pass rate per check per day, quarantine counts, freshness per table."""
    params = {"source": source, "days": int(days)}
    pass_rate: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in fetch(db, load_sql(include_dir, "insights/pass_rate"), params):
        pass_rate[r["source_system"]][r["check_name"]].append(
            {"day": r["day"], "runs": r["runs"], "passed": r["passed"], "failed": r["failed"],
             "skipped": r["skipped"], "pass_rate": r["pass_rate"]})
    quarantine: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(lambda: {"total": 0, "by_day": []}))
    for r in fetch(db, load_sql(include_dir, "insights/quarantine_counts"), params):
        entry = quarantine[r["source_system"]][r["table_name"]]
        entry["total"] += r["rows"]
        entry["by_day"].append({"day": r["day"], "rows": r["rows"]})
    return {"days": int(days), "pass_rate": {s: dict(c) for s, c in pass_rate.items()},
            "quarantine": {s: dict(t) for s, t in quarantine.items()},
            "freshness": freshness(db, include_dir, sources, schedules, source)}


def run_validation(settings: Settings, db: Database, source: SourceDef, triggered_by: str | None = None
                   ) -> dict[str, Any]:
    """Re-run the source's checks on the newest warehouse data, as a job of its own (job_type validate)."""
    from partner_sync.checks import run_checks
    from partner_sync.ops import Journal

    journal = Journal(db, settings.include_dir)
    job_id = journal.open_job(source.name, "validate", {"tables": [], "full_refresh": False, "stages": {},
                                                         "airflow": None, "triggered_by": triggered_by})
    try:
        results = run_checks(settings, source, job_id)
    except Exception as exc:
        journal.finish_job(job_id, "failed", error=f"validate: {exc}", error_details={"stage": "validate"})
        raise
    failed = [r.name for r in results if r.passed is False and r.severity == "error"]
    detail = {"status": "failed" if failed else "success", "checks": len(results),
              "passed": sum(bool(r.passed) for r in results), "failed_error": failed,
              "failed_warn": [r.name for r in results if r.passed is False and r.severity == "warn"]}
    journal.record_stage(job_id, "validate", detail)
    journal.finish_job(job_id, "failed" if failed else "success",
                       error=f"{len(failed)} check(s) of severity error failed: {', '.join(failed)}" if failed else None)
    return {"job_id": str(job_id), **job_report(db, job_id)}
