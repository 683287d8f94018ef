"""What an alert e-mail says, from real failed DAG runs (``dag.test()`` against PostgreSQL) into a real
SMTP server (aiosmtpd), configured with the README's plain-SMTP example.

A validate stage that fails its checks sends one e-mail with a plain-text part, the data interval, the
``ops.sync_jobs`` id, the failing checks with sample keys and the next step. With
``PARTNER_SYNC_ALERT_ON_FIRST_FAILURE`` a run whose extract fails twice sends one e-mail on the first
try (Airflow retries) and one after the last.
"""

from __future__ import annotations

import time
from datetime import timedelta

import psycopg
import pytest

from smtp_sink import SmtpSink
from test_alerts import readme_examples
from test_dags import (  # noqa: F401 - fixtures
    ROOT,
    _closed_port,
    _deadline,
    airflow_env,
    airflow_metadata_db,
    demo_sources,
    warehouse,
)
from partner_sync.config import get_config

pytestmark = [pytest.mark.airflow, pytest.mark.db, pytest.mark.slow]


def _configure(monkeypatch, sink: SmtpSink, **extra: str) -> None:
    plain = readme_examples()[0].replace(":8025", f":{sink.port}")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", plain)
    monkeypatch.setenv("PARTNER_SYNC_ALERT_EMAILS", "revops@example.com")
    monkeypatch.delenv("PARTNER_SYNC_ALERT_FROM", raising=False)
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    get_config.cache_clear()


def _run(dag_id: str, retries: int = 0):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).get_dag(dag_id)
    for t in dag.tasks:
        t.retries = retries
        t.retry_delay = timedelta(0)
        t.retry_exponential_backoff = 0
    with _deadline(300, f"{dag_id} dag.test()"):
        return dag.test()


def _wait(sink: SmtpSink, n: int) -> None:
    for _ in range(50):
        if len(sink.messages) >= n:
            return
        time.sleep(0.1)


def _parts(msg) -> dict[str, str]:
    return {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart()}


def test_failed_checks_email_says_what_and_what_next(warehouse, demo_sources, monkeypatch):
    from airflow.utils.state import DagRunState

    with psycopg.connect(demo_sources["odoo_db"], autocommit=True) as conn:
        bad = [r[0] for r in conn.execute("SELECT id FROM crm_lead ORDER BY id LIMIT 3").fetchall()]
        conn.execute("ALTER TABLE crm_lead DROP CONSTRAINT crm_lead_check_probability")  # let bad data in
        conn.execute("UPDATE crm_lead SET probability = 150 WHERE id = ANY(%s)", (bad,))
    with SmtpSink("plain") as sink:
        _configure(monkeypatch, sink)
        dr = _run("odoo_sync")
        _wait(sink, 1)
    assert dr.state == DagRunState.FAILED
    assert len(sink.messages) == 1, [m[2]["Subject"] for m in sink.messages]
    _, rcpts, msg = sink.messages[0]
    assert rcpts == ["revops@example.com"]
    assert msg["Subject"] == "[partner_sync] odoo_sync.validate failed (try 1)"
    assert msg.get_content_type() == "multipart/alternative"
    parts = _parts(msg)
    assert set(parts) == {"text/plain", "text/html"}
    text = parts["text/plain"]
    with psycopg.connect(warehouse) as conn:
        job_id = conn.execute("SELECT job_id FROM ops.sync_jobs").fetchone()[0]
    start, end = dr.data_interval_start, dr.data_interval_end
    assert f"Sync job:      {job_id}" in text
    assert f"Data interval: [{start:%Y-%m-%d %H:%M:%S}" in text and f"{end:%Y-%m-%d %H:%M:%S}" in text
    assert dr.run_id in text and "Task:          validate" in text
    line = next(ln for ln in text.splitlines() if "probability" in ln and "failed" in ln)
    assert "[error]: 3 of" in line and all(str(i) in line for i in bad), line
    assert f"Next step: Run `partner_sync report --job {job_id}`" in text
    assert "clear the validate task" in text
    assert "ChecksFailed" in text and "http" in text  # the error and the log link
    assert str(job_id) in parts["text/html"] and "probability" in parts["text/html"]


def test_first_failure_email_then_one_after_the_last_try(warehouse, monkeypatch):
    from airflow.utils.state import DagRunState

    monkeypatch.setenv("AIRFLOW_CONN_ODOO_DB", f"postgresql://odoo:secret@127.0.0.1:{_closed_port()}/odoo")
    monkeypatch.setenv("PARTNER_SYNC_RETRY_BASE_DELAY", "0.01")
    with SmtpSink("plain") as sink:
        # one quick retry: the retry policy, not the task's retry_delay, sets the wait (default 5 minutes)
        _configure(monkeypatch, sink, PARTNER_SYNC_ALERT_ON_FIRST_FAILURE="true", PARTNER_SYNC_TASK_RETRY_DELAYS="1s")
        dr = _run("odoo_sync", retries=1)
        _wait(sink, 2)
    assert dr.state == DagRunState.FAILED
    subjects = [m[2]["Subject"] for m in sink.messages]
    assert subjects == ["[partner_sync] odoo_sync.extract failed (try 1 of 2), retrying",
                        "[partner_sync] odoo_sync.extract failed (try 2)"], subjects
    first, last = (_parts(m[2])["text/plain"] for m in sink.messages)
    assert "Airflow will retry it" in first and "Next step: Nothing yet" in first
    assert "could not be reached through every retry" in last
    for text in (first, last):
        assert "secret" not in text
    with psycopg.connect(warehouse) as conn:
        sent = conn.execute("SELECT config->'alerts_sent' FROM ops.sync_jobs").fetchone()[0]
    assert set(sent) == {"first_failure", "failed:extract:2"}
