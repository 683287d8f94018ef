"""Weekly housekeeping: VACUUM ANALYZE of the data schemas and pruning of old ops rows."""

from __future__ import annotations

import logging
import time

from psycopg import sql

from partner_sync.config import Settings
from partner_sync.database import connect
from partner_sync.logs import kv
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)
DATA_SCHEMAS = ("raw", "core", "search")


def vacuum_analyze(settings: Settings, schemas: tuple[str, ...] = DATA_SCHEMAS) -> list[tuple[str, float]]:
    """VACUUM ANALYZE every table of ``schemas`` (autocommit: VACUUM cannot run in a transaction)."""
    done = []
    with connect(settings.conn("warehouse_db"), autocommit=True) as conn:
        tables = conn.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s) ORDER BY 1, 2",
                              (list(schemas),)).fetchall()
        for schema, table in tables:
            started = time.monotonic()
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(schema, table)))
            seconds = round(time.monotonic() - started, 3)
            done.append((f"{schema}.{table}", seconds))
            log.info(kv("maintenance.vacuum", table=f"{schema}.{table}", seconds=seconds))
    return done


def sweep_abandoned(settings: Settings) -> list[tuple]:
    """Jobs left running by a dead process past PARTNER_SYNC_JOB_TIMEOUT become ``abandoned`` (job id, source)."""
    with connect(settings.conn("warehouse_db")) as conn:
        rows = conn.execute(load_sql(settings.include_dir, "ops/sweep_abandoned"),
                            {"seconds": settings.job_timeout_seconds}).fetchall()
        conn.commit()
    for job_id, source in rows:
        log.warning(kv("maintenance.abandoned", job=job_id, source=source, timeout_s=settings.job_timeout_seconds))
    return [tuple(r) for r in rows]


def prune_ops(settings: Settings, days: int) -> dict[str, int]:
    """Delete ops rows older than ``days`` (running jobs are kept whatever their age)."""
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, got {days}")
    with connect(settings.conn("warehouse_db")) as conn:
        jobs, checks, quarantine, lineage = conn.execute(load_sql(settings.include_dir, "ops/prune"),
                                                         {"days": days}).fetchone()
        deleted_jobs = conn.execute(load_sql(settings.include_dir, "ops/prune_jobs"), {"days": days}).rowcount
        batches = conn.execute(load_sql(settings.include_dir, "ops/prune_raw_batches"), {"days": days}).rowcount
        conn.commit()
    counts = {"sync_jobs": deleted_jobs, "data_quality_checks": checks, "quarantine": quarantine,
              "transformation_log": lineage, "raw_batches": batches}
    log.info(kv("maintenance.prune", days=days, **counts))
    del jobs
    return counts
