"""Rows that arrive as Python values (API sources) on their way into the text staging table.

PostgreSQL text cannot hold a NUL byte, so such a value is caught here, named by row and column, and
quarantined with the rest of the row; every other value is rendered as the text PostgreSQL would parse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import psycopg
from psycopg import sql


def to_text(value: Any) -> str | None:
    """The PostgreSQL input text of a Python value (None stays NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return str(value)


@dataclass
class RowFeed:
    """Writes rows (sequences in column order, or mappings by column name) into a COPY, noting NUL bytes."""

    rows: Iterable[Sequence[Any] | Mapping[str, Any]]
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, column, message)

    def copy_into(self, conn: psycopg.Connection, table: sql.Composable, columns: list[str]) -> tuple[int, int]:
        """COPY every row into ``table``; returns (rows, bytes)."""
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(map(sql.Identifier, columns)))
        n = nbytes = 0
        with conn.cursor().copy(stmt) as cp:
            for row in self.rows:
                n += 1
                values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
                out = []
                for col, value in zip(columns, values):
                    text = to_text(value)
                    if text is not None and "\x00" in text:
                        self.bad.append((n, col, f"NUL byte (0x00) at position {text.index(chr(0))} in text"))
                        text = text.replace("\x00", "")
                    nbytes += len(text) if text else 0
                    out.append(text)
                cp.write_row(out)
        return n, nbytes
