"""Freshness deadlines as Airflow 3 ``DeadlineAlert``s: a missed one sends one e-mail through the alert SMTP connection.

Reference: the run's logical date (for the daily ``CronDataIntervalTimetable`` the start of its one-day data
interval), plus one day and the allowed run time (``partner_sync.freshness.Deadline``). A manual run has no
logical date, so Airflow skips its deadline: deadlines are about the scheduled daily data, and a backfill's
are skipped by the callback. The callback sends the smtp provider's ``SmtpNotifier`` from the triggerer
(``AsyncCallback``), with the same connection,
sender and recipients as the failure e-mails. No recipients configured: no alert (like failure e-mails).
"""

from __future__ import annotations

import logging

from partner_sync.config import Settings
from partner_sync.freshness import Deadline, DeadlineError
from partner_sync.source_defs import SourceDef

log = logging.getLogger(__name__)

SUBJECT = "[partner_sync] {{{{ dag_run.dag_id }}}} missed its freshness deadline ({deadline})"
BODY = """\
<h3>partner_sync: a daily sync did not finish in time</h3>
<table>
<tr><td>DAG</td><td>{{{{ dag_run.dag_id }}}}</td></tr>
<tr><td>Run</td><td>{{{{ dag_run.get('run_id') or dag_run.get('dag_run_id') }}}}</td></tr>
<tr><td>Data interval</td><td>{{{{ dag_run.data_interval_start }}}} to {{{{ dag_run.data_interval_end }}}}</td></tr>
<tr><td>Deadline</td><td>{{{{ deadline.deadline_time }}}} ({deadline}, schedule {start})</td></tr>
<tr><td>State when missed</td><td>{{{{ dag_run.state }}}}</td></tr>
</table>
<p>The sync jobs page (Airflow UI, partner_sync) shows what the run has done so far.</p>
"""


async def alert_unless_backfill(*, context: dict, **kwargs) -> str:
    """The deadline's callback (triggerer): the smtp provider's e-mail, except for backfill runs.

    A backfill of last week is past every deadline by design; its failures still alert like any run's.
    """
    run_type = (context.get("dag_run") or {}).get("run_type")
    if run_type == "backfill":
        log.info("deadline of a backfill run missed by design: no e-mail")
        return "no alert: backfill run"
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    await SmtpNotifier(**kwargs, context=context)
    return "alert sent"


def source_deadline(source: SourceDef, schedule: str) -> Deadline | None:
    """The source's deadline; None for a non-daily schedule when the YAML did not ask for one."""
    try:
        return Deadline.of(schedule, source.deadline, where=f"source {source.name}")
    except DeadlineError:
        if source.deadline:
            raise  # asked for explicitly: the DAG fails to import with the reason
        log.warning("source %s: schedule %r is not daily; no freshness deadline", source.name, schedule)
        return None


def deadline_alerts(source: SourceDef, schedule: str, settings: Settings) -> list:
    """``DAG(deadline=...)`` for a source DAG: one alert, or none without recipients or a daily schedule."""
    deadline = source_deadline(source, schedule)
    if deadline is None or not settings.alert_emails:
        return []
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    due, start = deadline.due.strftime("%H:%M UTC"), deadline.start.strftime("%H:%M UTC")
    kwargs = {"to": list(settings.alert_emails), "from_email": settings.alert_from,
              "subject": SUBJECT.format(deadline=due),
              "html_content": BODY.format(deadline=due, start=start),
              "smtp_conn_id": settings.smtp_conn_id}
    return [DeadlineAlert(reference=DeadlineReference.DAGRUN_LOGICAL_DATE, interval=deadline.after_logical_date,
                          callback=AsyncCallback(f"{__name__}.alert_unless_backfill", kwargs=kwargs),
                          name=f"{source.name}_freshness")]
