"""The validate stage: declarative checks from include/checks/<source>.yml, one ops.data_quality_checks row each.

Checks are data, not code per table: a type names an SQL template under include/sql/checks, the YAML
names tables and columns. Severity ``error`` fails the stage (Airflow alerts); ``warn`` only records.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg import sql

from partner_sync.config import Settings
from partner_sync.database import connect
from partner_sync.logs import kv
from partner_sync.source_defs import SourceDef
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)
SEVERITIES = ("error", "warn")


class _Skipped(Exception):
    pass


class ChecksFailed(RuntimeError):
    """At least one check of severity error failed; every result is already in ops."""

    def __init__(self, message: str, failed_checks: list[str] | None = None):
        super().__init__(message)
        self.failed_checks = list(failed_checks or [])


@dataclass
class CheckResult:
    name: str
    check_type: str
    table: str
    severity: str
    description: str
    passed: bool | None  # None: skipped (its table does not exist yet)
    checked: int
    failed: int
    details: dict[str, Any] = field(default_factory=dict)


def _ident(qualified: str) -> sql.Identifier:
    return sql.Identifier(*qualified.split(".", 1))


def load_checks(include_dir: Path, source: str) -> list[dict]:
    """The source's check list; an unknown type or severity is an error naming the check."""
    path = include_dir / "checks" / f"{source}.yml"
    if not path.exists():
        return []
    checks = (yaml.safe_load(path.read_text()) or {}).get("checks") or []
    for i, check in enumerate(checks):
        if check.get("type") not in CHECKS:
            raise ValueError(f"{path}: check #{i + 1}: unknown type {check.get('type')!r}; known: {', '.join(CHECKS)}")
        if check.get("severity", "error") not in SEVERITIES:
            raise ValueError(f"{path}: check #{i + 1}: severity must be error or warn")
        check.setdefault("name", _default_name(check))
    return checks


def _default_name(check: dict) -> str:
    target = check.get("table") or check.get("raw_table") or "ops.quarantine"
    col = check.get("column") or check.get("name_column") or ",".join(check.get("columns") or [])
    return ".".join(p for p in (target, col, check["type"]) if p)


def _template(include_dir, name: str, **parts: sql.Composable) -> sql.Composed:
    return sql.SQL(load_sql(include_dir, f"checks/{name}")).format(**parts)


def _where(check: dict) -> sql.Composable:
    # 'where' comes from the project's own YAML (like the templates), never from a source
    return sql.SQL(check.get("where") or "TRUE")


def _sql_check(conn, include_dir, check: dict, job_id) -> tuple[int, int, list[str], dict]:
    t = check["type"]
    table, key = _ident(check.get("table", "ops.quarantine")), sql.Identifier(check.get("key", "id"))
    if t == "not_null":
        q = _template(include_dir, "not_null", table=table, column=sql.Identifier(check["column"]), key=key,
                      where=_where(check))
        params: dict = {}
    elif t == "unique":
        q = _template(include_dir, "unique", table=table, key=key, where=_where(check),
                      columns=sql.SQL(", ").join(map(sql.Identifier, check["columns"])))
        params = {}
    elif t == "format":
        q = _template(include_dir, "format", table=table, column=sql.Identifier(check["column"]), key=key,
                      where=_where(check))
        params = {"pattern": check["pattern"]}
    elif t == "range":
        q = _template(include_dir, "range", table=table, column=sql.Identifier(check["column"]), key=key,
                      where=_where(check))
        params = {"min": check.get("min", float("-inf")), "max": check.get("max", float("inf"))}
    elif t == "resolution":
        q = _template(include_dir, "resolution", table=table, key=key,
                      name_column=sql.Identifier(check["name_column"]), ref_table=_ident(check["ref_table"]),
                      ref_key=sql.Identifier(check.get("ref_key", "id")),
                      ref_column=sql.Identifier(check["ref_column"]))
        params = {}
    else:  # quarantine
        q = _template(include_dir, "quarantine")
        params = {"job_id": job_id, "source": check.get("_source")}
    checked, failed, samples = conn.execute(q, params).fetchone()
    return checked, failed, list(samples or []), {}


def _count(conn: psycopg.Connection, table: sql.Composable, where: str = "TRUE") -> int:
    return conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table, sql.SQL(where))).fetchone()[0]


def _column_type(conn, table: sql.Composable, column: str) -> str | None:
    row = conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
                       "AND attname = %s AND NOT attisdropped", (table.as_string(conn), column)).fetchone()
    return row[0] if row else None


def _before(conn, table: sql.Composable, column: str | None, as_of: datetime | None) -> tuple[sql.Composable, tuple]:
    """``column < as_of`` in the column's own type (Odoo's naive-UTC timestamps, APN's timestamptz), or TRUE.

    Exclusive, like the load's window: a row stamped exactly at the upper bound belongs to the next run."""
    if as_of is None or not column:
        return sql.SQL("TRUE"), ()
    col_type = _column_type(conn, table, column)
    if col_type is None:
        raise psycopg.errors.UndefinedColumn(f"column {column} of {table.as_string(conn)} does not exist")
    from partner_sync.contracts import to_cursor_type

    return sql.SQL("{} < %s").format(sql.Identifier(column)), (to_cursor_type(as_of, col_type),)


def _count_where(conn, table: sql.Composable, where: sql.Composable, params: tuple = ()) -> int:
    return conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table, where), params).fetchone()[0]


def _source_checks(wh, stats, check: dict, source: SourceDef,
                   as_of: datetime | None = None) -> tuple[int, int, list[str], dict]:
    """row_count and freshness compare raw with the source itself (a reader with SQL access: ``stats``), as
    of the run's upper bound.

    ``as_of`` (the run's upper bound: a backfill's interval end, a scheduled run's interval end, a manual
    run's trigger time) keeps later source changes out of the comparison, so a backfill of last week passes
    while today's edits exist: row_count counts the rows created before it (YAML ``created``) on both sides,
    freshness looks for source rows changed before it that raw does not have yet. None: the source as it is.
    """
    raw = _ident(check["raw_table"])
    bound = {"as_of": as_of.isoformat() if as_of is not None else None}
    if check["type"] == "row_count":
        created = check.get("created")
        n_src = stats.count(check["source_table"], created, as_of) if stats is not None else None
        where, params = _before(wh, raw, created, as_of)
        n_raw = _count_where(wh, raw, sql.SQL("_deleted_at IS NULL AND ") + where, params)
        n_raw_all = _count(wh, raw, "_deleted_at IS NULL") if params else n_raw
        n_core = _count(wh, _ident(check["table"]))
        counts = {"source": n_src, "raw": n_raw, "core": n_core}
        if params:
            counts["raw_all"] = n_raw_all
        # raw (all live rows) against core, source against raw as of the bound
        diffs = [abs(n_raw_all - n_core)] + ([abs(n_src - n_raw)] if n_src is not None else [])
        return max(counts["source"] or 0, n_raw), sum(diffs), [f"{k}={v}" for k, v in counts.items()], \
            {**counts, **bound}
    cursor = sql.Identifier(check["cursor"])
    newest_raw = wh.execute(sql.SQL("SELECT max({})::text FROM {}").format(cursor, raw)).fetchone()[0]
    if stats is None:
        return 1, 0, [], {"raw_newest": newest_raw, "source_newest": None, **bound}
    newest_src, behind = stats.freshness(check["source_table"], check["cursor"], as_of, newest_raw)
    return 1, 1 if behind else 0, [f"source newest {newest_src}", f"raw newest {newest_raw}"], {
        "source_newest": newest_src, "raw_newest": newest_raw, "source_rows_newer_than_raw": behind, **bound}


CHECKS = ("not_null", "unique", "format", "range", "resolution", "row_count", "freshness", "quarantine")


def run_checks(settings: Settings, source: SourceDef, job_id: uuid.UUID | None,
               skip_tables: dict[str, str] | None = None, as_of: datetime | None = None) -> list[CheckResult]:
    """Run every check of the source and record each; returns the results (the caller decides to fail).

    ``skip_tables`` maps a table to the reason its checks are skipped (its transform did not run);
    ``as_of`` is the run's upper bound for the checks that compare with the source (row_count, freshness).
    """
    skip_tables = skip_tables or {}
    checks = load_checks(settings.include_dir, source.name)
    results: list[CheckResult] = []
    from partner_sync.sources.readers import has_sql_access, open_reader

    # the source itself is asked only by a reader with SQL access (API readers: raw -> core only)
    reader = open_reader(settings, source) if has_sql_access(settings, source) and any(
        c["type"] in ("row_count", "freshness") for c in checks) else None
    with connect(settings.conn("warehouse_db")) as wh:
        stats = reader.source_stats() if reader is not None else None
        try:
            for check in checks:
                check["_source"] = source.name
                try:
                    # row_count is never skipped: raw rows with an empty core is exactly what it must catch
                    if check.get("table") in skip_tables and check["type"] != "row_count":
                        raise _Skipped(skip_tables[check["table"]])
                    if check["type"] in ("row_count", "freshness"):
                        checked, failed, samples, extra = _source_checks(wh, stats, check, source, as_of)
                    else:
                        checked, failed, samples, extra = _sql_check(wh, settings.include_dir, check, job_id)
                    passed = _passed(check, checked, failed)
                    details = {"severity": check.get("severity", "error"), "sample_keys": samples[:20], **extra}
                    if "min_rate" in check:
                        details["rate"] = round((checked - failed) / checked, 4) if checked else None
                        details["min_rate"] = check["min_rate"]
                except _Skipped as exc:
                    checked, failed, passed = 0, 0, None
                    details = {"severity": check.get("severity", "error"), "skipped": str(exc)}
                except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
                    # a raw table not loaded yet (first sync limited to some tables), or an optional table or
                    # column the source does not have (a standard Odoo without the custom AWS module): skipped
                    wh.rollback()
                    if stats is not None:
                        stats.rollback()
                    message = str(exc).strip().splitlines()[0]
                    if isinstance(exc, psycopg.errors.UndefinedColumn) and check["type"] in ("row_count",
                                                                                              "freshness"):
                        checked, failed, passed = 0, 0, False  # a key/cursor column the YAML names: broken check
                        details = {"severity": check.get("severity", "error"), "error": message}
                    else:
                        checked, failed, passed = 0, 0, None
                        details = {"severity": check.get("severity", "error"), "skipped": message}
                except psycopg.Error as exc:
                    wh.rollback()
                    if stats is not None:
                        stats.rollback()
                    checked, failed, passed = 0, 0, False
                    details = {"severity": check.get("severity", "error"), "error": str(exc).strip()}
                res = CheckResult(check["name"], check["type"], check.get("table") or check.get("raw_table") or
                                  "ops.quarantine", check.get("severity", "error"), check.get("description", ""),
                                  passed, checked, failed, details)
                wh.execute(load_sql(settings.include_dir, "checks/write_result"), {
                    "job_id": job_id, "table_name": res.table, "check_type": res.check_type,
                    "description": f"{res.name}: {res.description}", "passed": passed, "checked": checked,
                    "passed_n": max(checked - failed, 0), "failed": failed, "details": json.dumps(details, default=str)})
                wh.commit()
                results.append(res)
                log.info(kv("check", source=source.name, name=res.name, passed=passed, checked=checked,
                            failed=failed, severity=res.severity))
        finally:
            if reader is not None:
                reader.close()
    return results


def _passed(check: dict, checked: int, failed: int) -> bool:
    if "min_rate" in check:
        return checked == 0 or (checked - failed) / checked >= float(check["min_rate"])
    if check["type"] == "quarantine":
        return failed <= int(check.get("max", 0))
    return failed == 0


def run_validate_stage(request: Any, res: Any, earlier: Any = None) -> Any:
    """Pipeline stage: record every check, then fail on any failed check of severity error."""
    from partner_sync.ops import Journal
    from partner_sync.run_request import StageResult

    job = Journal(res.warehouse, res.settings.include_dir).get_job(request.job_id)
    targets = (((job.get("config") or {}).get("stages") or {}).get("transform") or {}).get("targets") or {}
    skip = {t: d["mode"] for t, d in targets.items() if str(d.get("mode", "")).startswith("skipped")}
    results = run_checks(res.settings, request.source, request.job_id, skip, as_of=request.as_of)
    failed_errors = [r for r in results if r.passed is False and r.severity == "error"]
    notes = {"checks": len(results), "passed": sum(bool(r.passed) for r in results),
             "skipped": [r.name for r in results if r.passed is None],
             "failed_warn": [r.name for r in results if r.passed is False and r.severity == "warn"],
             "failed_error": [r.name for r in failed_errors]}
    if failed_errors:
        error = ChecksFailed(f"{len(failed_errors)} data-quality check(s) failed for {request.source.name}: "
                             + "; ".join(f"{r.name} ({r.failed} of {r.checked} failed; e.g. "
                                         f"{', '.join(map(str, r.details.get('sample_keys', [])[:5]))})"
                                         for r in failed_errors), [r.name for r in failed_errors])
        return StageResult("validate", "failed", failures={"failed_checks": notes["failed_error"]}, notes=notes,
                           error=error)
    return StageResult("validate", notes=notes)


def report(conn_spec, job_id: str | None = None) -> tuple[dict | None, list[dict]]:
    """The job (default: the newest one with checks) and its check rows, for `partner_sync report`."""
    with connect(conn_spec) as conn:
        if job_id is None:
            row = conn.execute("SELECT sync_job_id FROM ops.data_quality_checks WHERE sync_job_id IS NOT NULL "
                               "ORDER BY executed_at DESC LIMIT 1").fetchone()
            if row is None:
                return None, []
            job_id = row[0]
        cur = conn.execute("SELECT job_id, source_system, job_type, status, started_at, completed_at, "
                           "records_processed, records_failed FROM ops.sync_jobs WHERE job_id = %s", (job_id,))
        job_row = cur.fetchone()
        job = dict(zip([d.name for d in cur.description], job_row)) if job_row else None
        cur = conn.execute("SELECT table_name, check_type, check_description, passed, records_checked, "
                           "records_passed, records_failed, failure_details, executed_at FROM ops.data_quality_checks "
                           "WHERE sync_job_id = %s ORDER BY executed_at, check_id", (job_id,))
        rows = [dict(zip([d.name for d in cur.description], r)) for r in cur.fetchall()]
    return job, rows


def newest_jobs(conn_spec, include_dir: Path) -> list[dict]:
    """The newest ``ops.sync_jobs`` row of each source, whatever its type or outcome (``partner_sync report``)."""
    with connect(conn_spec) as conn:
        cur = conn.execute(load_sql(include_dir, "ops/newest_jobs"))
        return [dict(zip([d.name for d in cur.description], r)) for r in cur.fetchall()]


def verdict(row: dict) -> str:
    """pass / FAIL (an error check failed) / warn (a warn check failed) / skip."""
    if row["passed"] is None:
        return "skip"
    if row["passed"]:
        return "pass"
    return "FAIL" if (row["failure_details"] or {}).get("severity", "error") == "error" else "warn"


def summarize(rows: list[dict]) -> dict[str, int]:
    """Counts by verdict: failures (error checks) apart from warnings (warn checks)."""
    verdicts = [verdict(r) for r in rows]
    return {"checks": len(rows), "passed": verdicts.count("pass"), "failed": verdicts.count("FAIL"),
            "warnings": verdicts.count("warn"), "skipped": verdicts.count("skip")}
