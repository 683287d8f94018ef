"""One line per SMTP failure: what failed and which connection setting fixes it (never the password).

Apart from ``smtp_check`` so that the alert callback (``alert_email``) and the check both use it without
importing each other.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from typing import Any


def conn_env_var(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def explain(exc: BaseException, conn_id: str, hook: Any = None) -> str:
    """One line: what failed and which setting fixes it (no password)."""
    host, port, timeout, user = "the server", "", 30, ""
    password = None
    if hook is not None and getattr(hook, "smtp_connection", None) is not None:
        host, timeout, user = hook.host or "(no host)", hook.timeout, hook.smtp_user
        port = hook.port or (465 if hook.use_ssl else 25)
        password = hook.smtp_password or None
    where = f"{host}:{port}" if port else host
    text = f"{type(exc).__name__}: {exc}"
    if "isn't defined" in str(exc) or "connection is not found" in str(exc):
        msg = (f"connection {conn_id} is not defined: set {conn_env_var(conn_id)} (README, 'Alert e-mails'), "
               "or point PARTNER_SYNC_SMTP_CONN_ID at an Airflow connection")
    elif isinstance(exc, ConnectionRefusedError):
        msg = f"connection refused by {where}: no SMTP server listens there (is it running? is the port right?)"
    elif isinstance(exc, socket.gaierror):
        msg = f"host {host!r} not found (DNS): check the connection's host"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        msg = (f"the TLS certificate of {where} is not trusted ({exc.verify_message}): use a certificate from a "
               "trusted CA, add its CA to the system store (or SSL_CERT_FILE), or, in a lab only, set the extra "
               "ssl_context=none")
    elif isinstance(exc, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(exc).upper().replace(" ", "_"):
        msg = (f"SSL version mismatch ({exc.reason or 'WRONG_VERSION_NUMBER'}): the provider opened {where} with "
               "implicit SSL (its default) but the server speaks plain SMTP first; plain relay: add "
               "disable_ssl=true&disable_tls=true, STARTTLS (port 587): add disable_ssl=true")
    elif isinstance(exc, ssl.SSLError):
        msg = f"TLS with {where} failed: {exc}"
    elif isinstance(exc, (TimeoutError, socket.timeout)):
        msg = (f"no answer from {where} within {timeout}s: a firewall, or a server that expects implicit SSL "
               "(port 465) while disable_ssl=true is set (for 465: remove disable_ssl, set disable_tls=true)")
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc).upper():
        msg = (f"{where} does not offer STARTTLS: plain relay: add disable_tls=true (with disable_ssl=true); "
               "SSL on 465: add disable_tls=true (SSL is already on)")
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and "AUTH" in str(exc).upper():
        msg = (f"{where} offers no login (SMTP AUTH) on this connection: remove login and password for a relay "
               "that needs none, or use STARTTLS/SSL (many servers offer AUTH only after TLS)")
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        msg = (f"authentication failed for user {user!r} at {where}: the server answered {exc.smtp_code} {reply}; "
               "check the connection's login and password")
    elif isinstance(exc, smtplib.SMTPSenderRefused):
        msg = (f"{where} refused the sender {exc.sender}: set PARTNER_SYNC_ALERT_FROM (or the extra from_email) "
               f"to an address it accepts ({exc.smtp_code} {exc.smtp_error!r})")
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        msg = f"{where} refused the recipients: " + "; ".join(
            f"{r} ({code} {err.decode(errors='replace') if isinstance(err, bytes) else err})"
            for r, (code, err) in exc.recipients.items())
    elif isinstance(exc, smtplib.SMTPServerDisconnected) or "Unable to connect" in str(exc):
        msg = (f"{where} closed the connection: it may expect implicit SSL (port 465: remove disable_ssl) or "
               f"refuse this client ({text})")
    else:
        msg = text
    if password:
        from urllib.parse import quote

        for secret in {password, quote(password, safe="")}:
            msg = msg.replace(secret, "***")
    return msg
