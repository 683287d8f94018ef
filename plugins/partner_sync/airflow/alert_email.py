"""Alert e-mails: what a failed run stage tells the person on call, and how it is sent.

One message per failed stage of a run after its last try (``on_failure_callback``), optionally one on
the first failure of a run while Airflow still retries (``on_retry_callback``,
``PARTNER_SYNC_ALERT_ON_FIRST_FAILURE``). Each has a plain-text and an HTML part with the DAG, task,
run, data interval, the ``ops.sync_jobs`` id, the failing checks with sample keys, the error, the log
link and one line on what to do next. Sent through the SMTP provider's ``SmtpHook``, so the connection
(``smtp_default`` or ``PARTNER_SYNC_SMTP_CONN_ID``) is read exactly as Airflow reads it.
"""

from __future__ import annotations

import html
import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Callable, Sequence

from partner_sync.config import Settings

log = logging.getLogger(__name__)

DEFAULT_FROM = "partner_sync@localhost"
SAMPLE_KEYS = 5


@dataclass
class FailedCheck:
    name: str
    severity: str
    failed: int
    checked: int
    sample_keys: list[str] = field(default_factory=list)


@dataclass
class AlertFacts:
    """Everything an alert says, gathered from the Airflow context (and the warehouse for the checks)."""

    dag_id: str
    task: str  # task id, with the mapped table in brackets
    run_id: str
    run_type: str
    try_number: int
    tries: int  # tries Airflow allows in all (retries + 1)
    interval_start: Any
    interval_end: Any
    run_after: Any
    error_type: str
    error: str
    log_url: str | None
    job_id: str | None
    source: str | None
    checks: list[FailedCheck] = field(default_factory=list)
    retrying: bool = False

    @property
    def interval(self) -> str:
        if self.interval_start is None and self.interval_end is None:
            return "none (this run has no data interval)"
        if self.interval_start == self.interval_end:
            return f"up to {_ts(self.interval_end)}"
        return f"[{_ts(self.interval_start)}, {_ts(self.interval_end)})"

    @property
    def subject(self) -> str:
        if self.retrying:
            return f"[partner_sync] {self.dag_id}.{self.task} failed (try {self.try_number} of {self.tries}), retrying"
        return f"[partner_sync] {self.dag_id}.{self.task} failed (try {self.try_number})"

    @property
    def next_step(self) -> str:
        return next_step(self)


def _ts(value: Any) -> str:
    if value is None:
        return "-"
    try:
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except AttributeError:
        return str(value)


def next_step(facts: AlertFacts) -> str:
    """One line: what the reader does now, chosen by the kind of failure."""
    job = f" --job {facts.job_id}" if facts.job_id else ""
    if facts.retrying:
        return ("Nothing yet: Airflow retries this task; a second e-mail follows only if the last try fails. "
                "Check the source connection if this keeps happening.")
    if facts.error_type == "ChecksFailed":
        return (f"Run `partner_sync report{job}` to see the failing rows, fix them at the source (or the check in "
                f"include/checks/{facts.source or '<source>'}.yml), then clear the validate task in the Airflow UI.")
    if facts.error_type in ("ConfigError", "SourceDefinitionError", "MigrationError", "DimensionMismatch"):
        return ("Fix the configuration named in the error (environment, .env or the Airflow connection), "
                "then clear the failed task in the Airflow UI.")
    if facts.error_type in ("DatabaseUnavailable", "SourceUnavailable", "OperationalError", "ConnectionError",
                            "TimeoutError", "SourceAuthError", "SourceAccessError"):
        return ("The database or API named in the error could not be reached through every retry: check that it is "
                "up and that the connection's host and credentials are right, then clear the failed task "
                "(or let the next scheduled run catch up from the watermark).")
    if facts.error_type in ("DriftRefused", "SchemaChanged"):
        return ("The source's schema changed in a way partner_sync refuses to follow on its own: read the error, "
                "adjust include/sources or the raw table, then clear the failed task.")
    return "Read the task log (link above), fix the cause, then clear the failed task in the Airflow UI to re-run it."


# -- gathering the facts ----------------------------------------------------------------------------

def _run_type(dag_run: Any) -> str:
    value = getattr(dag_run, "run_type", "") or ""
    return str(getattr(value, "value", value))


def _job_id(ti: Any) -> str | None:
    """The run's ``ops.sync_jobs`` id (XCom ``job_id`` of ``extract``); None for DAGs without a job."""
    if not ti.dag_id.endswith("_sync"):  # search_refresh, maintenance: no sync job
        return None
    try:
        value = ti.xcom_pull(task_ids="extract", key="job_id")
    except Exception as exc:  # noqa: BLE001 - an alert without the id beats no alert
        log.warning("alert: cannot read the job id of the run: %s", exc)
        return None
    return str(value) if value else None


def failed_checks(settings: Settings, job_id: str) -> list[FailedCheck]:
    """The job's failed checks (errors first) with a few sample keys, from ``ops.data_quality_checks``."""
    from partner_sync.database import connect
    from partner_sync.sql_files import load_sql

    with connect(settings.conn("warehouse_db")) as conn:
        rows = conn.execute(load_sql(settings.include_dir, "ops/failed_checks"), {"job_id": job_id}).fetchall()
    return [FailedCheck(name, severity or "error", failed or 0, checked or 0,
                        [str(k) for k in (samples or [])[:SAMPLE_KEYS]])
            for name, severity, failed, checked, samples in rows]


def _task_label(ti: Any) -> str:
    index = getattr(ti, "map_index", -1)
    if index is None or index < 0:
        return ti.task_id
    name = getattr(ti, "rendered_map_index", None) or index
    return f"{ti.task_id}[{name}]"


def gather(context: dict[str, Any], settings: Settings, *, retrying: bool = False) -> AlertFacts:
    """AlertFacts of the failed task in ``context``; the warehouse is read for failed checks when reachable."""
    from partner_sync.database import mask_dsn

    ti = context["ti"]
    dag_run = context.get("dag_run")
    exc = context.get("exception")
    job_id = _job_id(ti)
    source = ti.dag_id.removesuffix("_sync") if ti.dag_id.endswith("_sync") else None
    facts = AlertFacts(
        dag_id=ti.dag_id, task=_task_label(ti), run_id=ti.run_id, run_type=_run_type(dag_run),
        try_number=int(getattr(ti, "try_number", 1) or 1),
        tries=int(getattr(ti, "max_tries", 0) or getattr(getattr(ti, "task", None), "retries", 0) or 0) + 1,
        interval_start=context.get("data_interval_start"), interval_end=context.get("data_interval_end"),
        run_after=getattr(dag_run, "run_after", None),
        error_type=type(exc).__name__ if isinstance(exc, BaseException) else "Error",
        error=mask_dsn(str(exc)) if exc is not None else "(no exception recorded)",
        log_url=getattr(ti, "log_url", None), job_id=job_id, source=source, retrying=retrying)
    if job_id and facts.error_type == "ChecksFailed":
        try:
            facts.checks = failed_checks(settings, job_id)
        except Exception as e:  # noqa: BLE001 - the error text still names the checks
            log.warning("alert: cannot read the failed checks of job %s: %s", job_id, mask_dsn(str(e)))
    return facts


# -- rendering ----------------------------------------------------------------------------------------

def _rows(f: AlertFacts) -> list[tuple[str, str]]:
    return [("DAG", f.dag_id), ("Task", f.task), ("Run", f"{f.run_id} ({f.run_type or 'run'})"),
            ("Data interval", f.interval), ("Run after", _ts(f.run_after)),
            ("Try", f"{f.try_number} of {f.tries}"), ("Sync job", f.job_id or "-  (this DAG keeps no sync job)")]


def render_text(f: AlertFacts) -> str:
    """The plain-text part: readable in any mail client and in a pager."""
    head = ("partner_sync: a task failed and Airflow will retry it" if f.retrying
            else "partner_sync: a run stage failed after its last try")
    lines = [head, ""]
    lines += [f"{k + ':':15}{v}" for k, v in _rows(f)]
    if f.checks:
        lines += ["", "Failed checks:"]
        for c in f.checks:
            keys = f"; e.g. {', '.join(c.sample_keys)}" if c.sample_keys else ""
            lines.append(f"  - {c.name} [{c.severity}]: {c.failed} of {c.checked} failed{keys}")
    lines += ["", f"Error ({f.error_type}):", *(f"  {line}" for line in f.error.splitlines()[:40])]
    lines += ["", f"Log:           {f.log_url or '-'}", "", f"Next step: {f.next_step}", ""]
    return "\n".join(lines)


def render_html(f: AlertFacts) -> str:
    """The HTML part: the same facts as the text part, as a table."""
    e = html.escape
    head = ("a task failed and Airflow will retry it" if f.retrying
            else "a run stage failed after its last try")
    rows = "".join(f"<tr><th align='left'>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in _rows(f))
    checks = ""
    if f.checks:
        items = "".join(f"<li><b>{e(c.name)}</b> [{e(c.severity)}]: {c.failed} of {c.checked} failed"
                        + (f"; e.g. {e(', '.join(c.sample_keys))}" if c.sample_keys else "") + "</li>"
                        for c in f.checks)
        checks = f"<h4>Failed checks</h4><ul>{items}</ul>"
    link = f"<a href=\"{e(f.log_url)}\">{e(f.log_url)}</a>" if f.log_url else "-"
    return (f"<html><body><h3>partner_sync: {e(head)}</h3><table>{rows}</table>{checks}"
            f"<h4>Error ({e(f.error_type)})</h4><pre>{e(f.error)}</pre><p>Log: {link}</p>"
            f"<p><b>Next step:</b> {e(f.next_step)}</p></body></html>")


def build_message(subject: str, text: str, html_body: str | None, sender: str, to: Sequence[str]) -> EmailMessage:
    """multipart/alternative: text/plain first (what plain-text readers show), then text/html."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(text)
    if html_body:
        msg.add_alternative(html_body, subtype="html")
    return msg


# -- sending ----------------------------------------------------------------------------------------

def smtp_hook(conn_id: str):
    """The SMTP provider's hook with its connection loaded (raises the provider's error when undefined)."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    hook = SmtpHook(smtp_conn_id=conn_id)
    hook.smtp_connection = hook.get_connection(conn_id)
    return hook


def sender_for(settings: Settings, hook: Any) -> str:
    """PARTNER_SYNC_ALERT_FROM, else the connection's ``from_email`` extra, else partner_sync@localhost."""
    return settings.alert_from or hook.from_email or DEFAULT_FROM


def deliver(settings: Settings, to: Sequence[str], make: Callable[[str], EmailMessage],
            *, conn_id: str | None = None) -> str:
    """Connect as the provider does (SSL / STARTTLS / login from the connection), send, return the sender."""
    hook = smtp_hook(conn_id or settings.smtp_conn_id)
    sender = sender_for(settings, hook)
    msg = make(sender)
    hook.get_conn()
    client: smtplib.SMTP = hook._smtp_client  # the provider's connected, logged-in client (pinned 3.2.0)
    try:
        client.send_message(msg, from_addr=sender, to_addrs=list(to))
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return sender


def claim(settings: Settings, job_id: str | None, key: str) -> bool:
    """True once per (job, key): mapped tasks of one stage, or the first retries of a run, send one e-mail.

    Without a job, or when the warehouse cannot be reached, the answer is True: a duplicate e-mail is
    better than a lost one.
    """
    if not job_id:
        return True
    from partner_sync.database import connect, mask_dsn
    from partner_sync.sql_files import load_sql

    try:
        with connect(settings.conn("warehouse_db")) as conn:
            row = conn.execute(load_sql(settings.include_dir, "ops/claim_alert"),
                               {"job_id": job_id, "key": key}).fetchone()
            conn.commit()
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("alert: could not record the e-mail on job %s (%s); sending anyway", job_id, mask_dsn(str(exc)))
        return True
    return row is not None


def send_alert(context: dict[str, Any], settings: Settings, *, retrying: bool = False) -> bool:
    """Gather, dedupe and send one alert; True when an e-mail went out."""
    facts = gather(context, settings, retrying=retrying)
    key = "first_failure" if retrying else f"failed:{context['ti'].task_id}:{facts.try_number}"
    if not claim(settings, facts.job_id, key):
        log.info("alert for %s.%s already sent for job %s (%s)", facts.dag_id, facts.task, facts.job_id, key)
        return False
    to = list(settings.alert_emails)
    sender = deliver(settings, to, lambda s: build_message(facts.subject, render_text(facts), render_html(facts),
                                                            s, to))
    log.info("alert e-mail sent to %s from %s: %s", ", ".join(to), sender, facts.subject)
    return True


class AlertNotifier:
    """The e-mail callback (``on_failure_callback``, or ``on_retry_callback`` with ``retrying=True``).

    A plain callable rather than the provider's SmtpNotifier, whose message has an HTML part only. A
    failure to send is logged with the reason (and ``partner_sync alerts test`` names the fix) and
    re-raised, so Airflow's task log shows it too.
    """

    def __init__(self, settings: Settings, *, retrying: bool = False):
        self.settings = settings
        self.retrying = retrying

    def __call__(self, context: dict[str, Any]) -> None:
        from partner_sync.airflow.connections import task_settings
        from partner_sync.database import mask_dsn

        try:
            settings = task_settings(self.settings, ("warehouse_db",))
        except Exception as exc:  # noqa: BLE001 - the e-mail matters more than Airflow's copy of the warehouse
            log.warning("alert: warehouse connection from Airflow unavailable (%s)", mask_dsn(str(exc)))
            settings = self.settings
        try:
            send_alert(context, settings, retrying=self.retrying)
        except Exception as exc:
            from partner_sync.airflow.smtp_errors import explain

            log.error("alert e-mail NOT sent through connection %s: %s", self.settings.smtp_conn_id,
                      explain(exc, self.settings.smtp_conn_id))
            raise

    def __repr__(self) -> str:
        return f"AlertNotifier(to={list(self.settings.alert_emails)}, retrying={self.retrying})"
