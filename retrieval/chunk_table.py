"""The FAISS store's chunks as arrays, so a search filter is applied in one vectorised pass.

A filter (article ids, sources, a date range) decides per article; `ChunkTable.allowed` turns
that into a mask over the chunks in BM25 order and the FAISS ids it keeps, without a Python loop
over the chunks (at a million passages such a loop costs more than the search itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.documents import Article, Chunk, SearchFilters


@dataclass(frozen=True)
class AllowedChunks:
    """What a filter keeps: a 0/1 mask over the BM25 positions and the FAISS ids at them."""

    mask: np.ndarray  # bool, one per BM25 position
    ids: np.ndarray  # int64 FAISS ids, ascending

    @property
    def empty(self) -> bool:
        return not self.ids.size


@dataclass(frozen=True)
class ChunkTable:
    ids: np.ndarray  # FAISS id per BM25 position (ascending)
    article_of: np.ndarray  # article row per BM25 position
    article_rows: Mapping[str, int]  # article id -> row
    source_codes: np.ndarray  # per article row: index into `sources`, -1 without a source
    sources: Mapping[str, int]  # casefolded source -> code
    published: np.ndarray  # per article row: the date's ordinal, -1 without a date

    @classmethod
    def build(
        cls, articles: Mapping[str, Article], chunk_ids: Sequence[int], chunks: Mapping[int, Chunk]
    ) -> ChunkTable:
        rows = {article_id: row for row, article_id in enumerate(articles)}
        sources: dict[str, int] = {}
        codes = np.full(len(rows), -1, dtype=np.int32)
        published = np.full(len(rows), -1, dtype=np.int64)
        for row, article in enumerate(articles.values()):
            if article.source:
                codes[row] = sources.setdefault(article.source.casefold(), len(sources))
            if article.published:
                published[row] = article.published.toordinal()
        article_of = np.fromiter((rows[chunks[c].article_id] for c in chunk_ids), dtype=np.int32, count=len(chunk_ids))
        return cls(np.asarray(chunk_ids, dtype=np.int64), article_of, rows, codes, sources, published)

    def allowed(self, filters: SearchFilters | None) -> AllowedChunks | None:
        """The chunks `filters` keeps (None: no filter, everything is allowed); the same rule as
        `SearchFilters.allows`, applied to every article at once."""
        if filters is None or filters.is_empty:
            return None
        keep = np.ones(len(self.article_rows), dtype=bool)
        if filters.article_ids is not None:
            wanted = np.zeros_like(keep)
            wanted[[self.article_rows[a] for a in filters.article_ids if a in self.article_rows]] = True
            keep &= wanted
        if filters.sources is not None:
            codes = [self.sources[s.casefold()] for s in filters.sources if s.casefold() in self.sources]
            keep &= np.isin(self.source_codes, np.asarray(codes, dtype=np.int32))
        if filters.published_after or filters.published_before:
            keep &= self.published >= 0
            if filters.published_after:
                keep &= self.published >= filters.published_after.toordinal()
            if filters.published_before:
                keep &= self.published <= filters.published_before.toordinal()
        mask = keep[self.article_of]
        return AllowedChunks(mask, self.ids[mask])
