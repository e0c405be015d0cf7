"""Hybrid retrieval: dense (FAISS) + BM25, fused by reciprocal rank, near-duplicates collapsed."""

from __future__ import annotations

import logging

import numpy as np

from retrieval import dense_index
from retrieval.documents import Passage, SearchFilters
from retrieval.embedding import Embedder
from retrieval.index import ArticleIndex, IndexSnapshot
from retrieval.terms import words

logger = logging.getLogger(__name__)


class Retriever:
    def __init__(
        self,
        index: ArticleIndex,
        embedder: Embedder,
        rrf_k: int = 60,
        candidates: int = 50,
        duplicate_jaccard: float = 0.8,
    ) -> None:
        self._index = index
        self._embedder = embedder
        self._rrf_k = rrf_k
        self._candidates = candidates
        self._duplicate_jaccard = duplicate_jaccard

    def search(self, query: str, top_k: int, filters: SearchFilters | None = None) -> list[Passage]:
        snapshot = self._index.snapshot
        allowed = _allowed_ids(snapshot, filters)
        if not snapshot.chunks or (allowed is not None and not allowed):
            return []
        query_vector = self._embedder.embed([query])
        dense = dense_index.search(snapshot.dense, query_vector, self._candidates, allowed)
        lexical = self._bm25_search(snapshot, query, allowed)
        fused = self._fuse(dense, lexical)
        return self._collapse(snapshot, fused, dense, lexical, query_vector, top_k)

    def _bm25_search(self, snapshot: IndexSnapshot, query: str, allowed: set[int] | None) -> list[int]:
        mask = None
        if allowed is not None:
            mask = np.fromiter((1.0 if cid in allowed else 0.0 for cid in snapshot.bm25_ids), dtype=np.float32)
        hits = snapshot.bm25.search(query, self._candidates, mask)
        return [snapshot.bm25_ids[position] for position, _ in hits]

    def _fuse(self, dense: list[tuple[int, float]], lexical: list[int]) -> list[tuple[int, float]]:
        scores: dict[int, float] = {}
        for rank, (cid, _) in enumerate(dense):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (self._rrf_k + rank + 1)
        for rank, cid in enumerate(lexical):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (self._rrf_k + rank + 1)
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))

    def _collapse(
        self,
        snapshot: IndexSnapshot,
        fused: list[tuple[int, float]],
        dense: list[tuple[int, float]],
        lexical: list[int],
        query_vector: np.ndarray,
        top_k: int,
    ) -> list[Passage]:
        dense_rank = {cid: rank for rank, (cid, _) in enumerate(dense)}
        dense_score = dict(dense)
        bm25_rank = {cid: rank for rank, cid in enumerate(lexical)}
        kept: list[Passage] = []
        kept_shingles: list[set[tuple[str, ...]]] = []
        for cid, score in fused:
            chunk = snapshot.chunks[cid]
            shingles = _shingles(chunk.text)
            if any(_jaccard(shingles, other) >= self._duplicate_jaccard for other in kept_shingles):
                continue
            cosine = dense_score.get(cid)
            if cosine is None:
                cosine = float(snapshot.dense.reconstruct(cid) @ query_vector[0])
            kept.append(
                Passage(
                    chunk=chunk,
                    article=snapshot.articles[chunk.article_id],
                    score=round(score, 6),
                    dense_score=round(cosine, 4),
                    dense_rank=dense_rank.get(cid),
                    bm25_rank=bm25_rank.get(cid),
                )
            )
            kept_shingles.append(shingles)
            if len(kept) == top_k:
                break
        return kept


def _allowed_ids(snapshot: IndexSnapshot, filters: SearchFilters | None) -> set[int] | None:
    if filters is None or filters.is_empty:
        return None
    allowed_articles = {aid for aid, article in snapshot.articles.items() if filters.allows(article)}
    return {cid for cid, chunk in snapshot.chunks.items() if chunk.article_id in allowed_articles}


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1))}


def _jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
