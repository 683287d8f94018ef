"""The pair model: a logistic regression or gradient-boosted trees on the pair features, calibrated to a probability.

Stored as JSON (feature names, scaler and coefficients or the trees' nodes, thresholds): readable, diffable,
never unpickled.
The shipped default (``default_model.json``) is fitted by ``partner_sync match --train`` on the repo's own
labelled data (the hard benchmark's training split and the demo); ``--train`` stores newer versions in
``search.match_models``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:
    from partner_sync.match.feature_table import PairTable

DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")

FEATURES = (
    "cos_identity", "cos_project", "rel_project_odoo", "rel_project_ace", "rel_identity_odoo",
    "name_sim", "name_sim_sharp", "name_acronym",
    "domain_same", "domain_subdomain", "domain_other_tld", "domain_different",
    "account_same", "account_payer", "account_different", "account_one_side",
    "exact_id", "id_points_elsewhere", "ace_rejected", "ace_masked",
    "close_gap", "close_missing", "rel_close_odoo", "created_gap", "created_missing",
    "amount_dev", "amount_missing", "rel_amount_odoo",
    # an exact id weighed against the project evidence relative to the same Odoo's other candidates: a stale
    # id (a sibling's) names a pair whose title, dates and amount lose to another candidate of that customer
    "id_x_rel_project", "id_x_rel_project_ace", "id_x_rel_close", "id_x_rel_amount", "elsewhere_x_rel_project",
)
_LOG_YEAR = math.log1p(365.0)


def _gap(days: int | None) -> float:
    return 0.0 if days is None else min(math.log1p(days) / _LOG_YEAR, 2.0)


def design_matrix(pairs: Sequence[tuple[str, str, dict[str, Any]]]) -> np.ndarray:
    """One row per (odoo_id, ace_id, features); relative features compare a pair with its side's other candidates."""
    from partner_sync.match.feature_table import from_dicts

    if not pairs:
        return np.zeros((0, len(FEATURES)))
    table, o_groups, a_groups = from_dicts(pairs)
    return design_from_table(table, o_groups, a_groups)


def _gaps(days: np.ndarray) -> np.ndarray:
    """``_gap`` over an array (nan = missing -> 0)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(days), 0.0, np.minimum(np.log1p(np.nan_to_num(days)) / _LOG_YEAR, 2.0))


@dataclass
class GroupBest:
    """Per group (0..n-1): its best and second-best value (-inf = none; a tie counts twice) and its pair count."""

    top1: np.ndarray
    top2: np.ndarray
    size: np.ndarray

    def merge(self, other: "GroupBest") -> "GroupBest":
        """The best two of both (pairs of one group seen in two batches)."""
        return GroupBest(np.maximum(self.top1, other.top1),
                         np.maximum(np.minimum(self.top1, other.top1), np.maximum(self.top2, other.top2)),
                         self.size + other.size)


def _signed(values: np.ndarray, higher_better: bool) -> np.ndarray:
    signed = values if higher_better else -values
    return np.where(np.isnan(signed), -np.inf, signed)


def group_best(values: np.ndarray, groups: np.ndarray, n_groups: int, higher_better: bool) -> GroupBest:
    """Best and second-best value per group (nan = no value), without sorting the pairs."""
    v = _signed(values, higher_better)
    top1 = np.full(n_groups, -np.inf)
    np.maximum.at(top1, groups, v)
    is_top = v == top1[groups]
    below = np.full(n_groups, -np.inf)
    np.maximum.at(below, groups[~is_top], v[~is_top])
    ties = np.bincount(groups[is_top], minlength=n_groups)
    return GroupBest(top1, np.where(ties >= 2, top1, below), np.bincount(groups, minlength=n_groups))


def relative_to(values: np.ndarray, groups: np.ndarray, best: GroupBest, higher_better: bool,
                cap: float) -> np.ndarray:
    """This pair's value minus the best of its group's other pairs, from the group's best two (``group_best``)."""
    v = _signed(values, higher_better)
    top1 = best.top1[groups]
    other = np.where(v < top1, top1, best.top2[groups])  # the best other: the runner-up for the best pair
    with np.errstate(invalid="ignore"):
        rel = np.where(np.isfinite(v) & np.isfinite(other), v - other, 0.0)
    rel = np.where(best.size[groups] >= 2, rel, cap)
    return np.clip(rel, -cap, cap)


def relative(values: np.ndarray, groups: np.ndarray, higher_better: bool, cap: float) -> np.ndarray:
    """This pair's value minus the best of its group's other pairs (cap when it has none); nan = no value."""
    if len(values) == 0:
        return np.full(0, cap, dtype=np.float64)
    n_groups = int(groups.max()) + 1
    return relative_to(values, groups, group_best(values, groups, n_groups, higher_better), higher_better, cap)


def design_from_table(t: "PairTable", o_groups: np.ndarray, a_groups: np.ndarray, *,
                      ace_best: GroupBest | None = None) -> np.ndarray:
    """The model's input matrix from a PairTable; ``o_groups``/``a_groups`` say which pairs share a side.

    ``ace_best``: the per-ACE best project cosines of the whole run, when ``t`` is one batch of its pairs (a
    batch holds whole Odoo groups, not whole ACE groups)."""
    from partner_sync.match.feature_table import ACCOUNT_CODE, DOMAIN_CODE

    n = len(t)
    x = np.zeros((n, len(FEATURES)), dtype=np.float64, order="F")  # column-major: filled and read by feature
    col = {name: i for i, name in enumerate(FEATURES)}
    proj = np.nan_to_num(t.cos_project, nan=0.0)
    ident = np.nan_to_num(t.cos_identity, nan=0.0)
    close = np.where(np.isnan(t.close_days), np.nan, _gaps(t.close_days))
    amount = np.minimum(t.amount_log_ratio, 3.0)  # nan stays nan
    x[:, col["rel_project_odoo"]] = relative(proj, o_groups, True, 0.3)
    x[:, col["rel_project_ace"]] = (relative(proj, a_groups, True, 0.3) if ace_best is None
                                    else relative_to(proj, a_groups, ace_best, True, 0.3))
    x[:, col["rel_identity_odoo"]] = relative(ident, o_groups, True, 0.3)
    x[:, col["rel_close_odoo"]] = relative(close, o_groups, False, 1.0)
    x[:, col["rel_amount_odoo"]] = relative(amount, o_groups, False, 2.0)
    x[:, col["cos_identity"]] = ident
    x[:, col["cos_project"]] = proj
    x[:, col["name_sim"]] = t.name_similarity
    x[:, col["name_sim_sharp"]] = t.name_similarity ** 6
    x[:, col["name_acronym"]] = t.name_acronym
    for level in ("same", "subdomain", "other_tld", "different"):
        x[:, col[f"domain_{level}"]] = t.domain == DOMAIN_CODE[level]
    for level in ("same", "payer", "different", "one_side"):
        x[:, col[f"account_{level}"]] = t.account == ACCOUNT_CODE[level]
    x[:, col["exact_id"]] = t.exact_id
    x[:, col["id_points_elsewhere"]] = t.id_points_elsewhere
    x[:, col["ace_rejected"]] = t.ace_rejected
    x[:, col["ace_masked"]] = t.ace_masked
    x[:, col["close_gap"]] = _gaps(t.close_days)
    x[:, col["close_missing"]] = np.isnan(t.close_days)
    x[:, col["created_gap"]] = _gaps(t.created_days)
    x[:, col["created_missing"]] = np.isnan(t.created_days)
    x[:, col["amount_dev"]] = np.nan_to_num(amount, nan=0.0)
    x[:, col["amount_missing"]] = np.isnan(t.amount_log_ratio)
    x[:, col["id_x_rel_project"]] = t.exact_id * x[:, col["rel_project_odoo"]]
    x[:, col["id_x_rel_project_ace"]] = t.exact_id * x[:, col["rel_project_ace"]]
    x[:, col["id_x_rel_close"]] = t.exact_id * x[:, col["rel_close_odoo"]]
    x[:, col["id_x_rel_amount"]] = t.exact_id * x[:, col["rel_amount_odoo"]]
    x[:, col["elsewhere_x_rel_project"]] = t.id_points_elsewhere * x[:, col["rel_project_odoo"]]
    return x


@dataclass
class PairModel:
    """Scaler + logistic regression coefficients (or boosted trees), and the thresholds that turn a probability into a
    status."""

    version: str
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    auto_link_threshold: float = 0.9  # linked at or above (chosen for >= 0.98 precision on held-out folds)
    # the threshold for data from a source the model was never fitted on (leave one training source out,
    # ``train.unseen_threshold``); None: fitted on one source only (a warehouse's own labels)
    unseen_auto_link_threshold: float | None = None
    review_floor: float = 0.05  # below: unmatched
    # after the assignment: P(assigned pair is the twin | its logit, the best rival logits of both sides)
    assigned_coef: list[float] = field(default_factory=lambda: [1.0, 0.0, 0.0])
    assigned_intercept: float = 0.0
    embedding_model: str | None = None
    trained_on: dict[str, Any] = field(default_factory=dict)
    # monotone map from the regression's logit to a probability, fitted on out-of-fold scores of the training
    # data (isotonic, interpolated between its blocks): {"logit": [...], "p": [...]}; empty = the regression's own
    calibration: dict[str, list[float]] = field(default_factory=dict)
    # gradient-boosted trees instead of the regression (empty = the regression): {"base": logit, "trees": [{
    # "feature": [...], "threshold": [...], "left": [...], "right": [...], "missing_left": [...], "leaf": [...],
    # "value": [...]}]}: node i splits on features[feature[i]] <= threshold[i] unless leaf[i]; the logit is base
    # plus each tree's leaf value (learning rate included)
    boosted: dict[str, Any] = field(default_factory=dict)

    def link_threshold(self, policy: str = "unseen") -> float:
        """The auto-link threshold under ``policy`` (PARTNER_SYNC_AUTO_LINK): 'unseen' is the stricter of the two
        when the model has one (the shipped model on a partner's own data); a model fitted on one warehouse's own
        labels has none, its folds already are that warehouse."""
        if policy == "unseen" and self.unseen_auto_link_threshold is not None:
            return max(self.auto_link_threshold, self.unseen_auto_link_threshold)
        return self.auto_link_threshold

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probability that each pair is a twin."""
        return self.calibrate(self.predict_raw(x))

    def calibrate(self, p_raw: np.ndarray) -> np.ndarray:
        if not self.calibration:
            return p_raw
        return np.interp(_logit(p_raw, 1e-9), np.asarray(self.calibration["logit"]), np.asarray(self.calibration["p"]))

    def predict_raw(self, x: np.ndarray) -> np.ndarray:
        """The regression's or the trees' own probability (before calibration).

        Regression: summed feature by feature in a fixed order, so a pair's probability depends on its own row only, not
        on the batch it is scored in (a BLAS product's rounding does), and no standardised copy of ``x`` is made."""
        unknown = [f for f in self.features if f not in FEATURES]
        if self.boosted and not unknown and self.boosted.get("n_features") == len(self.features):
            return 1.0 / (1.0 + np.exp(-np.clip(self._boosted_logit(x), -30, 30)))
        if self.boosted or unknown or not len(self.features) == len(self.mean) == len(self.scale) == len(self.coef):
            raise ValueError(f"model {self.version} was fitted on features {self.features} that do not fit this "
                             f"code's ({list(FEATURES)}; unknown: {unknown}): refit it with "
                             "`partner_sync match --train TRUTH.csv`")
        logit = np.zeros(len(x))
        # by name: a model fitted on fewer features (default-2) reads its own columns of the wider matrix
        for name, mean, scale, coef in zip(self.features, self.mean, self.scale, self.coef):
            logit += (x[:, FEATURES.index(name)] - mean) / scale * coef
        logit += self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))

    def _boosted_logit(self, x: np.ndarray) -> np.ndarray:
        """Sum of the trees' leaf values with numpy (no sklearn object): each split is one comparison over a whole
        feature column (walking pairs node by node, gathered row by row, cost 20 s of CPU per million pairs)."""
        cols = np.array([FEATURES.index(f) for f in self.features], dtype=np.int64)
        logit = np.full(len(x), float(self.boosted["base"]))
        nan = {}  # per feature column: where it is NaN (None: nowhere), found once for all trees
        for c in set(cols.tolist()):
            mask = np.isnan(x[:, c])
            nan[c] = mask if mask.any() else None
        for tree in self.boosted["trees"]:
            logit += _tree_value(tree, 0, x, cols, nan)
        return logit

    def predict_assigned(self, z: np.ndarray) -> np.ndarray:
        """Probability that an assigned pair is right, from ``assignment_inputs``."""
        logit = z @ np.asarray(self.assigned_coef) + self.assigned_intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PairModel":
        missing = {"version", "features", "mean", "scale", "coef", "intercept"} - set(data)
        if missing:
            raise ValueError(f"match model JSON lacks {sorted(missing)}")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> "PairModel":
        return cls.from_dict(json.loads(Path(path).read_text()))


def _logit(p: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    p = np.clip(p, eps, 1 - eps)
    return np.log(p / (1 - p))


def assignment_inputs(o_idx: np.ndarray, a_idx: np.ndarray, p: np.ndarray, chosen: np.ndarray,
                      usable: np.ndarray | None = None) -> np.ndarray:
    """Per pair: its logit and the logits of the best rival candidate of its Odoo and of its ACE side."""
    usable = np.ones(len(p), dtype=bool) if usable is None else usable
    q = np.where(usable, p, 1e-4)
    rival_o = _best_rival(o_idx, q)
    rival_a = _best_rival(a_idx, q)
    return np.column_stack([_logit(p), _logit(rival_o), _logit(rival_a)])


def _best_rival(group: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per pair the highest ``q`` among the other pairs of its group (1e-4 when it is alone)."""
    n = len(q)
    rival = np.full(n, 1e-4)
    if n == 0:
        return rival
    order = np.lexsort((-q, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, n])
    group_of = np.repeat(np.arange(len(starts)), sizes)
    best = q[order[starts]][group_of]
    second = q[order[np.minimum(starts + 1, n - 1)]]
    sorted_rival = best.copy()
    sorted_rival[starts] = second
    sorted_rival[sizes[group_of] < 2] = 1e-4
    rival[order] = sorted_rival
    return rival


def fit(x: np.ndarray, y: np.ndarray, *, c: float = 1.0, seed: int = 0) -> tuple[list[float], list[float],
                                                                                   list[float], float]:
    """Standardised logistic regression (deterministic lbfgs); returns mean, scale, coef, intercept."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    lr.fit((x - mean) / scale, y)
    return mean.tolist(), scale.tolist(), lr.coef_[0].tolist(), float(lr.intercept_[0])


def _tree_value(tree: dict[str, Any], node: int, x: np.ndarray, cols: np.ndarray,
                nan: dict[int, np.ndarray | None]) -> np.ndarray | float:
    """The leaf value each row of ``x`` reaches from ``node`` (a NaN goes the side the tree learned for it)."""
    if tree["leaf"][node]:
        return float(tree["value"][node])
    c = int(cols[tree["feature"][node]])
    with np.errstate(invalid="ignore"):
        left = x[:, c] <= tree["threshold"][node]
    if nan[c] is not None:
        left = np.where(nan[c], bool(tree["missing_left"][node]), left)
    return np.where(left, _tree_value(tree, tree["left"][node], x, cols, nan),
                    _tree_value(tree, tree["right"][node], x, cols, nan))


def fit_boosted(x: np.ndarray, y: np.ndarray, *, seed: int = 0) -> dict[str, Any]:
    """Shallow gradient-boosted trees (scikit-learn's HistGradientBoosting, deterministic) exported as plain
    node lists (``PairModel.boosted``): trees capture what one linear weight per feature cannot, e.g. an amount
    that tells twins apart only where both sides state it consistently."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    gb = HistGradientBoostingClassifier(max_depth=3, max_iter=200, learning_rate=0.1, l2_regularization=1.0,
                                        early_stopping=False, random_state=seed).fit(x, y)
    trees = []
    for (predictor,) in gb._predictors:
        nodes = predictor.nodes
        trees.append({"feature": nodes["feature_idx"].astype(int).tolist(),
                      "threshold": [float(v) for v in nodes["num_threshold"]],
                      "left": nodes["left"].astype(int).tolist(), "right": nodes["right"].astype(int).tolist(),
                      "missing_left": nodes["missing_go_to_left"].astype(bool).tolist(),
                      "leaf": nodes["is_leaf"].astype(bool).tolist(),
                      "value": [float(v) for v in nodes["value"]]})
    return {"base": float(np.ravel(gb._baseline_prediction)[0]), "trees": trees, "n_features": int(x.shape[1]),
            "max_depth": 3, "learning_rate": 0.1}


def new_version(prefix: str = "lr") -> str:
    return f"{prefix}-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
