"""Pooled PostgreSQL connections with retry on connection failures only, COPY bulk insert, masked DSNs.

Retry follows the seed's "Database Connection Failure" scenario: 3 retries after the first try,
2 s / 4 s / 8 s apart (exponential). SQL errors are never retried: a bad query stays a bad query.
"""

from __future__ import annotations

import logging
import re
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from partner_sync.backoff import Backoff
from partner_sync.config import ConfigError, ConnSpec, Settings

log = logging.getLogger(__name__)

_PASSWORD_PATTERNS = [
    (re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I), r"\1***"),
    (re.compile(r"(://[^:/@\s]*:)([^@\s]*)(@)"), r"\1***\3"),
]


def mask_dsn(text: str) -> str:
    """Replace every password in a DSN, URI or error message by ``***``."""
    for pattern, repl in _PASSWORD_PATTERNS:
        text = pattern.sub(repl, text)
    return text


_PERMANENT_CONNECT_ERRORS = ("does not exist", "authentication failed", "no pg_hba.conf entry",
                             "invalid connection option", "role ")


class DatabaseUnavailable(RuntimeError):
    """The server could not be reached after every retry."""


class ConnectionRejected(ConfigError):
    """The server answered but refused the login (wrong password, unknown role, missing database): a
    configuration problem naming the connection id, never retried."""


class ConnectionLost(RuntimeError):
    """An open connection dropped mid-work; the message says which side (source or warehouse) it was."""


def side_of(conn: ConnSpec) -> str:
    """``warehouse connection warehouse_db (postgresql://...)`` or ``source connection odoo_db (...)``."""
    side = "warehouse" if conn.conn_id == "warehouse_db" else "source"
    return f"{side} connection {conn.conn_id} ({conn.masked})"


@contextmanager
def name_lost_connection(sides: dict[str, Any]) -> Iterator[None]:
    """Inside the block, a connection error after which one of ``sides``' open connections (label ->
    psycopg connection; other values are ignored) is broken re-raises as ConnectionLost naming that side."""
    try:
        yield
    except Exception as exc:
        if not is_connection_error(exc) or isinstance(exc, DatabaseUnavailable):
            raise
        broken = [label for label, c in sides.items() if isinstance(c, psycopg.Connection) and (c.broken or c.closed)]
        if len(broken) != 1:
            raise
        raise ConnectionLost(f"{broken[0]}: connection lost: {mask_dsn(str(exc)).strip()}") from exc


# How often and how long to wait when a connection fails (the one backoff of partner_sync.backoff).
RetryPolicy = Backoff


def is_connection_error(exc: BaseException) -> bool:
    """True for failures to reach or keep the server, False for errors in the SQL itself."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = getattr(exc, "sqlstate", None)
    if state is None:
        # libpq reports a refused login without SQLSTATE; waiting will not create a database or fix a password.
        return not any(p in str(exc) for p in _PERMANENT_CONNECT_ERRORS)
    return state.startswith("08") or state in {"57P01", "57P02", "57P03"}


def with_retry(fn: Callable[[], Any], policy: Backoff, what: str) -> Any:
    """Run ``fn``; on a connection error wait 2/4/8 s and try again, then raise DatabaseUnavailable."""
    return policy.run(fn, is_connection_error, what, describe=lambda exc: "connection failed: "
                      + mask_dsn(str(exc)).strip(),
                      exhausted=lambda exc, tries: DatabaseUnavailable(
                          f"{what}: unreachable after {tries} attempts: {mask_dsn(str(exc)).strip()}"))


class Database:
    """One PostgreSQL database: a lazily opened pool plus the helpers every stage uses."""

    def __init__(self, conn: ConnSpec | str, *, min_size: int = 10, max_size: int = 20,
                 retry: RetryPolicy | None = None, connect_timeout: int = 10):
        self.spec = conn if isinstance(conn, ConnSpec) else None
        self.dsn = conn.dsn if isinstance(conn, ConnSpec) else conn
        self.name = side_of(conn) if isinstance(conn, ConnSpec) else mask_dsn(conn)
        self.min_size, self.max_size = min_size, max_size
        self.retry = retry or RetryPolicy()
        self.connect_timeout = connect_timeout
        self._pool: ConnectionPool | None = None
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: Settings, conn_id: str = "warehouse_db") -> "Database":
        return cls(settings.conn(conn_id), min_size=settings.pool_min, max_size=settings.pool_max,
                   retry=RetryPolicy.from_settings(settings))

    def _probe(self) -> None:
        try:
            psycopg.connect(self.dsn, connect_timeout=self.connect_timeout).close()
        except psycopg.OperationalError as exc:
            raise _rejected(self.spec, exc) or exc

    def _open_pool(self) -> ConnectionPool:
        if self._pool is None:
            with_retry(self._probe, self.retry, f"connect {self.name}")
            pool = ConnectionPool(self.dsn, min_size=self.min_size, max_size=self.max_size, open=False,
                                  timeout=self.connect_timeout, name=self.name,
                                  kwargs={"connect_timeout": self.connect_timeout})
            pool.open(wait=False)
            self._pool = pool
        return self._pool

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Inside the block, this thread's ``get_connection()`` calls share one dedicated connection.

        A run is sequential: on one connection its statements find warm catalog caches, where the pool
        would hand out its idle connections in turn (each cold), and the pool itself (10 connections by
        default) is only opened if something needs a second connection at the same time.
        """
        if getattr(self._local, "conn", None) is not None:
            yield  # already pinned in this thread
            return
        conn = connect(self.spec or self.dsn, retry=self.retry, connect_timeout=self.connect_timeout)
        self._local.conn, self._local.busy = conn, False
        try:
            yield
        finally:
            self._local.conn = None
            conn.close()

    @contextmanager
    def get_connection(self) -> Iterator[psycopg.Connection]:
        """A connection inside a transaction (committed on success, rolled back on error): the pinned one
        when this thread has one that is free and healthy, else one from the pool."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and not self._local.busy and not conn.broken:
            self._local.busy = True
            try:
                yield conn
            except BaseException:
                if not conn.broken:
                    conn.rollback()
                raise
            else:
                conn.commit()
            finally:
                self._local.busy = False
            return
        pool = self._open_pool()
        with pool.connection() as conn:
            yield conn

    def execute_query(self, query: str | sql.Composable, params: Sequence | dict | None = None,
                      *, fetch: bool = True) -> list[tuple]:
        """Execute one statement in its own transaction, retrying only when the connection fails."""

        def attempt() -> list[tuple]:
            with self.get_connection() as conn:
                cur = conn.execute(query, params)
                return cur.fetchall() if fetch and cur.description else []

        return with_retry(attempt, self.retry, f"query on {self.name}")

    def bulk_insert(self, table: tuple[str, str], columns: Sequence[str], rows: Iterable[Sequence[Any]],
                    *, conn: psycopg.Connection | None = None) -> int:
        """COPY ``rows`` into ``schema.table`` (streamed, never materialised); returns the row count."""
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(*table), sql.SQL(", ").join(map(sql.Identifier, columns)))

        def copy(c: psycopg.Connection) -> int:
            n = 0
            with c.cursor().copy(stmt) as cp:
                for row in rows:
                    cp.write_row(row)
                    n += 1
            return n

        if conn is not None:
            return copy(conn)
        with self.get_connection() as c:
            return copy(c)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(conn: ConnSpec | str, *, autocommit: bool = False, retry: RetryPolicy | None = None,
            connect_timeout: int = 10) -> psycopg.Connection:
    """One unpooled connection (CLI one-shots, DDL), with the same retry policy; a refused login names
    the connection id (ConnectionRejected)."""
    dsn = conn.dsn if isinstance(conn, ConnSpec) else conn
    name = side_of(conn) if isinstance(conn, ConnSpec) else mask_dsn(conn)
    try:
        return with_retry(lambda: psycopg.connect(dsn, autocommit=autocommit, connect_timeout=connect_timeout),
                          retry or RetryPolicy(), f"connect {name}")
    except psycopg.OperationalError as exc:
        rejected = _rejected(conn, exc)
        if rejected is not None:
            raise rejected from None
        raise


def _rejected(conn: ConnSpec | str | None, exc: BaseException) -> ConnectionRejected | None:
    """A refused login (wrong password, unknown role or database) as ConnectionRejected naming the connection."""
    if isinstance(conn, ConnSpec) and getattr(exc, "sqlstate", None) is None and any(
            p in str(exc) for p in _PERMANENT_CONNECT_ERRORS):
        return ConnectionRejected([f"{side_of(conn)}: the server refused the connection: "
                                   f"{mask_dsn(_server_message(exc))}"])
    return None


def _server_message(exc: BaseException) -> str:
    """libpq's reason without its ``connection to server at ... failed:`` preamble."""
    text = str(exc).strip()
    return text.rsplit("failed: ", 1)[-1].replace("FATAL:  ", "") if "failed: " in text else text


def ensure_database(admin: ConnSpec | str, dbname: str) -> bool:
    """Create ``dbname`` on the admin connection's server if missing; True when created."""
    with connect(admin, autocommit=True) as c:
        if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
            return False
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        return True
