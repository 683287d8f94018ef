"""Source -> raw, wired: open the source's reader (any mode) and hand it to the raw loader.

``sources/`` reads and ``raw/`` writes; neither imports the other. This is where they meet for callers that
have no reader open yet (the CLI, reconciliation, tests); a run's stages share one reader through
``run_request.RunResources.reader``. Both hold it through ``sources.readers.reader_for``, its one owner.
"""

from __future__ import annotations

import logging
import uuid

from partner_sync.config import Settings
from partner_sync.contracts import Discovered, SourceReader, TableSchema
from partner_sync.database import Database
from partner_sync.logs import kv
from partner_sync.raw import reconcile as raw_reconcile
from partner_sync.raw import sync as raw_sync
from partner_sync.raw.loader import LoadOptions, TableLoad
from partner_sync.source_defs import SourceDef, load_source
from partner_sync.sources.readers import reader_for

log = logging.getLogger(__name__)


def discover_source(settings: Settings, source: SourceDef, tables: list[str] | None = None, *,
                    reader: SourceReader | None = None) -> Discovered:
    """Read the source catalog for the listed (default: enabled) tables, in the source's mode."""
    with reader_for(settings, source, reader) as r:
        found = r.discover(tables)
    log.info(kv("discover.done", source=source.name, mode=r.mode, tables=len(found),
                failed=",".join(getattr(found, "failures", {})) or "-",
                skipped=",".join(getattr(found, "skipped", {})) or "-"))
    return found


def discover_table(settings: Settings, source: SourceDef, table: str, *, reader: SourceReader | None = None
                   ) -> TableSchema:
    """One table's schema (an Airflow mapped raw_load task); a table the source could not describe raises
    with the reason (access denied, model missing, no API source ...)."""
    found = discover_source(settings, source, [table], reader=reader)
    if table not in found:
        reason = {**getattr(found, "failures", {}), **getattr(found, "skipped", {})}.get(table, "not discovered")
        raise LookupError(f"source {source.name}: table {table}: {reason}")
    return found[table]


def load_one(settings: Settings, source: SourceDef, schema: TableSchema, job_id: uuid.UUID, options: LoadOptions,
             *, reader: SourceReader | None = None, warehouse: Database | None = None) -> TableLoad:
    """Load one discovered table (any mode)."""
    with reader_for(settings, source, reader) as r:
        return raw_sync.load_one(settings, source, schema, job_id, options, reader=r, warehouse=warehouse)


def sync_tables(settings: Settings, source: SourceDef, schemas: dict[str, TableSchema], job_id: uuid.UUID,
                options: LoadOptions, *, reader: SourceReader | None = None,
                warehouse: Database | None = None) -> raw_sync.SyncOutcome:
    """Load every discovered table with one reader (one login, one request budget, one source connection)."""
    with reader_for(settings, source, reader) as r:
        return raw_sync.sync_tables(settings, source, schemas, job_id, options, reader=r, warehouse=warehouse)


def reconcile_source(settings: Settings, source_name: str | SourceDef, *, tables: list[str] | None = None,
                     range_size: int = 50_000, reload_chunk: int = 5_000) -> raw_reconcile.ReconcileReport:
    """Compare every table with the source by row hash and reload what differs (database mode)."""
    source = source_name if isinstance(source_name, SourceDef) else load_source(settings.include_dir, source_name)
    with reader_for(settings, source) as r:
        return raw_reconcile.reconcile_source(settings, source, r, tables=tables, range_size=range_size,
                                              reload_chunk=reload_chunk)
