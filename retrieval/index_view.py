"""One consistent, read-only state of the FAISS store: its segments, which of their chunks are
live, and the search over all of them.

A snapshot after a small write is composed from the one before it: the old segments are shared
(never copied or re-read), only the new segment is applied, and only the rows of the articles it
replaces or removes are marked dead. Dense search runs per segment and keeps the best
`candidates` by cosine; BM25 scores every segment with the statistics of all live passages
(postings.search). Both rank exactly as one index over the live chunks would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np

from retrieval import dense_index, postings
from retrieval.documents import Article, Chunk, SearchFilters
from retrieval.postings import CorpusStats, ScoredPart
from retrieval.segment import Segment
from retrieval.store import Candidate, fuse
from retrieval.term_stats import TermStats
from retrieval.terms import terms

# a segment with more dead rows than this is searched through an id filter rather than by
# over-fetching as many extra hits as it has dead rows
OVERFETCH_LIMIT = 256


@dataclass(frozen=True, eq=False)
class IndexSnapshot:
    manifest: dict[str, Any]
    segments: tuple[Segment, ...]
    live: tuple[np.ndarray | None, ...]  # per segment: bool per row, None when every row is live
    owner: dict[str, int]  # article id -> the segment holding its live version
    generation: str = ""  # the on-disk generation it was read from or written to ("" before the first write)
    newest_known: tuple[date | None] | None = None  # the newest date, when compose could carry it over

    @classmethod
    def compose(
        cls, manifest: dict[str, Any], segments: Sequence[Segment], previous: IndexSnapshot | None, generation: str
    ) -> IndexSnapshot:
        """The state after applying `segments` in order, reusing `previous` when its segments
        are the first of these (the usual case: a write appended one)."""
        shared = 0
        if previous is not None and len(previous.segments) <= len(segments):
            same = [a is b for a, b in zip(previous.segments, segments, strict=False)]
            shared = len(previous.segments) if all(same) else 0
        owner = dict(previous.owner) if previous is not None and shared else {}
        live: list[np.ndarray | None] = list(previous.live[:shared]) if previous is not None and shared else []
        copied: set[int] = set()
        for number in range(shared, len(segments)):
            segment = segments[number]
            live.append(None)
            for article_id in [*segment.removed, *segment.articles]:
                before = owner.pop(article_id, None)
                if before is not None and before != number:
                    _mark_dead(live, copied, before, segments[before], article_id)
            owner.update(dict.fromkeys(segment.articles, number))
        newest = _newest_after(previous, segments[shared:]) if previous is not None and shared else None
        return cls(manifest, tuple(segments), tuple(live), owner, generation, newest)

    @cached_property
    def articles(self) -> dict[str, Article]:
        return {aid: self.segments[number].articles[aid] for aid, number in self.owner.items()}

    @property
    def hashes(self) -> Mapping[str, str]:
        """Article id -> content hash, looked up in the owning segment (no copy per write)."""
        return _Hashes(self)

    def article(self, article_id: str) -> Article | None:
        number = self.owner.get(article_id)
        return None if number is None else self.segments[number].articles[article_id]

    @cached_property
    def chunks(self) -> dict[int, Chunk]:
        """Every live chunk by id (a full pass: for tests and tools, not the request path)."""
        found: dict[int, Chunk] = {}
        for segment, live in zip(self.segments, self.live, strict=True):
            rows = range(segment.size) if live is None else np.flatnonzero(live)
            found.update((int(segment.ids[r]), segment.row_chunks[r]) for r in rows)
        return dict(sorted(found.items()))

    @cached_property
    def chunk_count(self) -> int:
        pairs = zip(self.segments, self.live, strict=True)
        return sum(s.size if live is None else int(live.sum()) for s, live in pairs)

    def chunk_ids_of(self, article_id: str) -> list[int]:
        number = self.owner.get(article_id)
        if number is None:
            return []
        segment = self.segments[number]
        return [int(segment.ids[row]) for row in segment.rows_of.get(article_id, [])]

    @property
    def deltas(self) -> int:
        return max(0, len(self.segments) - 1)

    @cached_property
    def newest_published(self) -> date | None:
        """The latest publication date in the index: the archive knows nothing after it. Carried
        over from the previous snapshot after a write unless the write removed an article of
        that date; else one pass over the articles."""
        if self.newest_known is not None:
            return self.newest_known[0]
        return max((a.published for a in self.articles.values() if a.published), default=None)

    @cached_property
    def parts(self) -> tuple[ScoredPart, ...]:
        return tuple(ScoredPart(s.postings, live) for s, live in zip(self.segments, self.live, strict=True))

    @cached_property
    def corpus_stats(self) -> CorpusStats:
        return CorpusStats.of(self.parts)

    @cached_property
    def term_stats(self) -> TermStats:
        """Document frequencies over the live passages, looked up in the postings when asked."""
        parts = self.parts
        return TermStats.lookup(
            lambda term: sum(p.postings.document_frequency(term, p.live) for p in parts), self.chunk_count
        )

    def rankings(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The dense (chunk id, cosine) and BM25 (chunk id, score) rankings, best first."""
        allowed = [s.table.allowed(filters) if s.size else None for s in self.segments]
        masks = [None if a is None else a.mask for a in allowed]
        dense = self._dense(query_vector, candidates, masks)
        parts = [ScoredPart(p.postings, p.live, mask) for p, mask in zip(self.parts, masks, strict=True)]
        hits = postings.search(parts, self.corpus_stats, terms(query), candidates)
        return dense, [(int(self.segments[part].ids[row]), score) for part, row, score in hits]

    def search(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> list[Candidate]:
        dense, scored = self.rankings(query, query_vector, candidates, filters)
        lexical = [cid for cid, _ in scored]
        dense_rank = {cid: rank for rank, (cid, _) in enumerate(dense)}
        dense_score = dict(dense)
        bm25_rank = {cid: rank for rank, cid in enumerate(lexical)}
        found = []
        for cid, score in fuse(dense, lexical):
            segment, row = self._locate(cid)
            chunk = segment.row_chunks[row]
            cosine = dense_score.get(cid)
            if cosine is None:
                cosine = float(segment.dense.reconstruct(cid) @ query_vector[0])
            article = segment.articles[chunk.article_id]
            found.append(Candidate(chunk, article, score, cosine, dense_rank.get(cid), bm25_rank.get(cid)))
        return found

    def _dense(
        self, query_vector: np.ndarray, candidates: int, masks: list[np.ndarray | None]
    ) -> list[tuple[int, float]]:
        hits: list[tuple[int, float]] = []
        for segment, live, mask in zip(self.segments, self.live, masks, strict=True):
            if segment.size:
                hits.extend(_segment_dense(segment, live, mask, query_vector, candidates))
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:candidates]

    def _locate(self, chunk_id: int) -> tuple[Segment, int]:
        for segment, live in zip(self.segments, self.live, strict=True):
            row = segment.row_of(chunk_id)
            if row is not None and (live is None or live[row]):
                return segment, row
        raise KeyError(chunk_id)


def _newest_after(previous: IndexSnapshot, added: Sequence[Segment]) -> tuple[date | None] | None:
    if "newest_published" not in previous.__dict__ and previous.newest_known is None:
        return None  # never computed: nothing to carry over
    newest = previous.newest_published
    seen: dict[str, Article | None] = {}  # articles as the segments before in `added` left them
    for segment in added:
        for article_id in {*segment.removed, *segment.articles}:
            old = seen[article_id] if article_id in seen else previous.article(article_id)
            if old is not None and old.published is not None and old.published == newest:
                return None  # the newest article changed or went: recompute
        seen.update(dict.fromkeys(segment.removed))
        seen.update(segment.articles)
        dates = [a.published for a in segment.articles.values() if a.published]
        newest = max([*dates, *([newest] if newest else [])], default=None)
    return (newest,)


class _Hashes(Mapping[str, str]):
    def __init__(self, snapshot: IndexSnapshot) -> None:
        self._snapshot = snapshot

    def __getitem__(self, article_id: str) -> str:
        number = self._snapshot.owner[article_id]
        return self._snapshot.segments[number].hashes[article_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._snapshot.owner)

    def __len__(self) -> int:
        return len(self._snapshot.owner)


def _segment_dense(
    segment: Segment, live: np.ndarray | None, mask: np.ndarray | None, query: np.ndarray, candidates: int
) -> list[tuple[int, float]]:
    dead = 0 if live is None else segment.size - int(live.sum())
    if dead == segment.size:
        return []
    if mask is None and dead <= OVERFETCH_LIMIT:
        hits = dense_index.search(segment.dense, query, candidates + dead)
        if dead:
            assert live is not None
            gone = {int(cid) for cid in segment.ids[~live]}
            hits = [hit for hit in hits if hit[0] not in gone]
        return hits[:candidates]
    keep_rows = np.ones(segment.size, dtype=bool) if mask is None else mask.copy()
    if live is not None:
        keep_rows &= live
    if not keep_rows.any():
        return []
    return dense_index.search(segment.dense, query, candidates, segment.ids[keep_rows])


def _mark_dead(live: list[np.ndarray | None], copied: set[int], number: int, segment: Segment, article_id: str) -> None:
    rows = segment.rows_of.get(article_id)
    if rows is None:
        return
    if number not in copied:  # the previous snapshot's mask is shared: copy before changing it
        current = live[number]
        live[number] = np.ones(segment.size, dtype=bool) if current is None else current.copy()
        copied.add(number)
    mask = live[number]
    assert mask is not None
    mask[rows] = False
