"""Semantic search: ranking on a tiny hand-made set, entity filter, k, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from partner_sync.database import Database
from partner_sync.embed.stage import embed_entities
from partner_sync.embed.texts import ENTITIES
from partner_sync.search import semantic_search
from test_embed import ace_row, env_for, insert, minilm, odoo_row, warehouse_settings  # noqa: F401

EXE = str(Path(sys.executable).parent / "partner_sync")


@pytest.fixture
def indexed(db_url, minilm):
    settings = warehouse_settings(db_url)
    insert(db_url, "odoo_opportunities", [
        odoo_row(1, "Oracle to Aurora PostgreSQL migration", "Nexnova SA", description="Leave Oracle licences"),
        odoo_row(2, "Kubernetes platform on Amazon EKS", "Brimark Media", description="Containers for streaming"),
        odoo_row(3, "Contact centre with Amazon Connect", "Quintal Retail", description="Modern call centre"),
    ])
    insert(db_url, "ace_opportunities", [
        ace_row("O1", "Generative AI chatbot with Bedrock", "Veltora Health", description="Answer patient questions"),
        ace_row("O2", "Data center migration to AWS", "Astbridge Labs", description="Exit the co-location site"),
    ])
    insert(db_url, "aws_accounts", [{"account_id": "123456789012", "account_name": "Brimark Media production",
                                     "company_name": "Brimark Media", "combined_text": "AWS account: 123456789012"}])
    with Database.from_settings(settings) as db:
        embed_entities(settings, db, list(ENTITIES.values()))
    return db_url, settings


def test_the_nearest_entity_ranks_first_with_its_matched_text(indexed):
    url, settings = indexed
    hits = semantic_search(settings, "move our Oracle database to Aurora", k=3)
    assert [(h.entity, h.source_id) for h in hits][0] == ("odoo", "1")
    assert hits[0].label == "Oracle to Aurora PostgreSQL migration / Nexnova SA"
    assert "Oracle" in hits[0].text and hits[0].matched in ("identity", "context")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True) and len(hits) == 3

    assert semantic_search(settings, "LLM assistant for patients", k=1)[0].source_id == "O1"
    assert semantic_search(settings, "k8s containers", k=1)[0].source_id == "2"


def test_entity_filter_and_each_entity_once(indexed):
    url, settings = indexed
    hits = semantic_search(settings, "Brimark Media", entity="aws", k=10)
    assert [(h.entity, h.source_id) for h in hits] == [("aws", "123456789012")]  # identity and context: one hit
    ace = semantic_search(settings, "migration", entity="ace", k=10)
    assert {h.entity for h in ace} == {"ace"} and len(ace) == 2
    assert ace[0].source_id == "O2"
    with pytest.raises(ValueError, match="unknown entity 'crm'"):
        semantic_search(settings, "x", entity="crm")


def test_cli_search_prints_a_ranked_table(indexed):
    url, _ = indexed
    proc = subprocess.run([EXE, "search", "call centre", "--k", "2"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env_for(url)})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:4] == ["#", "entity", "id", "cosine"]
    assert lines[2].split()[:3] == ["1", "odoo", "3"] and len(lines) == 4
