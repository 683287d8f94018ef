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
from typing import Any, Callable

from partner_sync import backoff
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


class Backoff(backoff.Backoff):
    """The shared backoff (``partner_sync.backoff``) for transient API failures: spent tries raise SourceUnavailable."""

    def run(self, fn: Callable[[], Any], is_transient: Callable[[BaseException], bool], what: str,  # type: ignore[override]
            **kw: Any) -> Any:
        kw.setdefault("exhausted", lambda exc, tries: SourceUnavailable(
            f"{what}: failed after {tries} attempts: {type(exc).__name__}: {exc}"))
        return super().run(fn, is_transient, what, **kw)


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
