"""The candidate search on several connections finds exactly the serial search's pairs; its errors surface."""

from __future__ import annotations

import json

import numpy as np
import psycopg
import pytest

from partner_sync.config import ConfigError, load_settings
from partner_sync.match.candidates import KNN_PLAN, fill_candidates, planner, tasks
from partner_sync.match.run import candidate_ef_search
from test_embed import env_for, warehouse_settings


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


def _ef_search_setting(settings) -> str:
    return f"SET LOCAL hnsw.ef_search = {candidate_ef_search(settings)}"


def _run(conn, task) -> set[tuple[str, str]]:
    with planner(conn, task.planner):
        return set(conn.execute(task.query.as_string(conn)).fetchall())


def test_every_scan_is_sliced_and_the_slices_partition_the_queries(small_hard):
    settings, db, _, _ = small_hard
    pool = max(settings.match_candidates, settings.match_top_k)
    assert len(tasks(settings, pool, 3)) == 4 * 3 + 1
    with db.get_connection() as conn, conn.transaction():
        whole = _run(conn, tasks(settings, pool, 1)[0])  # Odoo -> ACE by identity, one slice
        parts = [_run(conn, t) for t in tasks(settings, pool, 3)[0::4][:3]]
    assert all(parts) and set().union(*parts) == whole
    assert sum(len(p) for p in parts) == len(whole)  # disjoint: every query row lands in one slice


def _knn_plan(conn, settings, planner_settings: dict[str, str]) -> str:
    """The inner node of the first kNN scan's plan under these settings: what answers "the pool nearest"."""
    task = tasks(settings, max(settings.match_candidates, settings.match_top_k), 1)[0]
    with conn.transaction(), planner(conn, planner_settings):
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + task.query.as_string(conn)).fetchone()[0]
    limit = json.dumps(plan[0]["Plan"]["Plans"][1])  # the LATERAL side of the nested loop
    return "hnsw" if "idx_embed_hnsw_ace_identity" in limit else "sort" if '"Sort"' in limit else limit


def test_candidates_do_not_depend_on_the_embeddings_statistics(small_hard):
    """A match right after a large embed (search.embeddings never analyzed) draws the candidates the same match
    draws once autovacuum has analyzed the table, serial or on 3 connections."""
    settings, db, _, url = small_hard
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE search.embeddings SET (autovacuum_enabled = false)")  # the state holds meanwhile
        try:
            # as a fresh warehouse has it: PostgreSQL 18 clears a table's statistics as though newly created
            conn.execute("SELECT pg_clear_relation_stats('search', 'embeddings')")
            conn.execute("SELECT pg_clear_attribute_stats('search', 'embeddings', attname, false) FROM pg_attribute "
                         "WHERE attrelid = 'search.embeddings'::regclass AND attnum > 0 AND NOT attisdropped")
            assert conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'search.embeddings'::regclass"
                                ).fetchone()[0] == -1
            assert not conn.execute("SELECT 1 FROM pg_stats WHERE schemaname = 'search' AND tablename = "
                                    "'embeddings'").fetchall()
            fresh_plans = _knn_plan(conn, settings, {}), _knn_plan(conn, settings, KNN_PLAN)
            fresh = {w: _pairs(settings, db, workers=w)[0] for w in (1, 3)}
            conn.execute("ANALYZE search.embeddings")
            analyzed_plans = _knn_plan(conn, settings, {}), _knn_plan(conn, settings, KNN_PLAN)
            analyzed = {w: _pairs(settings, db, workers=w)[0] for w in (1, 3)}
        finally:
            conn.execute("ALTER TABLE search.embeddings RESET (autovacuum_enabled)")
    assert fresh[1], "no candidates"
    diffs = {f"{state}, {w} workers": len(fresh[1] ^ pairs) for state, by_workers in
             (("fresh", fresh), ("analyzed", analyzed)) for w, pairs in by_workers.items()}
    assert fresh[1] == fresh[3] == analyzed[1] == analyzed[3], diffs
    # the planner left alone answers the two states with different plans (the case this test is about) ...
    assert (fresh_plans[0], analyzed_plans[0]) == ("hnsw", "sort")
    # ... and the kNN scans' own settings keep the HNSW index in both
    assert fresh_plans[1] == analyzed_plans[1] == "hnsw"


def test_a_reembed_not_yet_vacuumed_leaves_every_pool_full(db_url):
    """Re-embedded rows leave their old versions in the HNSW index until VACUUM; they must not take the places
    of live neighbours: every scan still gives each query opportunity its pool nearest."""
    settings = warehouse_settings(db_url)
    pool, dim, n = max(settings.match_candidates, settings.match_top_k), settings.embedding_dim, 120
    rng = np.random.default_rng(11)
    centres = rng.standard_normal((8, dim))  # clustered, as customers are: near neighbours crowd together
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE search.embeddings SET (autovacuum_enabled = false)")  # no VACUUM meanwhile
        with conn.cursor().copy("COPY search.embeddings (source_table, source_id, embedding_type, embed_vector) "
                                "FROM STDIN") as cp:
            for table, prefix in (("odoo_opportunities", ""), ("ace_opportunities", "O")):
                for i in range(n):
                    for etype in ("identity", "context"):
                        v = centres[i % 8] + 0.3 * rng.standard_normal(dim)
                        cp.write_row((table, f"{prefix}{i}", etype, str((v / np.linalg.norm(v)).tolist())))
        # a re-embed that moves every vector a little (edited descriptions): the old versions stay in the index
        conn.execute("SELECT setseed(0.5)")
        conn.execute("UPDATE search.embeddings SET embed_vector = (SELECT array_agg(x + (random() - 0.5) * 0.02 "
                     "ORDER BY i)::vector FROM unnest(embed_vector::real[]) WITH ORDINALITY u(x, i))")
        with conn.transaction():
            conn.execute(_ef_search_setting(settings))
            for task in tasks(settings, pool, 1)[:4]:
                got = _run(conn, task)
                per_query = {}
                for o_id, a_id in got:
                    key = o_id if task.name.startswith("odoo") else a_id
                    per_query[key] = per_query.get(key, 0) + 1
                assert len(per_query) == n and set(per_query.values()) == {pool}, (
                    task.name, sorted(per_query.values())[:5])


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
