"""The factory that picks the configured embedding backend, one instance per process.

Apart from ``base`` so that the backends, which build on ``base``, are never imported back by it.
"""

from __future__ import annotations

import threading

from partner_sync.config import Settings
from partner_sync.embed.base import Embedder

_CACHE: dict[tuple, Embedder] = {}
_LOCK = threading.Lock()


def _cache_key(settings: Settings) -> tuple:
    return (settings.embedding_backend, settings.embedding_model, settings.embedding_device,
            settings.embedding_url, settings.embedding_api)


def get_embedder(settings: Settings) -> Embedder:
    """The configured backend, created once per process (loading a model takes seconds and memory)."""
    key = _cache_key(settings)
    with _LOCK:
        if key not in _CACHE:
            if settings.embedding_backend == "http":
                from partner_sync.embed.http_backend import HttpEmbedder

                _CACHE[key] = HttpEmbedder.from_settings(settings)
            else:
                from partner_sync.embed.st_backend import SentenceTransformerEmbedder

                _CACHE[key] = SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_device)
        embedder = _CACHE[key]
    if hasattr(embedder, "batch_size"):
        embedder.batch_size = settings.embedding_batch_size
    return embedder
