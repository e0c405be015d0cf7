"""BM25 over passages with bm25s, on the shared term normalisation."""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType

import numpy as np

from retrieval.terms import terms

logger = logging.getLogger(__name__)


class BM25Index:
    """BM25 over a fixed list of passage texts; result positions index that list."""

    def __init__(self, model: object | None, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> BM25Index:
        bm25s = _bm25s()
        if not texts:
            return cls(None, 0)
        model = bm25s.BM25()
        model.index([terms(text) or [""] for text in texts], show_progress=False)
        return cls(model, len(texts))

    @classmethod
    def load(cls, directory: Path, size: int) -> BM25Index:
        bm25s = _bm25s()
        if size == 0:
            return cls(None, 0)
        return cls(bm25s.BM25.load(str(directory), show_progress=False), size)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(directory), show_progress=False)  # type: ignore[attr-defined]

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(position, score) pairs with a positive score, best first; `allowed` is a 0/1 mask."""
        query_terms = terms(query)
        if self._model is None or not query_terms:
            return []
        top_k = min(top_k, self.size)
        positions, scores = self._model.retrieve(  # type: ignore[attr-defined]
            [query_terms], k=top_k, show_progress=False, weight_mask=allowed
        )
        return [(int(p), float(s)) for p, s in zip(positions[0], scores[0], strict=True) if s > 0]


def _bm25s() -> ModuleType:
    """bm25s, with its own logger (which it sets to DEBUG) brought back to WARNING."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s
