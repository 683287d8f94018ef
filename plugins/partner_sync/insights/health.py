"""Is partner_sync able to serve? Warehouse reachable, migrations current, embedding backend configured."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import psycopg

from partner_sync.config import Settings
from partner_sync.database import mask_dsn
from partner_sync.migrations import discover

CONNECT_TIMEOUT_S = 3


def health(settings: Settings, connect_timeout: int = CONNECT_TIMEOUT_S) -> dict[str, Any]:
    """One probe, no retries (a health check answers now). ``status``: ok, degraded or down."""
    started = time.monotonic()
    wh = settings.conn("warehouse_db")
    out: dict[str, Any] = {"checked_at": datetime.now(timezone.utc).isoformat()}
    files = discover(settings.sql_dir)
    latest = files[-1].version if files else 0
    try:
        with psycopg.connect(wh.dsn, connect_timeout=connect_timeout) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            applied = set()
            if conn.execute("SELECT to_regclass('ops.schema_migrations')").fetchone()[0] is not None:
                applied = {v for (v,) in conn.execute("SELECT version FROM ops.schema_migrations").fetchall()}
            column = conn.execute(
                "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "WHERE a.attrelid = to_regclass('search.embeddings') AND a.attname = 'embed_vector'").fetchone()
            models = [m for (m,) in conn.execute(
                "SELECT DISTINCT model_name FROM search.embeddings WHERE model_name IS NOT NULL LIMIT 5").fetchall()] \
                if column else []
        out["warehouse"] = {"reachable": True, "database": wh.dbname, "server_version": version}
    except psycopg.Error as exc:
        out["warehouse"] = {"reachable": False, "database": wh.dbname,
                            "error": mask_dsn(str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}
        out["migrations"] = {"current": None, "latest": latest}
        out["embedding"] = _embedding(settings, None, [])
        out["status"] = "down"
        out["seconds"] = round(time.monotonic() - started, 3)
        return out
    pending = [m.path.name for m in files if m.version not in applied]
    out["migrations"] = {"current": not pending, "applied": len(applied), "latest": latest, "pending": pending}
    out["embedding"] = _embedding(settings, column[0] if column else None, models)
    out["status"] = "ok" if not pending and out["embedding"]["configured"] else "degraded"
    out["seconds"] = round(time.monotonic() - started, 3)
    return out


def _embedding(settings: Settings, column_type: str | None, models: list[str]) -> dict[str, Any]:
    """Configured = a backend is set up and its dimension fits the warehouse column (no model is loaded)."""
    problems = []
    if settings.embedding_backend == "http" and not settings.embedding_url:
        problems.append("PARTNER_SYNC_EMBEDDING_BACKEND=http without PARTNER_SYNC_EMBEDDING_URL")
    expected = f"vector({settings.embedding_dim})"
    if column_type and column_type != expected:
        problems.append(f"search.embeddings.embed_vector is {column_type}, PARTNER_SYNC_EMBEDDING_DIM says {expected}")
    others = [m for m in models if m != settings.embedding_model]
    if others:
        problems.append(f"stored embeddings were made by {', '.join(others)}, not {settings.embedding_model}: "
                        "re-embed (partner_sync embed all) before searching")
    out: dict[str, Any] = {"backend": settings.embedding_backend, "model": settings.embedding_model,
                           "dimension": settings.embedding_dim, "column": column_type, "configured": not problems,
                           "problems": problems}
    if settings.embedding_backend == "http":
        out["url"] = mask_dsn(settings.embedding_url or "")
    return out
