"""What landed: tables and exact row counts per schema, for ``make demo`` and ``partner_sync summary``."""

from __future__ import annotations

from psycopg import sql

from partner_sync.config import ConnSpec
from partner_sync.database import connect

_SCHEMAS = ("raw", "core", "ops", "search")


def row_counts(conn_spec: ConnSpec | str, schemas: tuple[str, ...] = _SCHEMAS) -> list[tuple[str, str, int]]:
    """(schema, table, exact row count) for every table of ``schemas``."""
    out = []
    with connect(conn_spec) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = ANY(%s) AND table_type = 'BASE TABLE' ORDER BY 1, 2", (list(schemas),)).fetchall()
        for schema, table in tables:
            n = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))).fetchone()[0]
            out.append((schema, table, n))
    return out
