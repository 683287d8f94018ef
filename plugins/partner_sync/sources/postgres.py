"""The database mode: a PostgreSQL source read with SQL (catalog discovery, binary COPY-out, key fingerprint).

The reader owns the run's one source connection (each new connection costs a server process and cold catalog
caches, which dominated small incremental runs); discovery and every table's snapshot share it. Every
source-side statement is a template under ``include/sql/sources/postgres/``; the raw loader only writes the
warehouse from what a snapshot streams.

Secrets never leave the source: columns excluded in the YAML or matching a secret pattern are left out of
the mirror, and discovery reports each one with the reason.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any, Iterable, Iterator

import psycopg
from psycopg import sql

from partner_sync.contracts import (SESSION_SETTINGS, Column, Discovered, TableSchema, Window, key_hash, null_key,
                                    to_cursor_type)
from partner_sync.database import RetryPolicy, connect
from partner_sync.logs import kv
from partner_sync.source_defs import SourceDef, secret_reason
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)
TEMPLATES = "sources/postgres"


class DiscoveryError(LookupError):
    pass


def _tmpl(include_dir: Any, name: str, **parts: sql.Composable) -> sql.Composed:
    return sql.SQL(load_sql(include_dir, f"{TEMPLATES}/{name}")).format(**parts)


def raw_type(kind: str, resolved: str, is_array: bool) -> str:
    """The raw column type for one source column, from its catalog facts (``discover_columns.sql``).

    ``kind`` is the typtype of the column's type after resolving arrays and domains: ``e`` enum, ``c``
    composite, ``p`` pseudo, anything else a type kept by name (``resolved``, format_type spelling).
    """
    base = "text" if kind in ("e", "c", "p") else resolved
    return f"{base}[]" if is_array and not base.endswith("[]") else base


def source_raw_types(catalog_rows) -> dict[tuple[str, str], str]:
    """(table, column) -> raw type, from the rows of ``discover_columns.sql``."""
    return {(table, column): raw_type(kind, resolved, is_array)
            for table, column, _, _, _, kind, resolved, is_array in catalog_rows}


def raw_column_type(data_type: str, override: str | None) -> str:
    """The raw mirror's type for a discovered column: the YAML override, else what discovery mapped
    (``discover_columns.sql``: enums -> text, arrays of them -> text[], domains -> their base type, recursively)."""
    return override or data_type


def discover(conn: psycopg.Connection, source: SourceDef, include_dir: Any, *, tables: list[str] | None = None,
             secret_patterns: tuple[str, ...] | None = None) -> Discovered:
    """Discover the listed (default: enabled) tables; any table that cannot be discovered is an error naming
    it (the reader's ``discover`` reports such tables per table instead)."""
    found = discover_tables(conn, source, include_dir, tables=tables, secret_patterns=secret_patterns)
    missing = [t for t, why in found.failures.items() if why.endswith(NOT_FOUND)]
    if missing:
        raise DiscoveryError(f"source {source.name}: table(s) not found at the source: {', '.join(missing)}")
    if found.failures:
        raise DiscoveryError("; ".join(found.failures.values()))
    return found


NOT_FOUND = "not found at the source (renamed, dropped, or not visible to this user?)"


def discover_tables(conn: psycopg.Connection, source: SourceDef, include_dir: Any, *,
                    tables: list[str] | None = None, secret_patterns: tuple[str, ...] | None = None) -> Discovered:
    """Discover the listed (default: enabled) tables; a table missing at the source, or without its key or
    cursor column, is a failure of that table only (``Discovered.failures``), the others are discovered."""
    patterns = secret_patterns if secret_patterns is not None else source.secret_patterns
    wanted = [source.tables[t] for t in tables] if tables else source.enabled_tables
    params = {"schema": source.source_schema, "tables": [t.name for t in wanted]}
    with conn.pipeline():  # the catalog reads in one round trip
        columns_cur = conn.execute(load_sql(include_dir, f"{TEMPLATES}/discover_columns"), params)
        index_cur = conn.execute(load_sql(include_dir, f"{TEMPLATES}/table_indexes"), params)
    rows = columns_cur.fetchall()
    raw_types = source_raw_types(rows)
    by_table: dict[str, list[tuple]] = {}
    for row in rows:
        by_table.setdefault(row[0], []).append(row)
    unique_keys: dict[str, set[tuple[str, ...]]] = {}
    leading: dict[str, set[str]] = {}
    for table_name, plain_unique, columns, leading_column in index_cur.fetchall():
        if plain_unique:
            unique_keys.setdefault(table_name, set()).add(tuple(columns))
        leading.setdefault(table_name, set()).add(leading_column)
    result = Discovered()
    for tdef in wanted:
        if tdef.name not in by_table and tdef.optional:
            result.skipped[tdef.name] = (f"optional table {tdef.name} not found at the source "
                                         f"(schema {source.source_schema}): skipped")
            continue
        if tdef.name not in by_table:
            result.failures[tdef.name] = f"source {source.name}: table {tdef.name} {NOT_FOUND}"
            continue
        columns, excluded = [], {}
        for _, name, _, source_type, nullable, *_ in by_table[tdef.name]:
            reason = secret_reason(name, tdef, patterns)
            if reason and name not in tdef.primary_key:
                excluded[name] = reason
                continue
            columns.append(Column(name, raw_column_type(raw_types[(tdef.name, name)],
                                                         tdef.column_types.get(name)), nullable, source_type))
        names = {c.name for c in columns}
        bad_keys = [k for k in (*tdef.primary_key, *([tdef.cursor] if tdef.cursor else [])) if k not in names]
        if bad_keys:
            result.failures[tdef.name] = (f"source {source.name}: table {tdef.name} has no column(s) "
                                          f"{', '.join(bad_keys)} named as primary key/cursor (dropped or renamed "
                                          "at the source? fix the source YAML)")
            continue
        result[tdef.name] = TableSchema(
            tdef.name, columns, tdef.primary_key, tdef.cursor, excluded,
            key_enforced=tuple(sorted(tdef.primary_key)) in unique_keys.get(tdef.name, set()),
            cursor_indexed=tdef.cursor is not None and tdef.cursor in leading.get(tdef.name, set()))
    return result


class PostgresSnapshot:
    """One table read in one REPEATABLE READ, read-only transaction of the reader's connection."""

    def __init__(self, conn: psycopg.Connection, schema: TableSchema, source_schema: str, include_dir: Any):
        self.conn, self.schema, self.include_dir = conn, schema, include_dir
        self.table = sql.Identifier(source_schema, schema.name)
        self.cols = sql.SQL(", ").join(map(sql.Identifier, schema.column_names))
        self.key_cols = sql.SQL(", ").join(map(sql.Identifier, schema.primary_key))

    def select(self, window: Window, only_keys: list[tuple] | None = None, batch_id: str | None = None,
               casts: dict[str, str] | None = None) -> sql.Composed:
        """The window's rows (or only the listed keys) as a SELECT; ``casts`` (column -> raw type) casts those
        columns at the source, so a binary stream matches raw's types (enum -> text, kept-wider columns)."""
        cond = window.where(self.schema.cursor) if self.schema.cursor else sql.SQL("TRUE")
        if only_keys is not None:
            keys = sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Literal, k)))
                                      for k in only_keys)
            cond = sql.SQL("({}) IN ({})").format(self.key_cols, keys) if only_keys else sql.SQL("FALSE")
        extra = sql.SQL(", {}::uuid").format(sql.Literal(batch_id)) if batch_id else sql.SQL("")
        cols = self.cols
        if casts:
            cols = sql.SQL(", ").join(
                sql.SQL("{0}::{1} AS {0}").format(sql.Identifier(c), sql.SQL(casts[c])) if c in casts
                else sql.Identifier(c) for c in self.schema.column_names)
        return _tmpl(self.include_dir, "select_rows", cols=cols, extra=extra, table=self.table, condition=cond)

    @contextmanager
    def _copy_out(self, select: sql.Composable, binary: bool, savepoint: bool = False) -> Iterator[Iterable[bytes]]:
        fmt = sql.SQL(" (FORMAT BINARY)") if binary else sql.SQL("")
        with (self.conn.transaction() if savepoint else nullcontext()), self.conn.cursor() as cur, \
                cur.copy(sql.SQL("COPY ({}) TO STDOUT{}").format(select, fmt)) as out:
            yield out

    def copy_rows(self, window: Window, *, binary: bool, only_keys: list[tuple] | None = None,
                  batch_id: str | None = None, casts: dict[str, str] | None = None):
        # in a savepoint: a cast that refuses a value (a YAML type override), or a stream the warehouse side
        # broke off (cancelled at the source), leaves the snapshot usable for the loader's validating fallback
        return self._copy_out(self.select(window, only_keys, batch_id, casts), binary, savepoint=True)

    def copy_keys(self, *, binary: bool):
        return self._copy_out(_tmpl(self.include_dir, "select_keys", key_cols=self.key_cols, table=self.table,
                                    null_key=null_key(self.schema, "s")), binary)

    def key_fingerprint(self) -> tuple[int, Any]:
        cur = self.conn.execute(_tmpl(self.include_dir, "key_fingerprint", key_hash=key_hash(self.schema, "s"),
                                      table=self.table, null_key=null_key(self.schema, "s")))
        cur.nextset()
        count, total = cur.fetchone()
        return count, total

    def window_pairs(self, window: Window, limit: int) -> tuple[int, str | None, str | None, bool]:
        cursor = self.schema.cursor
        names = list(dict.fromkeys([*self.schema.primary_key, cursor]))
        return self.conn.execute(_tmpl(
            self.include_dir, "window_pairs", cursor=sql.Identifier(cursor), null_key=null_key(self.schema, "s"),
            table=self.table, window=window.where(cursor), limit=sql.Literal(limit),
            cols=sql.SQL(", ").join(map(sql.Identifier, names)),
            pair=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in names))).fetchone()

    def failed(self) -> bool:
        return self.conn.closed or self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR

    def duplicate_keys(self, window: Window) -> list[tuple]:
        cond = window.where(self.schema.cursor) if self.schema.cursor else sql.SQL("TRUE")
        return [tuple(r) for r in self.conn.execute(_tmpl(
            self.include_dir, "duplicate_keys", key_cols=self.key_cols, table=self.table, window=cond,
            null_key=null_key(self.schema, "s")))]

    def text_matches(self, window: Window, columns: list[str], pattern: str) -> bool:
        """True when a row in ``window`` has one of ``columns`` whose text matches ``pattern`` (case-insensitive)."""
        cond = window.where(self.schema.cursor) if self.schema.cursor else sql.SQL("TRUE")
        matches = sql.SQL(" OR ").join(sql.SQL("{}::text ~* {}").format(sql.Identifier(c), sql.Literal(pattern))
                                       for c in columns)
        return bool(self.conn.execute(_tmpl(self.include_dir, "text_matches", table=self.table, window=cond,
                                            matches=matches)).fetchone()[0])

    def row_hashes(self, raw_types: dict[str, str], after: tuple | None, limit: int) -> Iterator[tuple]:
        cols = [c for c in self.schema.column_names if c in raw_types]
        cast_cols = sql.SQL(", ").join(sql.SQL("{}::{}").format(sql.Identifier(c), sql.SQL(raw_types[c]))
                                       for c in cols)
        after_sql = (sql.SQL("WHERE ({}) > ({})").format(self.key_cols, sql.SQL(", ").join(map(sql.Literal, after)))
                     if after else sql.SQL(""))
        return iter(self.conn.execute(_tmpl(self.include_dir, "row_hashes", key_cols=self.key_cols,
                                            cast_cols=cast_cols, table=self.table, after=after_sql,
                                            limit=sql.Literal(limit))))


class PostgresStats:
    """What the row_count and freshness checks ask the source itself, as of the run's upper bound."""

    def __init__(self, conn: psycopg.Connection, source_schema: str, include_dir: Any):
        self.conn, self.source_schema, self.include_dir = conn, source_schema, include_dir

    def _before(self, table: sql.Identifier, column: str | None, as_of: datetime | None
                ) -> tuple[sql.Composable, dict]:
        """``column < as_of`` in the column's own type (exclusive, like a load's window), or TRUE."""
        if as_of is None or not column:
            return sql.SQL("TRUE"), {}
        col_type = self.column_type(table, column)
        return sql.SQL("{} < %(as_of)s").format(sql.Identifier(column)), {"as_of": to_cursor_type(as_of, col_type)}

    def column_type(self, table: sql.Identifier, column: str) -> str:
        row = self.conn.execute(load_sql(self.include_dir, f"{TEMPLATES}/column_type"),
                                {"table": table.as_string(self.conn), "column": column}).fetchone()
        if row is None:
            raise psycopg.errors.UndefinedColumn(f"column {column} of {table.as_string(self.conn)} does not exist")
        return row[0]

    def count(self, table: str, created: str | None, as_of: datetime | None) -> int:
        ident = sql.Identifier(self.source_schema, table)
        before, params = self._before(ident, created, as_of)
        return self.conn.execute(_tmpl(self.include_dir, "count_before", table=ident, before=before),
                                 params).fetchone()[0]

    def freshness(self, table: str, cursor: str, as_of: datetime | None, newest_raw: str | None
                  ) -> tuple[str | None, int]:
        """(newest cursor at the source, source rows newer than ``newest_raw``), both before ``as_of``."""
        ident = sql.Identifier(self.source_schema, table)
        before, params = self._before(ident, cursor, as_of)
        newer = sql.SQL("TRUE")
        if newest_raw is not None:
            newer = sql.SQL("{} > %(newest_raw)s::{}").format(sql.Identifier(cursor),
                                                             sql.SQL(self.column_type(ident, cursor)))
            params["newest_raw"] = newest_raw
        return tuple(self.conn.execute(_tmpl(self.include_dir, "freshness", cursor=sql.Identifier(cursor),
                                             table=ident, before=before, newer=newer), params).fetchone())

    def rollback(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()


class PostgresReader:
    """Reads a PostgreSQL source with SQL: one connection for the whole run, one snapshot per table."""

    mode = "database"

    def __init__(self, source: SourceDef, conn_spec: Any, include_dir: Any, *, retry: RetryPolicy | None = None,
                 conn: psycopg.Connection | None = None):
        self.source, self.include_dir = source, include_dir
        self._spec, self._retry = conn_spec, retry
        self._conn = conn
        self._borrowed = conn is not None

    @property
    def connection_id(self) -> str:
        return self.source.connection_id

    @classmethod
    def from_settings(cls, settings: Any, source: SourceDef) -> "PostgresReader":
        return cls(source, settings.conn(source.connection_id), settings.include_dir,
                   retry=RetryPolicy.from_settings(settings))

    def connection(self) -> psycopg.Connection:
        """The source connection: opened on first use with the configured retry, reopened if it broke."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._borrowed:
                raise psycopg.OperationalError(f"source {self.source.name}: the borrowed connection is closed")
            self.close()
            self._conn = connect(self._spec, retry=self._retry)
        return self._conn

    @property
    def open_connection(self) -> psycopg.Connection | None:
        """The source connection if one is open (to name the side of a lost connection), never opening one."""
        return self._conn

    def discover(self, tables: list[str] | None = None) -> Discovered:
        conn = self.connection()
        try:
            found = discover_tables(conn, self.source, self.include_dir, tables=tables)
        finally:
            if not conn.broken:
                conn.rollback()  # a load starts its own snapshot
        missing = [t for t, why in found.failures.items() if why.endswith(NOT_FOUND)]
        if missing and not found:  # not one table there: the connection points at the wrong database
            raise DiscoveryError(f"source {self.source.name}: table(s) not found at the source: {', '.join(missing)} "
                                 f"(none of its tables exists: does connection {self.source.connection_id} point "
                                 "at the right database and schema?)")
        for table, reason in found.failures.items():
            log.error(kv("discover.failed", source=self.source.name, table=table, error=reason))
        return found

    def overlap(self, configured: timedelta) -> timedelta:
        return configured

    def window(self, wh: Any, table: str, window: Window) -> Window:
        return window

    @contextmanager
    def snapshot(self, schema: TableSchema) -> Iterator[PostgresSnapshot]:
        """Rows, keys and window pairs of one table from one snapshot; rolled back (read-only) at the end."""
        conn = self.connection()
        conn.rollback()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute(SESSION_SETTINGS)
        try:
            yield PostgresSnapshot(conn, schema, self.source.source_schema, self.include_dir)
        finally:
            if not conn.closed and not conn.broken:
                conn.rollback()

    def rows(self, table: str, window: Window, schema: TableSchema | None = None) -> Iterator[tuple]:
        """The window's rows as tuples through a server-side cursor (the loader streams COPY instead)."""
        schema = schema or self.discover([table])[table]
        with self.snapshot(schema) as snap, self.connection().cursor(name=f"rows_{table}") as cur:
            cur.execute(snap.select(window))
            yield from cur

    def keys(self, table: str) -> Iterator[tuple]:
        """Every non-null key through a server-side cursor (the loader compares fingerprints and COPYs)."""
        schema = self.discover([table])[table]
        with self.snapshot(schema) as snap, self.connection().cursor(name=f"keys_{table}") as cur:
            cur.execute(_tmpl(self.include_dir, "select_keys", key_cols=snap.key_cols, table=snap.table,
                              null_key=null_key(schema, "s")))
            yield from cur

    def notes(self, table: str) -> dict[str, Any]:
        return {}

    def source_stats(self) -> PostgresStats:
        """Source-side counts for the checks (row_count, freshness) on the reader's connection."""
        return PostgresStats(self.connection(), self.source.source_schema, self.include_dir)

    def close(self) -> None:
        if self._conn is not None and not self._borrowed:
            self._conn.close()
        self._conn = None


__all__ = ["DiscoveryError", "PostgresReader", "PostgresSnapshot", "PostgresStats", "discover", "discover_tables", "raw_column_type"]
