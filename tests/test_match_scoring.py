"""Scoring in batches of pairs (match/scoring.py): the same pairs, features, probabilities, decisions and cache rows
as one batch; the relative features from per-group best values; the binary COPY reader of the pair cosines."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

from partner_sync.database import Database
from partner_sync.match import scoring
from partner_sync.match.cosines import read_pair_cosines
from partner_sync.match.decisions import record_decision
from partner_sync.match.model import GroupBest, group_best, relative, relative_to
from partner_sync.match.run import active_model, run_match, score_pairs
from test_embed import minilm, query  # noqa: F401
from test_match_quality import small_hard  # noqa: F401


def _relative_by_hand(values: np.ndarray, groups: np.ndarray, higher_better: bool, cap: float) -> np.ndarray:
    """The definition, one pair at a time: value minus the best other value of its group."""
    out = np.zeros(len(values))
    for i, (v, g) in enumerate(zip(values, groups)):
        others = [w for j, (w, h) in enumerate(zip(values, groups)) if h == g and j != i]
        if not others:
            out[i] = cap
            continue
        signed = [x if higher_better else -x for x in others]
        best = max((-np.inf if np.isnan(x) else x) for x in signed)
        mine = -np.inf if np.isnan(v) else (v if higher_better else -v)
        out[i] = mine - best if np.isfinite(mine) and np.isfinite(best) else 0.0
    return np.clip(out, -cap, cap)


@pytest.mark.parametrize("higher_better", [True, False])
def test_relative_features_match_their_definition_with_ties_and_missing_values(higher_better):
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 40, 400)
    values = np.round(rng.random(400), 1)  # one decimal: many ties, also at the top of a group
    values[rng.random(400) < 0.15] = np.nan
    values[groups == 7] = np.nan  # a group without any value
    expected = _relative_by_hand(values, groups, higher_better, 0.3)
    assert np.array_equal(relative(values, groups, higher_better, 0.3), expected)
    # the best two of a group gathered over batches give the same as all pairs at once
    parts = [group_best(values[s:s + 37], groups[s:s + 37], 40, higher_better) for s in range(0, 400, 37)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert isinstance(merged, GroupBest)
    assert np.array_equal(relative_to(values, groups, merged, higher_better, 0.3), expected)


def test_batches_hold_whole_odoo_opportunities():
    o_idx = np.repeat(np.arange(50), np.r_[np.full(49, 7), 40]).astype(np.int32)  # the last has 40 pairs
    cuts = list(scoring.batches(o_idx, 20))
    assert cuts[0][0] == 0 and cuts[-1][1] == len(o_idx)
    assert all(a[1] == b[0] for a, b in zip(cuts, cuts[1:]))
    for start, end in cuts:
        assert end > start
        assert start == 0 or o_idx[start - 1] != o_idx[start]  # never inside an opportunity's pairs
    assert (len(o_idx) - 40, len(o_idx)) in cuts  # one opportunity over the size is a batch of its own
    assert list(scoring.batches(o_idx[:0], 20)) == []


def test_pair_cosines_are_read_from_binary_copy(db_url):
    with psycopg.connect(db_url) as conn:
        # 250,000 rows: several decode rounds of DECODE_BYTES, rows split between two of them
        o, a, ci, cp = read_pair_cosines(conn, "SELECT g::int4, (g * 3)::int4, g::float8 / 250001, "
                                               "CASE WHEN g % 5 = 0 THEN 'NaN' ELSE -g::float8 / 250001 END "
                                               "FROM generate_series(1, 250000) g")
        assert (o.dtype, a.dtype, ci.dtype, cp.dtype) == (np.int32, np.int32, np.float32, np.float32)
        g = np.arange(1, 250001)
        assert np.array_equal(o, g) and np.array_equal(a, 3 * g)
        # rounded to 4 places as float32: rounding again gives the float64 value exactly (what features use)
        assert np.array_equal(np.round(ci.astype(np.float64), 4), np.round(g / 250001, 4))
        assert np.isnan(cp[4]) and np.isnan(cp).sum() == 50000
        assert np.array_equal(np.round(cp[g % 5 != 0].astype(np.float64), 4), np.round(-g[g % 5 != 0] / 250001, 4))
        empty = read_pair_cosines(conn, "SELECT 1::int4, 1::int4, 0::float8, 0::float8 WHERE false")
        assert [len(x) for x in empty] == [0, 0, 0, 0]
        # a NULL would shift every later pair: an error, never misread numbers
        with pytest.raises(ValueError, match="row 0 of a batch has len_ci=-1, .*never NULL"):
            read_pair_cosines(conn, "SELECT g::int4, g::int4, CASE WHEN g = 1 THEN NULL ELSE 0.5 END::float8, "
                                    "0.5::float8 FROM generate_series(1, 10) g")
        with pytest.raises(ValueError, match="ended with 36 bytes that are not whole rows .*never NULL"):
            read_pair_cosines(conn, "SELECT 1::int4, 2::int4, NULL::float8, 0.5::float8")


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


def test_small_batches_give_the_one_batch_result(small_hard, monkeypatch):  # noqa: F811
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
