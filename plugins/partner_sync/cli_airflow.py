"""``partner_sync airflow up|down|status|env|test-dag``: Airflow on this machine (partner_sync.dev.local_airflow).

Metadata database ``airflow`` on the embedded PostgreSQL server, AIRFLOW_HOME ``$PARTNER_SYNC_HOME/airflow``.
Progress goes to stderr; the URL, the login and ``env``'s exports go to stdout.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time

from partner_sync.cli_settings import cli_settings


def _say(line: str) -> None:
    print(f"airflow: {line}", file=sys.stderr, flush=True)


def _home(args: argparse.Namespace, settings):
    from pathlib import Path

    from partner_sync.dev.local_airflow import airflow_home

    return Path(args.home).resolve() if getattr(args, "home", None) else airflow_home(settings)


def cmd_up(args: argparse.Namespace) -> int:
    from partner_sync.dev import local_airflow as local

    settings = cli_settings()
    home = _home(args, settings)
    running = local.running_pids(home)
    if running:
        print(f"local Airflow is already running ({', '.join(f'{c} pid {p}' for c, p in running.items())}); "
              "`partner_sync airflow down` (make airflow-down) stops it", file=sys.stderr)
        return 0
    t0 = time.monotonic()
    prepared = local.prepare(settings, home=home, port=args.port, host=args.host, say=_say)
    celery = None
    if getattr(args, "celery", False):  # the production shape: CeleryExecutor, Redis, default + gpu workers
        from partner_sync.dev import local_celery

        celery = local_celery.start_celery(prepared, gpu_queue=settings.embed_queue,
                                           wait_for_dags=local.expected_dag_ids(settings), timeout=args.timeout,
                                           say=_say)
        run = celery.airflow
    else:
        run = local.start(prepared, wait_for_dags=local.expected_dag_ids(settings), timeout=args.timeout, say=_say)
    for note in prepared.notes:
        _say(f"note: {note}")
    for err in run.import_errors:
        _say(f"import error in {err.get('filename')}")
    shown = f"http://localhost:{args.port}"
    print(f"\nAirflow {shown} is up ({time.monotonic() - t0:.0f}s: prepare "
          f"{sum(prepared.seconds.values()):.0f}s, start {(celery or run).seconds['startup']:.0f}s)")
    print(f"  login     {run.username} / {run.password}   (stored in {home / local.PASSWORDS_FILE})")
    print(f"  DAGs      {dag_states(run.client())}")
    print(f"  pools     {', '.join(f'{k}={v}' for k, v in prepared.pools.items())}")
    print(f"  logs      {home / 'logs'}/{{api-server,scheduler,dag-processor,triggerer}}.log")
    if celery is not None:
        print(f"  executor  CeleryExecutor, broker redis://127.0.0.1:{celery.redis_port}/0; workers "
              + ", ".join(f"{node} (queue {queue})" for queue, node in celery.worker_nodes.items())
              + f"; logs worker-*.log, redis.log; embed goes to queue {settings.embed_queue} only with "
              "PARTNER_SYNC_EMBED_EXECUTION=celery_gpu")
    print(f"  stop      make airflow-down   (partner_sync airflow down)")
    for i, line in enumerate(alerts_check(settings, prepared.env)):
        print(f"  {'alerts' if i == 0 else '':9} {line}")
    if not args.foreground:
        return 0
    print("  running in the foreground: Ctrl-C stops it", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background (&)
    try:
        while True:
            time.sleep(2)
            alive = local.running_pids(home)
            dead = [c for c in local.COMPONENTS if c not in alive]
            if celery is not None:
                from partner_sync.dev import local_celery

                dead += [c for c in celery.pids if c not in local_celery.extra_pids(home)]
            if dead:
                _say(f"{', '.join(dead)} exited:\n{local.logs_tail(home, dead)}")
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        _stop(home)
    return 0


def _stop(home) -> list[str]:
    """Stop whatever of ``home`` runs: the Celery workers and Redis too when `up --celery` started them."""
    from partner_sync.dev import local_celery

    return local_celery.stop_celery(home, say=_say)


def dag_states(client) -> str:
    """Each DAG's paused state as the api-server reports it (not an assumption), for the banner."""
    try:
        dags = client.get("/api/v2/dags?limit=1000&order_by=dag_id")["dags"]
    except Exception as exc:  # noqa: BLE001 - the banner reports, start-up has succeeded
        return f"state unknown ({exc})"
    if not dags:
        return "none parsed yet"
    paused = [d["dag_id"] for d in dags if d.get("is_paused")]
    text = ", ".join(f"{d['dag_id']} ({'paused' if d.get('is_paused') else 'active'})" for d in dags)
    if paused:
        text += "\n            paused DAGs never run on schedule: unpause them in the UI (toggle) or with " \
                "`airflow dags unpause DAG_ID`"
    return text


def alerts_check(settings, env: dict[str, str], timeout: float = 90) -> list[str]:
    """``partner_sync alerts test --check`` in the local Airflow's environment; its result lines (never fails)."""
    import os
    import subprocess

    if not settings.alert_emails:
        return ["off: PARTNER_SYNC_ALERT_EMAILS is not set (README: Alert e-mails; `partner_sync alerts test`)"]
    cmd = [sys.executable, "-m", "partner_sync.cli", "alerts", "test", "--check", "--to",
           ",".join(settings.alert_emails), "--conn-id", settings.smtp_conn_id]
    try:
        proc = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return [f"SMTP check still running after {timeout:.0f}s: run `partner_sync alerts test`"]
    keep = ("OK: ", "FAILED: ", "warning: ", f"{settings.smtp_conn_id}: ")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(keep)]
    if proc.returncode != 0:
        lines.append("alerts will not arrive until this is fixed: `partner_sync alerts test` sends a test e-mail")
    return lines or [f"SMTP check gave no result (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"]


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_down(args: argparse.Namespace) -> int:
    from partner_sync.dev import local_airflow as local

    settings = cli_settings()
    home = _home(args, settings)
    stopped = _stop(home)
    print(f"stopped {', '.join(stopped)}" if stopped else f"local Airflow of {home} was not running")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from partner_sync.dev import local_airflow as local

    settings = cli_settings()
    home = _home(args, settings)
    running = local.running_pids(home)
    for component in local.COMPONENTS:
        pid = running.get(component)
        print(f"{component:14} {'running, pid ' + str(pid) if pid else 'stopped'}")
    from partner_sync.dev import local_celery

    for component, pid in local_celery.extra_pids(home).items():  # up --celery: redis and the workers
        print(f"{component:14} running, pid {pid}")
    try:
        state = json.loads((home / local.STATE_FILE).read_text())
        print(f"{'url':14} {state['url']}")
    except (OSError, ValueError, KeyError):
        pass
    return 0 if len(running) == len(local.COMPONENTS) else 3


def cmd_env(args: argparse.Namespace) -> int:
    from partner_sync.dev import local_airflow as local

    settings = cli_settings()
    env = local.airflow_env(settings, home=_home(args, settings), port=args.port, host=args.host)
    print(local.shell_exports(env))
    return 0


def cmd_test_dag(args: argparse.Namespace) -> int:
    from partner_sync.dev import local_airflow as local

    settings = cli_settings()
    conf = json.loads(args.conf) if args.conf else None
    prepared = local.prepare(settings, home=_home(args, settings), port=args.port, host=args.host, say=_say)
    _say(f"airflow dags test {args.dag_id}")
    started = time.monotonic()
    rc = local.run_dag_test(prepared, args.dag_id, conf=conf, timeout=args.timeout or None)
    _say(f"airflow dags test {args.dag_id}: {'success' if rc == 0 else f'FAILED (exit {rc})'} "
         f"in {time.monotonic() - started:.1f}s")
    return rc


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``partner_sync airflow ...`` to the CLI's subcommands."""
    from partner_sync.dev.local_airflow import DEFAULT_HOST, DEFAULT_PORT

    p = sub.add_parser("airflow", help="run Airflow on this machine (metadata DB on the embedded server)",
                       description="Local Airflow: api-server, scheduler, dag-processor and triggerer with "
                                   "the metadata database `airflow` on the embedded PostgreSQL server, "
                                   "AIRFLOW_HOME $PARTNER_SYNC_HOME/airflow, connections and pools set up.")
    actions = p.add_subparsers(dest="airflow_action", required=True, metavar="ACTION")

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"api-server port (default {DEFAULT_PORT})")
        q.add_argument("--host", default=DEFAULT_HOST,
                       help=f"api-server address (default {DEFAULT_HOST}; 0.0.0.0 for other machines)")
        q.add_argument("--home", help="AIRFLOW_HOME (default $PARTNER_SYNC_HOME/airflow)")

    q = actions.add_parser("up", help="prepare and start; print the URL and the admin login",
                           description="db up, warehouse migrate, airflow db migrate, pools; then start the four "
                                       "components in the background and wait until the UI lists the DAGs.")
    common(q)
    q.add_argument("--foreground", action="store_true", help="stay attached; Ctrl-C stops everything")
    q.add_argument("--timeout", type=float, default=300, help="seconds to wait for start-up (default 300)")
    q.add_argument("--celery", action="store_true",
                   help="the production shape: CeleryExecutor with a local redis-server (apt-get install "
                        "redis-server), a worker on the default queue and one on the GPU queue only")
    q.set_defaults(func=cmd_up)

    q = actions.add_parser("down", help="stop the local Airflow (the database server keeps running)")
    q.add_argument("--home", help="AIRFLOW_HOME (default $PARTNER_SYNC_HOME/airflow)")
    q.set_defaults(func=cmd_down)

    q = actions.add_parser("status", help="which components run (exit 3 unless all four)")
    q.add_argument("--home", help="AIRFLOW_HOME (default $PARTNER_SYNC_HOME/airflow)")
    q.set_defaults(func=cmd_status)

    q = actions.add_parser("env", help="print the environment as export lines: eval \"$(partner_sync airflow env)\"",
                           description="The variables local Airflow runs with, to run `airflow ...` by hand. "
                                       "Needs the embedded server running (partner_sync db up).")
    common(q)
    q.set_defaults(func=cmd_env)

    q = actions.add_parser("test-dag", help="one real run of a DAG in-process (airflow dags test)",
                           description="Prepare like `up` (no server processes needed), then "
                                       "`airflow dags test DAG_ID`; exit status 0 only if the run succeeded.")
    q.add_argument("dag_id", help="e.g. odoo_sync, apn_sync")
    q.add_argument("--conf", help="run conf as JSON, e.g. '{\"full_refresh\": true}'")
    q.add_argument("--timeout", type=float, default=0, help="stop the run after this many seconds (exit 124)")
    common(q)
    q.set_defaults(func=cmd_test_dag)
