"""``partner_sync``: the engine from a shell, the same code the Airflow tasks run.

Tables and URLs go to stdout (scripts read them); logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tabulate import tabulate

from partner_sync import cli_args, cli_search
from partner_sync.cli_settings import cli_settings
from partner_sync.config import ConfigError, Settings
from partner_sync.dev.embedded import EMBEDDED_DATABASES
from partner_sync.logs import setup_cli_logging

log = logging.getLogger("partner_sync.cli")


def _settings() -> Settings:
    return cli_settings()


def _server(settings: Settings):
    from partner_sync.dev.embedded import EmbeddedServer

    return EmbeddedServer(settings.home, port=settings.embedded_port)


def _ensure_embedded_databases(settings: Settings) -> None:
    """On the embedded server, the warehouse database is created on first use."""
    if "warehouse_db" not in settings.connections:
        from partner_sync.database import ensure_database

        admin = _server(settings).url("postgres")
        ensure_database(admin, EMBEDDED_DATABASES["warehouse_db"])


# -- db ---------------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings()
    server = _server(settings)
    if args.action == "up":
        url = server.up()
        _ensure_embedded_databases(settings)
        print(f"embedded PostgreSQL running, data in {server.pgdata}")
        print(url)
    elif args.action == "down":
        print("stopped" if server.down() else "not running")
    elif args.action == "url":
        print(server.url(args.database))
    elif args.action == "status":
        st = server.status()
        print(tabulate([["running", st.running], ["pgdata", st.pgdata], ["version", st.version],
                        ["port", st.port], ["pid", st.pid]], tablefmt="plain"))
        return 0 if st.running else 3
    return 0


# -- migrate ----------------------------------------------------------------------------------
def cmd_migrate(args: argparse.Namespace) -> int:
    from partner_sync.migrations import applied, migrate, migration_params

    settings = _settings()
    if settings.uses_embedded:
        _server(settings).up()
    _ensure_embedded_databases(settings)
    conn = settings.conn("warehouse_db")
    done = migrate(conn, settings.sql_dir, migration_params(settings))
    print(f"warehouse {conn.masked}: " + (f"applied {', '.join(done)}" if done else "up to date"))
    print(tabulate(applied(conn), headers=["version", "migration"], tablefmt="simple"))
    return 0


# -- seed-demo --------------------------------------------------------------------------------
def cmd_seed_demo(args: argparse.Namespace) -> int:
    from partner_sync.dev.demo.seed import seed_demo

    settings = _settings()
    for conn_id in ("odoo_db", "apn_db"):
        if conn_id in settings.connections:
            print(f"refusing to seed demo data: {conn_id} points at a configured database "
                  f"({settings.connections[conn_id].masked}); the demo only writes to the embedded server",
                  file=sys.stderr)
            return 2
    admin = _server(settings).up()
    truth = Path(args.truth) if args.truth else settings.home / "demo" / "ground_truth.csv"
    report = seed_demo(admin, odoo_db=EMBEDDED_DATABASES["odoo_db"], apn_db=EMBEDDED_DATABASES["apn_db"],
                       scale=args.scale, seed=args.seed, truth_path=truth)
    rows = sorted(report.rows.items())
    print(tabulate(rows, headers=["table", "rows"], tablefmt="simple", intfmt=","))
    print(f"seeded {report.odoo_db} and {report.apn_db} (scale={args.scale}, seed={args.seed}) in "
          f"{report.seconds:.1f}s; {report.twin_pairs} Odoo/ACE twin pairs written to {report.truth_path}")
    return 0


# -- run --------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    from partner_sync.pipeline import run_source

    settings = _settings()
    if settings.uses_embedded:
        _server(settings).up()
    job_id, results, outcome = run_source(settings, args.source, full_refresh=args.full, tables=_tables(args))
    print(tabulate([[r.stage, r.status, f"{r.seconds:.2f}", r.notes.get("reason", "")] for r in results],
                   headers=["stage", "status", "seconds", "note"], tablefmt="simple"))
    _print_loads(outcome.loads)
    print(f"job {job_id}: {outcome.status}")
    return 0


def _tables(args: argparse.Namespace) -> list[str] | None:
    return args.tables or None


def _print_loads(loads: list) -> None:
    if not loads:
        return
    keys = ("inserted", "updated", "unchanged", "quarantined", "deleted", "revived")
    rows = [[t.raw_table, *(getattr(t, k) for k in keys), t.path, f"{t.seconds:.2f}"] for t in loads]
    rows.append(["total", *(sum(getattr(t, k) for t in loads) for k in keys), "", f"{sum(t.seconds for t in loads):.2f}"])
    print(tabulate(rows, headers=["raw table", *keys, "path", "seconds"], tablefmt="simple", intfmt=","))


# -- sync / discover ----------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    from partner_sync.pipeline import run_source

    settings = _settings()
    if settings.uses_embedded:
        _server(settings).up()
    if args.reconcile:
        from partner_sync.ingest import reconcile_source

        report = reconcile_source(settings, args.source, tables=_tables(args))
        print(tabulate([[r.table, r.checked, r.missed, r.reloaded, f"{r.seconds:.2f}"] for r in report.tables],
                       headers=["table", "rows compared", "missed by cursor", "reloaded", "seconds"],
                       tablefmt="simple", intfmt=","))
        print(f"job {report.job_id}: {report.status}")
        return 0
    job_id, _, outcome = run_source(settings, args.source, full_refresh=args.full, tables=_tables(args),
                                    stages=("extract", "raw_load"))
    _print_loads(outcome.loads)
    print(f"job {job_id}: {outcome.status}")
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from partner_sync.raw.artifacts import write_artifacts
    from partner_sync.ingest import discover_source
    from partner_sync.source_defs import load_source

    settings = _settings()
    if settings.uses_embedded:
        _server(settings).up()
    source = load_source(settings.include_dir, args.source)
    schemas = discover_source(settings, source)
    print(tabulate([[name, len(t.columns), ", ".join(t.primary_key), t.cursor or "",
                     ", ".join(f"{c} ({r})" for c, r in t.excluded.items())] for name, t in schemas.items()],
                   headers=["table", "columns", "key", "cursor", "excluded (stays at the source)"],
                   tablefmt="simple"))
    base = Path(args.out) if args.out else settings.schema_artifacts_dir
    json_path, sql_path = write_artifacts(base, source.name, schemas)
    print(f"{sum(len(t.columns) for t in schemas.values())} columns in {len(schemas)} tables; "
          f"wrote {json_path} and {sql_path}")
    return 0


# -- report -------------------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    """The newest job of each source (or ``--job``) with its checks; warnings counted apart from failures."""
    import json

    from partner_sync.checks import newest_jobs, report, summarize, verdict

    settings = _settings()
    conn = settings.conn("warehouse_db")
    if args.job:
        ids = [args.job]
    else:
        ids = [j["job_id"] for j in newest_jobs(conn, settings.include_dir)]
    reports = [report(conn, job_id) for job_id in ids]
    reports = [(job, rows) for job, rows in reports if job is not None]
    if args.job and not reports:
        print(f"partner_sync report: job {args.job} does not exist in ops.sync_jobs of {conn.masked}",
              file=sys.stderr)
        return 3
    if args.json:
        newest = max(reports, key=lambda r: r[0]["started_at"], default=(None, []))
        print(json.dumps({"job": newest[0], "checks": newest[1],
                          "jobs": [{"job": job, "checks": rows, "summary": summarize(rows)} for job, rows in reports]},
                         default=str, indent=2))
        return 0 if reports else 3
    if not reports:
        print("no sync jobs recorded yet (run a sync: partner_sync run <source>)")
        return 3
    for n, (job, rows) in enumerate(reports):
        if n:
            print()
        print(f"{job['source_system']}: job {job['job_id']}  {job['job_type']}  {job['status']}  "
              f"started {job['started_at']:%Y-%m-%d %H:%M:%S}")
        if not rows:
            why = f": {job['error_message'][:200]}" if job.get("error_message") else ""
            print(f"no checks recorded for this job (its validate stage did not run{why})")
            continue
        table = []
        for r in rows:
            d = r["failure_details"] or {}
            name, _, desc = (r["check_description"] or "").partition(": ")
            rate = f" rate={d['rate']:.2%}" if d.get("rate") is not None else ""
            table.append([verdict(r), name, r["records_checked"], r["records_failed"],
                          (desc + rate + ("; e.g. " + ", ".join(map(str, d.get("sample_keys", [])[:3]))
                                          if not r["passed"] and d.get("sample_keys") else ""))[:110]])
        print(tabulate(table, headers=["result", "check", "checked", "failed", "details"], tablefmt="simple",
                       intfmt=","))
        c = summarize(rows)
        print(f"{c['checks']} checks, {c['passed']} passed, {c['failed']} failed, "
              f"{c['warnings']} warning{'' if c['warnings'] == 1 else 's'}, {c['skipped']} skipped")
    return 0


# -- maintenance ----------------------------------------------------------------------------------
def cmd_maintenance(args: argparse.Namespace) -> int:
    from partner_sync.maintenance import prune_ops, sweep_abandoned, vacuum_analyze

    settings = _settings()
    swept = sweep_abandoned(settings)
    print(f"abandoned jobs (running longer than {settings.job_timeout_seconds:g}s since their last start): "
          + (", ".join(f"{source} {job}" for job, source in swept) or "none"))
    if not args.skip_vacuum:
        done = vacuum_analyze(settings)
        print(f"VACUUM ANALYZE: {len(done)} tables in raw, core, search ({sum(s for _, s in done):.1f}s)")
    days = settings.ops_retention_days if args.prune_days is None else args.prune_days
    counts = prune_ops(settings, days)
    print(f"pruned ops rows older than {days} days: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


# -- summary ----------------------------------------------------------------------------------
def cmd_summary(args: argparse.Namespace) -> int:
    from partner_sync.summary import row_counts

    settings = _settings()
    conn = settings.conn("warehouse_db")
    counts = row_counts(conn)
    print(f"warehouse {conn.masked}")
    print(tabulate(counts, headers=["schema", "table", "rows"], tablefmt="simple", intfmt=","))
    if args.sources:
        from partner_sync.source_defs import effective_source, load_sources

        database_sources = [effective_source(settings, s) for s in load_sources(settings.include_dir).values()]
        for conn_id in dict.fromkeys(s.connection_id for s in database_sources if s.mode == "database"):
            src = settings.conn(conn_id)
            print(f"\nsource {conn_id} {src.masked}")
            print(tabulate(row_counts(src, ("public",)), headers=["schema", "table", "rows"], tablefmt="simple",
                           intfmt=","))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partner_sync", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("db", help="the embedded PostgreSQL server (demo, tests, local Airflow)",
                       description="Manage the embedded PostgreSQL 18 + pgvector server under PARTNER_SYNC_HOME.")
    p.add_argument("action", choices=["up", "down", "url", "status"],
                   help="up: init+start (prints the URL last); down: stop; url: print the URL; status: report")
    p.add_argument("--database", default="postgres", help="database name for `url` (default postgres)")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("migrate", help="apply sql/NNN_*.sql to the warehouse",
                       description="Apply pending migrations to the warehouse (warehouse_db), each once, in order.")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed-demo", help="create the demo Odoo and APN source databases",
                       description="Create odoo_demo and apn_demo on the embedded server: realistic, linked, "
                                   "messy and deterministic per seed; writes the Odoo/ACE twin ground truth.")
    p.add_argument("--scale", type=int, default=2000, help="Odoo opportunities (default 2000; up to 1,000,000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    p.add_argument("--truth", help="ground-truth CSV path (default $PARTNER_SYNC_HOME/demo/ground_truth.csv)")
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("run", help="run one source's five stages outside Airflow",
                       description="extract -> raw_load -> transform -> validate -> embed for one source, "
                                   "journaled in ops.sync_jobs.")
    p.add_argument("source", help="source name from include/sources/*.yml (e.g. odoo, apn)")
    p.add_argument("--full", action="store_true", help="full refresh instead of incremental")
    p.add_argument("--tables", type=cli_args.table_list, help="comma-separated subset of the source's tables")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sync", help="extract + raw load of one source (per-table counts)",
                       description="Stream every table of a source into raw (COPY, upsert, quarantine, "
                                   "deletions), incremental by default.")
    p.add_argument("source", help="source name (odoo, apn)")
    p.add_argument("--full", action="store_true", help="reload everything, ignoring watermarks")
    p.add_argument("--tables", type=cli_args.table_list, help="comma-separated subset of the source's tables")
    p.add_argument("--reconcile", action="store_true",
                   help="compare per-row hashes with the source and reload rows the change cursor missed")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("discover", help="read the source catalog; write the schema artifacts",
                       description="Record every source column with its exact type; write "
                                   "discovery/complete_schemas_merged.json and sql/complete_raw_schema.sql.")
    p.add_argument("source", help="source name (odoo, apn)")
    p.add_argument("--out", help="artifact folder (default $PARTNER_SYNC_SCHEMA_DIR or data/schemas)")
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("report", help="the newest job of each source and its data-quality checks",
                       description="Print the newest sync job of each source with its data-quality checks "
                                   "(failures of error checks counted apart from warnings), or one --job.")
    p.add_argument("--job", type=cli_args.job_id, help="sync job id (default: the newest job of each source)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("maintenance", help="VACUUM ANALYZE raw/core/search and prune old ops rows",
                       description="Weekly housekeeping (also the partner_sync_maintenance DAG).")
    p.add_argument("--prune-days", type=cli_args.positive_days,
                   help="ops retention in days, at least 1 (default PARTNER_SYNC_OPS_RETENTION_DAYS=90)")
    p.add_argument("--skip-vacuum", action="store_true", help="only prune")
    p.set_defaults(func=cmd_maintenance)

    p = sub.add_parser("summary", help="tables and row counts per schema",
                       description="Print every warehouse table (raw, core, ops, search) with its row count.")
    p.add_argument("--sources", action="store_true", help="also count the source databases' tables")
    p.set_defaults(func=cmd_summary)
    from partner_sync import cli_airflow
    cli_airflow.register(sub)
    cli_search.register(sub)
    from partner_sync import cli_alerts, cli_demo
    cli_alerts.register(sub)
    cli_demo.register(sub)
    return parser


# Commands that open an ops.sync_jobs job: SIGTERM (like Ctrl-C) closes it as failed instead of leaving it running.
JOB_COMMANDS = ("run", "sync", "embed")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_cli_logging(args.verbose)
    from partner_sync.interrupts import Terminated, install, interruption

    if args.command in JOB_COMMANDS:
        install()  # `kill` or Ctrl-C of a run closes its job as failed
    try:
        return args.func(args)
    except (KeyboardInterrupt, Terminated) as exc:
        how = interruption(exc)
        print(f"partner_sync {args.command}: interrupted by {how}; a running job was marked failed",
              file=sys.stderr)
        return 143 if how == "SIGTERM" else 130
    except ConfigError as exc:
        print(f"partner_sync: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one readable line for the user; -v for the traceback
        from partner_sync.database import mask_dsn

        if args.verbose:
            raise
        print(f"partner_sync {args.command}: error: {mask_dsn(str(exc))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
