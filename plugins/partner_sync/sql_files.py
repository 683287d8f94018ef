"""Named SQL files under ``include/sql``: the engine's queries live there, not in Python strings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def load_sql(include_dir: Path, name: str) -> str:
    """Text of ``include/sql/<name>.sql`` (read once per process)."""
    path = include_dir / "sql" / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"SQL template not found: {path}")
    return path.read_text()
