"""Which reader reads a source: its (effective) mode picks the API reader.

Apart from ``base`` so that the readers, which build on ``base``, are never imported back by it.
"""

from __future__ import annotations

from typing import Any

from partner_sync.sources.base import SourceReader


def open_reader(settings: Any, source: Any, **kwargs: Any) -> SourceReader:
    """The reader for the source's (effective) mode."""
    if source.mode == "odoo_rpc":
        from partner_sync.sources.odoo_rpc import OdooRpcReader

        return OdooRpcReader.from_settings(settings, source, **kwargs)
    if source.mode == "partner_central":
        from partner_sync.sources.partner_central import PartnerCentralReader

        return PartnerCentralReader.from_settings(settings, source, **kwargs)
    raise ValueError(f"source {source.name}: mode {source.mode!r} has no API reader")
