"""Which reader reads a source: its (effective) mode picks the reader (database, Odoo RPC, Partner Central).

Apart from ``base`` so that the readers, which build on ``base``, are never imported back by it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from partner_sync.sources.base import SourceReader


def open_reader(settings: Any, source: Any, **kwargs: Any) -> SourceReader:
    """The reader for the source's (effective) mode; the caller closes it."""
    from partner_sync.source_defs import effective_source

    source = effective_source(settings, source)
    if source.mode == "database":
        from partner_sync.sources.postgres import PostgresReader

        return PostgresReader.from_settings(settings, source, **kwargs)
    if source.mode == "odoo_rpc":
        from partner_sync.sources.odoo_rpc import OdooRpcReader

        return OdooRpcReader.from_settings(settings, source, **kwargs)
    if source.mode == "partner_central":
        from partner_sync.sources.partner_central import PartnerCentralReader

        return PartnerCentralReader.from_settings(settings, source, **kwargs)
    raise ValueError(f"source {source.name}: mode {source.mode!r} has no reader")


@contextmanager
def reader_for(settings: Any, source: Any, reader: SourceReader | None = None) -> Iterator[SourceReader]:
    """The one owner of a source reader: ``reader`` when given (borrowed, left open), else the source's own,
    opened here and closed on the way out, also when the work inside fails."""
    if reader is not None:
        yield reader
        return
    own = open_reader(settings, source)
    try:
        yield own
    finally:
        own.close()


def has_sql_access(settings: Any, source: Any) -> bool:
    """Whether the source's reader offers a SQL snapshot (row hashes for reconcile, source-side row counts
    for checks): the database mode's reader does, the API readers do not."""
    from partner_sync.source_defs import effective_source

    return effective_source(settings, source).mode == "database"


def api_connections(settings: Any, source: Any) -> tuple[str, ...]:
    """The API connection ids the source's reader reads with (an Airflow task resolves exactly these); none
    for the database mode, which reads with ``source.connection_id``."""
    from partner_sync.source_defs import effective_source

    source = effective_source(settings, source)
    return () if source.mode == "database" else (source.api_connection,)
