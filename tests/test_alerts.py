"""Alert e-mails as a user sets them up: the README's SMTP examples against real servers, and
``partner_sync alerts test`` for success and each failure it must explain.

Each example is read from the README itself and pointed at an aiosmtpd server started for its mode
(plain; STARTTLS and implicit SSL with a self-signed certificate made here, trusted through
SSL_CERT_FILE). The CLI runs as a subprocess, as a user runs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from smtp_sink import SmtpSink, free_port, self_signed_cert

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "partner_sync")
USER, PASSWORD = "alerts@example.com", "APP_PASSWORD"  # the README's placeholders: the sinks accept exactly these


def readme_examples() -> list[str]:
    """The AIRFLOW_CONN_SMTP_DEFAULT examples of the README's 'Alert e-mails' section, in order."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Alert e-mails"):]
    section = section[:section.index("\n## ")]
    return re.findall(r"^AIRFLOW_CONN_SMTP_DEFAULT='([^']+)'$", section, flags=re.M)


def alerts_test(conn: str | None, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_SMTP")}
    full_env.update({"PARTNER_SYNC_HOME": str(ROOT / ".local" / "test"),
                     "PARTNER_SYNC_ALERT_EMAILS": "revops@example.com, data@example.com", **(env or {})})
    full_env.pop("PARTNER_SYNC_ALERT_FROM", None)
    if conn is not None:
        full_env["AIRFLOW_CONN_SMTP_DEFAULT"] = conn
    return subprocess.run([EXE, "alerts", "test", *args], capture_output=True, text=True, env=full_env,
                          timeout=120)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return self_signed_cert(tmp_path_factory.mktemp("smtp_tls"))


def _point_at(example: str, port: int) -> str:
    """The README example with its host and port replaced by the local server's."""
    return re.sub(r"@?(127\.0\.0\.1|smtp\.example\.com):\d+", lambda m: ("@" if m.group(0).startswith("@") else "")
                  + f"localhost:{port}", example, count=1)


def test_readme_has_the_three_examples():
    examples = readme_examples()
    assert len(examples) == 3, examples
    plain, starttls, ssl_ = examples
    assert "disable_ssl=true" in plain and "disable_tls=true" in plain and ":8025" in plain
    assert ":587" in starttls and "disable_ssl=true" in starttls and "disable_tls" not in starttls
    assert ":465" in ssl_ and "disable_tls=true" in ssl_ and "disable_ssl" not in ssl_


@pytest.mark.parametrize("mode,index", [("plain", 0), ("starttls", 1), ("ssl", 2)])
def test_readme_example_delivers(cert, mode, index):
    example = readme_examples()[index]
    login = (USER, PASSWORD) if mode != "plain" else None
    with SmtpSink(mode, cert=cert if mode != "plain" else None, login=login) as sink:
        proc = alerts_test(_point_at(example, sink.port), env={"SSL_CERT_FILE": str(cert[0])})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK: test e-mail sent from partner_sync@localhost to revops@example.com, data@example.com" in proc.stdout
    assert len(sink.messages) == 1
    mail_from, rcpts, msg = sink.messages[0]
    assert mail_from == "partner_sync@localhost" and sorted(rcpts) == ["data@example.com", "revops@example.com"]
    assert msg["Subject"] == "[partner_sync] test e-mail: alerts arrive"
    assert msg.get_content_type() == "text/plain" and "smtp_default" in msg.get_payload(decode=True).decode()
    if login:
        assert sink.auth_attempts == [USER]
    assert PASSWORD not in proc.stdout + proc.stderr


def test_the_old_readme_setting_explains_the_ssl_mismatch():
    """Issue 11: `smtp://127.0.0.1:8025` made the provider use implicit SSL -> WRONG_VERSION_NUMBER."""
    with SmtpSink("plain") as sink:
        proc = alerts_test(f"smtp://127.0.0.1:{sink.port}")
    assert proc.returncode == 1
    assert "FAILED: SSL version mismatch" in proc.stdout
    assert "disable_ssl=true&disable_tls=true" in proc.stdout
    assert "implicit SSL and STARTTLS are both on" in proc.stdout
    assert sink.messages == []


def test_connection_refused():
    port = free_port()
    proc = alerts_test(f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true")
    assert proc.returncode == 1
    assert f"FAILED: connection refused by 127.0.0.1:{port}" in proc.stdout


def test_wrong_password_is_named_but_never_shown(cert):
    with SmtpSink("starttls", cert=cert, login=(USER, PASSWORD)) as sink:
        proc = alerts_test(f"smtp://alerts%40example.com:Wr0ng-Secret@localhost:{sink.port}?disable_ssl=true",
                           env={"SSL_CERT_FILE": str(cert[0])})
    assert proc.returncode == 1
    assert "FAILED: authentication failed for user 'alerts@example.com'" in proc.stdout
    assert "535" in proc.stdout
    assert "Wr0ng-Secret" not in proc.stdout + proc.stderr
    assert sink.messages == []


def test_untrusted_certificate_and_missing_starttls(cert):
    with SmtpSink("starttls", cert=cert) as sink:  # SSL_CERT_FILE not set: the self-signed cert is not trusted
        proc = alerts_test(f"smtp://localhost:{sink.port}?disable_ssl=true", env={"SSL_CERT_FILE": "/nonexistent"})
    assert proc.returncode == 1
    assert "is not trusted" in proc.stdout and "ssl_context=none" in proc.stdout
    with SmtpSink("plain") as sink:  # STARTTLS on a server that does not offer it
        proc = alerts_test(f"smtp://127.0.0.1:{sink.port}?disable_ssl=true")
    assert proc.returncode == 1
    assert "does not offer STARTTLS" in proc.stdout and "disable_tls=true" in proc.stdout


def test_false_is_true_for_the_provider_and_the_check_says_so():
    with SmtpSink("plain") as sink:
        proc = alerts_test(f"smtp://127.0.0.1:{sink.port}?disable_ssl=true&disable_tls=false")
    # the provider reads "false" as true: STARTTLS is off, so the plain server is reached -- with a warning
    assert proc.returncode == 0, proc.stdout
    assert "extra disable_tls='false' is read by the SMTP provider as TRUE" in proc.stdout
    assert len(sink.messages) == 1


def test_undefined_connection_and_no_recipients():
    proc = alerts_test(None)
    assert proc.returncode == 1
    assert "connection smtp_default is not defined: set AIRFLOW_CONN_SMTP_DEFAULT" in proc.stdout
    proc = alerts_test("smtp://127.0.0.1:1?disable_ssl=true", env={"PARTNER_SYNC_ALERT_EMAILS": ""})
    assert proc.returncode == 1 and "no recipients: set PARTNER_SYNC_ALERT_EMAILS" in proc.stdout


def test_check_mode_sends_nothing(cert):
    with SmtpSink("ssl", cert=cert, login=(USER, PASSWORD)) as sink:
        proc = alerts_test(f"smtp://alerts%40example.com:{PASSWORD}@localhost:{sink.port}?disable_tls=true",
                           "--check", env={"SSL_CERT_FILE": str(cert[0])})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "implicit SSL" in proc.stdout and "login alerts@example.com" in proc.stdout
    assert "accepted (no message sent" in proc.stdout
    assert sink.messages == [] and sink.auth_attempts == [USER]
