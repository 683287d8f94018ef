"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives, for alert tests."""

from __future__ import annotations

import email
import socket
import time


class SmtpSink:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []  # (recipients, email.message.Message)
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
                return "250 OK"

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def connection_uri(self) -> str:
        """``AIRFLOW_CONN_SMTP_DEFAULT`` for this plain-SMTP sink (no implicit SSL, no STARTTLS)."""
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
