"""Dense search over the segments of a snapshot: a large segment through its own FAISS index
(skipping its dead rows), the small exact ones (the deltas) as one matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval import dense_index
from retrieval.segment import Segment

# a segment with more dead rows than this is searched through an id filter rather than by
# over-fetching as many extra hits as it has dead rows
OVERFETCH_LIMIT = 256


def search_segment(
    segment: Segment,
    live: np.ndarray | None,
    dead: frozenset[int],
    mask: np.ndarray | None,
    query: np.ndarray,
    candidates: int,
) -> list[tuple[int, float]]:
    if mask is None and len(dead) <= OVERFETCH_LIMIT:
        hits = dense_index.search(segment.dense, query, candidates + len(dead))
        return [hit for hit in hits if hit[0] not in dead][:candidates]
    keep_rows = np.ones(segment.size, dtype=bool) if mask is None else mask.copy()
    if live is not None:
        keep_rows &= live
    if not keep_rows.any():
        return []
    return dense_index.search(segment.dense, query, candidates, segment.ids[keep_rows])


@dataclass(frozen=True)
class SmallSegments:
    """The small exact segments (the deltas) as one matrix: searched with one product instead of
    one FAISS call each, whose fixed cost would dominate at a few hundred rows."""

    order: tuple[int, ...]  # their segment numbers, ascending
    sizes: tuple[int, ...]
    vectors: np.ndarray
    ids: np.ndarray
    live: np.ndarray

    @classmethod
    def of(cls, segments: Sequence[Segment], live: Sequence[np.ndarray | None]) -> SmallSegments:
        order = tuple(n for n, s in enumerate(segments) if s.vectors is not None)
        if not order:
            return cls((), (), np.zeros((0, 0), np.float32), np.zeros(0, np.int64), np.zeros(0, bool))
        vectors = np.vstack([segments[n].vectors for n in order])  # type: ignore[misc]
        ids = np.concatenate([segments[n].ids for n in order])
        alive = [_all_if_none(live[n], segments[n].size) for n in order]
        return cls(order, tuple(segments[n].size for n in order), vectors, ids, np.concatenate(alive))

    def allowed(self, masks: list[np.ndarray | None]) -> np.ndarray | None:
        """The filter's masks of these segments, joined (None: no filter)."""
        if all(masks[n] is None for n in self.order):
            return None
        pairs = zip(self.order, self.sizes, strict=True)
        return np.concatenate([_all_if_none(masks[n], size) for n, size in pairs])

    def search(self, query: np.ndarray, candidates: int, masks: list[np.ndarray | None]) -> list[tuple[int, float]]:
        allowed = self.allowed(masks)
        keep = self.live if allowed is None else self.live & allowed
        all_scores = self.vectors @ query[0]
        rows = np.flatnonzero(keep)
        scores = all_scores[rows]
        if len(rows) > candidates:
            best = np.argpartition(-scores, candidates - 1)[:candidates]
            rows, scores = rows[best], scores[best]
        return [(int(self.ids[r]), float(score)) for r, score in zip(rows, scores, strict=True)]


def _all_if_none(mask: np.ndarray | None, size: int) -> np.ndarray:
    return np.ones(size, dtype=bool) if mask is None else mask
