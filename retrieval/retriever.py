"""Hybrid retrieval: the store's dense + BM25 candidates (fused by reciprocal rank), near-duplicates
collapsed."""

from __future__ import annotations

import logging

from retrieval.documents import Passage, SearchFilters
from retrieval.embedding import Embedder
from retrieval.store import ArticleStore, Candidate
from retrieval.terms import words

logger = logging.getLogger(__name__)


class Retriever:
    def __init__(
        self,
        store: ArticleStore,
        embedder: Embedder,
        candidates: int = 50,
        duplicate_jaccard: float = 0.8,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._candidates = candidates
        self._duplicate_jaccard = duplicate_jaccard

    def search(self, query: str, top_k: int, filters: SearchFilters | None = None) -> list[Passage]:
        query_vector = self._embedder.embed([query])
        found = self._store.search(query, query_vector, self._candidates, filters)
        return self._collapse(found, top_k)

    def _collapse(self, found: list[Candidate], top_k: int) -> list[Passage]:
        """The best `top_k`, each unlike the ones kept before it (near-duplicates dropped)."""
        kept: list[Passage] = []
        kept_shingles: list[set[tuple[str, ...]]] = []
        for candidate in found:
            shingles = _shingles(candidate.chunk.text)
            if any(_jaccard(shingles, other) >= self._duplicate_jaccard for other in kept_shingles):
                continue
            kept.append(
                Passage(
                    chunk=candidate.chunk,
                    article=candidate.article,
                    score=round(candidate.score, 6),
                    dense_score=None if candidate.dense_score is None else round(candidate.dense_score, 4),
                    dense_rank=candidate.dense_rank,
                    bm25_rank=candidate.bm25_rank,
                )
            )
            kept_shingles.append(shingles)
            if len(kept) == top_k:
                break
        return kept


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1))}


def _jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
