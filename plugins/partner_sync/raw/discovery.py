"""Read a source's catalog: every column of every listed table with its exact PostgreSQL type.

Secrets never leave the source: columns excluded in the YAML or matching a secret pattern are left
out of the mirror, and discovery reports each one with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from partner_sync.raw import warehouse_types
from partner_sync.source_defs import SourceDef, TableDef, secret_pattern_in
from partner_sync.sql_files import load_sql

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


class DiscoveryError(LookupError):
    pass


class Discovered(dict):
    """Discovered tables (name -> TableSchema) and, in ``skipped``, the optional tables the source lacks with
    the reason (same shape as ``sources.base.Discovered`` of the API modes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failures: dict[str, str] = {}
        self.skipped: dict[str, str] = {}


def secret_reason(column: str, table: TableDef, patterns: tuple[str, ...]) -> str | None:
    """Why a column must not be mirrored, or None."""
    if column in table.exclude_columns:
        return "excluded in the source definition"
    if column in table.include_columns:
        return None
    pattern = secret_pattern_in(column, tuple(patterns))
    return None if pattern is None else f"matches secret pattern {pattern!r}"


def discover(conn: psycopg.Connection, source: SourceDef, include_dir, *, tables: list[str] | None = None,
             secret_patterns: tuple[str, ...] | None = None) -> "Discovered":
    """Discover the listed (default: enabled) tables; a table missing at the source is an error naming it,
    unless the YAML marks it optional (``skipped`` then says why)."""
    patterns = secret_patterns if secret_patterns is not None else source.secret_patterns
    wanted = [source.tables[t] for t in tables] if tables else source.enabled_tables
    params = {"schema": source.source_schema, "tables": [t.name for t in wanted]}
    with conn.pipeline():  # both catalog reads in one round trip
        columns_cur = conn.execute(load_sql(include_dir, "raw/discover_columns"), params)
        index_cur = conn.execute(load_sql(include_dir, "raw/source_indexes"), params)
        types_cur = conn.execute(load_sql(include_dir, "raw/column_types"), params)
    rows = columns_cur.fetchall()
    raw_types = warehouse_types.source_raw_types(types_cur.fetchall())
    by_table: dict[str, list[tuple]] = {}
    for row in rows:
        by_table.setdefault(row[0], []).append(row)
    unique_keys: dict[str, set[tuple[str, ...]]] = {}
    leading: dict[str, set[str]] = {}
    for table_name, plain_unique, columns, leading_column in index_cur.fetchall():
        if plain_unique:
            unique_keys.setdefault(table_name, set()).add(tuple(columns))
        leading.setdefault(table_name, set()).add(leading_column)
    missing = [t.name for t in wanted if t.name not in by_table and not t.optional]
    if missing:
        raise DiscoveryError(f"source {source.name}: table(s) not found at the source: {', '.join(missing)}")
    result = Discovered()
    for tdef in wanted:
        if tdef.optional and tdef.name not in by_table:
            result.skipped[tdef.name] = (f"optional table {tdef.name} not found at the source "
                                         f"(schema {source.source_schema}): skipped")
            continue
        columns, excluded = [], {}
        for _, name, _, data_type, source_type, nullable in by_table[tdef.name]:
            reason = secret_reason(name, tdef, patterns)
            if reason and name not in tdef.primary_key:
                excluded[name] = reason
                continue
            override = tdef.column_types.get(name)
            columns.append(Column(name, override or raw_types.get((tdef.name, name), data_type), nullable,
                                  source_type))
        names = {c.name for c in columns}
        bad_keys = [k for k in (*tdef.primary_key, *([tdef.cursor] if tdef.cursor else [])) if k not in names]
        if bad_keys:
            raise DiscoveryError(f"source {source.name}: table {tdef.name} has no column(s) "
                                 f"{', '.join(bad_keys)} named as primary key/cursor")
        result[tdef.name] = TableSchema(
            tdef.name, columns, tdef.primary_key, tdef.cursor, excluded,
            key_enforced=tuple(sorted(tdef.primary_key)) in unique_keys.get(tdef.name, set()),
            cursor_indexed=tdef.cursor is not None and tdef.cursor in leading.get(tdef.name, set()))
    return result
