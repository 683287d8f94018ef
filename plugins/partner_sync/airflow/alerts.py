"""Failure e-mails: one per failed task (after its last retry), through the smtp provider's SmtpNotifier."""

from __future__ import annotations

from typing import Any

from partner_sync.config import Settings

SUBJECT = "[partner_sync] {{ ti.dag_id }}.{{ ti.task_id }} failed (try {{ ti.try_number }})"
BODY = """\
<h3>partner_sync: a task failed</h3>
<table>
<tr><td>DAG</td><td>{{ ti.dag_id }}</td></tr>
<tr><td>Task</td><td>{{ ti.task_id }}{% if ti.map_index is not none and ti.map_index >= 0 %} [{{ ti.map_index }}]{% endif %}</td></tr>
<tr><td>Run</td><td>{{ run_id }}</td></tr>
<tr><td>Try</td><td>{{ ti.try_number }}</td></tr>
<tr><td>Error</td><td><pre>{{ exception }}</pre></td></tr>
<tr><td>Log</td><td><a href="{{ ti.log_url }}">{{ ti.log_url }}</a></td></tr>
</table>
"""


def failure_callbacks(settings: Settings) -> list[Any]:
    """The on_failure_callback list: empty when no recipients are configured."""
    if not settings.alert_emails:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [SmtpNotifier(to=list(settings.alert_emails), from_email=settings.alert_from, subject=SUBJECT,
                         html_content=BODY, smtp_conn_id=settings.smtp_conn_id)]
