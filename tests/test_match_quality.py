"""Match quality on the hard benchmark (data the matcher was not built from), calibration, training.

The fast test runs the real pipeline (embed, candidates, shipped model, assignment, decisions) on a small
held-out split of the hard benchmark; its floors sit 0.02 under what this code measures, so a regression of
0.02 fails it. The slow test checks the issue's targets on the evaluation split. On the same fixture: scoring in
small batches of pairs gives the one-batch match exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from partner_sync.database import Database
from partner_sync.dev.demo.hard_match import SPLITS, build, generate
from partner_sync.match import evaluate, load_ranked, run_match, scoring
from partner_sync.match.decisions import record_decision
from partner_sync.match.evaluate import auto_link, calibration_check, load_decisions, per_tag
from partner_sync.match.model import PairModel
from partner_sync.match.run import active_model, score_pairs
from partner_sync.match.train import labelled_pairs, train_model
from test_embed import minilm, query, warehouse_settings  # noqa: F401

EXE = str(Path(sys.executable).parent / "partner_sync")

# measured on the 'test' split, 40 customers, with the shipped model (README, "Matching"): floors = measured - 0.02;
# auto-link under the default policy (unseen: default-4's leave-one-source-out threshold, 0.9989) and under 'seen'
# (its out-of-fold threshold, 0.9632; default-3 read 0.839 there). precision@1 85 of 87 with the assignment's
# likelihood (summed log-odds, anyone may stay unlinked); 84 of 87 (0.966) when it forced everyone into a pair
SMALL = {"customers": 40, "precision_at_1": 0.977, "recall_at_5": 1.0, "auto_link_precision": 1.0,
         "auto_link_coverage": 0.425, "seen_precision": 1.0, "seen_coverage": 0.862}


def test_splits_are_apart():
    """Training and evaluation never share a seed, an id or a customer."""
    seeds = [s for s, _ in SPLITS.values()]
    assert len(set(seeds)) == len(seeds)
    train, ev = generate("train", 60), generate("eval", 60)
    assert not {r["source_id"] for r in train.odoo} & {r["source_id"] for r in ev.odoo}
    assert not {r["source_id"] for r in train.ace} & {r["source_id"] for r in ev.ace}
    assert not {r["partner_name"] for r in train.odoo} & {r["partner_name"] for r in ev.odoo}
    tags = {t for _, _, ts in ev.truth for t in ts.split(";")}
    for phenomenon in ("multi_project", "acronym", "native_script", "junk_website", "tld", "account_11_digits",
                       "payer_account", "rejected_duplicate", "masked_referral", "exact_id", "stale_id", "language",
                       "date_far", "services_fee", "lookalike", "no_description", "opaque_title"):
        assert phenomenon in tags, phenomenon
    assert generate("eval", 60).truth == ev.truth  # deterministic


def test_quality_on_a_small_hard_fixture_and_calibration(small_hard):
    settings, db, bench, url = small_hard
    truth = {o: a for o, a, _ in bench.truth}
    # PARTNER_SYNC_AUTO_LINK=seen: the threshold measured on held-out folds of the model's training sources (the
    # hard benchmark is one); the default, unseen, links fewer pairs, for a partner the model never saw
    report = run_match(replace(settings, auto_link_policy="seen"), db)
    seen = auto_link(truth, load_decisions(db))
    assert report.link_threshold == active_model(db).auto_link_threshold
    assert seen.precision >= SMALL["seen_precision"] - 0.02 and seen.coverage >= SMALL["seen_coverage"] - 0.02, seen
    report = run_match(settings, db)
    assert report.link_threshold == active_model(db).unseen_auto_link_threshold > active_model(db).auto_link_threshold
    ranked = load_ranked(db)
    r = evaluate(truth, ranked)
    a = auto_link(truth, load_decisions(db))
    tags = {o: t.split(";") for o, _, t in bench.truth}
    print(r.summary_line(), f"auto-link precision={a.precision:.3f} coverage={a.coverage:.3f}; seen: "
          f"precision={seen.precision:.3f} coverage={seen.coverage:.3f}")
    for name, e in per_tag(truth, tags, ranked):
        print(f"{name:20s} {e.pairs:4d} {e.precision_at_1:.3f} {e.recall_at_5:.3f}")
    assert r.pairs == len(bench.truth) > 60
    assert r.precision_at_1 >= SMALL["precision_at_1"] - 0.02, r
    assert r.recall_at_5 >= SMALL["recall_at_5"] - 0.02, r
    assert a.precision >= SMALL["auto_link_precision"] - 0.02 and a.coverage >= SMALL["auto_link_coverage"] - 0.02, a
    assert a.linked < seen.linked
    # calibration on held data: every bin of >= 10 pairs and the pooled middle (0.1-0.9) within 0.05 beyond
    # what chance explains for its size (evaluate.calibration_check)
    checks = calibration_check([(p, truth.get(o) == t) for o, c in ranked.items() for t, p in c])
    print(*checks, sep="\n")
    assert len(checks) >= 3 and all(c.ok for c in checks), checks


def test_training_is_reproducible_and_stored_models_are_used(small_hard):
    settings, db, bench, url = small_hard
    truth = {o: a for o, a, _ in bench.truth}
    labelled = labelled_pairs(settings, db, truth, name="small")
    assert labelled.y.sum() > 50
    first = train_model([labelled], embedding_model=settings.embedding_model, version="t1")
    second = train_model([labelled], embedding_model=settings.embedding_model, version="t1")
    assert first.to_json() == second.to_json()
    assert json.loads(first.to_json())["features"] == first.features
    restored = PairModel.from_dict(json.loads(first.to_json()))
    assert np.allclose(restored.predict(labelled.x), first.predict(labelled.x))
    # held-out threshold: the model says how precise its auto-links were on folds it did not see
    assert first.trained_on["held_out_auto_link"]["precision"] >= 0.95
    # the calibration map is fitted on out-of-fold scores and keeps the regression's order
    knots = np.asarray(first.calibration["p"])
    assert len(knots) >= 3 and np.all(np.diff(knots) > 0) and np.all(np.diff(first.calibration["logit"]) > 0)


def test_training_on_review_decisions_alone(small_hard, monkeypatch, capsys):
    """A RevOps lead with no truth CSV retrains on what they confirmed and rejected in `partner_sync review`:
    a confirmed pair is a twin, every other candidate of its two opportunities a non-twin, a rejection a
    non-twin; two confirmations sharing an opportunity are refused, naming both pairs."""
    from partner_sync.cli import main
    from partner_sync.config import get_config
    from partner_sync.match.decisions import record_decision

    settings, db, bench, url = small_hard
    for key, value in {"AIRFLOW_CONN_WAREHOUSE_DB": url, "PARTNER_SYNC_POOL_MIN": "1",
                       "PARTNER_SYNC_POOL_MAX": "4"}.items():
        monkeypatch.setenv(key, value)
    get_config.cache_clear()  # the CLI reads the configuration once per process: this test's warehouse
    pairs = sorted((o, a) for o, a, _ in bench.truth)
    try:
        assert main(["match", "--train-reviews"]) == 1
        assert "at least 10 confirmed pairs, 0 recorded" in capsys.readouterr().err
        for o, a in pairs[:40]:
            record_decision(db, o, a, "confirm", "revops@example.com")
        wrong = (pairs[40][0], pairs[41][1])  # another customer's ACE opportunity
        record_decision(db, *wrong, "reject", "revops@example.com")
        assert main(["match", "--train-reviews"]) == 0
        out = capsys.readouterr().out
        model = active_model(db)
        assert out.startswith(f"model {model.version} stored") and model.trained_on["sets"]["reviews"]["twins"] == 40
        # the same as a CSV of the 40 confirmed twins with --partial-truth (the rejection is read either way)
        labelled = labelled_pairs(settings, db, dict(pairs[:40]), name="reviews", partial=True)
        assert model.trained_on["sets"]["reviews"] == {"pairs": len(labelled.y), "twins": 40}
        assert len(labelled.y) < len(labelled_pairs(settings, db, dict(pairs), name="all").y)
        with pytest.raises(SystemExit):  # argparse: not allowed with argument --train
            main(["match", "--train", "x.csv", "--train-reviews"])
        record_decision(db, pairs[0][0], pairs[1][1], "confirm", "someone@example.com")
        assert main(["match", "--train-reviews"]) == 1
        err = capsys.readouterr().err
        assert f"{pairs[0][0]},{pairs[0][1]}" in err and f"{pairs[0][0]},{pairs[1][1]}" in err, err
    finally:
        get_config.cache_clear()
        db.execute_query("DELETE FROM search.match_reviews", fetch=False)
        db.execute_query("DELETE FROM search.match_models", fetch=False)  # back to the shipped default


def test_cli_train_stores_a_versioned_model_that_the_next_match_uses(small_hard, tmp_path):
    settings, db, bench, url = small_hard
    truth = tmp_path / "truth.csv"
    bench.write_truth(truth)
    env = {**os.environ, "AIRFLOW_CONN_WAREHOUSE_DB": url,
           "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4"}
    proc = subprocess.run([EXE, "match", "--train", str(truth)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("model lr-") and "stored in search.match_models" in proc.stdout
    version = db.execute_query("SELECT version FROM search.match_models")[0][0]
    proc = subprocess.run([EXE, "match"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0 and f"model {version}:" in proc.stdout, proc.stderr
    # fitted on this warehouse's own labels: no unseen threshold, its own held-out one decides (default policy)
    own = active_model(db)
    assert own.unseen_auto_link_threshold is None
    assert f"linked: link probability >= {own.auto_link_threshold} (PARTNER_SYNC_AUTO_LINK=unseen)" in proc.stdout
    assert {r[0] for r in db.execute_query("SELECT DISTINCT model_version FROM search.match_decisions")} == {version}
    db.execute_query("DELETE FROM search.match_models", fetch=False)  # back to the shipped default


def _snapshot(url: str, db: Database, settings) -> dict:
    with db.get_connection() as conn, conn.transaction():
        scored, _, _ = score_pairs(settings, conn, active_model(db))
    with db.get_connection() as conn, conn.transaction():
        training, _, _ = score_pairs(settings, conn, None)
    return {
        "pairs": list(scored.pairs()), "p": scored.p, "p_raw": scored.p_raw, "x": training.x,
        "cache": query(url, "SELECT direction, source_id, rank, target_id, similarity_score, signals "
                            "FROM search.similarity_cache ORDER BY direction, source_id, rank"),
        "decisions": query(url, "SELECT odoo_id, status, ace_id, probability, evidence FROM search.match_decisions "
                                "ORDER BY odoo_id"),
    }


def _assert_same(one: dict, many: dict) -> None:
    assert many["pairs"] == one["pairs"]
    # a pair's probability depends on its own features only (PairModel.predict_raw): equal, not just close
    assert np.array_equal(many["p"], one["p"]) and np.array_equal(many["p_raw"], one["p_raw"])
    assert np.array_equal(many["x"], one["x"])  # training's design matrix: identical
    assert many["decisions"] == one["decisions"]
    assert many["cache"] == one["cache"]


def test_small_batches_give_the_one_batch_result(small_hard, monkeypatch):
    """The hard fixture's match in batches of 300 pairs against one batch: same pairs, probabilities, training
    matrix, decisions with their evidence, cache rows with their signals; also with a person's decisions."""
    settings, db, bench, url = small_hard
    monkeypatch.setattr(scoring, "PAIR_BATCH", 10**9)
    run_match(settings, db)
    one = _snapshot(url, db, settings)
    assert len(one["pairs"]) > 1500 and len(one["cache"]) > 300
    monkeypatch.setattr(scoring, "PAIR_BATCH", 300)
    with db.get_connection() as conn, conn.transaction():
        scored, _, _ = score_pairs(settings, conn, None)
    assert len(list(scoring.batches(scored.o_idx, 300))) >= 5
    with db.get_connection() as conn:
        conn.execute("DELETE FROM search.similarity_cache")
        conn.execute("DELETE FROM search.match_decisions")
    run_match(settings, db)
    _assert_same(one, _snapshot(url, db, settings))

    # a person confirms a pair the candidate search never proposed (scored in an extra pass) and rejects one
    far_odoo, far_ace = one["pairs"][0][0], one["pairs"][-1][1]
    assert (far_odoo, far_ace) not in set(one["pairs"])
    record_decision(db, far_odoo, far_ace, "confirm", "test")
    record_decision(db, *one["pairs"][len(one["pairs"]) // 2], "reject", "test")
    try:
        run_match(settings, db)
        many = _snapshot(url, db, settings)
        monkeypatch.setattr(scoring, "PAIR_BATCH", 10**9)
        run_match(settings, db)
        _assert_same(_snapshot(url, db, settings), many)
        assert next(d for d in many["decisions"] if d[0] == far_odoo)[1:3] == ("linked", far_ace)
    finally:
        db.execute_query("DELETE FROM search.match_reviews", fetch=False)
        run_match(settings, db)


@pytest.mark.slow
def test_hard_benchmark_targets(make_db, minilm):  # noqa: F811
    """The issue's targets on the evaluation split (150 customers): p@1 >= 0.92, r@5 >= 0.98, auto-link
    precision >= 0.98 covering >= 70% of twins. The hard benchmark's generator trains the shipped model, so its
    eval split is held-out data of a seen source: the coverage target holds under PARTNER_SYNC_AUTO_LINK=seen; the
    default (unseen, for a partner the model never saw) keeps the precision and links fewer."""
    url = make_db("hardeval")
    settings = warehouse_settings(url)
    with Database.from_settings(settings) as db:
        bench = build(settings, db, "eval", 150)
        truth = {o: a for o, a, _ in bench.truth}
        run_match(replace(settings, auto_link_policy="seen"), db)
        seen = auto_link(truth, load_decisions(db))
        run_match(settings, db)
        ranked = load_ranked(db)
        r = evaluate(truth, ranked)
        a = auto_link(truth, load_decisions(db))
    print(r.summary_line(), "seen:", seen, "unseen:", a)
    assert r.precision_at_1 >= 0.92 and r.recall_at_5 >= 0.98, r
    assert seen.precision >= 0.98 and seen.coverage >= 0.70, seen
    assert a.precision >= 0.98 and a.linked < seen.linked, a
    # calibration on the evaluation split (never trained on): the middle bins too, each with the tolerance its
    # size allows (0.05 + chance, 99% Bonferroni), and the middle pooled
    checks = calibration_check([(p, truth.get(o) == t) for o, c in ranked.items() for t, p in c])
    print(*checks, sep="\n")
    assert sum(0.1 <= c.low and c.high <= 0.9 for c in checks) >= 5 and all(c.ok for c in checks), checks
