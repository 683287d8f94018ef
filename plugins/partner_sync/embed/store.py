"""search.embeddings reads and writes: what is pending, stale rows out, batches in by binary COPY.

Texts and their sha256 are computed in SQL next to the data; Python only sees the texts that need a
vector, streamed from a server-side cursor, so memory does not grow with the table.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types import TypeInfo

from partner_sync.embed.texts import Entity
from partner_sync.sql_files import load_sql

BATCH_TABLE = """CREATE TEMP TABLE IF NOT EXISTS embed_batch (
    source_id TEXT, embedding_type TEXT, text_content TEXT, text_hash TEXT, embed_vector vector
) ON COMMIT DELETE ROWS"""
COPY_BATCH = ("COPY embed_batch (source_id, embedding_type, text_content, text_hash, embed_vector) "
              "FROM STDIN (FORMAT BINARY)")


def _compose(include_dir: Path, template: str, entity: Entity) -> sql.Composed:
    texts = sql.SQL(entity.texts_sql(include_dir))
    state = sql.SQL(load_sql(include_dir, "search/texts_state")).format(texts=texts)
    return sql.SQL(load_sql(include_dir, template)).format(texts=texts, state=state)


def column_dimension(conn: psycopg.Connection) -> int | None:
    """The declared dimension of search.embeddings.embed_vector (None when the table is missing)."""
    row = conn.execute("SELECT a.atttypmod FROM pg_attribute a WHERE a.attrelid = to_regclass('search.embeddings') "
                       "AND a.attname = 'embed_vector'").fetchone()
    return None if row is None or row[0] < 0 else int(row[0])


def pending_counts(conn: psycopg.Connection, include_dir: Path, entity: Entity, model: str) -> tuple[int, int, int]:
    """(texts, pending, new) for one table: pending = new + changed text + other model."""
    q = _compose(include_dir, "search/pending_count", entity)
    texts, pending, new = conn.execute(q, {"source_table": entity.table, "model": model}).fetchone()
    return int(texts), int(pending), int(new)


def delete_stale(conn: psycopg.Connection, include_dir: Path, entity: Entity) -> int:
    """Remove the embeddings (and their matches) of rows that left the core table; returns embeddings deleted."""
    with conn.transaction():
        conn.execute(_compose(include_dir, "search/stale", entity), {"source_table": entity.table})
        cur = conn.execute(load_sql(include_dir, "search/delete_stale"))
        while cur.nextset():  # three statements: the last one deletes the embeddings
            pass
        return max(cur.rowcount, 0)


def iter_pending(conn: psycopg.Connection, include_dir: Path, entity: Entity, model: str,
                 batch_size: int) -> Iterator[list[tuple[str, str, str, str, bool]]]:
    """Batches of (source_id, embedding_type, text, text_hash, is_new), shortest texts first.

    A named (server-side) cursor: only ``batch_size`` rows at a time travel to Python.
    """
    q = _compose(include_dir, "search/pending", entity)
    with conn.cursor(name=f"embed_pending_{entity.table}") as cur:
        cur.itersize = max(batch_size * 4, 256)
        cur.execute(q, {"source_table": entity.table, "model": model})
        while rows := cur.fetchmany(batch_size):
            yield rows


class BatchWriter:
    """Writes embedded batches on one connection: binary COPY into a temp table, then one upsert."""

    def __init__(self, conn: psycopg.Connection, include_dir: Path, entity: Entity, model: str):
        from pgvector.psycopg.vector import register_vector_info

        self.conn, self.entity, self.model = conn, entity, model
        self.upsert = load_sql(include_dir, "search/upsert_embeddings")
        info = TypeInfo.fetch(conn, "vector")
        if info is None:
            raise RuntimeError("the vector extension is missing in the warehouse: run `partner_sync migrate`")
        register_vector_info(conn, info)
        conn.execute(BATCH_TABLE)
        conn.commit()

    def write(self, rows: Sequence[tuple], vectors: np.ndarray) -> None:
        """One transaction per batch: a crash keeps what was written, and the next run skips it."""
        with self.conn.transaction():
            with self.conn.cursor().copy(COPY_BATCH) as copy:
                copy.set_types(["text", "text", "text", "text", "vector"])
                for row, vector in zip(rows, vectors):
                    copy.write_row((row[0], row[1], row[2], row[3], vector))
            self.conn.execute(self.upsert, {"source_table": self.entity.table, "model": self.model})


class BackgroundWriter:
    """Writes batches on a thread while the next batch is encoded: HNSW inserts cost about as much as
    encoding on a GPU, so doing both at once keeps the stage near the model's own speed. The queue is
    bounded (``depth`` batches), so memory stays flat whatever the table size."""

    def __init__(self, writer: BatchWriter, depth: int = 4):
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="embed-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.writer.write(*item)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self.error = exc

    def put(self, rows: Sequence[tuple], vectors: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((rows, vectors))

    def close(self, reraise: bool = True) -> None:
        """Wait for every queued batch; re-raise the first write error."""
        self.queue.put(None)
        self.thread.join()
        if reraise and self.error is not None:
            raise self.error
