"""Reconciliation: find the rows the change cursor missed and reload only those.

Odoo bumps write_date on no-op writes and raw-SQL writes in custom modules skip it, so a cursor
alone drifts. This compares an md5 of every row (source columns cast to the raw types, same session
settings on both sides) in key ranges, then reloads just the differing keys through the normal loader.
The source side (row hashes, reloads) is the reader's snapshot: only a reader with SQL access can do this.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from partner_sync.config import Settings
from partner_sync.contracts import SESSION_SETTINGS, SourceReader, TableSchema, TableSnapshot
from partner_sync.database import Database, connect
from partner_sync.logs import kv
from partner_sync.ops import Journal
from partner_sync.raw import schema as raw_schema
from partner_sync.raw.loader import LoadOptions, load_table
from partner_sync.source_defs import SourceDef
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)


@dataclass
class TableReconcile:
    table: str
    checked: int = 0
    missed: int = 0
    reloaded: int = 0
    seconds: float = 0.0


@dataclass
class ReconcileReport:
    job_id: uuid.UUID
    status: str = "running"
    tables: list[TableReconcile] = field(default_factory=list)


def _differing_keys(snap: TableSnapshot, wh: psycopg.Connection, source: SourceDef, schema: TableSchema,
                    raw_types: dict[str, str], range_size: int, result: TableReconcile, include_dir) -> list[tuple]:
    """Keys whose raw row is missing or differs, compared range by range (keyset pagination on the key)."""
    pk = list(schema.primary_key)
    cols = [c for c in schema.column_names if c in raw_types]
    pk_ids = sql.SQL(", ").join(map(sql.Identifier, pk))
    r_cols = sql.SQL(", ").join(sql.SQL("r.{}").format(sql.Identifier(c)) for c in cols)
    hashes, diff = sql.Identifier("_rec_hashes"), sql.Identifier("_rec_diff")
    key_types = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(k), sql.SQL(raw_types[k])) for k in pk)
    wh.execute(sql.SQL("CREATE TEMP TABLE {} ({}, _hash text)").format(hashes, key_types))
    wh.execute(sql.SQL("CREATE TEMP TABLE {} ({})").format(diff, key_types))
    last: tuple | None = None
    while True:
        rows = snap.row_hashes(raw_types, last, range_size)
        with wh.cursor().copy(sql.SQL("COPY {} ({}, _hash) FROM STDIN").format(hashes, pk_ids)) as cp:
            n = 0
            for row in rows:
                cp.write_row(row)
                last, n = tuple(row[:len(pk)]), n + 1
        if n == 0:
            break
        result.checked += n
        join = sql.SQL(" AND ").join(sql.SQL("r.{0} = s.{0}").format(sql.Identifier(k)) for k in pk)
        wh.execute(sql.SQL(load_sql(include_dir, "raw/reconcile_diff")).format(
            diff=diff, pk=pk_ids, s_pk=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(k)) for k in pk),
            hashes=hashes, raw=sql.Identifier(raw_schema.RAW_SCHEMA, source.raw_table(schema.name)), join=join,
            r_cols=r_cols))
        wh.execute(sql.SQL("TRUNCATE {}").format(hashes))
        if n < range_size:
            break
    keys = wh.execute(sql.SQL("SELECT {} FROM {} ORDER BY 1").format(pk_ids, diff)).fetchall()
    wh.execute(sql.SQL("DROP TABLE {}, {}").format(hashes, diff))
    return keys


def reconcile_source(settings: Settings, source: SourceDef, reader: SourceReader, *,
                     tables: list[str] | None = None, range_size: int = 50_000,
                     reload_chunk: int = 5_000) -> ReconcileReport:
    """Compare every table with the source by row hash and reload what differs; journaled as one job."""
    schemas = reader.discover(tables)
    with Database.from_settings(settings) as warehouse:
        journal = Journal(warehouse, settings.include_dir)
        job_id = journal.open_job(source.name, "reconcile", {"tables": list(schemas), "stages": {}})
        report = ReconcileReport(job_id)
        failures = {}
        for name, schema in schemas.items():
            result = TableReconcile(name)
            started = time.monotonic()
            try:
                with connect(settings.conn("warehouse_db")) as wh:
                    wh.execute(SESSION_SETTINGS)
                    raw_types = raw_schema.existing_columns(wh, source.raw_table(name))
                    if raw_types is None:
                        raise LookupError(f"raw.{source.raw_table(name)} does not exist yet: run a sync first")
                    with reader.snapshot(schema) as snap:
                        if snap is None:
                            raise LookupError(f"source {source.name}: mode {reader.mode} has no SQL access to "
                                              "compare rows by hash; reconcile needs the database mode")
                        keys = _differing_keys(snap, wh, source, schema, raw_types, range_size, result,
                                               settings.include_dir)
                result.missed = len(keys)
                for i in range(0, len(keys), reload_chunk):
                    chunk = keys[i:i + reload_chunk]
                    load = load_table(reader, settings.conn("warehouse_db"), source.name,
                                      schema, raw_table=source.raw_table(name), job_id=job_id,
                                      include_dir=settings.include_dir,
                                      options=LoadOptions(full=True, deletions=False,
                                                          lock_wait_seconds=settings.lock_wait_seconds,
                                                          json_secret_patterns=source.json_mask_patterns),
                                      only_keys=chunk)
                    result.reloaded += load.inserted + load.updated
            except Exception as exc:  # noqa: BLE001 - report per table, go on with the others
                failures[name] = str(exc).strip()
                log.error(kv("reconcile.failed", source=source.name, table=name, error=str(exc).splitlines()[0]))
            result.seconds = round(time.monotonic() - started, 3)
            report.tables.append(result)
            log.info(kv("reconcile.table", source=source.name, table=name, checked=result.checked,
                        missed=result.missed, reloaded=result.reloaded, seconds=result.seconds))
        detail = {"status": "failed" if failures else "success",
                  "tables": {t.table: vars(t) for t in report.tables}, "failed_tables": failures or None}
        journal.record_stage(job_id, "reconcile", detail,
                             {"processed": sum(t.checked for t in report.tables),
                              "updated": sum(t.reloaded for t in report.tables)})
        report.status = "failed" if failures else "success"
        journal.finish_job(job_id, report.status, error="; ".join(f"{t}: {e}" for t, e in failures.items()) or None)
    return report
