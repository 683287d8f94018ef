"""The candidate search of a match run, on several connections at once.

PostgreSQL runs a LATERAL HNSW kNN scan on one core (the planner never parallelises the nested loop), and
the four scans (Odoo -> ACE and ACE -> Odoo, by identity and by project) are most of a large run. Each scan's
query rows are cut into slices by a hash of their id; with ``PARTNER_SYNC_MATCH_WORKERS`` > 1 the slices run
on that many dedicated connections, whose rows stream (COPY, bytes as the server sent them) into the run's
temporary ``match_pairs`` on the run's own connection. Each slice is the same query on a subset of the query
rows, so the pair set is the serial one's (``tests/test_match_candidates.py``).

Every kNN scan runs under ``KNN_PLAN``, on whichever connection: without it the plan, and so the candidates,
depended on whether ``search.embeddings`` had been analyzed (see there).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from partner_sync.config import Settings
from partner_sync.database import Database, connect
from partner_sync.logs import kv
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)

# (query table, target table) of the two directions; each is scanned by both embedding types
SCANS = [(q, t, etype) for q, t in (("odoo_opportunities", "ace_opportunities"),
                                    ("ace_opportunities", "odoo_opportunities"))
         for etype in ("identity", "context")]
BATCH_ROWS = 5_000  # COPY rows a worker hands over at once
QUEUE_BATCHES = 64  # batches in flight between the workers and the run's connection: memory stays flat
# The planner settings of a kNN scan. Never analyzed (right after a large embed, before autovacuum), the table
# looks tiny and the planner walks the HNSW index; analyzed, it sorts the whole partial set exactly whenever that
# costs less. The two plans break ties at the pool's cut differently (siblings share an identity text, so equal
# distances are common): 93 candidate pairs of the small hard fixture differed. With sorting disabled the index
# scan is the only plan without a disabled node, whatever the statistics. Strict-order iterative scans keep the
# pool full when dead index entries (a re-embed not yet vacuumed) take ef_search's slots, and pin pgvector's
# setting against a server default.
KNN_PLAN = {"enable_sort": "off", "hnsw.iterative_scan": "strict_order"}


@dataclass(frozen=True)
class Task:
    name: str
    query: sql.Composable
    planner: dict[str, str] = field(default_factory=dict)  # settings the query runs under (planner())


def tasks(settings: Settings, pool: int, slices: int) -> list[Task]:
    """The candidate queries of a run: every scan in ``slices`` slices (interleaved, so the workers finish
    together), then the shared account / domain pairs."""
    knn = sql.SQL(load_sql(settings.include_dir, "search/match/candidates_knn"))
    out = []
    for k in range(slices):
        for q_table, t_table, etype in SCANS:
            odoo_query = q_table == "odoo_opportunities"
            q_id, n_id = sql.Identifier("q", "source_id"), sql.Identifier("n", "source_id")
            out.append(Task(f"{q_table}:{etype}:{k}/{slices}", knn.format(
                o_id=q_id if odoo_query else n_id, a_id=n_id if odoo_query else q_id,
                query_table=sql.Literal(q_table), target_table=sql.Literal(t_table),
                embedding_type=sql.Literal(etype), pool=sql.Literal(pool), slices=sql.Literal(slices),
                slice=sql.Literal(k)), KNN_PLAN))
    out.append(Task("shared account / domain", sql.SQL(load_sql(settings.include_dir,
                                                                "search/match/candidates_shared"))))
    return out


@contextmanager
def planner(conn: psycopg.Connection, settings: dict[str, str]) -> Iterator[None]:
    """Run the block under ``settings`` (local to the open transaction), then put back the values before it, so
    the rest of the run's transaction plans as it did."""
    if settings:
        conn.execute("SELECT '[1]'::vector")  # pgvector's settings exist once the library is loaded
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
            raise ValueError("planner settings need an open transaction (local settings end with the statement)")
    before = {name: conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0] for name in settings}
    for name, value in settings.items():
        conn.execute("SELECT set_config(%s, %s, true)", (name, value))
    yield  # on an error the transaction ends with it: nothing to put back
    for name, value in before.items():
        conn.execute("SELECT set_config(%s, %s, true)", (name, value))


def fill_candidates(settings: Settings, conn: psycopg.Connection, pool: int, ef_search: int,
                    db: Database | None = None, workers: int | None = None) -> int:
    """Create the run's temporary ``match_pairs`` (o_id, a_id; duplicates allowed) and fill it with every
    candidate pair of the vector and shared-key searches; returns the rows written.

    ``workers`` (default ``settings.match_workers``) > 1 needs ``db`` to open the extra connections; with one
    worker, or without ``db``, the queries run one after another on ``conn``."""
    workers = settings.match_workers if workers is None else workers
    conn.execute("CREATE TEMP TABLE match_pairs (o_id text, a_id text) ON COMMIT DROP")
    started = time.monotonic()
    if workers <= 1 or db is None:
        rows = 0
        for task in tasks(settings, pool, 1):
            with planner(conn, task.planner):
                rows += conn.execute(sql.SQL("INSERT INTO match_pairs (o_id, a_id) ") + task.query).rowcount
        workers = 1
    else:
        rows = _parallel(conn, db, tasks(settings, pool, workers), workers, ef_search)
    log.info(kv("match.candidates", workers=workers, rows=rows, seconds=round(time.monotonic() - started, 3)))
    return rows


class _Done:
    """A worker's last message: the error it stopped on, if any."""

    def __init__(self, error: BaseException | None = None):
        self.error = error


def _parallel(conn: psycopg.Connection, db: Database, todo: list[Task], workers: int, ef_search: int) -> int:
    """Run ``todo`` on ``workers`` dedicated connections; their COPY output goes into ``conn``'s match_pairs."""
    pending: queue.Queue[Task] = queue.Queue()
    for task in todo:
        pending.put(task)
    out: queue.Queue[bytes | _Done] = queue.Queue(maxsize=QUEUE_BATCHES)
    snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
    stop = threading.Event()  # a worker failed: the others stop after their current row
    abandoned = threading.Event()  # the run's thread stopped reading: nobody takes more batches

    def hand_over(item: bytes | _Done) -> None:
        while not abandoned.is_set():
            try:
                out.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def work() -> None:
        error = None
        try:
            with connect(db.spec or db.dsn, autocommit=True, retry=db.retry,
                         connect_timeout=db.connect_timeout) as own:
                # pgvector loads on first use: before that, SET keeps any value as a placeholder and a bad one
                # would be dropped with a warning at the first scan; loaded, SET checks it
                own.execute("SELECT '[1]'::vector")
                own.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(ef_search)))
                # every slice reads the rows the run's connection saw when the search began, as one statement did
                own.autocommit = False
                own.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                own.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
                while not stop.is_set():
                    try:
                        task = pending.get_nowait()
                    except queue.Empty:
                        break
                    started, batch = time.monotonic(), []
                    with planner(own, task.planner), \
                            own.cursor().copy(sql.SQL("COPY ({}) TO STDOUT").format(task.query)) as cp:
                        for row in cp:
                            batch.append(bytes(row))
                            if len(batch) >= BATCH_ROWS:
                                hand_over(b"".join(batch))
                                batch = []
                            if stop.is_set():
                                raise RuntimeError("stopped: another candidate worker failed")
                    if batch:
                        hand_over(b"".join(batch))
                    log.debug(kv("match.candidates.task", task=task.name, seconds=round(time.monotonic() - started, 3)))
        except BaseException as exc:  # handed to the run's thread, which raises it
            error = exc
        hand_over(_Done(error))

    threads = [threading.Thread(target=work, name=f"match-candidates-{i}", daemon=True) for i in range(workers)]
    rows, running, errors = 0, workers, []
    try:
        for t in threads:
            t.start()
        with conn.cursor().copy("COPY match_pairs (o_id, a_id) FROM STDIN") as sink:
            while running:
                item = out.get()
                if isinstance(item, _Done):
                    running -= 1
                    if item.error is not None:
                        errors.append(item.error)
                        stop.set()
                    continue
                sink.write(item)
                rows += item.count(b"\n")
            if errors:
                raise errors[0]
    finally:
        stop.set()
        abandoned.set()
        for t in threads:
            t.join()
    return rows
