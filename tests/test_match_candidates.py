"""The candidate search on several connections finds exactly the serial search's pairs; its errors surface."""

from __future__ import annotations

import psycopg
import pytest

from partner_sync.config import ConfigError, load_settings
from partner_sync.match.candidates import fill_candidates, tasks
from partner_sync.match.run import candidate_ef_search
from test_embed import env_for


def _pairs(settings, db, workers: int, worker_ef: int | None = None) -> tuple[set[tuple[str, str]], int]:
    """The candidate pairs as run_match finds them (ef_search set on the run's connection as score_pairs does)."""
    pool = max(settings.match_candidates, settings.match_top_k)
    ef = candidate_ef_search(settings)
    with db.get_connection() as conn, conn.transaction():
        conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
        rows = fill_candidates(settings, conn, pool, ef if worker_ef is None else worker_ef, db, workers=workers)
        pairs = set(conn.execute("SELECT o_id, a_id FROM match_pairs").fetchall())
        assert conn.execute("SELECT count(*) FROM match_pairs").fetchone()[0] == rows
    return pairs, rows


def test_parallel_candidates_equal_the_serial_ones(small_hard):
    settings, db, _, _ = small_hard
    serial, _ = _pairs(settings, db, workers=1)
    n_odoo = db.execute_query("SELECT count(*) FROM core.odoo_opportunities")[0][0]
    n_ace = db.execute_query("SELECT count(*) FROM core.ace_opportunities")[0][0]
    pool = max(settings.match_candidates, settings.match_top_k)
    # both directions' kNN: at least pool neighbours per Odoo opportunity (fewer only when ACE has fewer rows)
    assert len(serial) >= n_odoo * min(pool, n_ace) > 0
    for workers in (2, 3):
        parallel, rows = _pairs(settings, db, workers=workers)
        assert parallel == serial, (workers, len(parallel ^ serial))
        assert rows >= len(parallel)  # the slices' rows, duplicates across scans included


def test_every_scan_is_sliced_and_the_slices_partition_the_queries(small_hard):
    settings, db, _, _ = small_hard
    pool = max(settings.match_candidates, settings.match_top_k)
    assert len(tasks(settings, pool, 3)) == 4 * 3 + 1
    with db.get_connection() as conn:
        query = tasks(settings, pool, 1)[0].query.as_string(conn)  # Odoo -> ACE by identity, one slice
        whole = set(conn.execute(query).fetchall())
        parts = [set(conn.execute(t.query.as_string(conn)).fetchall()) for t in tasks(settings, pool, 3)[0::4][:3]]
    assert all(parts) and set().union(*parts) == whole
    assert sum(len(p) for p in parts) == len(whole)  # disjoint: every query row lands in one slice


def test_a_failing_worker_fails_the_run_and_nothing_hangs(small_hard):
    settings, db, _, _ = small_hard
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="ef_search"):
        _pairs(settings, db, workers=2, worker_ef=0)  # pgvector refuses ef_search 0 on the worker connections
    serial, _ = _pairs(settings, db, workers=1)  # the warehouse is fine afterwards
    assert serial


def test_workers_setting_is_validated():
    url = "postgresql://u@127.0.0.1:5432/w"
    assert load_settings(env_for(url), dotenv=False).match_workers == 2
    assert load_settings(env_for(url, PARTNER_SYNC_MATCH_WORKERS="4"), dotenv=False).match_workers == 4
    for bad in ("0", "two", "65"):
        with pytest.raises(ConfigError, match="PARTNER_SYNC_MATCH_WORKERS"):
            load_settings(env_for(url, PARTNER_SYNC_MATCH_WORKERS=bad), dotenv=False)
