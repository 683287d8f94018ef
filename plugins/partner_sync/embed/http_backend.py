"""An embedding server over HTTP: Hugging Face text-embeddings-inference (``POST /embed``) or any
OpenAI-compatible ``POST /v1/embeddings`` (vLLM, Infinity, Ollama, OpenAI itself).

This is the seed's "BGE-M3 container": the GPU sits in the server, the pipeline stays light. Standard
library only (urllib), so the engine gains no dependency. A server that refuses a batch as too large
(TEI answers 413 above its ``--max-client-batch-size``) gets it again in halves.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

import numpy as np

from partner_sync.backoff import Backoff
from partner_sync.config import Settings
from partner_sync.embed.base import EmbeddingError, normalize
from partner_sync.logs import kv

log = logging.getLogger(__name__)
_RETRY_STATUS = {429, 500, 502, 503, 504}


def endpoint_for(url: str, api: str = "auto") -> tuple[str, str]:
    """(api, endpoint URL) from the configured URL: ``…/embed`` or a bare host is TEI, ``…/v1`` or
    ``…/embeddings`` is OpenAI; ``api`` forces one and completes the path."""
    base = url.rstrip("/")
    path = urlsplit(base).path
    if api == "auto":
        api = "openai" if path.endswith(("/v1", "/embeddings")) else "tei"
    if api == "tei":
        return "tei", base if path.endswith("/embed") else base + "/embed"
    if path.endswith("/embeddings"):
        return "openai", base
    return "openai", base + ("/embeddings" if path.endswith("/v1") else "/v1/embeddings")


class _TooLarge(Exception):
    pass


class _Retryable(Exception):
    """A try that may succeed later (429/5xx, network); ``final`` is the message once the tries are spent."""

    def __init__(self, error: str, final: str | None):
        super().__init__(error)
        self.error, self.final = error, final


class HttpEmbedder:
    """Embeds through a server; the dimension is learnt from the first answer."""

    def __init__(self, url: str, model: str, *, api: str = "auto", api_key: str | None = None,
                 timeout: float = 120.0, batch_size: int = 64, attempts: int = 3, base_delay: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.api, self.endpoint = endpoint_for(url, api)
        self._name = model
        self.api_key = api_key
        self.timeout = timeout
        self.batch_size = batch_size
        self.backoff = Backoff(attempts=attempts, base_delay=base_delay, sleep=sleep)
        self._dim: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "HttpEmbedder":
        assert settings.embedding_url, "load_settings requires PARTNER_SYNC_EMBEDDING_URL for the http backend"
        return cls(settings.embedding_url, settings.embedding_model, api=settings.embedding_api,
                   api_key=settings.embedding_api_key, timeout=settings.embedding_timeout,
                   batch_size=settings.embedding_batch_size)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        if self._dim is None:
            self.embed(["dimension probe"])
        assert self._dim is not None
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        parts = [self._embed_fitting(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        vectors = normalize(np.vstack(parts))
        if vectors.shape[0] != len(texts):
            raise EmbeddingError(f"{self.endpoint} returned {vectors.shape[0]} vectors for {len(texts)} texts")
        if self._dim is None:
            self._dim = int(vectors.shape[1])
        elif vectors.shape[1] != self._dim:
            raise EmbeddingError(f"{self.endpoint} returned {vectors.shape[1]}-dimensional vectors after "
                                 f"{self._dim}-dimensional ones: did the server's model change?")
        return vectors

    def _embed_fitting(self, texts: list[str]) -> np.ndarray:
        """One request, or two halves when the server says the batch is too large."""
        try:
            return self._request(texts)
        except _TooLarge:
            if len(texts) == 1:
                raise EmbeddingError(f"{self.endpoint} refuses even a single text as too large") from None
            half = len(texts) // 2
            self.batch_size = max(1, min(self.batch_size, half))
            log.warning(kv("embed.http_batch_halved", endpoint=self.endpoint, batch=self.batch_size))
            return np.vstack([self._embed_fitting(texts[:half]), self._embed_fitting(texts[half:])])

    def _body(self, texts: list[str]) -> dict[str, Any]:
        if self.api == "tei":
            return {"inputs": texts, "normalize": True, "truncate": True}
        return {"input": texts, "model": self._name, "encoding_format": "float"}

    def _parse(self, payload: Any, n: int) -> np.ndarray:
        try:
            if self.api == "tei":
                rows = payload
            else:
                rows = [d["embedding"] for d in sorted(payload["data"], key=lambda d: d.get("index", 0))]
            array = np.asarray(rows, dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise EmbeddingError(f"{self.endpoint}: unexpected {self.api} response ({exc})") from None
        if array.ndim != 2 or array.shape[0] != n:
            raise EmbeddingError(f"{self.endpoint}: expected {n} vectors, got an array of shape {array.shape}")
        return array

    def _request(self, texts: list[str]) -> np.ndarray:
        """One POST, retried by the shared backoff on 429/5xx and network errors."""
        data = json.dumps(self._body(texts)).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"

        def once() -> np.ndarray:
            req = urllib.request.Request(self.endpoint, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return self._parse(json.loads(resp.read()), len(texts))
            except urllib.error.HTTPError as exc:
                body = exc.read().decode(errors="replace")[:300]
                if exc.code == 413 or (exc.code == 422 and "batch" in body.lower()):
                    raise _TooLarge() from None
                if exc.code not in _RETRY_STATUS:
                    raise EmbeddingError(f"{self.endpoint} answered HTTP {exc.code}: {body}") from None
                raise _Retryable(f"HTTP {exc.code}", f"{self.endpoint} answered HTTP {exc.code}: {body}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = str(getattr(exc, "reason", exc))
                raise _Retryable(reason, None) from None

        def exhausted(exc: BaseException, tries: int) -> EmbeddingError:
            assert isinstance(exc, _Retryable)
            return EmbeddingError(exc.final or f"embedding server {self.endpoint} unreachable after {tries} "
                                                 f"attempts: {exc.error}")

        return self.backoff.run(once, lambda exc: isinstance(exc, _Retryable), f"embedding server {self.endpoint}",
                                exhausted=exhausted, describe=lambda exc: str(getattr(exc, "error", exc)))
