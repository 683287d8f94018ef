"""Per-table change-cursor state and the window each run reads.

Incremental runs read ``cursor > watermark - overlap`` (overlap survives clock skew and long source
transactions); an Airflow run reads its data interval ``[start - overlap, end)`` so a backfill of past
dates re-reads exactly the rows changed then. The watermark only moves forward, in the same
transaction as the rows it describes.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import psycopg
from psycopg import sql

from partner_sync.contracts import TIME_TYPES, Window, to_cursor_type
from partner_sync.sql_files import load_sql

__all__ = ["BEYOND", "Window", "advance_watermark", "compute_window", "read_watermark", "to_cursor_type"]


def read_watermark(conn: psycopg.Connection, include_dir, source: str, table: str) -> str | None:
    row = conn.execute(load_sql(include_dir, "raw/read_watermark"),
                       {"source_system": source, "table_name": table}).fetchone()
    return row[0] if row else None


BEYOND = "stored watermark beyond now + tolerance"


def compute_window(conn: psycopg.Connection, include_dir, source: str, table: str, cursor: str | None,
                   cursor_type: str | None, *, full: bool, overlap: timedelta,
                   data_interval: tuple[datetime, datetime] | None, upper_bound: datetime | None = None,
                   future_tolerance: timedelta | None = None) -> Window:
    """The cursor window for this table and run.

    ``data_interval`` (a backfill) reads exactly ``[start - overlap, end)``; ``upper_bound`` (a scheduled
    run) keeps the watermark as the lower edge, so a skipped day is never a gap, and stops at the run's end.
    """
    if full or cursor is None:
        return Window(reason="full refresh" if full else "no cursor column: full read")
    is_time = cursor_type in TIME_TYPES
    if data_interval is not None:
        if not is_time:
            raise ValueError(f"table {table}: a data interval needs a timestamp cursor, {cursor} is {cursor_type}")
        start, end = data_interval
        return Window(to_cursor_type(start - overlap, cursor_type), to_cursor_type(end, cursor_type),
                      lower_inclusive=True, reason="data interval")
    upper = to_cursor_type(upper_bound, cursor_type) if upper_bound is not None and is_time else None
    mark = read_watermark(conn, include_dir, source, table)
    if mark is None:
        return Window(None, upper, reason="first load: full read")
    if is_time and future_tolerance is not None:  # one round trip: the value, unless it lies beyond the cap
        lower, beyond = conn.execute(sql.SQL("SELECT CASE WHEN %(m)s::{0}::timestamptz > now() + %(t)s::interval "
                                             "THEN NULL ELSE %(m)s::{0} END, %(m)s::{0}::timestamptz > now() + "
                                             "%(t)s::interval").format(sql.SQL(cursor_type)),
                                     {"m": mark, "t": future_tolerance}).fetchone()
        if beyond:  # stored before cursor values were capped: reading from it would skip every change (or fail)
            return Window(None, upper, reason=f"{BEYOND} ({mark}): ignored, full read, watermark reset")
    else:
        lower = conn.execute(sql.SQL("SELECT %s::{}").format(sql.SQL(cursor_type)), (mark,)).fetchone()[0]
    if is_time and cursor_type != "date":
        lower = lower - overlap
    return Window(lower, upper, reason=f"watermark {mark} minus overlap {overlap}" if is_time else f"watermark {mark}")


def advance_watermark(conn: psycopg.Connection, include_dir, source: str, table: str, cursor: str,
                      cursor_type: str, staged_max: str | None, job_id: uuid.UUID, *, reset: bool = False) -> None:
    """Move the watermark to ``staged_max`` when that is newer (backfills never move it back); ``reset``
    (a full read of the whole table) sets it to ``staged_max`` whatever was stored."""
    if staged_max is None:
        return
    conn.execute(sql.SQL(load_sql(include_dir, "raw/advance_watermark")).format(cursor_type=sql.SQL(cursor_type)),
                 {"source_system": source, "table_name": table, "cursor_column": cursor,
                  "cursor_type": cursor_type, "watermark": staged_max, "job_id": job_id, "reset": reset})
