"""What is worth retrying: the failure classifier, on real exceptions from real servers where it matters."""

from __future__ import annotations

import socket

import psycopg
import pytest

from partner_sync.checks import ChecksFailed
from partner_sync.config import ConfigError, load_settings
from partner_sync.database import DatabaseUnavailable, RetryPolicy, connect
from partner_sync.failures import classify
from partner_sync.raw.loader import TableBusy
from partner_sync.raw.schema import DriftRefused
from partner_sync.sources.rate_limit import BudgetExhausted


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_transient():
    url = f"postgresql://odoo:secret@127.0.0.1:{_closed_port()}/odoo"
    with pytest.raises(DatabaseUnavailable) as exc:
        connect(url, retry=RetryPolicy(attempts=0))
    failure = classify(exc.value)
    assert (failure.transient, failure.kind) == (True, "unreachable")
    assert "secret" not in failure.message
    with pytest.raises(psycopg.OperationalError) as raw:  # the driver's own error, not yet wrapped
        psycopg.connect(url, connect_timeout=2)
    assert classify(raw.value).transient


@pytest.mark.db
def test_sql_errors_and_a_missing_database_are_not_transient(pg_admin_url):
    with psycopg.connect(pg_admin_url) as conn, pytest.raises(psycopg.errors.UndefinedTable) as exc:
        conn.execute("SELECT * FROM no_such_table")
    assert (classify(exc.value).transient, classify(exc.value).kind) == (False, "sql_error")
    missing = pg_admin_url.rsplit("/", 1)[0] + "/no_such_database_i11"
    with pytest.raises(psycopg.OperationalError) as exc:
        connect(missing, retry=RetryPolicy(attempts=0))
    assert classify(exc.value).transient is False  # waiting will not create the database


def test_deterministic_failures_fail_at_once():
    with pytest.raises(ConfigError) as exc:
        load_settings({"PARTNER_SYNC_EMBEDDING_DIM": "zero"}, dotenv=False)
    assert classify(exc.value).kind == "configuration"
    assert classify(ChecksFailed("1 data-quality check(s) failed", ["x"])).kind == "checks_failed"
    assert classify(DriftRefused("crm_lead.name: varchar -> int refused")).kind == "drift_refused"
    assert classify(ValueError("source odoo: unknown table(s) nope")) .transient is False
    assert classify(RuntimeError("")).message == "RuntimeError"


def test_throttling_busy_tables_and_wrapped_outages_are_transient():
    assert classify(BudgetExhausted("AWS still throttles ListOpportunities")).kind == "throttled"
    assert classify(TableBusy("raw.odoo_crm_lead is being loaded by another sync")).kind == "busy"
    try:
        try:
            socket.create_connection(("127.0.0.1", _closed_port()), timeout=2)
        except OSError as refused:
            raise RuntimeError("Odoo RPC failed") from refused
    except RuntimeError as wrapped:
        assert (classify(wrapped).transient, classify(wrapped).kind) == (True, "unreachable")
        assert classify(wrapped).message == "Odoo RPC failed"


def test_retry_delays_are_configurable():
    base = {"PARTNER_SYNC_EMBEDDING_DIM": "384"}
    assert load_settings(base, dotenv=False).task_retry_delays == (300, 600, 1200)  # alert after 35 minutes
    assert load_settings({**base, "PARTNER_SYNC_TASK_RETRY_DELAYS": "30s, 2m,1h"},
                         dotenv=False).task_retry_delays == (30, 120, 3600)
    assert load_settings({**base, "PARTNER_SYNC_TASK_RETRY_DELAYS": "15"}, dotenv=False).task_retry_delays == (900,)
    assert load_settings({**base, "PARTNER_SYNC_TASK_RETRY_DELAYS": "none"}, dotenv=False).task_retry_delays == ()
    with pytest.raises(ConfigError, match="PARTNER_SYNC_TASK_RETRY_DELAYS.*'5x'"):
        load_settings({**base, "PARTNER_SYNC_TASK_RETRY_DELAYS": "5m,5x"}, dotenv=False)
