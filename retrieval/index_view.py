"""One consistent, read-only state of the FAISS store: its segments, which of their chunks are
live, and the search over all of them.

A snapshot after a small write is composed from the one before it: the old segments are shared
(never copied or re-read), only the new segment is applied, and only the rows of the articles it
replaces or removes are marked dead. Dense search runs per segment and keeps the best
`candidates` by cosine; BM25 scores every segment with the statistics of all live passages
(postings.search). Both rank exactly as one index over the live chunks would.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np

from retrieval import postings, segment_dense
from retrieval.documents import Article, Chunk, SearchFilters
from retrieval.postings import CorpusStats, Postings, ScoredPart
from retrieval.segment import Segment
from retrieval.segment_dense import SmallSegments
from retrieval.store import Candidate, fuse
from retrieval.term_stats import TermStats
from retrieval.terms import terms


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
        for number, segment in enumerate(self.segments):
            found.update((int(segment.ids[r]), segment.row_chunks[r]) for r in self.live_rows(number))
        return dict(sorted(found.items()))

    def live_rows(self, number: int) -> np.ndarray:
        """The rows of segment `number` whose chunks are live."""
        live = self.live[number]
        return np.arange(self.segments[number].size) if live is None else np.flatnonzero(live)

    @cached_property
    def live_counts(self) -> tuple[int, ...]:
        """Per segment: how many of its chunks are live."""
        pairs = zip(self.segments, self.live, strict=True)
        return tuple(s.size if live is None else int(live.sum()) for s, live in pairs)

    @cached_property
    def chunk_count(self) -> int:
        return sum(self.live_counts)

    def chunk_ids_of(self, article_id: str) -> list[int]:
        number = self.owner.get(article_id)
        if number is None:
            return []
        segment = self.segments[number]
        rows = segment.rows_of.get(article_id)
        return [] if rows is None else segment.ids[rows].tolist()

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
        """The BM25 parts: each large segment alone, the small ones (the deltas) as one."""
        parts = [ScoredPart(self.segments[n].postings, self.live[n]) for n in self._large]
        small = self._small
        if small.order:
            rows = [np.arange(size) for size in small.sizes]
            merged = Postings.concatenate(
                [(self.segments[n].postings, r) for n, r in zip(small.order, rows, strict=True)]
            )
            parts.append(ScoredPart(merged, None if small.live.all() else small.live))
        return tuple(parts)

    @cached_property
    def _large(self) -> tuple[int, ...]:
        return tuple(n for n, s in enumerate(self.segments) if s.vectors is None and s.size)

    @cached_property
    def _part_ids(self) -> tuple[np.ndarray, ...]:
        ids = [self.segments[n].ids for n in self._large]
        return tuple([*ids, self._small.ids] if self._small.order else ids)

    def _part_masks(self, masks: list[np.ndarray | None]) -> list[np.ndarray | None]:
        chosen = [masks[n] for n in self._large]
        small = self._small
        if small.order:
            chosen.append(small.allowed(masks))
        return chosen

    @cached_property
    def corpus_stats(self) -> CorpusStats:
        return CorpusStats.of(self.parts)

    @cached_property
    def term_stats(self) -> TermStats:
        """Document frequencies over the live passages, looked up in the postings when asked."""
        parts = self.parts
        return TermStats.lookup(
            lambda wanted: {term: postings.document_frequency(parts, term) for term in wanted},
            self.chunk_count,
        )

    def rankings(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The dense (chunk id, cosine) and BM25 (chunk id, score) rankings, best first."""
        allowed = [s.table.allowed(filters) if s.size else None for s in self.segments]
        masks = [None if a is None else a.mask for a in allowed]
        dense = self._dense(query_vector, candidates, masks)
        chosen = self._part_masks(masks)
        parts = [ScoredPart(p.postings, p.live, mask) for p, mask in zip(self.parts, chosen, strict=True)]
        hits = postings.search(parts, self.corpus_stats, terms(query), candidates)
        return dense, [(int(self._part_ids[part][row]), score) for part, row, score in hits]

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
        small = self._small
        for number, (segment, live, dead, mask) in enumerate(
            zip(self.segments, self.live, self._dead, masks, strict=True)
        ):
            if segment.size > len(dead) and number not in small.order:
                hits.extend(segment_dense.search_segment(segment, live, dead, mask, query_vector, candidates))
        if small.order:
            hits.extend(small.search(query_vector, candidates, masks))
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:candidates]

    @cached_property
    def _small(self) -> SmallSegments:
        return SmallSegments.of(self.segments, self.live)

    @cached_property
    def _dead(self) -> tuple[frozenset[int], ...]:
        """Per segment: the ids of its dead chunks."""
        pairs = zip(self.segments, self.live, strict=True)
        return tuple(frozenset() if live is None else frozenset(s.ids[~live].tolist()) for s, live in pairs)

    @cached_property
    def _first_ids(self) -> tuple[list[int], list[int]]:
        """The first chunk id of each non-empty segment, and that segment's number: segments hold
        increasing, disjoint id ranges (ids are handed out in order; a merge joins neighbours)."""
        numbered = [(int(s.ids[0]), n) for n, s in enumerate(self.segments) if s.size]
        return [first for first, _ in numbered], [n for _, n in numbered]

    def _locate(self, chunk_id: int) -> tuple[Segment, int]:
        firsts, numbers = self._first_ids
        at = bisect.bisect_right(firsts, chunk_id) - 1
        if at >= 0:
            segment = self.segments[numbers[at]]
            row = segment.row_of(chunk_id)
            if row is not None and chunk_id not in self._dead[numbers[at]]:
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
