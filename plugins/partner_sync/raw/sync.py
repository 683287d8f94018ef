"""A source's extract and raw-load stages: discover every table, then load each in its own transaction.

One table failing (drift refused, busy, bad key) does not stop the others; the stage fails at the end,
naming every failed table, while the tables that loaded stay loaded.

The source's mode picks the reader: ``database`` (default) streams with COPY from its PostgreSQL; the API
modes (``odoo_rpc``, ``partner_central``: ``partner_sync.sources``) hand the loader rows and keys instead,
read from the stored watermark, and land the same raw tables.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from partner_sync.config import Settings
from partner_sync.database import Database, DatabaseUnavailable, RetryPolicy, connect, name_lost_connection
from partner_sync.logs import kv
from partner_sync.raw.discovery import TableSchema, discover
from partner_sync.raw.loader import SESSION_SETTINGS, LoadOptions, TableLoad, load_table
from partner_sync.raw.session import SourceSession
from partner_sync.raw.watermarks import compute_window
from partner_sync.source_defs import SourceDef

log = logging.getLogger(__name__)
COUNT_KEYS = ("staged", "inserted", "updated", "unchanged", "quarantined", "deleted", "revived")


class TablesFailed(RuntimeError):
    def __init__(self, source: str, failures: dict[str, str]):
        self.failures = failures
        super().__init__(f"source {source}: {len(failures)} table(s) failed: "
                         + "; ".join(f"{t}: {e}" for t, e in failures.items()))


@dataclass
class SyncOutcome:
    loads: list[TableLoad] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(t, k) for t in self.loads) for k in COUNT_KEYS}


def discover_source(settings: Settings, source: SourceDef, tables: list[str] | None = None, *,
                    session: SourceSession | None = None) -> dict[str, TableSchema]:
    """Read the source catalog for the listed tables (API modes: ask the API); a database source is read on
    the run's ``session`` connection when given, else on its own connection (with retry)."""
    from partner_sync.source_defs import effective_source
    from partner_sync.sources.readers import open_reader

    source = effective_source(settings, source)
    if source.mode != "database":
        reader = open_reader(settings, source)
        try:
            found = reader.discover(tables)
        finally:
            reader.close()
        log.info(kv("discover.done", source=source.name, mode=source.mode, tables=len(found),
                    failed=",".join(found.failures) or "-", skipped=",".join(found.skipped) or "-"))
        return found
    if session is not None:
        conn = session.connection()
        try:
            return discover(conn, source, settings.include_dir, tables=tables)
        finally:
            if not conn.broken:
                conn.rollback()  # a load starts its own snapshot
    with connect(settings.conn(source.connection_id), retry=RetryPolicy.from_settings(settings)) as conn:
        return discover(conn, source, settings.include_dir, tables=tables)


def load_options(settings: Settings, *, full: bool = False,
                 data_interval: tuple[datetime, datetime] | None = None,
                 upper_bound: datetime | None = None) -> LoadOptions:
    return LoadOptions(full=full, overlap=timedelta(minutes=settings.cursor_overlap_minutes),
                       data_interval=data_interval, upper_bound=upper_bound,
                       lock_wait_seconds=settings.lock_wait_seconds)


def sync_tables(settings: Settings, source: SourceDef, schemas: dict[str, TableSchema], job_id: uuid.UUID,
                options: LoadOptions, *, session: SourceSession | None = None,
                warehouse: Database | None = None) -> SyncOutcome:
    """Load every discovered table; collect failures per table instead of stopping at the first.

    With a ``session`` and a ``warehouse`` pool every table reuses the same two connections."""
    from partner_sync.source_defs import effective_source

    source = effective_source(settings, source)
    if source.mode != "database":
        return _sync_api_tables(settings, source, schemas, job_id, options)
    outcome = SyncOutcome()
    for n, (name, schema) in enumerate(schemas.items(), 1):
        log.info(kv("load.start", source=source.name, table=name, n=f"{n}/{len(schemas)}", job=job_id))
        try:
            outcome.loads.append(load_one(settings, source, schema, job_id, options, session=session,
                                          warehouse=warehouse))
        except DatabaseUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - one table's failure is reported, the others go on
            outcome.failures[name] = str(exc).strip()
            log.error(kv("load.failed", source=source.name, table=name, job=job_id, error=str(exc).splitlines()[0]))
    return outcome


def _raw_key_problem(wh, raw_table: str, key: tuple[str, ...]) -> str | None:
    """Why an existing raw table cannot take this mode's key (it was created with another), or None."""
    regclass = f'raw."{raw_table}"'
    if wh.execute("SELECT to_regclass(%s)", (regclass,)).fetchone()[0] is None:
        return None
    keys = wh.execute(
        "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass(%s) AND i.indisunique GROUP BY i.indexrelid", (regclass,)).fetchall()
    if any(sorted(k[0]) == sorted(key) for k in keys):
        return None
    return (f"raw.{raw_table} has no unique key on ({', '.join(key)}), the key of this mode (it was created by "
            f"another mode); add it once: ALTER TABLE raw.{raw_table} ADD UNIQUE ({', '.join(key)})")


def discover_table(settings: Settings, source: SourceDef, table: str, *, session: SourceSession | None = None
                   ) -> TableSchema:
    """One table's schema (an Airflow mapped raw_load task); a table the source could not describe raises
    with the reason (access denied, model missing, no API source ...)."""
    found = discover_source(settings, source, [table], session=session)
    if table not in found:
        reason = {**getattr(found, "failures", {}), **getattr(found, "skipped", {})}.get(table, "not discovered")
        raise LookupError(f"source {source.name}: table {table}: {reason}")
    return found[table]


def load_one(settings: Settings, source: SourceDef, schema: TableSchema, job_id: uuid.UUID, options: LoadOptions,
             *, reader=None, session: SourceSession | None = None, warehouse: Database | None = None) -> TableLoad:
    """Load one discovered table in the source's mode (database: COPY from it; API: the reader's rows).

    A database source is read on the ``session`` connection when given, and raw written on a connection of
    the ``warehouse`` pool when given; otherwise each gets a connection of its own."""
    from partner_sync.source_defs import effective_source
    from partner_sync.sources.readers import open_reader

    source = effective_source(settings, source)
    name = schema.name
    options = replace(options, json_secret_patterns=source.json_mask_patterns)
    if source.mode == "database":
        src = (session.connection() if session is not None else None) or settings.conn(source.connection_id)
        with (warehouse.get_connection() if warehouse is not None
              else nullcontext(settings.conn("warehouse_db"))) as wh, \
                name_lost_connection({f"source connection {source.connection_id}": src,
                                      "warehouse connection warehouse_db": wh}):
            return load_table(src, wh, source.name, schema, raw_table=source.raw_table(name), job_id=job_id,
                              include_dir=settings.include_dir, options=options,
                              source_schema=source.source_schema)
    own = reader is None
    reader = reader or open_reader(settings, source)
    try:
        wh_spec = settings.conn("warehouse_db")
        overlap = options.overlap if source.mode == "odoo_rpc" else timedelta(0)  # AWS-sent dates need none
        with connect(wh_spec) as wh:
            wh.execute(SESSION_SETTINGS)
            problem = _raw_key_problem(wh, source.raw_table(name), schema.primary_key)
            if problem:
                raise ValueError(problem)
            cursor_type = schema.column(schema.cursor).data_type if schema.cursor else None
            window = compute_window(wh, settings.include_dir, source.name, name, schema.cursor, cursor_type,
                                    full=options.full, overlap=overlap, data_interval=options.data_interval,
                                    upper_bound=options.upper_bound)
            if not options.full:
                window = reader.window(wh, name, window)
        log.info(kv("load.window", source=source.name, table=name, mode=source.mode, **window.as_dict()))
        keys = reader.keys(name) if options.deletions else None
        load = load_table(None, wh_spec, source.name, schema, raw_table=source.raw_table(name), job_id=job_id,
                          include_dir=settings.include_dir, options=options,
                          rows=reader.rows(name, window, schema), source_keys=keys)
        load.window = {**window.as_dict(), **reader.notes(name)}
        return load
    finally:
        if own:
            reader.close()


def _sync_api_tables(settings: Settings, source: SourceDef, schemas: dict[str, TableSchema], job_id: uuid.UUID,
                     options: LoadOptions) -> SyncOutcome:
    """API modes: per table, the window from the stored watermark, then the reader's rows (and keys) into
    ``load_table`` -- consumed inside its one transaction, so a failing page leaves raw as it was."""
    from partner_sync.sources.readers import open_reader

    outcome = SyncOutcome()
    reader = open_reader(settings, source)  # one reader (one login, one request budget) for the whole run
    try:
        for n, (name, schema) in enumerate(schemas.items(), 1):
            log.info(kv("load.start", source=source.name, table=name, mode=source.mode, n=f"{n}/{len(schemas)}",
                        job=job_id))
            try:
                outcome.loads.append(load_one(settings, source, schema, job_id, options, reader=reader))
            except DatabaseUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - one table's failure is reported, the others go on
                outcome.failures[name] = str(exc).strip()
                log.error(kv("load.failed", source=source.name, table=name, job=job_id,
                             error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    finally:
        reader.close()
    for name, reason in getattr(schemas, "failures", {}).items():
        outcome.failures.setdefault(name, reason)
    return outcome
