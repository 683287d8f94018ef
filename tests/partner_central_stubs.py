"""Partner Central clients answered by botocore's Stubber, shared by the Selling and Benefits tests.

Every reader of a test gets the same two clients (Selling: opportunities; Benefits: funding, which the real
apn.yml reads too); the Stubber checks each request and canned response against botocore's own service models.
Backoff sleeps are recorded, not slept. Used through the ``pc_stubs`` fixture (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3
from botocore.stub import Stubber

from partner_sync.config import load_settings
from partner_sync.migrations import migrate, migration_params
from partner_sync.pipeline import run_source
from partner_sync.sources import partner_central, partner_central_benefits


def aws_client(service: str):
    """A boto3 client of ``service`` with test credentials (never reaches AWS: a Stubber answers it)."""
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="AKIDTESTING",
                        aws_secret_access_key="testing-secret")


@dataclass
class PartnerCentralStubs:
    selling: Stubber
    benefits: Stubber
    sleeps: list[float] = field(default_factory=list)


@contextmanager
def stubbed_clients(monkeypatch) -> Iterator[PartnerCentralStubs]:
    """Both readers' ``make_client`` return the stubbed clients for the test's duration."""
    selling, benefits = aws_client("partnercentral-selling"), aws_client("partnercentral-benefits")
    stubs = PartnerCentralStubs(Stubber(selling), Stubber(benefits))
    monkeypatch.setattr(partner_central, "make_client", lambda conn, timeout=60.0: selling)
    monkeypatch.setattr(partner_central_benefits, "make_client", lambda conn, timeout=60.0: benefits)
    monkeypatch.setattr(partner_central, "DEFAULT_SLEEP", stubs.sleeps.append)
    with stubs.selling, stubs.benefits:  # Stubber's context manager: activate, then deactivate
        yield stubs


def api_mode_env(make_db, prefix: str) -> tuple[dict[str, str], str]:
    """A migrated warehouse and the settings environment of APN in partner_central mode."""
    wh = make_db(prefix)
    env = {"AIRFLOW_CONN_WAREHOUSE_DB": wh, "PARTNER_SYNC_APN_MODE": "partner_central",
           "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4", "PARTNER_SYNC_EMBEDDING_DIM": "8",
           "PARTNER_SYNC_LOCK_WAIT_SECONDS": "2"}
    settings = load_settings(env, dotenv=False)
    migrate(wh, settings.sql_dir, migration_params(settings))
    return env, wh


def sync(env: dict[str, str], src, **settings_env: str) -> dict:
    """Extract and raw-load ``src``; its table loads by table name."""
    settings = load_settings({**env, **settings_env}, dotenv=False)
    _, _, ctx = run_source(settings, src, stages=("extract", "raw_load"))
    return {t.table: t for t in ctx.loads}
