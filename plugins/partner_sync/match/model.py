"""The pair model: a logistic regression on the pair features, so a score is a calibrated probability.

Stored as JSON (feature names, scaler, coefficients, thresholds): readable, diffable, never unpickled.
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
from typing import Any, Sequence

import numpy as np

DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")

FEATURES = (
    "cos_identity", "cos_project", "rel_project_odoo", "rel_project_ace", "rel_identity_odoo",
    "name_sim", "name_sim_sharp", "name_acronym",
    "domain_same", "domain_subdomain", "domain_other_tld", "domain_different",
    "account_same", "account_payer", "account_different", "account_one_side",
    "exact_id", "id_points_elsewhere", "ace_rejected", "ace_masked",
    "close_gap", "close_missing", "rel_close_odoo", "created_gap", "created_missing",
    "amount_dev", "amount_missing", "rel_amount_odoo",
)
_LOG_YEAR = math.log1p(365.0)


def _gap(days: int | None) -> float:
    return 0.0 if days is None else min(math.log1p(days) / _LOG_YEAR, 2.0)


def design_matrix(pairs: Sequence[tuple[str, str, dict[str, Any]]]) -> np.ndarray:
    """One row per (odoo_id, ace_id, features); relative features compare a pair with its side's other candidates."""
    n = len(pairs)
    x = np.zeros((n, len(FEATURES)), dtype=np.float64)
    col = {name: i for i, name in enumerate(FEATURES)}
    proj = np.array([p[2]["cosine_project"] or 0.0 for p in pairs])
    ident = np.array([p[2]["cosine_identity"] or 0.0 for p in pairs])
    close = np.array([_gap(p[2]["close_days_apart"]) if p[2]["close_days_apart"] is not None else np.nan
                      for p in pairs])
    amount = np.array([min(p[2]["amount_log_ratio"], 3.0) if p[2]["amount_log_ratio"] is not None else np.nan
                       for p in pairs])
    by_odoo: dict[str, list[int]] = {}
    by_ace: dict[str, list[int]] = {}
    for i, (o, a, _) in enumerate(pairs):
        by_odoo.setdefault(o, []).append(i)
        by_ace.setdefault(a, []).append(i)

    def relative(values: np.ndarray, groups: dict[str, list[int]], higher_better: bool, cap: float) -> np.ndarray:
        """This pair's value minus the best of its side's other candidates (cap when it has none)."""
        out = np.full(n, cap)
        signed = values if higher_better else -values
        for idx in groups.values():
            if len(idx) < 2:
                continue
            v = np.where(np.isnan(signed[idx]), -np.inf, signed[idx])
            order = np.argsort(-v, kind="stable")
            top1, top2 = v[order[0]], v[order[1]]
            best_other = np.full(len(idx), top1)
            best_other[order[0]] = top2
            with np.errstate(invalid="ignore"):
                rel = np.where(np.isfinite(v) & np.isfinite(best_other), v - best_other, 0.0)
            out[idx] = rel
        return np.clip(out, -cap, cap)

    x[:, col["rel_project_odoo"]] = relative(proj, by_odoo, True, 0.3)
    x[:, col["rel_project_ace"]] = relative(proj, by_ace, True, 0.3)
    x[:, col["rel_identity_odoo"]] = relative(ident, by_odoo, True, 0.3)
    x[:, col["rel_close_odoo"]] = relative(close, by_odoo, False, 1.0)
    x[:, col["rel_amount_odoo"]] = relative(amount, by_odoo, False, 2.0)
    x[:, col["cos_identity"]] = ident
    x[:, col["cos_project"]] = proj
    for i, (_, _, f) in enumerate(pairs):
        row = x[i]
        row[col["name_sim"]] = f["name_similarity"]
        row[col["name_sim_sharp"]] = f["name_similarity"] ** 6
        row[col["name_acronym"]] = f["name_acronym"]
        if f["domain"] != "missing":
            row[col[f"domain_{f['domain']}"]] = 1.0
        if f["account"] != "missing":
            row[col[f"account_{f['account']}"]] = 1.0
        row[col["exact_id"]] = f["exact_id"]
        row[col["id_points_elsewhere"]] = f["id_points_elsewhere"]
        row[col["ace_rejected"]] = f["ace_rejected"]
        row[col["ace_masked"]] = f["ace_masked"]
        row[col["close_gap"]] = _gap(f["close_days_apart"])
        row[col["close_missing"]] = f["close_days_apart"] is None
        row[col["created_gap"]] = _gap(f["created_days_apart"])
        row[col["created_missing"]] = f["created_days_apart"] is None
        row[col["amount_dev"]] = 0.0 if f["amount_log_ratio"] is None else min(f["amount_log_ratio"], 3.0)
        row[col["amount_missing"]] = f["amount_log_ratio"] is None
    return x


@dataclass
class PairModel:
    """Scaler + logistic regression coefficients, and the thresholds that turn a probability into a status."""

    version: str
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    auto_link_threshold: float = 0.9  # linked at or above (chosen for >= 0.98 precision on held-out folds)
    review_floor: float = 0.05  # below: unmatched
    # after the assignment: P(assigned pair is the twin | its logit, the best rival logits of both sides)
    assigned_coef: list[float] = field(default_factory=lambda: [1.0, 0.0, 0.0])
    assigned_intercept: float = 0.0
    embedding_model: str | None = None
    trained_on: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        if list(self.features) != list(FEATURES):
            raise ValueError(f"model {self.version} was fitted on features {self.features}, this code computes "
                             f"{list(FEATURES)}: refit it with `partner_sync match --train TRUTH.csv`")
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = z @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))

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


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def assignment_inputs(o_idx: np.ndarray, a_idx: np.ndarray, p: np.ndarray, chosen: np.ndarray,
                      usable: np.ndarray | None = None) -> np.ndarray:
    """Per pair: its logit and the logits of the best rival candidate of its Odoo and of its ACE side."""
    usable = np.ones(len(p), dtype=bool) if usable is None else usable
    rival_o = np.full(len(p), 1e-4)
    rival_a = np.full(len(p), 1e-4)
    for side, rival in ((o_idx, rival_o), (a_idx, rival_a)):
        order = np.lexsort((-p, side))
        s_sorted, p_sorted = side[order], np.where(usable[order], p[order], 1e-4)
        starts = np.r_[0, np.flatnonzero(np.diff(s_sorted)) + 1]
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(order)
            group = order[start:end]
            vals = p_sorted[start:end]
            if len(group) < 2:
                continue
            best, second = vals[0], vals[1]
            rival[group] = best
            rival[group[0]] = second
    return np.column_stack([_logit(p), _logit(rival_o), _logit(rival_a)])


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


def new_version(prefix: str = "lr") -> str:
    return f"{prefix}-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
