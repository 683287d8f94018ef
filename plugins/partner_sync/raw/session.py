"""One connection to a database-mode source for a whole run: discovery and every table's load share it.

Each new connection costs a server process and cold catalog caches (a few ms locally, a TLS handshake
and a round trip more against a remote source), which dominated small incremental runs.
"""

from __future__ import annotations

import psycopg

from partner_sync.config import Settings
from partner_sync.database import RetryPolicy, connect
from partner_sync.source_defs import SourceDef


class SourceSession:
    """Opened on first use with the configured retry, reopened if it broke; the run's StageContext closes it."""

    def __init__(self, settings: Settings, source: SourceDef):
        from partner_sync.source_defs import effective_source

        self.settings = settings
        self.source = effective_source(settings, source)
        self._conn: psycopg.Connection | None = None

    def connection(self) -> psycopg.Connection | None:
        """The source connection, or None for API modes (they read through their own client)."""
        if self.source.mode != "database":
            return None
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            self._conn = connect(self.settings.conn(self.source.connection_id),
                                 retry=RetryPolicy.from_settings(self.settings))
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
