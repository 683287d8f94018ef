"""What every API source reader answers, and the pieces they share (windows, retries, connection values).

A reader lands the same raw tables as the database mode: ``discover`` gives each table's columns with the
PostgreSQL types the raw mirror uses, ``rows`` streams the rows of one cursor window as mappings (column ->
Python value), ``keys`` lists every current key for deletion detection (or None when the source cannot).
The loader (``raw.loader.load_table(None, ..., rows=..., source_keys=...)``) consumes both lazily inside its
one warehouse transaction, so a failure anywhere leaves raw and the watermark as they were.

The newest cursor: the reader never decides the watermark. It reads from the lower bound it is given (the
stored watermark, see ``raw.sync``), yields rows carrying the source's own cursor value, and the loader
moves the watermark to the newest cursor value it staged -- a value the source sent, never a local clock.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from partner_sync import backoff
from partner_sync.database import DatabaseUnavailable
from partner_sync.raw.discovery import TableSchema
from partner_sync.raw.watermarks import Window

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


class Discovered(dict):
    """Discovered tables (name -> TableSchema), plus the tables that could not be discovered and why.

    ``failures`` become failed tables of the raw-load stage (the others still load); ``skipped`` names
    tables this mode has no source for (logged, not loaded).
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.failures: dict[str, str] = {}
        self.skipped: dict[str, str] = {}


class SourceReader(Protocol):
    """One API source, opened for one stage."""

    mode: str

    def discover(self, tables: list[str] | None = None) -> Discovered:
        """The listed (default: enabled) tables with their raw column types."""

    def window(self, wh: Any, table: str, window: Window) -> Window:
        """Adjust the stored-watermark window for this source (default: as given)."""

    def rows(self, table: str, window: Window, schema: TableSchema | None = None) -> Iterator[Mapping[str, Any]]:
        """Rows whose cursor lies in ``window`` (lower exclusive unless ``lower_inclusive``), lazily, with
        the columns of ``schema`` (the discovered one; None: the reader describes the table itself)."""

    def keys(self, table: str) -> Iterator[Sequence[Any]] | None:
        """Every current key of ``table`` (deletion detection), or None when the source cannot list them."""

    def notes(self, table: str) -> dict[str, Any]:
        """What the last ``rows`` call of ``table`` wants recorded with the load (requests, stops ...)."""

    def close(self) -> None:
        ...


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

