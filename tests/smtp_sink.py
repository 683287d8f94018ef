"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), in the three modes the README documents.

``plain``: no TLS (a local relay); ``starttls``: TLS after STARTTLS, which it requires; ``ssl``: implicit
TLS from the first byte (port 465 style). The certificate is self-signed, made here for ``localhost`` and
``127.0.0.1``; clients trust it through ``SSL_CERT_FILE``. With ``login`` set, AUTH is required (only
after TLS, as real servers do) and checked against that user and password.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import time
from email.message import Message
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for CN=localhost with SANs localhost and 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class SmtpSink:
    """Start with ``with SmtpSink(...) as sink``; ``sink.messages`` holds (mail_from, rcpt_tos, Message)."""

    def __init__(self, mode: str = "plain", *, cert: tuple[Path, Path] | None = None,
                 login: tuple[str, str] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.mode, self.port = mode, free_port()
        self.messages: list[tuple[str, list[str], Message]] = []
        self.auth_attempts: list[str] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                      email.message_from_bytes(envelope.content, policy=email.policy.default)))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            user = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
            password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
            sink.auth_attempts.append(user)
            ok = (user, password) == login
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

        kwargs: dict = {}
        if mode in ("starttls", "ssl"):
            if cert is None:
                raise ValueError(f"mode {mode} needs a certificate")
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(cert[0]), str(cert[1]))
            kwargs.update(tls_context=ctx, require_starttls=True) if mode == "starttls" else kwargs.update(
                ssl_context=ctx)
        elif mode != "plain":
            raise ValueError(f"unknown mode {mode}")
        if login:
            kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=mode == "starttls")  # aiosmtpd sees only STARTTLS as TLS
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)

    def connection_uri(self) -> str:
        """``AIRFLOW_CONN_SMTP_DEFAULT`` for a plain-mode sink (no implicit SSL, no STARTTLS)."""
        return f"smtp://127.0.0.1:{self.port}?disable_tls=true&disable_ssl=true&timeout=10"

    def wait_for(self, count: int, timeout: float = 10) -> list:
        """The messages once at least ``count`` arrived (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.messages)

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
