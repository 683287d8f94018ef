"""Fit the pair model on labelled pairs: a truth file of twins on the current warehouse, plus human decisions.

Labels: a candidate pair is positive when the truth file (``odoo_source_id,ace_source_id``) pairs it, negative
otherwise (the truth lists every twin of the warehouse; ``partial=True`` labels only pairs touching a truth
id); a person's confirm / reject overrides. The auto-link threshold is chosen on out-of-fold probabilities
(folds by customer) run through the same one-to-one assignment, so its precision is measured, not assumed.
Deterministic: same data, same model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.match.assign import assign
from partner_sync.match.model import FEATURES, PairModel, assignment_inputs, fit, fit_boosted, new_version
from partner_sync.match.run import score_pairs

TARGET_PRECISION = 0.985


@dataclass
class LabelledSet:
    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray  # customer key per pair: folds never split a customer
    o_idx: np.ndarray
    a_idx: np.ndarray
    n_odoo: int
    n_ace: int
    name: str
    generator: str = ""  # the data generator (or source) it comes from: thresholds must hold on each one

    @property
    def source(self) -> str:
        return self.generator or self.name


def labelled_pairs(settings: Settings, db: Database, truth: Mapping[str, str], *, name: str = "warehouse",
                   partial: bool = False) -> LabelledSet:
    """Every candidate pair of the warehouse with its features and label."""
    with db.get_connection() as conn, conn.transaction():
        scored, odoo, ace = score_pairs(settings, conn, None, db)
        human = {(o, a): d for o, a, d in conn.execute(
            "SELECT odoo_id, ace_id, decision FROM search.match_review_latest").fetchall()}
    truth_ace = set(truth.values())
    keep, labels, groups = [], [], []
    for i, (o, a) in enumerate(scored.pairs()):
        if (o, a) in human:
            y = human[(o, a)] == "confirm"
        elif partial and o not in truth and a not in truth_ace:
            continue
        else:
            y = truth.get(o) == a
        keep.append(i)
        labels.append(int(y))
        groups.append(f"{name}:{odoo[o]['name_norm'] or o}")
    keep_idx = np.array(keep, dtype=np.int64)
    return LabelledSet(scored.x[keep_idx] if keep else np.zeros((0, len(FEATURES))), np.array(labels),
                       np.array(groups), scored.o_idx[keep_idx], scored.a_idx[keep_idx], len(scored.odoo_ids),
                       len(scored.ace_ids), name)


MIN_TWINS = 10  # labelled twin pairs among the candidates that a fit needs


def reviewed_truth(db: Database) -> dict[str, str]:
    """Twin pairs people confirmed (``partner_sync review --confirm``), the latest decision per pair: training
    labels without a truth CSV. Refuses two confirmations that share an opportunity (twins are one-to-one)."""
    truth: dict[str, str] = {}
    ace_of: dict[str, str] = {}
    for o, a in db.execute_query("SELECT odoo_id, ace_id FROM search.match_review_latest WHERE decision = 'confirm' "
                                 "ORDER BY odoo_id, ace_id"):
        if o in truth or a in ace_of:
            other = (o, truth[o]) if o in truth else (ace_of[a], a)
            raise ValueError(f"confirmed pairs {other[0]},{other[1]} and {o},{a} share an opportunity; twins are "
                             "one-to-one: reject the wrong one (partner_sync review --reject) before training")
        truth[o], ace_of[a] = a, o
    return truth


def _oof(sets: Sequence[LabelledSet], folds: int, c: float, kind: str = "lr",
         features: Sequence[str] = FEATURES) -> list[np.ndarray]:
    from sklearn.model_selection import GroupKFold

    x = np.vstack([s.x for s in sets])
    y = np.concatenate([s.y for s in sets])
    groups = np.concatenate([s.groups for s in sets])
    p = np.zeros(len(y))
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(x, y, groups):
        if kind == "boosted":
            model = PairModel("oof", list(features), [], [], [], 0.0, boosted=fit_boosted(x[train_idx], y[train_idx]))
            p[test_idx] = model.predict_raw(_widen(x[test_idx], features))
        else:
            mean, scale, coef, intercept = fit(x[train_idx], y[train_idx], c=c)
            z = (x[test_idx] - np.asarray(mean)) / np.asarray(scale)
            p[test_idx] = 1 / (1 + np.exp(-(z @ np.asarray(coef) + intercept)))
    out, start = [], 0
    for s in sets:
        out.append(p[start:start + len(s.y)])
        start += len(s.y)
    return out


def _widen(x: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """``x``'s columns (named ``features``) placed in a full FEATURES-wide matrix, as the match computes it."""
    if list(features) == list(FEATURES):
        return x
    wide = np.zeros((len(x), len(FEATURES)))
    wide[:, [FEATURES.index(f) for f in features]] = x
    return wide


def fit_calibration(probs: Sequence[np.ndarray], labels: Sequence[np.ndarray]) -> dict[str, list[float]]:
    """Isotonic map from out-of-fold logits to the observed twin rate, as knots for linear interpolation.

    Knots sit at each isotonic block's mean logit with the block's rate shrunk by half a pair (a block of 12
    negatives reads 0.04, not 0); the two ends run on to logit -30 / +30, so the map stays strictly increasing
    and ties between candidates keep the regression's order. Fitted on training folds only."""
    from sklearn.isotonic import IsotonicRegression

    p, y = np.concatenate(probs), np.concatenate(labels).astype(np.float64)
    z = np.log(np.clip(p, 1e-9, 1 - 1e-9) / (1 - np.clip(p, 1e-9, 1 - 1e-9)))
    level = IsotonicRegression(out_of_bounds="clip").fit(z, y).predict(z)
    knots_z, knots_p = [], []
    for value in np.unique(level):
        inside = level == value
        knots_z.append(float(z[inside].mean()))
        knots_p.append(float((y[inside].sum() + 0.5) / (inside.sum() + 1.0)))
    order = np.argsort(knots_z)
    kz, kp = np.asarray(knots_z)[order], np.asarray(knots_p)[order]
    for i in range(1, len(kp)):  # strictly increasing after the shrinkage
        kp[i] = max(kp[i], kp[i - 1] + 1e-5)
    kz = np.r_[-30.0, kz, 30.0]  # the model's logits are clipped to +-30; out-of-fold ones reach +-20.7
    kp = np.r_[min(1e-6, kp[0] / 2), kp, max(1 - 1e-6, (1 + kp[-1]) / 2)]
    return {"logit": [round(float(v), 6) for v in kz], "p": [round(float(v), 8) for v in kp]}


def _assigned(s: LabelledSet, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one-to-one assignment of ``s``'s pairs on probabilities ``p`` (as ``run_match`` assigns), and each
    pair's second-stage inputs (its logit and its rivals')."""
    chosen, _ = assign(s.o_idx, s.a_idx, p, s.n_odoo, s.n_ace)
    return chosen, assignment_inputs(s.o_idx, s.a_idx, p, chosen)


def _by_source(sets: Sequence[LabelledSet]) -> dict[str, list[int]]:
    """The sets' indices per source (generator), sources in name order."""
    by: dict[str, list[int]] = {}
    for i, s in enumerate(sets):
        by.setdefault(s.source, []).append(i)
    return dict(sorted(by.items()))


def fit_assigned(sets: Sequence[LabelledSet], probs: Sequence[np.ndarray], c: float = 1.0
                 ) -> tuple[list[float], float, list[np.ndarray], list[np.ndarray], int]:
    """Second stage on out-of-fold probabilities (the regression's own, as ``run_match`` assigns on them):
    P(assigned pair is right | logit, rival logits)."""
    from sklearn.linear_model import LogisticRegression

    zs, ys = [], []
    twins = 0
    for s, p in zip(sets, probs):
        chosen, z = _assigned(s, p)
        zs.append(z[chosen])
        ys.append(s.y[chosen])
        twins += int(s.y.sum())
    y = np.concatenate(ys)
    if y.size == 0 or y.min() == y.max():
        # every out-of-fold assignment right (or every one wrong): nothing to tell a right one from a wrong one by
        # its rivals, so an assigned pair's link probability is its own probability (logit in, rivals weigh 0)
        coef, intercept = [1.0, 0.0, 0.0], 0.0
    else:
        lr = LogisticRegression(C=c, max_iter=5000).fit(np.vstack(zs), y)
        coef, intercept = lr.coef_[0].tolist(), float(lr.intercept_[0])
    qs = [1 / (1 + np.exp(-(z @ np.asarray(coef) + intercept))) for z in zs]
    return coef, intercept, qs, ys, twins


def per_source_threshold(sets: Sequence[LabelledSet], qs: Sequence[np.ndarray], hits: Sequence[np.ndarray],
                         target: float = TARGET_PRECISION) -> tuple[float, dict[str, dict[str, float]]]:
    """The auto-link threshold at which every source's out-of-fold links separately reach the target precision
    (the highest of the per-source thresholds), and each source's precision / coverage at it: a pooled threshold
    lets an easy source's many right links hide a hard source's wrong ones."""
    by = _by_source(sets)
    threshold = 0.0
    for idx in by.values():
        t, _ = choose_threshold([qs[i] for i in idx], [hits[i] for i in idx], sum(int(sets[i].y.sum()) for i in idx),
                                target)
        threshold = max(threshold, t)
    held = {}
    for source, idx in by.items():
        q, h = np.concatenate([qs[i] for i in idx]), np.concatenate([hits[i] for i in idx])
        twins = sum(int(sets[i].y.sum()) for i in idx)
        linked = q >= threshold
        held[source] = {"precision": round(float(h[linked].mean()) if linked.any() else 0.0, 4),
                        "coverage": round(float(h[linked].sum() / twins) if twins else 0.0, 4)}
    return threshold, held


def per_source_floor(sets: Sequence[LabelledSet], qs: Sequence[np.ndarray], hits: Sequence[np.ndarray],
                     keep: float = 0.99, ceiling: float = 0.05) -> float:
    """The review floor under which at most 1 - ``keep`` of each source's right assignments (out of fold) fall:
    a twin ranked first is reviewed, not left unmatched, on every source (at most ``ceiling``)."""
    floor = ceiling
    for idx in _by_source(sets).values():
        r = np.concatenate([qs[i][hits[i].astype(bool)] for i in idx])
        if r.size:
            floor = min(floor, float(np.quantile(r, 1 - keep)))
    return round(max(floor, 0.001), 4)


def unseen_threshold(sets: Sequence[LabelledSet], *, c: float = 1.0, kind: str = "lr",
                     features: Sequence[str] = FEATURES, target: float = TARGET_PRECISION
                     ) -> tuple[float | None, dict[str, dict[str, float]]]:
    """The auto-link threshold for data from a source none of ``sets`` comes from, leave one source out: per
    source, a model fitted the same way on the other sources links that source's pairs (the real assignment and
    second stage), and the threshold is the highest of the per-source operating points: the deepest cut whose
    links (20 or more) reach ``target`` precision. Out-of-fold folds share their source's habits, so they promise
    more precision than a new partner's data gives (measured: bench/logo_match.py). None with fewer than two
    sources."""
    by = _by_source(sets)
    if len(by) < 2:
        return None, {}
    threshold, held = 0.0, {}
    for source, idx in by.items():
        mine = [sets[i] for i in idx]
        others = [s for s in sets if s.source != source]
        # only its probabilities and second stage are used: no calibration map
        model = train_model(others, embedding_model="", version=f"without-{source}", c=c, features=features,
                            kind=kind, calibrate=False, unseen=False)
        qs, hits = [], []
        for s in mine:
            chosen, z = _assigned(s, model.predict_raw(_widen(s.x, features)))
            q = model.predict_assigned(z)
            qs.append(q[chosen])
            hits.append(s.y[chosen])
        t, info = deepest_threshold(qs, hits, sum(int(s.y.sum()) for s in mine), target)
        held[source] = {"threshold": t, "precision": round(info["precision"], 4),
                        "coverage": round(info["coverage"], 4)}
        threshold = max(threshold, t)
    return threshold, held


def deepest_threshold(scores_list: Sequence[np.ndarray], hits_list: Sequence[np.ndarray], twins: int,
                      target: float = TARGET_PRECISION, min_links: int = 20) -> tuple[float, dict[str, float]]:
    """The lowest probability at which the links from it up (at least ``min_links``) reach ``target`` precision:
    the operating point of most coverage at that precision (0.999 when none does)."""
    score, hit, precision = _ranked_links(scores_list, hits_list)
    ok = np.flatnonzero((precision >= target) & (np.arange(len(hit)) >= min_links - 1))
    if ok.size == 0:
        return 0.999, {"precision": 0.0, "coverage": 0.0}
    return _cut(score, hit, int(ok[-1]), twins)


def _ranked_links(scores_list: Sequence[np.ndarray], hits_list: Sequence[np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Links best first (score, right or not) and the precision of each cut."""
    score, hit = np.concatenate(scores_list), np.concatenate(hits_list)
    order = np.argsort(-score, kind="stable")
    score, hit = score[order], hit[order]
    return score, hit, np.cumsum(hit) / np.arange(1, len(hit) + 1)


def _cut(score: np.ndarray, hit: np.ndarray, last: int, twins: int) -> tuple[float, dict[str, float]]:
    """The threshold at link ``last`` of the ranked links, and the precision and coverage of linking from it up."""
    threshold = float(score[last])
    linked = score >= threshold
    return round(threshold, 4), {"precision": float(hit[linked].mean()) if linked.any() else 0.0,
                                 "coverage": float(hit[linked].sum() / twins) if twins else 0.0}


def choose_threshold(scores_list: Sequence[np.ndarray], hits_list: Sequence[np.ndarray], twins: int,
                     target: float = TARGET_PRECISION) -> tuple[float, dict[str, float]]:
    """Lowest probability at which assigned pairs are >= target precise (at that and every higher cut)."""
    score, hit, precision = _ranked_links(scores_list, hits_list)
    ok = np.flatnonzero(precision >= target)
    if ok.size == 0:
        return 0.999, {"precision": 0.0, "coverage": 0.0}
    # the deepest cut whose precision, and that of every shallower cut beyond the first 20, meets the target;
    # the cut itself always meets it (with fewer than 20 links nothing else was checked)
    bad = np.flatnonzero(precision < target)
    bad = bad[bad >= 20]
    last = (bad[0] - 1) if bad.size else len(score) - 1
    ok = ok[ok <= last]
    if ok.size == 0:
        return 0.999, {"precision": 0.0, "coverage": 0.0}
    return _cut(score, hit, int(ok[-1]), twins)


def train_model(sets: Sequence[LabelledSet], *, embedding_model: str, version: str | None = None,
                c: float = 1.0, folds: int = 5, extra: dict[str, Any] | None = None,
                calibrate: bool = True, features: Sequence[str] = FEATURES, per_source: bool = True,
                kind: str = "lr", unseen: bool = True) -> PairModel:
    """Fit on every set; calibration map, second stage and threshold from out-of-fold probabilities (folds by
    customer) through the assignment; with two sources or more (and ``unseen``) also the threshold for a source
    it never saw (``unseen_threshold``). ``features``: the names of the sets' ``x`` columns (a subset of FEATURES,
    for an ablation)."""
    sets = [s for s in sets if len(s.y)]
    if not sets or sum(int(s.y.sum()) for s in sets) < MIN_TWINS:
        raise ValueError(f"too few labelled twin pairs to train on (need at least {MIN_TWINS} among the candidates; "
                         "did `partner_sync embed` run, and do the truth ids exist in core?)")
    x = np.vstack([s.x for s in sets])
    y = np.concatenate([s.y for s in sets])
    n_groups = len(set(np.concatenate([s.groups for s in sets])))
    oof_raw = _oof(sets, min(folds, n_groups), c, kind, features)
    calibration = fit_calibration(oof_raw, [s.y for s in sets]) if calibrate else {}
    a_coef, a_intercept, q, hits, twins = fit_assigned(sets, oof_raw)
    threshold, held = choose_threshold(q, hits, twins)
    by_source: dict[str, dict[str, float]] = {}
    floor = PairModel.__dataclass_fields__["review_floor"].default
    if per_source and len({s.source for s in sets}) > 1:
        threshold, by_source = per_source_threshold(sets, q, hits)
        floor = per_source_floor(sets, q, hits)
        linked = np.concatenate(q) >= threshold
        right = np.concatenate(hits)
        held = {"precision": float(right[linked].mean()) if linked.any() else 0.0,
                "coverage": float(right[linked].sum() / twins) if twins else 0.0}
    unseen_t, unseen_held = (unseen_threshold(sets, c=c, kind=kind, features=features) if unseen and per_source
                             else (None, {}))
    if kind == "boosted":
        mean, scale, coef, intercept, boosted = [], [], [], 0.0, fit_boosted(x, y)
    else:
        (mean, scale, coef, intercept), boosted = fit(x, y, c=c), {}
    return PairModel(version=version or new_version(), features=list(features), mean=mean, scale=scale, coef=coef,
                     intercept=intercept, boosted=boosted, auto_link_threshold=threshold, review_floor=floor,
                     unseen_auto_link_threshold=unseen_t,
                     embedding_model=embedding_model,
                     assigned_coef=a_coef, assigned_intercept=a_intercept, calibration=calibration,
                     trained_on={"sets": {s.name: {"pairs": int(len(s.y)), "twins": int(s.y.sum())} for s in sets},
                                 "held_out_auto_link": {k: round(v, 4) for k, v in held.items()},
                                 **({"held_out_auto_link_per_source": by_source} if by_source else {}),
                                 **({"unseen_source_auto_link": unseen_held} if unseen_held else {}),
                                 "target_precision": TARGET_PRECISION, "C": c, "kind": kind, **(extra or {})})


def add_calibration(model: PairModel, sets: Sequence[LabelledSet], *, c: float = 1.0, folds: int = 5,
                    version: str | None = None) -> PairModel:
    """A fitted model with a calibration map from out-of-fold scores of ``sets`` (refit in customer folds with
    the model's own procedure); coefficients, second stage and threshold stay as they are."""
    sets = [s for s in sets if len(s.y)]
    n_groups = len(set(np.concatenate([s.groups for s in sets])))
    oof_raw = _oof(sets, min(folds, n_groups), c, "boosted" if model.boosted else "lr")  # sets: every FEATURES column
    calibration = fit_calibration(oof_raw, [s.y for s in sets])
    trained_on = {**model.trained_on, "calibration": {s.name: {"pairs": int(len(s.y)), "twins": int(s.y.sum())}
                                                      for s in sets}}
    return PairModel(**{**model.__dict__, "version": version or model.version, "calibration": calibration,
                        "trained_on": trained_on})


def store_model(db: Database, model: PairModel) -> None:
    db.execute_query("INSERT INTO search.match_models (version, model, trained_on) VALUES (%s, %s, %s)",
                     (model.version, model.to_json(), json.dumps(model.trained_on)), fetch=False)
