"""A source's raw-load stage: load each discovered table in its own transaction, from the reader handed in.

One table failing (drift refused, busy, bad key) does not stop the others; the stage fails at the end,
naming every failed table, while the tables that loaded stay loaded. The reader (database, Odoo RPC,
Partner Central) is opened by the stage code (``partner_sync.ingest``) and is the same for every mode here:
raw only writes the warehouse.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from partner_sync.config import Settings
from partner_sync.contracts import SourceReader, TableSchema
from partner_sync.database import Database, DatabaseUnavailable, name_lost_connection
from partner_sync.logs import kv
from partner_sync.raw.loader import LoadOptions, TableLoad, load_table
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


def load_options(settings: Settings, *, full: bool = False,
                 data_interval: tuple[datetime, datetime] | None = None,
                 upper_bound: datetime | None = None) -> LoadOptions:
    return LoadOptions(full=full, overlap=timedelta(minutes=settings.cursor_overlap_minutes),
                       data_interval=data_interval, upper_bound=upper_bound,
                       lock_wait_seconds=settings.lock_wait_seconds)


def load_one(settings: Settings, source: SourceDef, schema: TableSchema, job_id: uuid.UUID, options: LoadOptions,
             *, reader: SourceReader, warehouse: Database | None = None) -> TableLoad:
    """Load one discovered table from ``reader``; raw is written on a connection of the ``warehouse`` pool when
    given, else on a connection of its own."""
    options = replace(options, json_secret_patterns=source.json_mask_patterns)
    with (warehouse.get_connection() if warehouse is not None
          else nullcontext(settings.conn("warehouse_db"))) as wh:
        # a lost connection names its side: the reader's source connection (database mode) or the warehouse
        sides = {f"source connection {source.connection_id}": getattr(reader, "open_connection", None),
                 "warehouse connection warehouse_db": wh}
        with name_lost_connection(sides):
            return load_table(reader, wh, source.name, schema, raw_table=source.raw_table(schema.name),
                              job_id=job_id, include_dir=settings.include_dir, options=options)


def sync_tables(settings: Settings, source: SourceDef, schemas: dict[str, TableSchema], job_id: uuid.UUID,
                options: LoadOptions, *, reader: SourceReader, warehouse: Database | None = None) -> SyncOutcome:
    """Load every discovered table; collect failures per table instead of stopping at the first. Tables the
    reader could not discover (``Discovered.failures``) are failed tables too."""
    outcome = SyncOutcome()
    for n, (name, schema) in enumerate(schemas.items(), 1):
        log.info(kv("load.start", source=source.name, table=name, mode=reader.mode, n=f"{n}/{len(schemas)}",
                    job=job_id))
        try:
            outcome.loads.append(load_one(settings, source, schema, job_id, options, reader=reader,
                                          warehouse=warehouse))
        except DatabaseUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - one table's failure is reported, the others go on
            outcome.failures[name] = str(exc).strip() or type(exc).__name__
            log.error(kv("load.failed", source=source.name, table=name, job=job_id,
                         error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    for name, reason in getattr(schemas, "failures", {}).items():
        outcome.failures.setdefault(name, reason)
    return outcome
