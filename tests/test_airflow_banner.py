"""The ``partner_sync airflow up`` banner tells the truth: each DAG's paused state as the running api-server
reports it, and the result of the alert e-mail check (against a real SMTP server), without failing start-up.

Real local Airflow (four processes, metadata database cloned from the migrated template), as in
test_airflow_local.py; Airflow is never imported in this process.
"""

from __future__ import annotations

import pytest

from airflow_env import drop_metadata_db, prepare_metadata_db
from smtp_sink import SmtpSink, free_port
from test_airflow_local import _settings
from partner_sync.dev import local_airflow as local
from partner_sync.cli_airflow import alerts_check, dag_states

ALL_DAGS = ["apn_sync", "odoo_sync", "partner_sync_maintenance", "search_refresh"]


def test_alerts_check_is_off_without_recipients():
    assert alerts_check(_settings({}), {}) == [
        "off: PARTNER_SYNC_ALERT_EMAILS is not set (README: Alert e-mails; `partner_sync alerts test`)"]


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.db
def test_banner_reports_real_paused_state_and_the_smtp_check(pg_admin_url, make_db, tmp_path):
    home = tmp_path / "airflow_home"
    meta = prepare_metadata_db(pg_admin_url, home)
    settings = _settings({"AIRFLOW_CONN_WAREHOUSE_DB": make_db("wh_banner"),
                          "PARTNER_SYNC_ALERT_EMAILS": "oncall@example.com"})
    try:
        prepared = local.prepare(settings, home=home, port=local.free_port(), metadata_db=meta.metadata_db)
        prepared.env["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] = "False"  # unpausing must not start runs here
        running = local.start(prepared, wait_for_dags=ALL_DAGS, timeout=240)
        client = running.client()

        banner = dag_states(client)
        for dag_id in ALL_DAGS:
            assert f"{dag_id} (paused)" in banner, banner
        assert "unpause them" in banner
        client.unpause("odoo_sync")
        banner = dag_states(client)
        assert "odoo_sync (active)" in banner and "search_refresh (paused)" in banner, banner
        client.patch("/api/v2/dags/odoo_sync", {"is_paused": True})
        assert "odoo_sync (paused)" in dag_states(client)

        with SmtpSink("plain") as sink:
            env = {**prepared.env,
                   "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{sink.port}?disable_ssl=true&disable_tls=true"}
            lines = alerts_check(settings, env)
        assert lines[0].startswith(f"smtp_default: 127.0.0.1:{sink.port}, plain SMTP, no TLS"), lines
        assert lines[-1].startswith("OK: connected, sender partner_sync@localhost and recipients "
                                    "oncall@example.com accepted"), lines
        assert sink.messages == []  # the start-up check sends nothing

        port = free_port()
        lines = alerts_check(settings, {**prepared.env, "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{port}"})
        assert any(f"FAILED: connection refused by 127.0.0.1:{port}" in ln for ln in lines), lines
        assert "alerts will not arrive until this is fixed" in lines[-1]
    finally:
        local.stop(home, grace=20)
        drop_metadata_db(pg_admin_url, meta.metadata_db)
    assert local.running_pids(home) == {}
