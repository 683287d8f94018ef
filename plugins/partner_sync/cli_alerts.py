"""``partner_sync alerts test``: send a test e-mail through the connection the failure alerts use.

Exit 0 when the e-mail was accepted by the server, 1 with one line naming what failed (connection
refused, SSL version mismatch and the extra that fixes it, authentication ...), never the password.
``--check`` connects, logs in and has the sender and recipients accepted without sending a message
(what ``partner_sync airflow up`` runs).
"""

from __future__ import annotations

import argparse
import os

from partner_sync.cli_settings import cli_settings


def run_check(send: bool, to: list[str] | None = None, conn_id: str | None = None):
    """The check in this process: Airflow reads the connection (AIRFLOW_CONN_<ID> or a secrets backend)."""
    settings = cli_settings()
    # importing Airflow creates AIRFLOW_HOME/logs: keep it in the local Airflow's home, not ~/airflow
    os.environ.setdefault("AIRFLOW_HOME", str(settings.home / "airflow"))
    from partner_sync.airflow.smtp_check import check_smtp

    return check_smtp(settings, to or list(settings.alert_emails), send=send, conn_id=conn_id)


def cmd_alerts(args: argparse.Namespace) -> int:
    to = [a.strip() for a in (args.to or "").split(",") if a.strip()] or None
    result = run_check(send=not args.check, to=to, conn_id=args.conn_id)
    for line in result.lines():
        print(line)
    return 0 if result.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``partner_sync alerts ...`` to the CLI's subcommands."""
    p = sub.add_parser("alerts", help="failure e-mails: send a test e-mail through the configured SMTP connection",
                       description="Check the alert e-mail path: the Airflow SMTP connection (smtp_default or "
                                   "PARTNER_SYNC_SMTP_CONN_ID), read by the SMTP provider exactly as the DAGs' "
                                   "failure e-mails read it.")
    actions = p.add_subparsers(dest="alerts_action", required=True, metavar="ACTION")
    q = actions.add_parser("test", help="send a test e-mail to PARTNER_SYNC_ALERT_EMAILS (or --to); say what failed",
                           description="Send a test e-mail through the alert connection; exit 1 with the reason "
                                       "(connection refused, SSL mismatch and the extra that fixes it, login "
                                       "refused, recipients refused) when it fails.")
    q.add_argument("--to", help="comma-separated recipients (default PARTNER_SYNC_ALERT_EMAILS)")
    q.add_argument("--conn-id", help="SMTP connection id (default PARTNER_SYNC_SMTP_CONN_ID or smtp_default)")
    q.add_argument("--check", action="store_true",
                   help="connect, log in, have sender and recipients accepted, send nothing")
    q.set_defaults(func=cmd_alerts)
