"""What sources hand the raw loader, shared by both sides so neither imports the other (dlt's source/destination split).

``sources/`` readers produce ``TableSchema``s and read ``Window``s; ``raw/`` writes the warehouse from what a
``SourceReader`` gives it. The key fingerprint's SQL fragments live here too: the source and raw must hash
keys identically, or a fingerprint comparison would never match.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence

from psycopg import sql

# the same session settings on the source and the warehouse: text forms (timestamps, floats, bytea) compare
SESSION_SETTINGS = ("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
                    "SET extra_float_digits = 1; SET bytea_output = 'hex'")
TIME_TYPES = ("timestamp without time zone", "timestamp with time zone", "date")


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # the type the raw mirror uses (the source's exact type, or text for enums)
    nullable: bool = True
    source_type: str | None = None


@dataclass
class TableSchema:
    """One source table as discovered: mirrored columns, excluded columns and the key/cursor."""

    name: str
    columns: list[Column]
    primary_key: tuple[str, ...]
    cursor: str | None
    excluded: dict[str, str] = field(default_factory=dict)  # column -> reason
    key_enforced: bool = False  # a unique index at the source guarantees the key: no duplicate check
    cursor_indexed: bool = False  # an index at the source is led by the cursor: windows are cheap to read

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


class Discovered(dict):
    """Discovered tables (name -> TableSchema), plus the tables that could not be discovered and why.

    ``failures`` become failed tables of the raw-load stage (the others still load); ``skipped`` names
    tables this mode has no source for (logged, not loaded).
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.failures: dict[str, str] = {}
        self.skipped: dict[str, str] = {}


@dataclass(frozen=True)
class Window:
    """Bounds on the cursor column; both None means the whole table."""

    lower: object | None = None       # inclusive when from a data interval, exclusive from a watermark
    upper: object | None = None       # exclusive
    lower_inclusive: bool = False
    reason: str = "full"

    @property
    def is_full(self) -> bool:
        return self.lower is None and self.upper is None

    def where(self, cursor: str) -> sql.Composable:
        """The cursor condition with the bounds as literals (COPY statements cannot take parameters)."""
        parts = []
        if self.lower is not None:
            op = sql.SQL(">=" if self.lower_inclusive else ">")
            parts.append(sql.SQL("{} {} {}").format(sql.Identifier(cursor), op, sql.Literal(self.lower)))
        if self.upper is not None:
            parts.append(sql.SQL("{} < {}").format(sql.Identifier(cursor), sql.Literal(self.upper)))
        return sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")

    def as_dict(self) -> dict:
        return {"lower": str(self.lower) if self.lower is not None else None,
                "upper": str(self.upper) if self.upper is not None else None, "reason": self.reason}


def to_cursor_type(value: datetime, cursor_type: str) -> object:
    """Airflow intervals are aware UTC datetimes; Odoo's write_date is naive UTC."""
    if cursor_type == "timestamp without time zone" and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if cursor_type == "timestamp with time zone" and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    if cursor_type == "date":
        return value.date()
    return value


# -- key SQL, identical on both sides ------------------------------------------------------------
def key_text(schema: TableSchema, alias: str) -> sql.Composable:
    """The key as one text (composite keys comma-joined): what quarantine and errors name."""
    keys = [sql.SQL("{}.{}::text").format(sql.Identifier(alias), sql.Identifier(k)) for k in schema.primary_key]
    return keys[0] if len(keys) == 1 else sql.SQL("concat_ws(',', {})").format(sql.SQL(", ").join(keys))


def key_hash(schema: TableSchema, alias: str) -> sql.Composable:
    """A 64-bit hash of the key: integer keys hash as integers (no text cast), others as text. Decided on the
    discovered type, the same for source and raw (drift may only widen an integer to an integer)."""
    keys = schema.primary_key
    if len(keys) == 1 and schema.column(keys[0]).data_type in ("smallint", "integer", "bigint"):
        return sql.SQL("hashint8extended({}.{}::int8, 0)").format(sql.Identifier(alias), sql.Identifier(keys[0]))
    return sql.SQL("hashtextextended({}, 0)").format(key_text(schema, alias))


def null_key(schema: TableSchema, alias: str) -> sql.Composable:
    return sql.SQL(" OR ").join(sql.SQL("{}.{} IS NULL").format(sql.Identifier(alias), sql.Identifier(k))
                                for k in schema.primary_key)


# -- what a reader offers the loader --------------------------------------------------------------
class TableSnapshot(Protocol):
    """One consistent read of one source table (a database source's snapshot): the COPY-out streams, the key
    fingerprint and the window's (key, cursor) pairs all see the same data."""

    def copy_rows(self, window: Window, *, binary: bool, only_keys: list[tuple] | None = None,
                  batch_id: str | None = None, casts: dict[str, str] | None = None
                  ) -> AbstractContextManager[Iterable[bytes]]:
        """COPY ... TO STDOUT of the window's rows (``batch_id``: appended as a last uuid column; ``casts``:
        column -> raw type, cast at the source so a binary stream matches raw)."""

    def copy_keys(self, *, binary: bool) -> AbstractContextManager[Iterable[bytes]]:
        """COPY ... TO STDOUT of every non-null key (the key scan of deletion detection)."""

    def key_fingerprint(self) -> tuple[int, Any]:
        """(count, sum of key hashes) of every non-null key: equal to raw's means the same key set."""

    def window_pairs(self, window: Window, limit: int) -> tuple[int, str | None, str | None, bool]:
        """(rows, newest cursor, JSON [[key..., cursor]...], any null key) of at most ``limit`` window rows."""

    def failed(self) -> bool:
        """Whether the source transaction failed: the error at hand came from the source."""

    def duplicate_keys(self, window: Window) -> list[tuple]:
        """Keys of the window's rows that the whole table holds more than once (key not enforced)."""

    def text_matches(self, window: Window, columns: list[str], pattern: str) -> bool:
        """Whether a window row has one of ``columns`` whose text matches ``pattern`` (case-insensitive regex)."""

    def row_hashes(self, raw_types: dict[str, str], after: tuple | None, limit: int) -> Iterator[tuple]:
        """(key..., md5 of the row cast to the raw types) of the next ``limit`` keys after ``after``."""


class SourceReader(Protocol):
    """One source, opened for one run (or one Airflow task) and closed by whoever opened it.

    ``snapshot`` is the capability split: a database source returns a ``TableSnapshot`` (binary COPY, key
    fingerprint, window pairs), an API source returns None and serves ``rows``/``keys`` instead.
    """

    mode: str
    connection_id: str  # the connection it reads with (named in errors, never its password)

    def discover(self, tables: list[str] | None = None) -> Discovered:
        """The listed (default: enabled) tables with their raw column types."""

    def overlap(self, configured: timedelta) -> timedelta:
        """How far before the watermark an incremental run re-reads (clock skew, long transactions)."""

    def window(self, wh: Any, table: str, window: Window) -> Window:
        """Adjust the stored-watermark window for this source (default: as given)."""

    def snapshot(self, schema: TableSchema) -> AbstractContextManager[TableSnapshot | None]:
        """A consistent SQL read of the table, or None when this source has no SQL access (rows() instead)."""

    def rows(self, table: str, window: Window, schema: TableSchema | None = None) -> Iterator[Mapping[str, Any]]:
        """Rows whose cursor lies in ``window`` (lower exclusive unless ``lower_inclusive``), lazily, with
        the columns of ``schema`` (the discovered one; None: the reader describes the table itself)."""

    def keys(self, table: str) -> Iterator[Sequence[Any]] | None:
        """Every current key of ``table`` (deletion detection), or None when the source cannot list them."""

    def notes(self, table: str) -> dict[str, Any]:
        """What the last ``rows`` call of ``table`` wants recorded with the load (requests, stops ...)."""

    def close(self) -> None:
        ...


def no_snapshot() -> AbstractContextManager[None]:
    """What an API reader's ``snapshot`` returns: explicitly no SQL access to the source."""
    from contextlib import nullcontext

    return nullcontext(None)


__all__ = ["SESSION_SETTINGS", "TIME_TYPES", "Column", "TableSchema", "Discovered", "Window", "to_cursor_type",
           "key_text", "key_hash", "null_key", "TableSnapshot", "SourceReader", "no_snapshot"]
