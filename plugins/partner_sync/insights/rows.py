"""Query results as JSON-ready dicts, with secrets masked: what every read model returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Sequence

import psycopg

from partner_sync.database import Database, mask_dsn
from partner_sync.source_defs import secret_pattern_in

MASK = "***"


def plain(value: Any) -> Any:
    """One value as JSON has it: Decimal -> float, UUID -> str, naive timestamps are UTC."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def scrub(value: Any) -> Any:
    """Mask passwords in text (DSNs, error messages) and the values of secret-looking keys."""
    if isinstance(value, str):
        return mask_dsn(value)
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and secret_pattern_in(k) and v not in (None, "") else scrub(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def fetch(db: Database, query: str, params: Sequence | dict | None = None) -> list[dict[str, Any]]:
    """Rows as dicts of plain, scrubbed values."""
    with db.get_connection() as conn:
        cur: psycopg.Cursor = conn.execute(query, params)
        names = [d.name for d in cur.description or []]
        return [scrub(plain(dict(zip(names, row)))) for row in cur.fetchall()]


def parse_uuid(value: str, what: str = "job id") -> uuid.UUID:
    """A UUID from user input; ValueError naming the value otherwise."""
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a UUID (e.g. 0b6f8f6e-5c1d-4f52-9a59-2f0d3f1c9a11)") from None
