"""What every source reader answers, and the pieces the API readers share (retries, connection values).

The reader protocol itself (``SourceReader``) lives in ``partner_sync.contracts``, which the raw loader
imports too: ``discover`` gives each table's columns with the PostgreSQL types the raw mirror uses;
``snapshot`` is the database reader's SQL access (binary COPY-out, key fingerprint, window pairs) and an
API reader's explicit "not available" (``contracts.no_snapshot``); an API reader serves ``rows`` (one cursor
window, as mappings) and ``keys`` (every current key, or None when the source cannot list them) instead.
The loader consumes both lazily inside its one warehouse transaction, so a failure anywhere leaves raw and
the watermark as they were.

The newest cursor: the reader never decides the watermark. It reads from the lower bound it is given (the
stored watermark, see ``raw.loader``), yields rows carrying the source's own cursor value, and the loader
moves the watermark to the newest cursor value it staged -- a value the source sent, never a local clock.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from partner_sync.contracts import Discovered, SourceReader, no_snapshot
from partner_sync.database import DatabaseUnavailable

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """An API source refused or failed a request; the message names source, table and cause."""


class SourceAuthError(SourceError):
    """Login refused (wrong user, API key or database): nothing can be read."""


class SourceAccessError(SourceError):
    """The API user may not read this table/model; the other tables still load."""


class SourceUnavailable(DatabaseUnavailable):
    """The API could not be reached after every retry (the job waits for the next attempt, like a database)."""


class SchemaChanged(SourceError):
    """The source changed shape while a table was being read (a field vanished between pages)."""


@dataclass
class Backoff:
    """Exponential backoff for transient API failures; ``sleep`` is injectable for tests."""

    attempts: int = 3          # retries after the first try
    base_delay: float = 2.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * (2 ** attempt))

    def run(self, fn: Callable[[], Any], is_transient: Callable[[BaseException], bool], what: str) -> Any:
        """``fn()``, retried on transient errors; after the last retry raises SourceUnavailable."""
        for attempt in range(self.attempts + 1):
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - filtered by is_transient
                if not is_transient(exc):
                    raise
                if attempt == self.attempts:
                    raise SourceUnavailable(f"{what}: failed after {attempt + 1} attempts: "
                                            f"{type(exc).__name__}: {exc}") from None
                wait = self.delay(attempt)
                first_line = (str(exc).splitlines() or [""])[0]
                log.warning("%s: %s %s (attempt %d/%d), retrying in %.1fs", what, type(exc).__name__, first_line,
                            attempt + 1, self.attempts + 1, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")


def api_connection_value(settings: Any, conn_id: str) -> str | None:
    """The raw value of an API connection: ``AIRFLOW_CONN_<ID>`` (read into Settings), or -- inside an
    Airflow task -- Airflow's own connection of that id, which the task layer put there
    (``partner_sync.airflow.connections.task_settings``); None when neither has it."""
    return (getattr(settings, "api_connections", None) or {}).get(conn_id) or None


def wanted_tables(source: Any, tables: list[str] | None) -> list[Any]:
    """TableDefs of the listed tables, else the enabled ones."""
    return [source.tables[t] for t in tables] if tables else source.enabled_tables



__all__ = ["Backoff", "Discovered", "SchemaChanged", "SourceAccessError", "SourceAuthError", "SourceError",
           "SourceReader", "SourceUnavailable", "api_connection_value", "no_snapshot", "wanted_tables"]
