"""The embed stage: only new or changed texts are embedded; rows gone from core lose their vectors.

A text is embedded again when its sha256 or the model name differs from what search.embeddings
holds, so a no-change run reads hashes and loads no model at all, and a new model re-embeds everything.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

from partner_sync.config import Settings
from partner_sync.database import Database, connect
from partner_sync.embed.base import Embedder, check_dimension
from partner_sync.embed.factory import get_embedder
from partner_sync.embed.store import (BackgroundWriter, BatchWriter, column_dimension, delete_stale, iter_pending,
                                      pending_counts)
from partner_sync.embed.texts import Entity, entities_for_source
from partner_sync.logs import kv

if TYPE_CHECKING:
    from partner_sync.run_request import RunRequest, RunResources, StageResult

log = logging.getLogger(__name__)


@dataclass
class TableReport:
    table: str
    texts: int = 0  # texts the core table has now
    embedded: int = 0
    inserted: int = 0  # texts seen for the first time
    updated: int = 0  # changed text or other model
    deleted: int = 0  # embeddings of rows that left core
    seconds: float = 0.0
    encode_seconds: float = 0.0

    @property
    def texts_per_s(self) -> float:
        return round(self.embedded / self.seconds, 1) if self.seconds and self.embedded else 0.0


@dataclass
class EmbedReport:
    model: str
    tables: list[TableReport] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        keys = ("texts", "embedded", "inserted", "updated", "deleted")
        return {k: sum(getattr(t, k) for t in self.tables) for k in keys}

    def as_detail(self) -> dict[str, Any]:
        """The stage's journal entry (ops.sync_jobs.config->'stages'->'embed')."""
        t = self.totals()
        return {"model": self.model, "tables": {r.table: {**asdict(r), "texts_per_s": r.texts_per_s}
                                                for r in self.tables},
                "totals": t, "counts": {"processed": t["embedded"], "inserted": t["inserted"],
                                        "updated": t["updated"]}}


EmbedderFactory = Callable[[Settings], Embedder]


def embed_table(settings: Settings, db: Database, entity: Entity,
                factory: EmbedderFactory = get_embedder) -> TableReport:
    """Bring one table's embeddings up to date; the model is loaded only when some text needs it."""
    with table_lock(settings, entity):
        return _embed_table(settings, db, entity, factory)


@contextmanager
def table_lock(settings: Settings, entity: Entity) -> Iterator[None]:
    """One embed run per table at a time: a second run waits, then finds nothing pending (else both would
    embed the same texts). A session lock on its own connection, so a killed run releases it at once."""
    key = f"search.embeddings:{entity.table}"
    with connect(settings.conn("warehouse_db"), autocommit=True) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)).fetchone()[0]:
            log.info(kv("embed.wait", table=entity.table, reason="another embed run holds this table"))
            conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
        yield


def _embed_table(settings: Settings, db: Database, entity: Entity, factory: EmbedderFactory) -> TableReport:
    started = time.monotonic()
    inc = settings.include_dir
    model = settings.embedding_model
    report = TableReport(entity.table)
    with db.get_connection() as conn:
        report.deleted = delete_stale(conn, inc, entity)
        report.texts, pending, report.inserted = pending_counts(conn, inc, entity, model)
    report.updated = pending - report.inserted
    if pending == 0:
        report.seconds = round(time.monotonic() - started, 3)
        log.info(kv("embed.table", table=entity.table, texts=report.texts, embedded=0, deleted=report.deleted,
                    seconds=report.seconds))
        return report
    embedder = factory(settings)
    with db.get_connection() as read_conn, db.get_connection() as write_conn:
        check_dimension(embedder, column_dimension(write_conn), settings.embedding_dim)
        writer = BackgroundWriter(BatchWriter(write_conn, inc, entity, embedder.name))
        loop_start = time.monotonic()
        try:
            for rows in iter_pending(read_conn, inc, entity, embedder.name, settings.embedding_batch_size):
                t0 = time.monotonic()
                vectors = embedder.embed([r[2] for r in rows])
                report.encode_seconds += time.monotonic() - t0
                writer.put(rows, vectors)
                report.embedded += len(rows)
                elapsed = time.monotonic() - loop_start
                log.info(kv("embed.batch", table=entity.table, done=f"{report.embedded}/{pending}",
                            texts_per_s=round(report.embedded / elapsed, 1) if elapsed else 0))
        except BaseException:
            writer.close(reraise=False)
            raise
        writer.close()
    report.seconds = round(time.monotonic() - started, 3)
    report.encode_seconds = round(report.encode_seconds, 3)
    log.info(kv("embed.table", table=entity.table, texts=report.texts, embedded=report.embedded,
                inserted=report.inserted, updated=report.updated, deleted=report.deleted, seconds=report.seconds,
                texts_per_s=report.texts_per_s, model=embedder.name))
    return report


def embed_entities(settings: Settings, db: Database, entities: list[Entity],
                   factory: EmbedderFactory = get_embedder) -> EmbedReport:
    report = EmbedReport(settings.embedding_model)
    for entity in entities:
        report.tables.append(embed_table(settings, db, entity, factory))
    return report


def run_embed_stage(request: "RunRequest", res: "RunResources", earlier: Any = None) -> "StageResult":
    """The embed stage (``partner_sync.pipeline.STAGE_FUNCTIONS``): the source's own core tables."""
    from partner_sync.run_request import StageResult

    entities = entities_for_source(request.source.name, res.settings.include_dir)
    if not entities:
        return StageResult("embed", "noop", notes={"reason": f"source {request.source.name} has no core tables "
                                                             "to embed"})
    detail = embed_entities(res.settings, res.warehouse, entities).as_detail()
    counts = detail.pop("counts")
    return StageResult("embed", notes=detail, counts=counts)
