"""Structured log lines: ``event key=value ...`` so a grep finds a table, a batch or a job."""

from __future__ import annotations

import logging
import sys
from typing import Any


def kv(event: str, **fields: Any) -> str:
    """Render an event and its fields; values with spaces are quoted."""
    parts = [event]
    for key, value in fields.items():
        text = str(value)
        parts.append(f'{key}="{text}"' if (" " in text or not text) else f"{key}={text}")
    return " ".join(parts)


def setup_cli_logging(verbose: bool = False) -> None:
    """Logs to stderr (stdout is for tables and URLs that scripts read)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("psycopg.pool", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
