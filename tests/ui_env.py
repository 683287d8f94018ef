"""A warehouse the UI has something to show in: demo sources run through all five stages, then matched.

Shared by the TestClient tests (test_ui_api.py) and the browser / api-server tests (test_ui_browser.py).
"""

from __future__ import annotations

import time

from partner_sync.pipeline import STAGES

SECRET = "Wh-S3cret-pw"  # in the warehouse URL the app is given: it must never reach a page or a response


def with_password(url: str, password: str = SECRET) -> str:
    """``postgresql://user@host:port/db`` -> ``postgresql://user:<password>@host:port/db`` (trust auth ignores it)."""
    scheme, rest = url.split("://", 1)
    user, _, hostpart = rest.partition("@")
    return f"{scheme}://{user}:{password}@{hostpart}"


def fill_warehouse(env, odoo_runs: int = 2) -> dict[str, float]:
    """Both sources through every stage (odoo twice by default: a trend needs runs), then matching; seconds."""
    from partner_sync.database import Database
    from partner_sync.match.run import run_match

    seconds = {}
    for source in ("odoo", "apn") + ("odoo",) * (odoo_runs - 1):
        t = time.monotonic()
        env.run(source, stages=STAGES)
        seconds[f"run_{source}"] = round(seconds.get(f"run_{source}", 0) + time.monotonic() - t, 2)
    t = time.monotonic()
    with Database.from_settings(env.settings) as db:
        run_match(env.settings, db)
    seconds["match"] = round(time.monotonic() - t, 2)
    return seconds
