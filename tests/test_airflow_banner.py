"""The ``partner_sync airflow up`` banner tells the truth: each DAG's paused state as the running api-server
reports it, and the result of the alert e-mail check (against a real SMTP server), without failing start-up.

The check against a running api-server (four processes, metadata database cloned from the migrated template)
is test_banner_reports_real_paused_state_and_the_smtp_check in test_airflow_runs.py, on the Airflow that module
starts anyway. Airflow is never imported in this process.
"""

from __future__ import annotations

from test_airflow_local import _settings
from partner_sync.cli_airflow import alerts_check


def test_alerts_check_is_off_without_recipients():
    assert alerts_check(_settings({}), {}) == [
        "off: PARTNER_SYNC_ALERT_EMAILS is not set (README: Alert e-mails; `partner_sync alerts test`)"]
