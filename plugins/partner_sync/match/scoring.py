"""Pair probabilities computed batch by batch, so a match's memory stays nearly flat in the candidate count.

A batch (``PAIR_BATCH`` pairs) builds its feature table and design matrix, is scored, and is dropped; only
small per-pair arrays outlive it (int32 indices, float32 rounded cosines, float64 probabilities). Pairs are
ordered by (Odoo, ACE) and a batch holds whole Odoo groups, so the features relative to an Odoo
opportunity's other candidates are exact; the one relative to an ACE opportunity's other candidates reads the
per-ACE best values of all pairs, gathered before the first batch. The evidence a reviewer sees is rebuilt
only for the pairs that are stored (``Scored.table``). Same pairs, features and probabilities as one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from partner_sync.match.cosines import round_cosine
from partner_sync.match.feature_table import PairTable, SideColumns, Vocabulary, pair_table
from partner_sync.match.model import FEATURES, GroupBest, PairModel, design_from_table, group_best

PAIR_BATCH = 250_000  # pairs per batch: ~60 MB of design matrix and feature table at a time


@dataclass
class Scored:
    """Every candidate pair of a run, ordered by (odoo, ace), with its probability (also the training set's rows).

    ``x`` (pairs x features) is kept only for training (no model given); the signals of stored pairs come
    from ``table``."""

    odoo_ids: list[str]
    ace_ids: list[str]
    o_idx: np.ndarray  # int32, ascending
    a_idx: np.ndarray  # int32, ascending within an Odoo opportunity
    o_emb: list[Any]  # identity embedding id per Odoo opportunity (None: not embedded yet)
    a_emb: list[Any]
    cos: tuple[np.ndarray, np.ndarray]  # (identity, project) per pair, float32 rounded to 4 places, nan = missing
    sides: tuple[SideColumns, SideColumns, Vocabulary]
    x: np.ndarray | None = None
    p: np.ndarray | None = None
    p_raw: np.ndarray | None = None  # the uncalibrated probability: breaks ties of the calibrated one
    seconds: dict[str, float] = field(default_factory=dict)  # candidates (SQL + blocking), features (+ model)

    def pairs(self) -> Iterator[tuple[str, str]]:
        for i, j in zip(self.o_idx, self.a_idx):
            yield self.odoo_ids[i], self.ace_ids[j]

    def find(self, o: int, a: int) -> int:
        """The position of pair (odoo index, ace index), -1 when it is not a candidate."""
        lo, hi = np.searchsorted(self.o_idx, o, "left"), np.searchsorted(self.o_idx, o, "right")
        j = int(lo + np.searchsorted(self.a_idx[lo:hi], a))
        return j if j < hi and self.a_idx[j] == a else -1

    def table(self, rows: np.ndarray) -> PairTable:
        """The signals (evidence) of the pairs at positions ``rows``; the table's row k is pair ``rows[k]``."""
        odoo, ace, vocab = self.sides
        return pair_table(odoo, ace, vocab, self.o_idx[rows], self.a_idx[rows], self.cos[0][rows], self.cos[1][rows])


def score_candidates(odoo_ids: list[str], ace_ids: list[str], o_idx: np.ndarray, a_idx: np.ndarray,
                     cos_i: np.ndarray, cos_p: np.ndarray, o_emb: list[Any], a_emb: list[Any],
                     sides: tuple[SideColumns, SideColumns, Vocabulary], model: PairModel | None, *,
                     batch: int | None = None) -> Scored:
    """Pairs deduplicated and ordered by (odoo, ace), scored batch by batch; without a model, the design matrix
    of every pair instead (training)."""
    batch = batch or PAIR_BATCH
    o_idx, a_idx, cos_i, cos_p = _ordered(o_idx, a_idx, cos_i, cos_p, len(ace_ids))
    scored = Scored(odoo_ids, ace_ids, o_idx, a_idx, o_emb, a_emb, (cos_i, cos_p), sides)
    n = len(o_idx)
    if model is not None:
        scored.p, scored.p_raw = np.empty(n), np.empty(n)
    xs: list[np.ndarray] = []
    ace_best = _ace_project_best(cos_p, a_idx, len(ace_ids), batch)
    for start, end in batches(o_idx, batch):
        table = scored.table(slice(start, end))  # type: ignore[arg-type]
        x = design_from_table(table, table.o_idx, table.a_idx, ace_best=ace_best)
        del table
        if model is None:
            xs.append(x)
            continue
        scored.p_raw[start:end] = model.predict_raw(x)  # type: ignore[index]
        scored.p[start:end] = model.calibrate(scored.p_raw[start:end])  # type: ignore[index]
    if model is None:
        scored.x = np.concatenate(xs) if xs else np.zeros((0, len(FEATURES)))
    return scored


def _ordered(o_idx: np.ndarray, a_idx: np.ndarray, cos_i: np.ndarray, cos_p: np.ndarray, n_ace: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each pair once, ordered by (odoo, ace); indices as int32, cosines as float32 rounded to 4 places."""
    key = np.asarray(o_idx, dtype=np.int64) * max(n_ace, 1) + np.asarray(a_idx, dtype=np.int64)
    _, first = np.unique(key, return_index=True)
    del key
    return (np.asarray(o_idx)[first].astype(np.int32), np.asarray(a_idx)[first].astype(np.int32),
            round_cosine(np.asarray(cos_i)[first]), round_cosine(np.asarray(cos_p)[first]))


def batches(o_idx: np.ndarray, size: int) -> Iterator[tuple[int, int]]:
    """(start, end) of consecutive batches of about ``size`` pairs, cut between Odoo opportunities (``o_idx``
    ascending); one opportunity with more candidates than ``size`` is a batch of its own."""
    n, start = len(o_idx), 0
    while start < n:
        end = min(start + size, n)
        if end < n:
            cut = int(np.searchsorted(o_idx, o_idx[end], "left"))  # where the opportunity straddling `end` begins
            end = cut if cut > start else int(np.searchsorted(o_idx, o_idx[start], "right"))
        yield start, end
        start = end


def _ace_project_best(cos_p: np.ndarray, a_idx: np.ndarray, n_ace: int, size: int) -> GroupBest:
    """Per ACE opportunity the best two project cosines over all its pairs (as ``design_from_table`` reads them)."""
    best = GroupBest(np.full(n_ace, -np.inf), np.full(n_ace, -np.inf), np.zeros(n_ace, dtype=np.int64))
    for start in range(0, len(a_idx), size):
        proj = np.nan_to_num(np.round(cos_p[start:start + size].astype(np.float64), 4), nan=0.0)
        best = best.merge(group_best(proj, a_idx[start:start + size], n_ace, True))
    return best
