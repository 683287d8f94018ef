"""Shared fixtures: one real embedded PostgreSQL server for the whole test session.

The server's data lives in ``.local/test`` (separate from the demo's), so a developer's demo data
is never touched by tests; each test that needs a database gets a fresh, uniquely named one.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))  # Airflow's own layout: plugins/ on sys.path

from partner_sync.embedded import EmbeddedServer  # noqa: E402

TEST_HOME = ROOT / ".local" / "test"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of the test server's ``postgres`` database (server started on first use, left running)."""
    return EmbeddedServer(TEST_HOME).up()


@pytest.fixture(scope="session")
def pg_server() -> EmbeddedServer:
    server = EmbeddedServer(TEST_HOME)
    server.up()
    return server


def _url_for(admin_url: str, dbname: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture
def make_db(pg_admin_url):
    """Factory: ``make_db('prefix')`` creates an empty database and returns its URL; all are dropped after."""
    created: list[str] = []

    def _make(prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return _url_for(pg_admin_url, name)

    yield _make
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def db_url(make_db) -> str:
    """A fresh empty database for one test."""
    return make_db("t")
