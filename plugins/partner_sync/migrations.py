"""Apply ``sql/NNN_name.sql`` once each, in order, with a bookkeeping table.

Files may hold ``${name}`` parameters (only integers from Settings, e.g. the vector dimension). A file
already applied whose text changed is an error: migrations are append-only, fixes go in a new file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from partner_sync.config import ConnSpec, Settings
from partner_sync.database import connect

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_PARAM = re.compile(r"\$\{([a-z_]+)\}")  # only ${name}: $$-quoted bodies stay untouched
_LOCK_KEY = 0x5053_4D49  # advisory lock: one migrate at a time per database

BOOKKEEPING = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    params JSONB NOT NULL DEFAULT '{}',
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def render(self, params: dict[str, int]) -> str:
        def value(m: re.Match) -> str:
            if m.group(1) not in params:
                raise MigrationError(f"{self.path.name}: unknown parameter ${{{m.group(1)}}}")
            return str(int(params[m.group(1)]))

        return _PARAM.sub(value, self.text)


def discover(sql_dir: Path) -> list[Migration]:
    """Migration files in version order; a malformed name or a duplicate version is an error."""
    found: dict[int, Migration] = {}
    for path in sorted(sql_dir.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"{path.name}: migration files are named NNN_lowercase_name.sql")
        version = int(m.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version} also used by {found[version].path.name}")
        found[version] = Migration(version, path.stem, path)
    return [found[v] for v in sorted(found)]


def migration_params(settings: Settings) -> dict[str, int]:
    return {"embedding_dim": settings.embedding_dim, "hnsw_m": settings.hnsw_m,
            "hnsw_ef_construction": settings.hnsw_ef_construction}


def _check_vector_dimension(conn: psycopg.Connection, dim: int) -> None:
    row = conn.execute(
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass('search.embeddings') AND a.attname = 'embed_vector'").fetchone()
    if row and row[0] != f"vector({dim})":
        raise MigrationError(
            f"search.embeddings.embed_vector is {row[0]} but PARTNER_SYNC_EMBEDDING_DIM={dim}: the model "
            "changed dimension. Recreate the search schema (DROP SCHEMA search CASCADE; partner_sync migrate) "
            "and re-embed, or set the dimension back.")


def migrate(conn_spec: ConnSpec | str, sql_dir: Path, params: dict[str, int]) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied."""
    applied_now: list[str] = []
    with connect(conn_spec) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(BOOKKEEPING)
            conn.commit()
            done = {v: (n, c) for v, n, c in conn.execute(
                "SELECT version, name, checksum FROM ops.schema_migrations").fetchall()}
            for mig in discover(sql_dir):
                if mig.version in done:
                    name, checksum = done[mig.version]
                    if checksum != mig.checksum:
                        raise MigrationError(
                            f"{mig.path.name} was changed after it was applied (as {name}); add a new "
                            "migration instead of editing an applied one")
                    continue
                log.info("applying migration %s", mig.path.name)
                with conn.transaction():
                    conn.execute(mig.render(params))
                    conn.execute(
                        "INSERT INTO ops.schema_migrations (version, name, checksum, params) VALUES (%s,%s,%s,%s)",
                        (mig.version, mig.name, mig.checksum, json.dumps(params)))
                applied_now.append(mig.path.name)
            _check_vector_dimension(conn, params["embedding_dim"])
            conn.commit()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
            conn.commit()
    return applied_now


def applied(conn_spec: ConnSpec | str) -> list[tuple[int, str]]:
    with connect(conn_spec) as conn:
        if conn.execute("SELECT to_regclass('ops.schema_migrations')").fetchone()[0] is None:
            return []
        return conn.execute("SELECT version, name FROM ops.schema_migrations ORDER BY version").fetchall()
