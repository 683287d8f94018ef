"""Connection manager against a real server: retry timing, SQL errors not retried, COPY, masking."""

import logging
import socket

import psycopg
import pytest

from partner_sync.database import Database, DatabaseUnavailable, RetryPolicy, connect, mask_dsn

pytestmark = pytest.mark.db


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_refused_connection_retries_2_4_8_then_fails_with_masked_dsn(caplog):
    sleeps: list[float] = []
    dsn = f"postgresql://etl:TopSecret@127.0.0.1:{_refused_port()}/warehouse"
    db = Database(dsn, min_size=1, max_size=2, retry=RetryPolicy(sleep=sleeps.append), connect_timeout=2)
    caplog.set_level(logging.WARNING)
    with pytest.raises(DatabaseUnavailable) as err:
        db.execute_query("SELECT 1")
    assert sleeps == [2.0, 4.0, 8.0]
    assert "after 4 attempts" in str(err.value)
    assert "TopSecret" not in str(err.value) and "TopSecret" not in caplog.text
    assert caplog.text.count("retrying in") == 3


def test_missing_database_is_not_retried(pg_admin_url):
    sleeps: list[float] = []
    url = pg_admin_url.rsplit("/", 1)[0] + "/no_such_db_here"
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        connect(url, retry=RetryPolicy(sleep=sleeps.append))
    assert sleeps == []


def test_sql_errors_are_not_retried(db_url):
    sleeps: list[float] = []
    with Database(db_url, min_size=1, max_size=2, retry=RetryPolicy(sleep=sleeps.append)) as db:
        with pytest.raises(psycopg.errors.UndefinedTable):
            db.execute_query("SELECT * FROM nowhere")
        assert db.execute_query("SELECT 40 + 2") == [(42,)]
    assert sleeps == []


def test_server_restart_is_survived_by_retry(db_url):
    """A pooled connection killed by the server (admin shutdown 57P01) is retried on a fresh one."""
    sleeps: list[float] = []
    with Database(db_url, min_size=1, max_size=1, retry=RetryPolicy(sleep=sleeps.append)) as db:
        pid = db.execute_query("SELECT pg_backend_pid()")[0][0]
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert db.execute_query("SELECT 1") == [(1,)]


def test_pinned_block_stays_on_one_connection_and_never_shares_it(db_url):
    """A run's statements share one backend; a nested or concurrent user gets a pooled one; a failure rolls
    the pinned connection back; a pinned connection the server killed gives way to the pool."""
    sleeps: list[float] = []
    with Database(db_url, min_size=1, max_size=2, retry=RetryPolicy(sleep=sleeps.append)) as db, db.pinned():
        def pid() -> int:
            return db.execute_query("SELECT pg_backend_pid()")[0][0]

        first = pid()
        assert pid() == first and db._pool is None  # the pool is not even opened
        with db.get_connection() as held:
            assert held.execute("SELECT pg_backend_pid()").fetchone()[0] == first
            assert pid() != first  # nested: a pooled connection, never the one in use
        db.execute_query("CREATE TABLE pinned_t (a int)", fetch=False)
        with pytest.raises(psycopg.errors.DivisionByZero), db.get_connection() as c:
            c.execute("INSERT INTO pinned_t VALUES (1)")
            c.execute("SELECT 1 / 0")
        assert db.execute_query("SELECT count(*) FROM pinned_t") == [(0,)]
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        assert pid() != first
        assert len(sleeps) == 1  # one retry, on the pool
        with db.pinned():  # re-entrant
            assert db.execute_query("SELECT 1") == [(1,)]
    assert db._local.conn is None


def test_bulk_insert_streams_a_generator_with_hostile_identifiers(db_url):
    with Database(db_url, min_size=1, max_size=2) as db:
        db.execute_query('CREATE TABLE "Odd Table" (id int, "x; drop table y" text, "Quote""d" jsonb)', fetch=False)
        rows = ((i, f"v{i}", '{"a": 1}') for i in range(5000))
        assert db.bulk_insert(("public", "Odd Table"), ["id", "x; drop table y", 'Quote"d'], rows) == 5000
        assert db.execute_query('SELECT count(*), sum(id) FROM "Odd Table"') == [(5000, sum(range(5000)))]


@pytest.mark.parametrize("text,expected", [
    ("postgresql://u:p4ss@h:5432/db", "postgresql://u:***@h:5432/db"),
    ("host=h password=p4ss dbname=x", "host=h password=*** dbname=x"),
    ("host=h password='p 4ss' user=u", "host=h password=*** user=u"),
    ("postgresql://u@h/db", "postgresql://u@h/db"),
])
def test_mask_dsn(text, expected):
    assert mask_dsn(text) == expected
