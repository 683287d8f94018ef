"""Embeddings: one Embedder interface, two backends (sentence-transformers in-process, HTTP server),
and the incremental stage that keeps ``search.embeddings`` in step with the core tables.

Importing this package is cheap: torch and the model load only when a backend is first used.
"""

from partner_sync.embed.base import DimensionMismatch, Embedder, EmbeddingError, resolve_model
from partner_sync.embed.factory import get_embedder

__all__ = ["DimensionMismatch", "Embedder", "EmbeddingError", "get_embedder", "resolve_model"]
