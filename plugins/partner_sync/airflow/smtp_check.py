"""Is the alert e-mail path working? ``partner_sync alerts test`` and the ``airflow up`` banner ask here.

The connection is read by the SMTP provider's own hook (``apache-airflow-providers-smtp`` 3.2.0), so the
check sees what the failure e-mails see. That provider connects with implicit SSL unless the extra
``disable_ssl`` is set, then sends STARTTLS unless ``disable_tls`` is set, and reads any non-empty
extra value as true (``disable_tls=false`` *disables* STARTTLS). Every failure is explained in one
line with the extra that fixes it; the password never appears.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from typing import Any, Sequence

from partner_sync.airflow.smtp_errors import explain
from partner_sync.config import Settings

FALSY_WORDS = {"false", "0", "no", "off"}


@dataclass
class SmtpCheck:
    """The outcome: ``ok``, one line saying what happened, and the connection as the provider reads it."""

    ok: bool
    conn_id: str
    message: str
    described: str = ""
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = f"{self.conn_id}: {self.described}" if self.described else self.conn_id
        return [head, *(f"warning: {w}" for w in self.warnings), ("OK: " if self.ok else "FAILED: ") + self.message]


def describe(hook: Any) -> tuple[str, list[str]]:
    """How the provider will talk to the server (from the connection), and the traps it falls into."""
    extra = hook.conn.extra_dejson
    warnings = []
    for key in ("disable_ssl", "disable_tls"):
        value = extra.get(key)
        if isinstance(value, str) and value.strip().lower() in FALSY_WORDS:
            warnings.append(f"extra {key}={value!r} is read by the SMTP provider as TRUE (any non-empty text is); "
                            f"leave {key} out to keep it off")
    if hook.use_ssl and hook.smtp_starttls:
        mode = "implicit SSL, then STARTTLS"
        warnings.append("implicit SSL and STARTTLS are both on (neither disable_ssl nor disable_tls is set): no "
                        "server accepts that; SSL on 465: add disable_tls=true; STARTTLS on 587: add disable_ssl=true")
    elif hook.use_ssl:
        mode = "implicit SSL"
    elif hook.smtp_starttls:
        mode = "STARTTLS"
    else:
        mode = "plain SMTP, no TLS"
    port = hook.port or (465 if hook.use_ssl else 25)
    verify = "certificate not verified (ssl_context=none)" if hook.ssl_context == "none" else None
    login = f"login {hook.smtp_user}" if hook.smtp_user and hook.smtp_password else "no login"
    parts = [f"{hook.host or '(no host)'}:{port}", mode, *([verify] if verify and mode != "plain SMTP, no TLS" else []),
             login, f"timeout {hook.timeout}s"]
    if hook.from_email:
        parts.append(f"from_email {hook.from_email}")
    return ", ".join(parts), warnings


def check_smtp(settings: Settings, to: Sequence[str], *, send: bool, conn_id: str | None = None) -> SmtpCheck:
    """Connect through the alert connection; ``send``: a test e-mail, else MAIL/RCPT then RSET (nothing sent)."""
    from partner_sync.airflow.alert_email import build_message, deliver, sender_for, smtp_hook

    conn_id = conn_id or settings.smtp_conn_id
    to = [t for t in to if t]
    if not to:
        return SmtpCheck(False, conn_id, "no recipients: set PARTNER_SYNC_ALERT_EMAILS (comma-separated; without it "
                                         "no alert is sent) or pass --to")
    try:
        hook = smtp_hook(conn_id)
    except Exception as exc:  # noqa: BLE001 - explained below
        return SmtpCheck(False, conn_id, explain(exc, conn_id))
    described, warnings = describe(hook)
    result = SmtpCheck(False, conn_id, "", described, warnings)
    sender = sender_for(settings, hook)
    try:
        if send:
            text = (f"partner_sync test e-mail, sent by `partner_sync alerts test` through the Airflow connection "
                    f"{conn_id} ({described}).\n\nFailure alerts of the partner_sync DAGs go to: {', '.join(to)}.\n")
            deliver(settings, to, lambda s: build_message("[partner_sync] test e-mail: alerts arrive", text,
                                                          None, s, to), conn_id=conn_id)
            result.message = f"test e-mail sent from {sender} to {', '.join(to)}"
        else:
            hook.get_conn()
            client: smtplib.SMTP = hook._smtp_client
            try:
                client.ehlo_or_helo_if_needed()  # the provider greets only around STARTTLS and login
                code, reply = client.mail(sender)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, sender)
                refused = {}
                for rcpt in to:
                    code, reply = client.rcpt(rcpt)
                    if code not in (250, 251):
                        refused[rcpt] = (code, reply)
                if refused:
                    raise smtplib.SMTPRecipientsRefused(refused)
                client.rset()
            finally:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
            result.message = (f"connected, sender {sender} and recipients {', '.join(to)} accepted "
                              "(no message sent; `partner_sync alerts test` sends one)")
        result.ok = True
    except Exception as exc:  # noqa: BLE001 - the point is to explain it
        result.message = explain(exc, conn_id, hook)
    return result
