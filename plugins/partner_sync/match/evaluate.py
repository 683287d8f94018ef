"""Match quality against a ground truth of twin pairs (CSV ``odoo_source_id,ace_source_id``).

Definitions (Odoo -> ACE direction, twins = the truth file's pairs, one-to-one):

* ``precision@1`` = twins whose rank-1 candidate is their ACE twin / twins that got any candidate.
* ``recall@1`` = the same hits / all twin pairs (a twin without any candidate counts as a miss).
* ``recall@5`` = twins whose ACE twin is among their first 5 candidates / all twin pairs.
* ``threshold`` decides "this rank-1 candidate is the twin" over **every** Odoo opportunity that has
  candidates (twins and not): declaring all rank-1 candidates scoring >= t, precision = correct
  declarations / declarations, recall = correct declarations / pairs; the t with the best F1 is reported.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from partner_sync.database import Database

TRUTH_HEADER = ["odoo_source_id", "ace_source_id"]


class TruthFileError(ValueError):
    """The ground-truth file is missing or not in the documented format."""


def read_truth(path: Path) -> dict[str, str]:
    """Odoo source id -> ACE source id; refuses a wrong header, empty ids or a pair that is not one-to-one."""
    if not path.is_file():
        raise TruthFileError(f"ground-truth file not found: {path} (run `partner_sync seed-demo`, or pass --truth)")
    truth: dict[str, str] = {}
    seen_ace: set[str] = set()
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        if header[:2] != TRUTH_HEADER or header[2:] not in ([], ["tags"]):
            raise TruthFileError(f"{path}: header must be {','.join(TRUTH_HEADER)} (optionally ,tags), "
                                 f"found {','.join(header)!r}")
        for line, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) != len(header) or not row[0].strip() or not row[1].strip():
                raise TruthFileError(f"{path}:{line}: expected odoo_source_id,ace_source_id, got {row!r}")
            odoo, ace = row[0].strip(), row[1].strip()
            if odoo in truth or ace in seen_ace:
                raise TruthFileError(f"{path}:{line}: {odoo},{ace} repeats an id; twin pairs are one-to-one")
            truth[odoo] = ace
            seen_ace.add(ace)
    return truth


def read_tags(path: Path) -> dict[str, list[str]]:
    """Odoo source id -> the difficulty tags of its pair (the hard benchmark's third column; empty without)."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or len(rows[0]) < 3:
        return {}
    return {r[0].strip(): [t for t in r[2].split(";") if t] for r in rows[1:] if len(r) >= 3}


def per_tag(truth: Mapping[str, str], tags: Mapping[str, Sequence[str]],
            ranked: Mapping[str, Sequence[tuple[str, float]]]) -> list[tuple[str, "EvalResult"]]:
    """The metrics on every tag's pairs (a pair counts under each of its tags), 'all' first."""
    names = sorted({t for ts in tags.values() for t in ts})
    out = [("all", evaluate(truth, ranked))]
    for name in names:
        sub = {o: a for o, a in truth.items() if name in tags.get(o, ())}
        out.append((name, evaluate(sub, {o: ranked[o] for o in sub if o in ranked})))
    return out


@dataclass(frozen=True)
class AutoLink:
    threshold: float | None
    linked: int
    correct: int
    pairs: int

    @property
    def precision(self) -> float:
        return self.correct / self.linked if self.linked else 0.0

    @property
    def coverage(self) -> float:
        return self.correct / self.pairs if self.pairs else 0.0


def auto_link(truth: Mapping[str, str], decisions: Sequence[tuple[str, str, str | None]],
              threshold: float | None = None) -> AutoLink:
    """Precision of the 'linked' decisions against the truth and the share of twins they cover."""
    linked = [(o, a) for o, status, a in decisions if status == "linked"]
    correct = sum(truth.get(o) == a for o, a in linked)
    return AutoLink(threshold, len(linked), correct, len(truth))


def calibration(scored: Sequence[tuple[float, bool]], bins: int = 10) -> list[tuple[float, float, int, float, float]]:
    """(low, high, pairs, mean predicted, observed twin rate) per probability bin."""
    out = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(p, y) for p, y in scored if low <= p < high or (b == bins - 1 and p == 1.0)]
        if inside:
            out.append((low, high, len(inside), sum(p for p, _ in inside) / len(inside),
                        sum(y for _, y in inside) / len(inside)))
    return out


@dataclass(frozen=True)
class BinCheck:
    low: float
    high: float
    pairs: int
    predicted: float
    observed: float
    allowed: float  # the tolerance plus what chance alone explains for this many pairs
    ok: bool


def calibration_check(scored: Sequence[tuple[float, bool]], *, tolerance: float = 0.05, min_pairs: int = 10,
                      alpha: float = 0.01, bins: int = 10) -> list[BinCheck]:
    """Per probability bin with >= ``min_pairs`` pairs: is |observed - predicted| within ``tolerance``, beyond
    what chance explains?

    Under calibration the bin's twin count is a sum of Bernoulli(p_i): its standard deviation is
    sqrt(sum p_i (1 - p_i)). A bin fails only when its gap exceeds ``tolerance`` by more than z of those
    standard deviations, z two-sided at ``alpha`` split over the bins checked (Bonferroni): a bin of 20 pairs
    cannot prove a 0.05 gap, a bin of 2,000 can. The last entry pools every pair predicted 0.1-0.9 (the
    middle bins together), so a systematic lean of the middle shows even when each bin is small."""
    from statistics import NormalDist

    groups: list[tuple[float, float, list[tuple[float, bool]]]] = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(p, y) for p, y in scored if low <= p < high or (b == bins - 1 and p == 1.0)]
        if len(inside) >= min_pairs:
            groups.append((low, high, inside))
    middle = [(p, y) for p, y in scored if 0.1 <= p < 0.9]
    if len(middle) >= min_pairs:
        groups.append((0.1, 0.9, middle))
    if not groups:
        return []
    z = NormalDist().inv_cdf(1 - alpha / (2 * len(groups)))
    out = []
    for low, high, inside in groups:
        n = len(inside)
        predicted = sum(p for p, _ in inside) / n
        observed = sum(y for _, y in inside) / n
        sd = math.sqrt(sum(p * (1 - p) for p, _ in inside)) / n
        allowed = tolerance + z * sd
        out.append(BinCheck(low, high, n, predicted, observed, allowed, abs(observed - predicted) <= allowed))
    return out


def load_decisions(db: Database) -> list[tuple[str, str, str | None]]:
    return [(o, s, a) for o, s, a in db.execute_query("SELECT odoo_id, status, ace_id FROM search.match_decisions")]


@dataclass(frozen=True)
class EvalResult:
    pairs: int
    answered: int  # twins (Odoo side) with at least one candidate
    hits_at_1: int
    hits_at_5: int
    queries: int  # Odoo opportunities with candidates, twins or not
    threshold: float | None
    threshold_precision: float
    threshold_recall: float
    threshold_f1: float

    @property
    def precision_at_1(self) -> float:
        return self.hits_at_1 / self.answered if self.answered else 0.0

    @property
    def recall_at_1(self) -> float:
        return self.hits_at_1 / self.pairs if self.pairs else 0.0

    @property
    def recall_at_5(self) -> float:
        return self.hits_at_5 / self.pairs if self.pairs else 0.0

    def summary_line(self) -> str:
        return (f"precision@1={self.precision_at_1:.2f} recall@1={self.recall_at_1:.2f} "
                f"recall@5={self.recall_at_5:.2f} pairs={self.pairs}")


def best_threshold(top1: Sequence[tuple[float, bool]], pairs: int) -> tuple[float | None, float, float, float]:
    """(threshold, precision, recall, F1) maximising F1 when every rank-1 scoring >= threshold is declared."""
    ordered = sorted(top1, key=lambda x: -x[0])
    best: tuple[float | None, float, float, float] = (None, 0.0, 0.0, 0.0)
    correct = 0
    for i, (score, hit) in enumerate(ordered):
        correct += hit
        if i + 1 < len(ordered) and ordered[i + 1][0] == score:
            continue  # a threshold cannot split equal scores
        precision, recall = correct / (i + 1), (correct / pairs if pairs else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best[3]:
            best = (score, precision, recall, f1)
    return best


def evaluate(truth: Mapping[str, str], ranked: Mapping[str, Sequence[tuple[str, float]]], k: int = 5) -> EvalResult:
    """Metrics from the truth pairs and, per Odoo id, its candidates ``(ace_id, score)`` best first."""
    answered = hits1 = hitsk = 0
    for odoo, ace in truth.items():
        candidates = ranked.get(odoo) or []
        if not candidates:
            continue
        answered += 1
        hits1 += candidates[0][0] == ace
        hitsk += any(t == ace for t, _ in candidates[:k])
    top1 = [(c[0][1], truth.get(q) == c[0][0]) for q, c in ranked.items() if c]
    threshold, tp, tr, tf1 = best_threshold(top1, len(truth))
    return EvalResult(len(truth), answered, hits1, hitsk, len(top1), threshold, tp, tr, tf1)


def load_ranked(db: Database, direction: str = "odoo_to_ace") -> dict[str, list[tuple[str, float]]]:
    """The cached candidates of one direction: source id -> [(target id, score)] in rank order."""
    ranked: dict[str, list[tuple[str, float]]] = {}
    rows = db.execute_query("SELECT source_id, target_id, similarity_score FROM search.similarity_cache "
                            "WHERE direction = %s ORDER BY source_id, rank", (direction,))
    for source, target, score in rows:
        ranked.setdefault(source, []).append((target, float(score)))
    return ranked
