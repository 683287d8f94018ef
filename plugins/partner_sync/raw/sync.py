"""A source's extract and raw-load stages: discover every table, then load each in its own transaction.

One table failing (drift refused, busy, bad key) does not stop the others; the stage fails at the end,
naming every failed table, while the tables that loaded stay loaded.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from partner_sync.config import Settings
from partner_sync.database import DatabaseUnavailable, RetryPolicy, connect
from partner_sync.logs import kv
from partner_sync.raw.discovery import TableSchema, discover
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


def discover_source(settings: Settings, source: SourceDef, tables: list[str] | None = None
                    ) -> dict[str, TableSchema]:
    """Connect (with retry) and read the source catalog for the listed tables."""
    with connect(settings.conn(source.connection_id), retry=RetryPolicy.from_settings(settings)) as conn:
        return discover(conn, source, settings.include_dir, tables=tables)


def load_options(settings: Settings, *, full: bool = False,
                 data_interval: tuple[datetime, datetime] | None = None,
                 upper_bound: datetime | None = None) -> LoadOptions:
    return LoadOptions(full=full, overlap=timedelta(minutes=settings.cursor_overlap_minutes),
                       data_interval=data_interval, upper_bound=upper_bound,
                       lock_wait_seconds=settings.lock_wait_seconds)


def sync_tables(settings: Settings, source: SourceDef, schemas: dict[str, TableSchema], job_id: uuid.UUID,
                options: LoadOptions) -> SyncOutcome:
    """Load every discovered table; collect failures per table instead of stopping at the first."""
    outcome = SyncOutcome()
    source_conn, warehouse = settings.conn(source.connection_id), settings.conn("warehouse_db")
    for n, (name, schema) in enumerate(schemas.items(), 1):
        log.info(kv("load.start", source=source.name, table=name, n=f"{n}/{len(schemas)}", job=job_id))
        try:
            outcome.loads.append(load_table(source_conn, warehouse, source.name, schema,
                                            raw_table=source.raw_table(name), job_id=job_id,
                                            include_dir=settings.include_dir, options=options,
                                            source_schema=source.source_schema))
        except DatabaseUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - one table's failure is reported, the others go on
            outcome.failures[name] = str(exc).strip()
            log.error(kv("load.failed", source=source.name, table=name, job=job_id, error=str(exc).splitlines()[0]))
    return outcome
