"""Odoo <-> ACE matching: candidates, calibrated pair probabilities, one-to-one assignment, decisions.

1. Candidates come from the warehouse (HNSW neighbours by identity and by project, both directions; shared
   AWS account or domain) plus exact ids (ACE partner_crm_unique_identifier, the Odoo ace_id_field).
2. Each pair gets features (``features.py``) and a probability from the pair model (``model.py``).
3. Each connected component of the candidate graph is assigned one-to-one (``assign.py``) with human
   decisions as hard constraints.
4. Per Odoo opportunity the top-k candidates (rank 1 = the assignment) go to search.similarity_cache, the
   reverse direction too, and its decision (linked / review / unmatched) to search.match_decisions.
Everything is written in one transaction; a rerun on unchanged data writes nothing.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from psycopg import sql

from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.logs import kv
from partner_sync.match import features as F
from partner_sync.match.assign import AssignmentStats, assign
from partner_sync.match.candidates import fill_candidates
from partner_sync.match.decisions import Decision, store_decisions
from partner_sync.match.cosines import read_pair_cosines
from partner_sync.match.feature_table import Vocabulary, side_columns
from partner_sync.match.model import PairModel, assignment_inputs
from partner_sync.match.scoring import Scored, score_candidates
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)

# direction -> (query table, target table)
DIRECTIONS = {"odoo_to_ace": ("odoo_opportunities", "ace_opportunities"),
              "ace_to_odoo": ("ace_opportunities", "odoo_opportunities")}


@dataclass
class DirectionReport:
    direction: str
    queries: int = 0
    candidates: int = 0
    kept: int = 0
    written: int = 0  # rows inserted or changed
    removed: int = 0
    seconds: float = 0.0


@dataclass
class MatchReport:
    directions: list[DirectionReport] = field(default_factory=list)
    model_version: str = ""
    link_threshold: float = 0.0  # the auto-link threshold this run's policy took from the model
    pairs: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    assignment: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"directions": {d.direction: asdict(d) for d in self.directions}, "model": self.model_version,
                "link_threshold": self.link_threshold,
                "pairs": self.pairs, "decisions": self.decisions, "assignment": self.assignment,
                "seconds": self.seconds}


def active_model(db: Database) -> PairModel:
    """The newest model stored by ``match --train``, else the shipped default."""
    row = db.execute_query("SELECT model FROM search.match_models ORDER BY created_at DESC, version DESC LIMIT 1")
    return PairModel.from_dict(row[0][0]) if row else PairModel.load()


def _side(conn, settings: Settings, name: str) -> dict[str, dict[str, Any]]:
    cur = conn.execute(load_sql(settings.include_dir, f"search/match/{name}"))
    cols = [d.name for d in cur.description]
    out = {}
    for row in cur:
        r = dict(zip(cols, row))
        r["name_norm"] = F.normalize_name(r["company"], r["country"])
        r["domains"] = {d for d in (F.domain_of(r["normalized_domain"]), F.domain_of(r["website"]),
                                    F.domain_of(r["email"])) if d}
        r["account"] = F.normalize_account(r["account"])
        if "payer" in r:
            r["payer"] = F.normalize_account(r["payer"])
        r["amount"] = float(r["amount"]) if r["amount"] is not None else None
        out[r["id"]] = r
    return out


def _unspecific_domains(*sides: dict[str, dict[str, Any]]) -> set[str]:
    """Registrable domains more than 3 differently named companies share (test.com, a reseller's): no evidence."""
    names: dict[str, set[str]] = {}
    for side in sides:
        for r in side.values():
            for d in r["domains"]:
                names.setdefault(F.registered(d), set()).add(r["name_norm"])
    return {d for d, n in names.items() if len(n) > 3}


def _unspecific_accounts(*sides: dict[str, dict[str, Any]]) -> set[str]:
    """AWS accounts more than 3 differently named companies share (a partner's own payer): no evidence."""
    names: dict[str, set[str]] = {}
    for side in sides:
        for r in side.values():
            for key in ("account", "payer"):
                if r.get(key):
                    names.setdefault(r[key], set()).add(r["name_norm"])
    return {a for a, n in names.items() if len(n) > 3}


CANDIDATE_EF_FACTOR = 2  # hnsw.ef_search for candidate scans: twice the pool (a scan's cost grows with ef)


def candidate_ef_search(settings: Settings) -> int:
    """ef_search of the candidate scans: 2 x the pool, lower when PARTNER_SYNC_HNSW_EF_SEARCH is, never below it."""
    pool = max(settings.match_candidates, settings.match_top_k)
    return max(pool, min(settings.hnsw_ef_search, CANDIDATE_EF_FACTOR * pool))


def score_pairs(settings: Settings, conn, model: PairModel | None, db: Database | None = None
                ) -> tuple[Scored, dict, dict]:
    """Candidates, features and (when a model is given) probabilities of every pair, on ``conn``; with ``db``
    the vector scans also use PARTNER_SYNC_MATCH_WORKERS connections of their own (``candidates.py``)."""
    started = time.monotonic()
    pool = max(settings.match_candidates, settings.match_top_k)
    conn.execute(sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(candidate_ef_search(settings))))
    odoo = _side(conn, settings, "sides_odoo")
    ace = _side(conn, settings, "sides_ace")
    junk = _unspecific_domains(odoo, ace)
    shared = _unspecific_accounts(odoo, ace)
    for side in (odoo, ace):
        for r in side.values():
            r["domains"] = frozenset(d for d in r["domains"] if F.registered(d) not in junk)
            for key in ("account", "payer"):
                if r.get(key) in shared:
                    r[key] = None
    fill_candidates(settings, conn, pool, candidate_ef_search(settings), db)
    # exact ids: ACE's partner CRM id and the Odoo custom field, in their real forms
    extra = set()
    for a in ace.values():
        a["crm_id"] = F.parse_crm_id(a.get("crm_id"))
        if a["crm_id"] in odoo:
            extra.add((a["crm_id"], a["id"]))
    for o in odoo.values():
        o["ace_ref"] = F.parse_ace_id(o.get("ace_ref"))
        if o["ace_ref"] in ace:
            extra.add((o["id"], o["ace_ref"]))
    extra |= _blocked_pairs(odoo, ace)
    if extra:
        with conn.cursor().copy("COPY match_pairs (o_id, a_id) FROM STDIN") as cp:
            for pair in extra:
                cp.write_row(pair)
    odoo_ids = sorted(odoo)
    ace_ids = sorted(ace)
    o_pos = {k: i for i, k in enumerate(odoo_ids)}
    a_pos = {k: i for i, k in enumerate(ace_ids)}
    o_emb, a_emb = _embedding_ids(conn, "odoo_opportunities", o_pos), _embedding_ids(conn, "ace_opportunities", a_pos)
    _positions(conn, o_pos, a_pos)
    o_idx, a_idx, cos_i, cos_p = _pair_cosines(settings, conn)
    candidates_done = time.monotonic()
    vocab = Vocabulary()
    odoo_cols = side_columns(odoo, odoo_ids, vocab, odoo=True, other_pos=a_pos)
    ace_cols = side_columns(ace, ace_ids, vocab, odoo=False, other_pos=o_pos)
    # in batches of pairs (match/scoring.py): only training (no model) keeps the pairs x features matrix
    scored = score_candidates(odoo_ids, ace_ids, o_idx, a_idx, cos_i, cos_p, o_emb, a_emb,
                              (odoo_cols, ace_cols, vocab), model)
    scored.seconds = {"candidates": round(candidates_done - started, 3),
                      "features": round(time.monotonic() - candidates_done, 3)}
    return scored, odoo, ace


def _embedding_ids(conn, table: str, pos: dict[str, int]) -> list[Any]:
    out: list[Any] = [None] * len(pos)
    for sid, emb in conn.execute("SELECT source_id, embedding_id FROM search.embeddings WHERE source_table = %s "
                                 "AND embedding_type = 'identity'", (table,)):
        i = pos.get(sid)
        if i is not None:
            out[i] = emb
    return out


def _positions(conn, o_pos: dict[str, int], a_pos: dict[str, int]) -> None:
    """Each opportunity's index in this run, so the pair query returns integers, not millions of id strings."""
    for name, pos in (("match_odoo_pos", o_pos), ("match_ace_pos", a_pos)):
        conn.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (id text PRIMARY KEY, pos integer NOT NULL) "
                             "ON COMMIT DROP").format(sql.Identifier(name)))
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(name)))
        with conn.cursor().copy(sql.SQL("COPY {} (id, pos) FROM STDIN").format(sql.Identifier(name))) as cp:
            for k, i in pos.items():
                cp.write_row((k, i))
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))


def _pair_cosines(settings: Settings, conn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(odoo index, ace index, identity cosine, project cosine) of every pair in match_pairs (binary COPY)."""
    return read_pair_cosines(conn, load_sql(settings.include_dir, "search/match/pair_cosines"))


BLOCK_LIMIT = 40  # a key (name, acronym, domain label) shared by more ACE opportunities identifies nobody


def _blocked_pairs(odoo: dict[str, dict[str, Any]], ace: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """Pairs the vector search can miss: same normalized name, acronym of the other's name, same domain label
    (other TLD, subdomain, the e-mail's domain when the website is junk)."""
    index: dict[str, list[str]] = {}
    for a in ace.values():
        keys = {f"n:{a['name_norm']}"} if a["name_norm"] else set()
        keys |= {f"d:{F.label(d)}" for d in a["domains"]}
        if a["name_norm"]:
            keys.add(f"f:{a['name_norm'].split()[0]}")
        for k in keys:
            index.setdefault(k, []).append(a["id"])
    out: set[tuple[str, str]] = set()
    for o in odoo.values():
        keys = {f"d:{F.label(d)}" for d in o["domains"]}
        if o["name_norm"]:
            keys.add(f"n:{o['name_norm']}")
            acronym = F.acronym(o["name_norm"])
            if len(acronym) >= 2 and " " in o["name_norm"]:
                keys.add(f"n:{acronym}")
            keys.add(f"f:{o['name_norm'].split()[0]}")
        for k in keys:
            ids = index.get(k, ())
            if len(ids) <= BLOCK_LIMIT:
                out.update((o["id"], a) for a in ids)
    return out


def _human_masks(conn, scored: Scored) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    latest = conn.execute("SELECT odoo_id, ace_id, decision FROM search.match_review_latest").fetchall()
    n = len(scored.o_idx)
    confirmed = np.zeros(n, dtype=bool)
    rejected = np.zeros(n, dtype=bool)
    o_pos = {k: i for i, k in enumerate(scored.odoo_ids)}
    a_pos = {k: i for i, k in enumerate(scored.ace_ids)}
    missing_confirmed = []
    for o, a, d in latest:
        i = scored.find(o_pos[o], a_pos[a]) if o in o_pos and a in a_pos else -1
        if i >= 0:
            (confirmed if d == "confirm" else rejected)[i] = d in ("confirm", "reject")
        elif d == "confirm":
            missing_confirmed.append((o, a))
    return confirmed, rejected, missing_confirmed


def _add_pairs(settings: Settings, conn, scored: Scored, odoo: dict, ace: dict, model: PairModel,
               pairs: list[tuple[str, str]]) -> Scored:
    """Confirmed pairs the candidate search did not produce: scored too, so the constraint can hold."""
    pairs = [p for p in pairs if p[0] in odoo and p[1] in ace]
    if not pairs:
        return scored
    conn.execute("TRUNCATE match_pairs")
    with conn.cursor().copy("COPY match_pairs (o_id, a_id) FROM STDIN") as cp:
        for pair in pairs:
            cp.write_row(pair)
    o_new, a_new, ci_new, cp_new = _pair_cosines(settings, conn)
    cos_i, cos_p = scored.cos
    out = score_candidates(scored.odoo_ids, scored.ace_ids, np.r_[scored.o_idx, o_new], np.r_[scored.a_idx, a_new],
                           np.r_[cos_i, ci_new], np.r_[cos_p, cp_new], scored.o_emb, scored.a_emb, scored.sides,
                           model)
    out.seconds = scored.seconds
    return out


def _evidence(f: dict[str, Any], p: float) -> dict[str, Any]:
    ev = {k: v for k, v in f.items() if v is not None}
    ev["probability"] = round(float(p), 4)
    found = F.disagreements(f)
    if found:
        ev["disagreements"] = found
    return ev


def run_match(settings: Settings, db: Database | None = None, *, top_k: int | None = None,
              model: PairModel | None = None) -> MatchReport:
    """Score, assign and decide; opens the warehouse pool when none is given."""
    if db is None:
        with Database.from_settings(settings) as own:
            return run_match(settings, own, top_k=top_k, model=model)
    top_k = top_k or settings.match_top_k
    model = model or active_model(db)
    report = MatchReport(model_version=model.version, link_threshold=model.link_threshold(settings.auto_link_policy))
    t0 = time.monotonic()
    with db.get_connection() as conn, conn.transaction():
        scored, odoo, ace = score_pairs(settings, conn, model, db)
        t1 = time.monotonic()
        confirmed, rejected, missing = _human_masks(conn, scored)
        if missing:
            scored = _add_pairs(settings, conn, scored, odoo, ace, model, missing)
            confirmed, rejected, _ = _human_masks(conn, scored)
        p = scored.p if scored.p is not None else np.zeros(0)
        # the assignment and the second stage weigh the regression's own probabilities: the calibration map is
        # monotone but coarse among likely twins (isotonic blocks), and telling siblings apart needs the finer
        # score; the calibrated one is what people see (cache, decisions, review floor)
        p_assign = scored.p_raw if scored.p_raw is not None else p
        chosen, stats = assign(scored.o_idx, scored.a_idx, p_assign, len(scored.odoo_ids), len(scored.ace_ids),
                               confirmed=confirmed, rejected=rejected)
        t2 = time.monotonic()
        report.pairs = len(p)
        report.assignment = asdict(stats)
        link_p = model.predict_assigned(assignment_inputs(scored.o_idx, scored.a_idx, p_assign, chosen,
                                                          usable=~rejected))
        decisions, by_dir = _rank_and_decide(scored, p, link_p, chosen, confirmed, rejected, model, top_k,
                                             report.link_threshold)
        t3 = time.monotonic()
        conn.execute("DROP TABLE IF EXISTS match_pairs")
        for direction, rows in by_dir.items():
            report.directions.append(_store_direction(settings, conn, direction, rows))
        store_decisions(conn, decisions, model.version)
        report.decisions = {s: sum(d.status == s for d in decisions) for s in ("linked", "review", "unmatched")}
    t4 = time.monotonic()
    report.seconds = {**scored.seconds, "candidates_and_features": round(t1 - t0, 3),
                      "assignment": round(t2 - t1, 3), "decide": round(t3 - t2, 3), "store": round(t4 - t3, 3)}
    log.info(kv("match.run", model=model.version, pairs=report.pairs, **report.decisions, **report.seconds))
    return report


def _ranked(group: np.ndarray, usable: np.ndarray, chosen: np.ndarray, p: np.ndarray, p_raw: np.ndarray,
            other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Usable pairs ordered by (group, assigned first, probability desc, other side's index), and their rank."""
    idx = np.flatnonzero(usable)
    order = idx[np.lexsort((other[idx], -p_raw[idx], -p[idx], ~chosen[idx], group[idx]))]
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(order) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
    return order, rank


def _top(group: np.ndarray, usable: np.ndarray, chosen: np.ndarray, p: np.ndarray, p_raw: np.ndarray,
         other: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ranked 1..top_k in their group (``_ranked``), and their rank."""
    order, rank = _ranked(group, usable, chosen, p, p_raw, other)
    keep = rank <= top_k
    return order[keep], rank[keep]


def _rank_and_decide(scored: Scored, p: np.ndarray, link_p: np.ndarray, chosen: np.ndarray, confirmed: np.ndarray,
                     rejected: np.ndarray, model: PairModel, top_k: int, link_threshold: float):
    """Per side its candidates ranked (the assignment first), and per Odoo opportunity its decision (``linked``
    from ``link_threshold`` up: ``PairModel.link_threshold``).

    A pair's ``probability`` in the cache is the pair model's; an assigned pair's decision carries the
    probability that the assignment is right (``link_p``: its own and its rivals' probabilities)."""
    p_raw = scored.p_raw if scored.p_raw is not None else p
    o_top, o_rank = _top(scored.o_idx, ~rejected, chosen, p, p_raw, scored.a_idx, top_k)
    a_top, a_rank = _top(scored.a_idx, ~rejected, chosen, p, p_raw, scored.o_idx, top_k)
    stored = np.union1d(o_top, a_top)  # the pairs whose evidence is shown: the signals of these only
    table = scored.table(stored)
    evidence: dict[int, str] = {}  # JSON, once per pair (most cached pairs are in both directions)

    def signals(i: int) -> dict[str, Any]:
        return table.row(int(np.searchsorted(stored, i)))

    def ev_of(i: int) -> str:
        if i not in evidence:
            evidence[i] = json.dumps(_evidence(signals(i), p[i]), default=str)
        return evidence[i]

    assigned_odoo_of_ace = {int(scored.a_idx[i]): scored.odoo_ids[scored.o_idx[i]] for i in np.flatnonzero(chosen)}
    by_dir: dict[str, list[tuple]] = {"odoo_to_ace": [], "ace_to_odoo": []}
    best_of_odoo: dict[int, int] = {}
    for i, r in zip(o_top.tolist(), o_rank.tolist()):
        oi, ai = int(scored.o_idx[i]), int(scored.a_idx[i])
        if r == 1:
            best_of_odoo[oi] = i
        by_dir["odoo_to_ace"].append((scored.odoo_ids[oi], scored.ace_ids[ai], scored.o_emb[oi], scored.a_emb[ai],
                                      float(p[i]), r, ev_of(i)))
    decisions = []
    for oi, odoo_id in enumerate(scored.odoo_ids):
        best = best_of_odoo.get(oi)
        if best is None:
            decisions.append(Decision(odoo_id, "unmatched", None, None, {}))
            continue
        ev = _evidence(signals(best), p[best])
        ace_id = scored.ace_ids[scored.a_idx[best]]
        if chosen[best]:
            ev["link_probability"] = round(float(link_p[best]), 4)
        if confirmed[best]:
            ev["decided_by_person"] = "confirm"
            decisions.append(Decision(odoo_id, "linked", ace_id, 1.0, ev))
        elif chosen[best] and link_p[best] >= link_threshold:
            decisions.append(Decision(odoo_id, "linked", ace_id, float(link_p[best]), ev))
        elif chosen[best] and link_p[best] >= model.review_floor:
            decisions.append(Decision(odoo_id, "review", ace_id, float(link_p[best]), ev))
        elif p[best] >= model.review_floor:
            if not chosen[best]:
                ev["assigned_to_other_odoo"] = assigned_odoo_of_ace.get(int(scored.a_idx[best]))
            decisions.append(Decision(odoo_id, "review", ace_id, float(p[best]), ev))
        else:
            decisions.append(Decision(odoo_id, "unmatched", ace_id, float(p[best]), ev))
    for i, r in zip(a_top.tolist(), a_rank.tolist()):
        oi, ai = int(scored.o_idx[i]), int(scored.a_idx[i])
        by_dir["ace_to_odoo"].append((scored.ace_ids[ai], scored.odoo_ids[oi], scored.a_emb[ai], scored.o_emb[oi],
                                      float(p[i]), r, ev_of(i)))
    return decisions, by_dir


def _store_direction(settings: Settings, conn, direction: str, rows: list[tuple]) -> DirectionReport:
    """One direction's ranked candidates (evidence as JSON text) into search.similarity_cache."""
    q_table, t_table = DIRECTIONS[direction]
    report = DirectionReport(direction)
    started = time.monotonic()
    conn.execute("CREATE TEMP TABLE match_result (q_id text, t_id text, q_embedding_id uuid, t_embedding_id uuid, "
                 "score double precision, rank smallint, signals jsonb) ON COMMIT DROP")
    with conn.cursor().copy("COPY match_result FROM STDIN") as cp:
        for q, t, qe, te, score, rank, ev in rows:
            if qe is None or te is None:
                continue  # no identity embedding yet: decided, but not cacheable
            cp.write_row((q, t, qe, te, score, rank, ev))
            report.kept += 1
    report.queries = len({r[0] for r in rows})
    report.candidates = len(rows)
    params = {"direction": direction, "q_table": q_table, "t_table": t_table, "model": settings.embedding_model}
    report.written = conn.execute(load_sql(settings.include_dir, "search/match/store"), params).rowcount
    report.removed = conn.execute(load_sql(settings.include_dir, "search/match/prune"), params).rowcount
    conn.execute("DROP TABLE match_result")
    report.seconds = round(time.monotonic() - started, 3)
    log.info(kv("match.direction", **asdict(report)))
    return report
