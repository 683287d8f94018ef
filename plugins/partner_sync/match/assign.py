"""One-to-one assignment of Odoo and ACE opportunities, solved per connected component of the candidate graph.

Twins are one-to-one, so phase 1 and phase 2 of one customer must go to different ACE opportunities. Each
component (usually one customer's projects) is solved jointly with ``scipy.optimize.linear_sum_assignment``
maximising the likelihood of the assignment: the summed log-odds log(p / (1 - p)) of the pairs it links, each
opportunity free to stay unlinked (about half of each side has no twin). Summed log-probabilities with every
opportunity forced into a pair gave an ACE opportunity to a no-twin Odoo lead or a 0.53 sibling at the cost of
its 0.99 twin. Human decisions are hard constraints (a confirmed pair is fixed and its two opportunities leave
the graph, a rejected pair is never proposed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

LINKABLE = 0.5  # a pair no more likely than not is never linked (log-odds <= 0), so it joins no component
DENSE_LIMIT = 250_000  # cells (500 x 500): a bigger component is split at rising probability cuts first


@dataclass
class AssignmentStats:
    components: int = 0
    largest: int = 0  # opportunities in the largest component
    greedy_components: int = 0
    fixed_by_people: int = 0


def assign(o_idx: np.ndarray, a_idx: np.ndarray, p: np.ndarray, n_odoo: int, n_ace: int, *,
           confirmed: np.ndarray | None = None, rejected: np.ndarray | None = None
           ) -> tuple[np.ndarray, AssignmentStats]:
    """Boolean mask over the pairs: True where the pair is in the assignment (never a pair with p <= 0.5: linking
    it is less likely than leaving both sides unlinked).

    ``o_idx``/``a_idx`` index the pairs' Odoo and ACE opportunities (0..n-1); ``confirmed``/``rejected`` are
    boolean masks over the same pairs.
    """
    m = len(p)
    stats = AssignmentStats()
    chosen = np.zeros(m, dtype=bool)
    usable = p > LINKABLE
    if rejected is not None:
        usable &= ~rejected
    if confirmed is not None and confirmed.any():
        chosen |= confirmed
        stats.fixed_by_people = int(confirmed.sum())
        taken_o = np.zeros(n_odoo, dtype=bool)
        taken_a = np.zeros(n_ace, dtype=bool)
        taken_o[o_idx[confirmed]] = True
        taken_a[a_idx[confirmed]] = True
        usable &= ~(taken_o[o_idx] | taken_a[a_idx])
    edges = np.flatnonzero(usable)
    if edges.size == 0:
        return chosen, stats
    q = np.clip(p, 1e-9, 1 - 1e-9)
    _solve(edges, o_idx, a_idx, p, np.log(q) - np.log1p(-q), n_odoo, n_ace, chosen, stats, 0)
    return chosen, stats


# A component too big to solve densely is split by dropping its weakest edges (they would not be linked
# anyway), then each part is solved on its own; greedy only when even the strongest edges stay connected.
SPLIT_CUTS = (0.6, 0.7, 0.8, 0.9, 0.95, 0.98)


def _components(edges: np.ndarray, o_idx: np.ndarray, a_idx: np.ndarray, n_odoo: int, n_ace: int
                ) -> list[np.ndarray]:
    n = n_odoo + n_ace
    graph = coo_matrix((np.ones(edges.size), (o_idx[edges], n_odoo + a_idx[edges])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    comp_of_edge = labels[o_idx[edges]]
    order = np.argsort(comp_of_edge, kind="stable")
    edges, comp_of_edge = edges[order], comp_of_edge[order]
    return np.split(edges, np.flatnonzero(np.diff(comp_of_edge)) + 1)


def _solve(edges: np.ndarray, o_idx: np.ndarray, a_idx: np.ndarray, p: np.ndarray, log_odds: np.ndarray,
           n_odoo: int, n_ace: int, chosen: np.ndarray, stats: AssignmentStats, level: int) -> None:
    """Assign each component of ``edges`` (pairs with p > LINKABLE, so every log-odds is positive)."""
    for group in _components(edges, o_idx, a_idx, n_odoo, n_ace):
        if group.size == 1:
            chosen[group[0]] = True
            stats.components += 1
            stats.largest = max(stats.largest, 2)
            continue
        rows, row_inv = np.unique(o_idx[group], return_inverse=True)
        cols, col_inv = np.unique(a_idx[group], return_inverse=True)
        if rows.size * cols.size > DENSE_LIMIT:
            if level < len(SPLIT_CUTS):
                strong = group[p[group] >= SPLIT_CUTS[level]]
                if strong.size:
                    _solve(strong, o_idx, a_idx, p, log_odds, n_odoo, n_ace, chosen, stats, level + 1)
                continue
            stats.components += 1
            stats.greedy_components += 1
            stats.largest = max(stats.largest, rows.size + cols.size)
            used_o, used_a = set(), set()
            for e in group[np.argsort(-p[group], kind="stable")]:
                if o_idx[e] not in used_o and a_idx[e] not in used_a:
                    chosen[e] = True
                    used_o.add(o_idx[e])
                    used_a.add(a_idx[e])
            continue
        stats.components += 1
        stats.largest = max(stats.largest, rows.size + cols.size)
        forbidden = -1e6
        # one "stays unlinked" column per Odoo opportunity (weight 0) beside the ACE columns
        weight = np.full((rows.size, cols.size + rows.size), forbidden)
        weight[row_inv, col_inv] = log_odds[group]
        weight[np.arange(rows.size), cols.size + np.arange(rows.size)] = 0.0
        r, c = linear_sum_assignment(weight, maximize=True)
        pair_at = np.full((rows.size, cols.size), -1, dtype=np.int64)
        pair_at[row_inv, col_inv] = group
        for i, j in zip(r, c):
            if j < cols.size and weight[i, j] > forbidden:
                chosen[pair_at[i, j]] = True
