"""``partner_sync embed | match | search | matches | eval-match``: embeddings, matching and its quality.

Registered into the main parser by ``cli.build_parser``; same conventions: results on stdout
(tables via tabulate), logs on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from tabulate import tabulate

from partner_sync.config import Settings, get_config

SOURCES = ("odoo", "apn")


def _settings() -> Settings:
    settings = get_config()
    if settings.uses_embedded:
        from partner_sync.embedded import EmbeddedServer

        EmbeddedServer(settings.home, port=settings.embedded_port).up()
    return settings


def _embed_rows(source: str, detail: dict[str, Any]) -> list[list[Any]]:
    return [[source, table, t["texts"], t["embedded"], t["inserted"], t["updated"], t["deleted"],
             f"{t['seconds']:.2f}", t["texts_per_s"]] for table, t in (detail.get("tables") or {}).items()]


EMBED_HEADERS = ["source", "table", "texts", "embedded", "new", "changed", "deleted", "seconds", "texts/s"]


# -- embed --------------------------------------------------------------------------------------
def cmd_embed(args: argparse.Namespace) -> int:
    from partner_sync import pipeline
    from partner_sync.database import Database

    settings = _settings()
    sources = list(SOURCES) if args.source == "all" else [args.source]
    if (args.job or args.finish_job) and len(sources) != 1:
        print("partner_sync embed: --job/--finish-job need one source (odoo or apn)", file=sys.stderr)
        return 2
    if args.finish_job and not args.job:
        print("partner_sync embed: --finish-job needs --job", file=sys.stderr)
        return 2
    if args.recreate:
        _recreate(settings)
        sources = list(SOURCES)
    rows: list[list[Any]] = []
    for source in sources:
        if args.job:  # a stage of a job opened elsewhere (a DAG's extract task): journal it there
            from partner_sync.source_defs import load_source

            with Database.from_settings(settings) as warehouse:
                ctx = pipeline.StageContext(settings, load_source(settings.include_dir, source),
                                            uuid.UUID(args.job), warehouse)
                result = pipeline.run_stage(ctx, "embed")
                status = (pipeline.finish_job(settings, warehouse, ctx.job_id, "success") if args.finish_job
                          else "running")
            job_id = ctx.job_id
        else:
            job_id, results, ctx = pipeline.run_source(settings, source, stages=("embed",))
            result, status = results[0], ctx.status
        rows.extend(_embed_rows(source, result.detail))
        print(f"job {job_id} ({source}): {status}", file=sys.stderr)
    print(tabulate(rows, headers=EMBED_HEADERS, tablefmt="simple", intfmt=","))
    return 0


def _recreate(settings: Settings) -> None:
    from partner_sync.database import Database
    from partner_sync.embed.base import DimensionMismatch, get_embedder
    from partner_sync.embed.schema import recreate_vector_column

    dim = get_embedder(settings).dimension
    if dim != settings.embedding_dim:
        raise DimensionMismatch(f"model {settings.embedding_model} makes {dim}-dimensional vectors: set "
                                f"PARTNER_SYNC_EMBEDDING_DIM={dim} first, then run `partner_sync embed --recreate`")
    with Database.from_settings(settings) as db:
        rebuilt = recreate_vector_column(db, dim)
    print(f"search.embeddings.embed_vector is now vector({dim}); every embedding and match was dropped; "
          f"{len(rebuilt)} HNSW indexes rebuilt", file=sys.stderr)


# -- match / matches ------------------------------------------------------------------------------
def cmd_match(args: argparse.Namespace) -> int:
    from partner_sync.match import run_match

    settings = _settings()
    report = run_match(settings, top_k=args.top_k)
    print(tabulate([[d.direction, d.queries, d.candidates, d.kept, d.written, d.removed, f"{d.seconds:.2f}"]
                    for d in report.directions],
                   headers=["direction", "queries", "candidates", "kept (top-k)", "written", "removed", "seconds"],
                   tablefmt="simple", intfmt=","))
    return 0


SIGNAL_COLUMNS = [("cosine_identity", "cos id"), ("cosine_context", "cos ctx"), ("same_aws_account", "account"),
                  ("same_domain", "domain"), ("company_name_similarity", "name sim"),
                  ("close_date_days_apart", "close Δd"), ("created_days_apart", "created Δd"),
                  ("amount_ratio", "amount ×")]


def cmd_matches(args: argparse.Namespace) -> int:
    from partner_sync.database import Database
    from partner_sync.sql_files import load_sql

    settings = _settings()
    direction = "odoo_to_ace" if args.side == "odoo" else "ace_to_odoo"
    with Database.from_settings(settings) as db:
        rows = db.execute_query(load_sql(settings.include_dir, "search/match/candidates_of"),
                                {"direction": direction, "source_id": args.source_id})
    if not rows:
        print(f"no candidates for {args.side} {args.source_id} (run `partner_sync match` first)", file=sys.stderr)
        return 1
    print(f"{args.side} {args.source_id}: {rows[0][0] or ''}")
    table = [[rank, target, label, f"{score:.4f}",
              *[_fmt((signals or {}).get(key)) for key, _ in SIGNAL_COLUMNS]]
             for _, rank, target, label, score, signals in rows]
    print(tabulate(table, headers=["rank", "candidate", "name / company", "score", *[h for _, h in SIGNAL_COLUMNS]],
                   tablefmt="simple", disable_numparse=True))
    return 0


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# -- search ----------------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from partner_sync.search import semantic_search

    settings = _settings()
    hits = semantic_search(settings, args.text, entity=args.entity, k=args.k)
    if args.json:
        print(json.dumps([h.__dict__ for h in hits], ensure_ascii=False, indent=1))
        return 0
    width = 90
    print(tabulate([[i, h.entity, h.source_id, f"{h.score:.4f}", h.matched, h.label or "",
                     h.text if len(h.text) <= width else h.text[:width - 1] + "…"] for i, h in enumerate(hits, 1)],
                   headers=["#", "entity", "id", "cosine", "matched", "name / company", "matched text"],
                   tablefmt="simple", disable_numparse=True))
    return 0


# -- eval-match ------------------------------------------------------------------------------------
def cmd_eval_match(args: argparse.Namespace) -> int:
    from partner_sync.database import Database
    from partner_sync.match import evaluate, load_ranked, read_truth

    settings = _settings()
    truth_path = Path(args.truth) if args.truth else settings.home / "demo" / "ground_truth.csv"
    truth = read_truth(truth_path)
    with Database.from_settings(settings) as db:
        ranked = load_ranked(db, "odoo_to_ace")
    if not ranked:
        print("search.similarity_cache has no Odoo->ACE candidates: run `partner_sync match` first", file=sys.stderr)
        return 1
    r = evaluate(truth, ranked, k=5)
    print(f"ground truth {truth_path}: {r.pairs} twin pairs; {r.queries} Odoo opportunities with candidates")
    print(tabulate([["twins with a candidate", r.answered], ["rank-1 is the twin", r.hits_at_1],
                    ["twin in the first 5", r.hits_at_5]], tablefmt="simple", intfmt=","))
    if r.threshold is not None:
        print(f"best F1 threshold: score >= {r.threshold:.4f} -> precision={r.threshold_precision:.2f} "
              f"recall={r.threshold_recall:.2f} F1={r.threshold_f1:.2f} (rank-1 of every Odoo opportunity)")
    print(r.summary_line())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the embeddings / matching commands to ``partner_sync``'s sub-parsers."""
    p = sub.add_parser("embed", help="embed new or changed core rows into search.embeddings",
                       description="Embed the identity and context texts of the core tables (odoo: "
                                   "odoo_opportunities + aws_accounts; apn: ace_opportunities). Only new or changed "
                                   "texts, or texts of another model, are embedded; rows gone from core lose "
                                   "their embeddings. The command a Kubernetes GPU pod runs.")
    p.add_argument("source", nargs="?", choices=[*SOURCES, "all"], default="all",
                   help="whose tables: odoo, apn or all (default all)")
    p.add_argument("--job", "--job-id", dest="job", help="record the stage in this existing ops.sync_jobs job "
                                                        "(a DAG run's job: what a Kubernetes embed pod does)")
    p.add_argument("--finish-job", action="store_true", help="close that job afterwards (embed is the last stage)")
    p.add_argument("--recreate", action="store_true",
                   help="the model's dimension differs from the column: drop every embedding and match, "
                        "change embed_vector to vector(PARTNER_SYNC_EMBEDDING_DIM), re-embed everything")
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("match", help="fill search.similarity_cache with Odoo<->ACE candidates",
                       description="For each Odoo opportunity its top-k ACE candidates (and the reverse), scored "
                                   "from both cosines and the evidence: AWS account, domain, company name, dates, "
                                   "amounts. Idempotent: a rerun on unchanged data writes nothing.")
    p.add_argument("--top-k", type=int, help="candidates kept per opportunity (default PARTNER_SYNC_MATCH_TOP_K, 5)")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("search", help="semantic search: free text -> ranked opportunities / accounts",
                       description="Embed the text and return the nearest entities with the text that matched.")
    p.add_argument("text", help="free text, e.g. \"oracle to aurora migration\"")
    p.add_argument("--entity", choices=["odoo", "ace", "aws"], help="only this entity (default: all three)")
    p.add_argument("--k", type=int, default=10, help="results (default 10)")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("matches", help="one opportunity's match candidates with their evidence",
                       description="Show the cached candidates of one Odoo opportunity (or, with --side ace, one "
                                   "ACE opportunity) and the signals behind each score.")
    p.add_argument("source_id", help="Odoo crm_lead id (or ACE opportunity id with --side ace)")
    p.add_argument("--side", choices=["odoo", "ace"], default="odoo", help="which side the id is from (default odoo)")
    p.set_defaults(func=cmd_matches)

    p = sub.add_parser("eval-match", help="precision@1, recall@1, recall@5 and best threshold vs a ground truth",
                       description="Compare search.similarity_cache (Odoo->ACE) with a ground-truth CSV of twin "
                                   "pairs (header odoo_source_id,ace_source_id; see docs/demo_sources.md). The "
                                   "last line reads precision@1=… recall@1=… recall@5=… pairs=N.")
    p.add_argument("--truth", help="ground-truth CSV (default: the one the last seed-demo wrote, "
                                   "$PARTNER_SYNC_HOME/demo/ground_truth.csv)")
    p.set_defaults(func=cmd_eval_match)
