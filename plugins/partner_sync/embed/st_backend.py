"""sentence-transformers in-process: CUDA with fp16 when present, CPU otherwise; the model only from disk.

``HF_HUB_OFFLINE=1`` is set before the import (unless the environment says otherwise), so a model is
read from a local path or the Hugging Face cache and never downloaded in the middle of a pipeline run.
"""

from __future__ import annotations

import logging
import os
from typing import Sequence

import numpy as np

from partner_sync.embed.base import EmbeddingError, normalize, resolve_model
from partner_sync.logs import kv

log = logging.getLogger(__name__)


def pick_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; anything else is passed through."""
    if device not in ("", "auto"):
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEmbedder:
    """One SentenceTransformer, loaded at construction; ``get_embedder`` keeps one per process."""

    def __init__(self, model: str, device: str = "auto", batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - requirements.txt installs it
            raise EmbeddingError("sentence-transformers is not installed (pip install -r requirements.txt), "
                                 "or use PARTNER_SYNC_EMBEDDING_BACKEND=http") from exc
        self._name = model
        self.device = pick_device(device)
        self.batch_size = batch_size
        path = resolve_model(model)
        try:
            self.model = SentenceTransformer(path, device=self.device, local_files_only=offline)
        except (OSError, ValueError) as exc:
            raise EmbeddingError(
                f"cannot load embedding model {model!r} from {path!r}: {exc}. Download it once "
                f"(`hf download {model}` with HF_HUB_OFFLINE=0), point PARTNER_SYNC_EMBEDDING_MODEL at a local "
                "folder, or use PARTNER_SYNC_EMBEDDING_BACKEND=http with an embedding server") from None
        self.fp16 = self.device.startswith("cuda")
        if self.fp16:
            self.model.half()
        self._dim = int(self.model.get_embedding_dimension())
        log.info(kv("embed.model_loaded", model=model, path=path, device=self.device, fp16=self.fp16,
                    dimension=self._dim))

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return normalize(vectors)
