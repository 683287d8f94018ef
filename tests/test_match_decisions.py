"""The match-decisions API (contract shared with the Airflow UI page): storage, queue, one match, counts."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from partner_sync.database import Database
from partner_sync.match.decisions import (Decision, decision_counts, human_decisions, match_for, record_decision,
                                          review_queue, store_decisions)
from test_embed import ace_row, insert, odoo_row, query, warehouse_settings


@pytest.fixture
def wh(db_url):
    settings = warehouse_settings(db_url)
    insert(db_url, "odoo_opportunities", [
        odoo_row(1, "Acme - DL Ph1", "Acme GmbH", domain="acme.de", expected_revenue=120000,
                 date_deadline=date(2026, 3, 1), description="Data lake phase 1"),
        odoo_row(2, "Acme - DL Ph2", "Acme GmbH", domain="acme.de"),
        odoo_row(3, "Website form: contact request", "Brimark"),
    ])
    insert(db_url, "ace_opportunities", [
        ace_row("O1", "Data lake modernization on Amazon S3", "ACME", domain="acme.com", project_budget=9000,
                status="Approved"),
        ace_row("O2", "Data lake phase 2: BI", "ACME", domain="acme.com"),
    ])
    with Database.from_settings(settings) as db:
        with db.get_connection() as conn:
            store_decisions(conn, [Decision("1", "linked", "O1", 0.99, {"same_domain": "tld"}),
                                   Decision("2", "review", "O2", 0.62, {"cosine_project": 0.7}),
                                   Decision("3", "review", "O1", 0.31, {})], "test-v1")
            conn.execute("INSERT INTO search.similarity_cache (direction, source_table, source_id, target_table, "
                         "target_id, rank, similarity_score, signals) VALUES "
                         "('odoo_to_ace', 'odoo_opportunities', '1', 'ace_opportunities', 'O1', 1, 0.99, '{}'), "
                         "('odoo_to_ace', 'odoo_opportunities', '1', 'ace_opportunities', 'O2', 2, 0.2, '{}')")
        yield db


def test_review_queue_is_most_uncertain_first_with_both_sides(wh):
    queue = review_queue(wh)
    assert [(q["odoo_id"], q["ace_id"]) for q in queue] == [("2", "O2"), ("3", "O1")]  # |0.62-.5| < |0.31-.5|
    first = queue[0]
    assert first["status"] == "review" and first["probability"] == pytest.approx(0.62)
    assert first["evidence"] == {"cosine_project": 0.7}
    assert first["odoo"]["name"] == "Acme - DL Ph2" and first["odoo"]["company"] == "Acme GmbH"
    assert first["ace"]["name"] == "Data lake phase 2: BI" and first["ace"]["domain"] == "acme.com"
    assert review_queue(wh, limit=1, offset=1)[0]["odoo_id"] == "3"


def test_record_decision_validates_and_leaves_the_queue(wh):
    with pytest.raises(ValueError, match="'confirm' or 'reject'"):
        record_decision(wh, "2", "O2", "maybe", "ana")
    with pytest.raises(ValueError, match="unknown Odoo opportunity '99'"):
        record_decision(wh, "99", "O2", "confirm", "ana")
    with pytest.raises(ValueError, match="unknown ACE opportunity 'O9'"):
        record_decision(wh, "2", "O9", "confirm", "ana")
    row = record_decision(wh, "2", "O2", "confirm", "ana@partner.example", note="same phase 2 SOW")
    assert {k: row[k] for k in ("odoo_id", "ace_id", "decision", "decided_by", "note")} == \
        {"odoo_id": "2", "ace_id": "O2", "decision": "confirm", "decided_by": "ana@partner.example",
         "note": "same phase 2 SOW"}
    assert row["decided_at"]
    record_decision(wh, "3", "O1", "reject", "ana")
    assert review_queue(wh) == []
    # a person changes their mind: the latest decision counts, the history stays
    record_decision(wh, "3", "O1", "confirm", "bo")
    assert [(d["odoo_id"], d["decision"]) for d in human_decisions(wh) if d["odoo_id"] == "3"] == [("3", "confirm")]
    assert [d["decision"] for d in match_for(wh, "3")["decisions"]] == ["confirm", "reject"]
    assert decision_counts(wh) == {"linked": 1, "review": 2, "unmatched": 0, "confirmed": 2, "rejected": 0}


def test_match_for_and_a_rerun_keeps_human_decisions(wh):
    m = match_for(wh, "1")
    assert (m["status"], m["ace_id"], m["probability"]) == ("linked", "O1", pytest.approx(0.99))
    assert [(c["ace_id"], c["rank"]) for c in m["candidates"]] == [("O1", 1), ("O2", 2)]
    assert m["candidates"][0]["ace"]["status"] == "Approved"
    assert m["odoo"]["amount"] == 120000 and m["odoo"]["close_date"] == "2026-03-01"
    assert match_for(wh, "404") is None
    record_decision(wh, "1", "O2", "reject", "ana")
    with wh.get_connection() as conn:  # what a rerun of the matcher does to its own table
        store_decisions(conn, [Decision("1", "linked", "O1", 0.98, {})], "test-v2")
    assert decision_counts(wh) == {"linked": 1, "review": 0, "unmatched": 0, "confirmed": 0, "rejected": 1}
    assert match_for(wh, "1")["decisions"][0]["decision"] == "reject"
    with pytest.raises(ValueError, match="status must be one of"):
        with wh.get_connection() as conn:
            store_decisions(conn, [Decision("1", "maybe", None, None)], "x")
