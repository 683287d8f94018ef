"""The CLI's settings: the configuration, read once, with the embedded dev server behind every connection
nobody configured, so ``make demo`` and the README's commands after it need no variables.

The engine's ``Settings.conn`` has no such fallback (a connection nobody configured is a configuration
error naming its id); this is where the CLI wires the dev server in.
"""

from __future__ import annotations

from partner_sync.config import Settings, get_config
from partner_sync.dev.embedded import with_embedded_fallback


def cli_settings() -> Settings:
    """``get_config()`` plus the embedded server for the connections it does not configure."""
    return with_embedded_fallback(get_config())
