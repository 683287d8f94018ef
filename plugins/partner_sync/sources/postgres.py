"""An Odoo or APN source read straight from its PostgreSQL database."""

from __future__ import annotations

from partner_sync.config import ConnSpec
from partner_sync.database import RetryPolicy, connect


class SourceTableMissing(LookupError):
    pass


def missing_tables(conn: ConnSpec, tables: list[str], schema: str = "public", *,
                   retry: RetryPolicy | None = None) -> list[str]:
    """Tables listed in the source definition that the source database does not have."""
    with connect(conn, retry=retry) as c:
        present = {r[0] for r in c.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name = ANY(%s)",
            (schema, tables)).fetchall()}
    return [t for t in tables if t not in present]


def check_source(conn: ConnSpec, source_name: str, tables: list[str], *, retry: RetryPolicy | None = None) -> int:
    """Fail clearly, naming every missing table, before any stage reads the source; returns tables checked."""
    missing = missing_tables(conn, tables, retry=retry)
    if missing:
        raise SourceTableMissing(f"source {source_name} ({conn.masked}): table(s) not found: {', '.join(missing)}")
    return len(tables)
