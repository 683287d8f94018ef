"""Secrets inside JSON columns (a ``"password"`` key in Odoo's ``properties``, tokens in settings blobs) are
masked in the staged rows, before the upsert writes raw: raw never holds them.

Which keys: the source YAML's ``json_secret_patterns`` (default: its ``secret_patterns``, the same patterns
that keep secret columns out of raw); ``json_secret_patterns: []`` turns this off. The SQL lives in
``include/sql/raw/mask_json_function.sql`` and ``mask_json_secrets.sql``.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from partner_sync.sql_files import load_sql

JSON_TYPES = ("json", "jsonb")


def json_columns(raw_types: dict[str, str], columns: list[str]) -> list[str]:
    """The columns whose raw type is json or jsonb."""
    return [c for c in columns if raw_types.get(c) in JSON_TYPES]


def key_pattern(patterns: tuple[str, ...]) -> str:
    """One case-insensitive regular expression for all patterns."""
    return "|".join(f"(?:{p})" for p in patterns)


def loose_pattern(patterns: tuple[str, ...]) -> str:
    """A superset of ``key_pattern`` over JSON text: an underscore in a pattern also matches none, '-' or ' '
    (the key may be written ApiKey or x-api-key where the pattern says api_key)."""
    return "|".join(f"(?:{p.replace('_', '[_ -]?')})" for p in patterns)


def mask_json_secrets(wh: psycopg.Connection, include_dir, stage: sql.Identifier, raw_types: dict[str, str],
                      columns: list[str], patterns: tuple[str, ...]) -> int:
    """Mask secret-looking keys in every json/jsonb column of ``stage``; the number of values changed."""
    targets = json_columns(raw_types, columns)
    if not patterns or not targets:
        return 0
    wh.execute(load_sql(include_dir, "raw/mask_json_function"))
    params = {"pattern": key_pattern(patterns), "loose": loose_pattern(patterns)}
    changed = 0
    for col in targets:
        stmt = sql.SQL(load_sql(include_dir, "raw/mask_json_secrets")).format(
            stage=stage, col=sql.Identifier(col), col_type=sql.SQL(raw_types[col]))
        changed += wh.execute(stmt, params).rowcount
    return changed
