"""Match decisions people can review: the matcher's status per Odoo opportunity and the human decisions.

The matcher rewrites ``search.match_decisions`` on every run; human decisions live apart in
``search.match_reviews`` (append-only, the latest per pair counts) and are never touched by a rerun: the
next assignment takes a confirmed pair as fixed and never proposes a rejected one again. This is the small
Python API the CLI (``partner_sync review`` / ``matches``) and the Airflow UI page share.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

import psycopg

from partner_sync.database import Database

DECISIONS = ("confirm", "reject")
STATUSES = ("linked", "review", "unmatched")

ODOO_FIELDS = """
SELECT o.source_id::text AS odoo_id, o.name, o.partner_name AS company, o.normalized_domain AS domain,
       o.partner_country AS country, o.aws_account_id AS aws_account, o.expected_revenue AS amount,
       o.date_deadline AS close_date, o.create_date AS created, o.stage_name AS stage, o.user_name AS owner,
       left(o.description, 2000) AS description, o.ace_opportunity_ref
FROM core.odoo_opportunities o"""
ACE_FIELDS = """
SELECT a.source_id AS ace_id, a.name, a.account_name AS company, a.normalized_domain AS domain,
       a.country, a.aws_account, a.project_budget AS amount, a.close_date, a.aws_create_date AS created,
       a.stage, a.status, a.partner_acceptance_status, a.use_case, a.delivery_model,
       left(a.project_description, 2000) AS description, a.partner_crm_unique_identifier
FROM core.ace_opportunities a"""


@dataclass(frozen=True)
class Decision:
    """The matcher's verdict on one Odoo opportunity (what a run writes)."""

    odoo_id: str
    status: str
    ace_id: str | None
    probability: float | None
    evidence: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _rows(cur: psycopg.Cursor) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description or []]
    return [{k: _plain(v) for k, v in zip(names, row)} for row in cur.fetchall()]


def _query(db: Database, query: str, params: Sequence | dict | None = None) -> list[dict[str, Any]]:
    with db.get_connection() as conn:
        return _rows(conn.execute(query, params))


def _one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def record_decision(db: Database, odoo_id: str, ace_id: str, decision: str, decided_by: str,
                    note: str | None = None) -> dict:
    """Store a person's confirm / reject of one pair; it outlives every rerun of the matcher."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be 'confirm' or 'reject', got {decision!r}")
    odoo_id, ace_id = str(odoo_id).strip(), str(ace_id).strip()
    if not decided_by or not str(decided_by).strip():
        raise ValueError("decided_by is required: who made the decision (a name or e-mail)")
    with db.get_connection() as conn:
        if conn.execute("SELECT 1 FROM core.odoo_opportunities WHERE source_id::text = %s", (odoo_id,)).fetchone() \
                is None:
            raise ValueError(f"unknown Odoo opportunity {odoo_id!r} (core.odoo_opportunities.source_id)")
        if conn.execute("SELECT 1 FROM core.ace_opportunities WHERE source_id = %s", (ace_id,)).fetchone() is None:
            raise ValueError(f"unknown ACE opportunity {ace_id!r} (core.ace_opportunities.source_id)")
        cur = conn.execute(
            "INSERT INTO search.match_reviews (odoo_id, ace_id, decision, decided_by, note) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING odoo_id, ace_id, decision, decided_by, decided_at, note",
            (odoo_id, ace_id, decision, str(decided_by).strip(), note))
        return _rows(cur)[0]


def human_decisions(db_or_conn: Database | psycopg.Connection) -> list[dict[str, Any]]:
    """The effective (latest) human decision of every pair."""
    q = "SELECT odoo_id, ace_id, decision, decided_by, decided_at, note FROM search.match_review_latest"
    if isinstance(db_or_conn, Database):
        return _query(db_or_conn, q)
    return _rows(db_or_conn.execute(q))


def _attach_sides(db: Database, items: list[dict[str, Any]]) -> None:
    odoo_ids = sorted({i["odoo_id"] for i in items})
    ace_ids = sorted({i["ace_id"] for i in items if i.get("ace_id")})
    odoo = {r["odoo_id"]: r for r in _query(db, ODOO_FIELDS + " WHERE o.source_id::text = ANY(%s)", (odoo_ids,))}
    ace = {r["ace_id"]: r for r in _query(db, ACE_FIELDS + " WHERE a.source_id = ANY(%s)", (ace_ids,))}
    for item in items:
        item["odoo"] = odoo.get(item["odoo_id"], {})
        item["ace"] = ace.get(item.get("ace_id") or "", {})


def review_queue(db: Database, limit: int = 50, offset: int = 0) -> list[dict]:
    """Pairs the matcher left for review, most uncertain first, without those a person already decided."""
    items = _query(db, """
        SELECT d.odoo_id, d.ace_id, d.probability, d.status, d.evidence, d.model_version, d.decided_at
        FROM search.match_decisions d
        WHERE d.status = 'review'
          AND NOT EXISTS (SELECT 1 FROM search.match_review_latest r
                          WHERE r.odoo_id = d.odoo_id AND r.ace_id = d.ace_id)
        ORDER BY abs(COALESCE(d.probability, 0) - 0.5), d.odoo_id
        LIMIT %s OFFSET %s""", (int(limit), int(offset)))
    _attach_sides(db, items)
    return items


def match_for(db: Database, odoo_id: str) -> dict | None:
    """One Odoo opportunity: its decision, ranked candidates with evidence, human decisions, core fields."""
    odoo_id = str(odoo_id).strip()
    odoo = _one(_query(db, ODOO_FIELDS + " WHERE o.source_id::text = %s", (odoo_id,)))
    if odoo is None:
        return None
    decision = _one(_query(db, "SELECT status, ace_id, probability, evidence, model_version, decided_at "
                               "FROM search.match_decisions WHERE odoo_id = %s", (odoo_id,)))
    candidates = _query(db, "SELECT target_id AS ace_id, rank, similarity_score AS probability, signals AS evidence "
                            "FROM search.similarity_cache WHERE direction = 'odoo_to_ace' AND source_id = %s "
                            "ORDER BY rank", (odoo_id,))
    ace = {r["ace_id"]: r for r in _query(db, ACE_FIELDS + " WHERE a.source_id = ANY(%s)",
                                          ([c["ace_id"] for c in candidates],))}
    for c in candidates:
        c["ace"] = ace.get(c["ace_id"], {})
    decisions = _query(db, "SELECT odoo_id, ace_id, decision, decided_by, decided_at, note "
                           "FROM search.match_reviews WHERE odoo_id = %s ORDER BY decided_at DESC, review_id DESC",
                       (odoo_id,))
    return {"odoo_id": odoo_id,
            "status": decision["status"] if decision else "unmatched",
            "ace_id": decision["ace_id"] if decision else None,
            "probability": decision["probability"] if decision else None,
            "evidence": decision["evidence"] if decision else {},
            "model_version": decision["model_version"] if decision else None,
            "candidates": candidates, "decisions": decisions, "odoo": odoo}


def decision_counts(db: Database) -> dict[str, int]:
    """How many Odoo opportunities are linked / in review / unmatched, and how many pairs people decided."""
    counts = {s: 0 for s in STATUSES} | {"confirmed": 0, "rejected": 0}
    for r in _query(db, "SELECT status, count(*) AS n FROM search.match_decisions GROUP BY status"):
        counts[r["status"]] = int(r["n"])
    for r in _query(db, "SELECT decision, count(*) AS n FROM search.match_review_latest GROUP BY decision"):
        counts["confirmed" if r["decision"] == "confirm" else "rejected"] = int(r["n"])
    return counts


def store_decisions(conn: psycopg.Connection, decisions: Iterable[Decision], model_version: str) -> int:
    """Replace the matcher's decisions with this run's (human decisions are elsewhere and stay)."""
    conn.execute("CREATE TEMP TABLE match_decisions_new (LIKE search.match_decisions INCLUDING DEFAULTS) "
                 "ON COMMIT DROP")
    with conn.cursor().copy("COPY match_decisions_new (odoo_id, status, ace_id, probability, evidence, "
                            "model_version) FROM STDIN") as cp:
        for d in decisions:
            if d.status not in STATUSES:
                raise ValueError(f"decision status must be one of {STATUSES}, got {d.status!r} for {d.odoo_id}")
            cp.write_row((d.odoo_id, d.status, d.ace_id, None if d.probability is None else float(d.probability),
                          json.dumps(d.evidence, default=_plain), model_version))
    conn.execute("DELETE FROM search.match_decisions d WHERE NOT EXISTS "
                 "(SELECT 1 FROM match_decisions_new n WHERE n.odoo_id = d.odoo_id)")
    written = conn.execute("""
        INSERT INTO search.match_decisions AS d (odoo_id, status, ace_id, probability, evidence, model_version)
        SELECT odoo_id, status, ace_id, probability, evidence, model_version FROM match_decisions_new
        ON CONFLICT (odoo_id) DO UPDATE SET status = EXCLUDED.status, ace_id = EXCLUDED.ace_id,
            probability = EXCLUDED.probability, evidence = EXCLUDED.evidence,
            model_version = EXCLUDED.model_version, decided_at = now()
        WHERE (d.status, d.ace_id, d.probability, d.evidence, d.model_version) IS DISTINCT FROM
              (EXCLUDED.status, EXCLUDED.ace_id, EXCLUDED.probability, EXCLUDED.evidence, EXCLUDED.model_version)
    """).rowcount
    conn.execute("DROP TABLE match_decisions_new")
    return written
