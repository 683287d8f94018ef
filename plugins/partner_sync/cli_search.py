"""``partner_sync embed | match | search | matches | review | eval-match | seed-hard-match``: embeddings, matching and its quality.

Registered into the main parser by ``cli.build_parser``; same conventions: results on stdout
(tables via tabulate), logs on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from tabulate import tabulate

from partner_sync.cli_settings import cli_settings
from partner_sync.config import Settings

def _settings() -> Settings:
    settings = cli_settings()
    if settings.uses_embedded:
        from partner_sync.dev.embedded import EmbeddedServer

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

    from partner_sync.source_defs import load_sources

    settings = _settings()
    defined = list(load_sources(settings.include_dir))
    if args.source != "all" and args.source not in defined:
        print(f"partner_sync embed: unknown source {args.source!r}; defined: {', '.join(defined)} or all "
              f"(include/sources/*.yml)", file=sys.stderr)
        return 2
    sources = defined if args.source == "all" else [args.source]
    if (args.job or args.finish_job) and len(sources) != 1:
        print(f"partner_sync embed: --job/--finish-job need one source (one of {', '.join(defined)})",
              file=sys.stderr)
        return 2
    if args.finish_job and not args.job:
        print("partner_sync embed: --finish-job needs --job", file=sys.stderr)
        return 2
    if args.recreate:
        _recreate(settings)
        sources = defined
    rows: list[list[Any]] = []
    for source in sources:
        if args.job:  # a stage of a job opened elsewhere (a DAG's extract task): journal it there
            from partner_sync.source_defs import load_source

            from partner_sync.run_request import RunRequest, RunResources

            job_id = uuid.UUID(args.job)
            src = load_source(settings.include_dir, source)
            with Database.from_settings(settings) as warehouse, RunResources(settings, warehouse, src) as res:
                result = pipeline.run_stage(RunRequest(src, job_id), res, "embed")
                status = (pipeline.finish_job(settings, warehouse, job_id, "success") if args.finish_job
                          else "running")
        else:
            job_id, results, outcome = pipeline.run_source(settings, source, stages=("embed",))
            result, status = results[0], outcome.status
        rows.extend(_embed_rows(source, result.detail))
        print(f"job {job_id} ({source}): {status}", file=sys.stderr)
    print(tabulate(rows, headers=EMBED_HEADERS, tablefmt="simple", intfmt=","))
    return 0


def _recreate(settings: Settings) -> None:
    from partner_sync.database import Database
    from partner_sync.embed import DimensionMismatch, get_embedder
    from partner_sync.embed.schema import recreate_vector_column

    dim = get_embedder(settings).dimension
    if dim != settings.embedding_dim:
        raise DimensionMismatch(f"model {settings.embedding_model} makes {dim}-dimensional vectors: set "
                                f"PARTNER_SYNC_EMBEDDING_DIM={dim} first, then run `partner_sync embed --recreate`")
    with Database.from_settings(settings) as db:
        rebuilt = recreate_vector_column(db, dim)
    print(f"search.embeddings.embed_vector is now vector({dim}); every embedding and match was dropped; "
          f"{len(rebuilt)} HNSW indexes rebuilt", file=sys.stderr)


# -- match / matches / review --------------------------------------------------------------------
def cmd_match(args: argparse.Namespace) -> int:
    from partner_sync.database import Database
    from partner_sync.match import read_truth, run_match

    settings = _settings()
    if args.train or args.train_reviews:
        from partner_sync.match.train import MIN_TWINS, labelled_pairs, reviewed_truth, store_model, train_model

        with Database.from_settings(settings) as db:
            if args.train_reviews:
                # a confirmed pair labels every other candidate of its two opportunities a non-twin
                truth, name, partial = reviewed_truth(db), "reviews", True
                if len(truth) < MIN_TWINS:
                    raise ValueError(f"--train-reviews needs at least {MIN_TWINS} confirmed pairs, {len(truth)} "
                                     "recorded: partner_sync review lists pairs to confirm or reject")
            else:
                truth, name, partial = read_truth(Path(args.train)), Path(args.train).name, args.partial_truth
            labelled = labelled_pairs(settings, db, truth, name=name, partial=partial)
            model = train_model([labelled], embedding_model=settings.embedding_model)
            store_model(db, model)
        held = model.trained_on["held_out_auto_link"]
        print(f"model {model.version} stored in search.match_models: {int(labelled.y.sum())} twins among "
              f"{len(labelled.y)} labelled pairs; auto-link threshold {model.auto_link_threshold} (held-out "
              f"precision {held['precision']:.3f}, coverage {held['coverage']:.3f}); the next `partner_sync match` "
              "uses it")
        return 0
    report = run_match(settings, top_k=args.top_k)
    print(tabulate([[d.direction, d.queries, d.kept, d.written, d.removed, f"{d.seconds:.2f}"]
                    for d in report.directions],
                   headers=["direction", "opportunities", "kept (top-k)", "written", "removed", "seconds"],
                   tablefmt="simple", intfmt=","))
    print(f"model {report.model_version}: {report.pairs:,} candidate pairs; decisions "
          + ", ".join(f"{k} {v:,}" for k, v in report.decisions.items())
          + f"; {report.assignment.get('components', 0):,} components (largest {report.assignment.get('largest', 0)})")
    print(f"linked: link probability >= {report.link_threshold} (PARTNER_SYNC_AUTO_LINK={settings.auto_link_policy})")
    return 0


SIGNAL_COLUMNS = [("cosine_identity", "cos id"), ("cosine_project", "cos proj"), ("exact_id", "id"),
                  ("name_similarity", "name"), ("domain", "domain"), ("account", "account"),
                  ("close_days_apart", "close Δd"), ("amount_read_as", "amount as"), ("ace_status", "ACE status")]


def _label(entity: dict[str, Any]) -> str:
    """An opportunity as `matches` and `review` show it: name / company (either may be missing)."""
    return " / ".join(x for x in (entity.get("name"), entity.get("company")) if x)


def _candidate_table(candidates: list[tuple[Any, str, str, float, dict | None]], disagreements: bool = True) -> str:
    """Ranked candidates (rank, id, label, probability, evidence) with one column per signal: ids as typed."""
    rows = [[rank, cid, label, f"{probability:.4f}", *[_fmt((evidence or {}).get(k)) for k, _ in SIGNAL_COLUMNS],
             *(["; ".join((evidence or {}).get("disagreements", []))] if disagreements else [])]
            for rank, cid, label, probability, evidence in candidates]
    return tabulate(rows, headers=["rank", "candidate", "name / company", "probability",
                                   *[h for _, h in SIGNAL_COLUMNS], *(["disagreements"] if disagreements else [])],
                    tablefmt="simple", disable_numparse=True)


def cmd_matches(args: argparse.Namespace) -> int:
    from partner_sync.database import Database
    from partner_sync.match.decisions import match_for
    from partner_sync.sql_files import load_sql

    settings = _settings()
    with Database.from_settings(settings) as db:
        if args.side == "ace":
            rows = db.execute_query(load_sql(settings.include_dir, "search/match/candidates_of"),
                                    {"direction": "ace_to_odoo", "source_id": args.source_id})
            if not rows:
                print(f"no candidates for ace {args.source_id} (run `partner_sync match` first)", file=sys.stderr)
                return 1
            print(f"ace {args.source_id}: {rows[0][0] or ''}")
            print(_candidate_table([(rank, target, label, score, signals)
                                    for _, rank, target, label, score, signals in rows], disagreements=False))
            return 0
        m = match_for(db, args.source_id)
    if m is None:
        print(f"unknown Odoo opportunity {args.source_id}", file=sys.stderr)
        return 1
    if not m["candidates"]:
        print(f"no candidates for odoo {args.source_id} (run `partner_sync match` first)", file=sys.stderr)
        return 1
    odoo = m["odoo"]
    print(f"odoo {args.source_id}: {_label(odoo)}")
    prob = "-" if m["probability"] is None else f"{m['probability']:.4f}"
    print(f"decision: {m['status']} -> {m['ace_id'] or '-'} (probability {prob}, model {m['model_version']})")
    print(_candidate_table([(c["rank"], c["ace_id"], _label(c["ace"]), c["probability"], c["evidence"])
                            for c in m["candidates"]]))
    for d in m["decisions"]:
        print(f"human: {d['decision']} {d['ace_id']} by {d['decided_by']} at {d['decided_at']}"
              + (f" ({d['note']})" if d.get("note") else ""))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from partner_sync.database import Database
    from partner_sync.match.decisions import decision_counts, record_decision, review_queue

    settings = _settings()
    with Database.from_settings(settings) as db:
        if args.confirm or args.reject:
            odoo_id, ace_id = args.confirm or args.reject
            row = record_decision(db, odoo_id, ace_id, "confirm" if args.confirm else "reject",
                                  args.by, note=args.note)
            print(f"{row['decision']}ed {row['odoo_id']} <-> {row['ace_id']} by {row['decided_by']}; "
                  "the next `partner_sync match` keeps it")
            return 0
        queue = review_queue(db, limit=args.limit)
        counts = decision_counts(db)
    print(tabulate([[q["odoo_id"], _label(q["odoo"]), q["ace_id"], _label(q["ace"]), f"{q['probability']:.3f}",
                     q["evidence"].get("ace_status") or "-", "; ".join(q["evidence"].get("disagreements", [])) or "-"]
                    for q in queue],
                   headers=["odoo", "odoo name / company", "ace", "ace name / company", "probability", "ACE status",
                            "disagreements"], tablefmt="simple", disable_numparse=True))
    print(", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if queue:
        print("record: partner_sync review --confirm ODOO_ID ACE_ID --by NAME (or --reject)")
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

    from partner_sync.embed.texts import entity as find_entity

    settings = _settings()
    if args.entity:
        try:
            find_entity(args.entity, settings.include_dir)
        except ValueError as exc:
            print(f"partner_sync search: --entity: {exc}", file=sys.stderr)
            return 2
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
    from partner_sync.match.evaluate import (auto_link, calibration, calibration_check, load_decisions, per_tag,
                                             read_tags)

    settings = _settings()
    truth_path = Path(args.truth) if args.truth else settings.home / "demo" / "ground_truth.csv"
    truth = read_truth(truth_path)
    with Database.from_settings(settings) as db:
        ranked = load_ranked(db, "odoo_to_ace")
        decisions = load_decisions(db)
    if not ranked:
        print("search.similarity_cache has no Odoo->ACE candidates: run `partner_sync match` first", file=sys.stderr)
        return 1
    r = evaluate(truth, ranked, k=5)
    print(f"ground truth {truth_path}: {r.pairs} twin pairs; {r.queries} Odoo opportunities with candidates")
    tags = read_tags(truth_path)
    if tags:
        print(tabulate([[name, e.pairs, f"{e.precision_at_1:.3f}", f"{e.recall_at_5:.3f}"]
                        for name, e in per_tag(truth, tags, ranked)],
                       headers=["tag", "pairs", "precision@1", "recall@5"], tablefmt="simple", intfmt=","))
    else:
        print(tabulate([["twins with a candidate", r.answered], ["rank-1 is the twin", r.hits_at_1],
                        ["twin in the first 5", r.hits_at_5]], tablefmt="simple", intfmt=","))
    a = auto_link(truth, decisions)
    print(f"auto-link (status linked): {a.linked} linked, precision={a.precision:.3f} coverage={a.coverage:.3f} "
          f"of {a.pairs} twins; review {sum(d[1] == 'review' for d in decisions)}, "
          f"unmatched {sum(d[1] == 'unmatched' for d in decisions)}")
    scored = [(p, truth.get(o) == t) for o, cands in ranked.items() for t, p in cands]
    checks = {(c.low, c.high): c for c in calibration_check(scored)}
    rows = [[f"{lo:.1f}-{hi:.1f}", n, f"{pred:.3f}", f"{obs:.3f}", f"{obs - pred:+.3f}"]
            for lo, hi, n, pred, obs in calibration(scored)]
    middle = checks.get((0.1, 0.9))
    if middle:
        rows.append(["0.1-0.9 pooled", middle.pairs, f"{middle.predicted:.3f}", f"{middle.observed:.3f}",
                     f"{middle.observed - middle.predicted:+.3f}"])
    for row, key in zip(rows, [(lo, hi) for lo, hi, *_ in calibration(scored)] + [(0.1, 0.9)]):
        c = checks.get(key)
        row += [f"{c.allowed:.3f}", "yes" if c.ok else "NO"] if c else ["-", "too few pairs"]
    print(tabulate(rows, headers=["probability", "pairs", "predicted", "observed", "gap", "allowed", "within"],
                   tablefmt="simple"))
    print("calibration: 'allowed' = 0.05 + what chance explains for the bin's pairs (99%, Bonferroni over "
          "the bins checked); a bin needs >= 10 pairs")
    print(r.summary_line())
    return 0


def cmd_seed_hard_match(args: argparse.Namespace) -> int:
    from partner_sync.database import Database
    from partner_sync.dev.demo.hard_match import build

    settings = _settings()
    truth = Path(args.truth) if args.truth else settings.home / "hard_match" / f"{args.split}_truth.csv"
    with Database.from_settings(settings) as db:
        bench = build(settings, db, args.split, args.customers, truth_path=truth)
    print(f"hard benchmark ({args.split}, {args.customers} customers): {len(bench.odoo)} Odoo, {len(bench.ace)} ACE "
          f"opportunities, {len(bench.truth)} twin pairs with tags in {truth}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the embeddings / matching commands to ``partner_sync``'s sub-parsers."""
    p = sub.add_parser("embed", help="embed new or changed core rows into search.embeddings",
                       description="Embed the identity and context texts of the core tables (odoo: "
                                   "odoo_opportunities + aws_accounts; apn: ace_opportunities). Only new or changed "
                                   "texts, or texts of another model, are embedded; rows gone from core lose "
                                   "their embeddings. The command a Kubernetes GPU pod runs.")
    p.add_argument("source", nargs="?", default="all",
                   help="whose tables: a source of include/sources/*.yml (odoo, apn ...) or all (default all)")
    p.add_argument("--job", "--job-id", dest="job", help="record the stage in this existing ops.sync_jobs job "
                                                        "(a DAG run's job: what a Kubernetes embed pod does)")
    p.add_argument("--finish-job", action="store_true", help="close that job afterwards (embed is the last stage)")
    p.add_argument("--recreate", action="store_true",
                   help="the model's dimension differs from the column: drop every embedding and match, "
                        "change embed_vector to vector(PARTNER_SYNC_EMBEDDING_DIM), re-embed everything")
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("match", help="match Odoo and ACE opportunities: probabilities, assignment, decisions",
                       description="For each Odoo opportunity its top-k ACE candidates (and the reverse) with the "
                                   "probability that they are twins (learned model on both cosines, exact ids, ACE "
                                   "status, names, domains, accounts, dates, amounts), a one-to-one assignment per "
                                   "group of connected candidates, and a decision (linked / review / unmatched) in "
                                   "search.match_decisions. Human decisions (`partner_sync review`) are kept as "
                                   "hard constraints. Idempotent: a rerun on unchanged data writes nothing.")
    p.add_argument("--top-k", type=int, help="candidates kept per opportunity (default PARTNER_SYNC_MATCH_TOP_K, 5)")
    train = p.add_mutually_exclusive_group()  # --train reads the review decisions too
    train.add_argument("--train", metavar="TRUTH.csv",
                   help="instead of matching: fit a new model on this warehouse's candidates labelled by the CSV "
                        "(odoo_source_id,ace_source_id[,tags]) and your review decisions; stored versioned in "
                        "search.match_models and used from then on")
    p.add_argument("--partial-truth", action="store_true",
                   help="with --train: the CSV lists only some twins (label only pairs touching its ids)")
    train.add_argument("--train-reviews", action="store_true",
                   help="instead of matching: fit a new model on your review decisions alone (no CSV): a confirmed "
                        "pair is a twin and every other candidate of its two opportunities is not (twins are "
                        "one-to-one), a rejected pair is not; needs at least 10 confirmed pairs among the candidates")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("search", help="semantic search: free text -> ranked opportunities / accounts",
                       description="Embed the text and return the nearest entities with the text that matched.")
    from partner_sync.cli_args import search_k, utf8_text

    p.add_argument("text", type=utf8_text, help="free text, e.g. \"oracle to aurora migration\"")
    p.add_argument("--entity", help="only this entity: an alias or core table a source YAML embeds "
                                    "(odoo, ace, aws ...; default: all)")
    p.add_argument("--k", type=search_k, default=10, help="results, 1 to 1000 (default 10)")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("matches", help="one opportunity's decision and candidates with their evidence",
                       description="Show the decision (linked / review / unmatched) of one Odoo opportunity, its "
                                   "ranked candidates (rank 1 = the assignment) with the evidence and disagreements "
                                   "behind each probability, and the human decisions on it (--side ace: one ACE "
                                   "opportunity's Odoo candidates).")
    p.add_argument("source_id", help="Odoo crm_lead id (or ACE opportunity id with --side ace)")
    p.add_argument("--side", choices=["odoo", "ace"], default="odoo", help="which side the id is from (default odoo)")
    p.set_defaults(func=cmd_matches)

    p = sub.add_parser("review", help="pairs to review (most uncertain first); record --confirm / --reject",
                       description="Without options: the pairs the matcher left for review, most uncertain first, "
                                   "with their disagreements. --confirm/--reject ODOO_ID ACE_ID records a human "
                                   "decision, stored apart from the matcher's output: never overwritten by a "
                                   "rerun, a hard constraint of the next assignment and a training label.")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--confirm", nargs=2, metavar=("ODOO_ID", "ACE_ID"), help="these two are twins")
    group.add_argument("--reject", nargs=2, metavar=("ODOO_ID", "ACE_ID"), help="these two are not twins")
    p.add_argument("--by", default=os.environ.get("USER") or "cli", help="who decides (default: $USER)")
    p.add_argument("--note", help="why (kept with the decision)")
    p.add_argument("--limit", type=int, default=50, help="pairs listed (default 50)")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("seed-hard-match", help="load the hard matching benchmark into an empty warehouse",
                       description="Odoo and ACE opportunities written from real partner data's messiness "
                                   "(docs: README, 'Matching'), straight into core, embedded; writes the truth "
                                   "CSV with a difficulty tag per pair. Splits: train / eval / test (own seeds, "
                                   "disjoint customers).")
    p.add_argument("--split", choices=["train", "eval", "test"], default="eval")
    p.add_argument("--customers", type=int, default=150)
    p.add_argument("--truth", help="where to write the truth CSV (default $PARTNER_SYNC_HOME/hard_match/SPLIT_truth.csv)")
    p.set_defaults(func=cmd_seed_hard_match)

    p = sub.add_parser("eval-match", help="precision@1, recall@1, recall@5 and best threshold vs a ground truth",
                       description="Compare search.similarity_cache (Odoo->ACE) with a ground-truth CSV of twin "
                                   "pairs (header odoo_source_id,ace_source_id; see docs/demo_sources.md). The "
                                   "last line reads precision@1=… recall@1=… recall@5=… pairs=N.")
    p.add_argument("--truth", help="ground-truth CSV (default: the one the last seed-demo wrote, "
                                   "$PARTNER_SYNC_HOME/demo/ground_truth.csv)")
    p.set_defaults(func=cmd_eval_match)
