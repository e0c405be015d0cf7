"""Merging segments: when, which, and the merged segment.

Each write adds a small segment; past `max_deltas` of them the deltas are merged into one, and
when the deltas' live chunks plus the base's dead ones exceed `full_share` of the base, every
segment is merged into a new base (so merge work grows geometrically, as in Lucene's tiered
merging). A merge is built from one snapshot without the write lock; its commit (under the lock)
replaces the same run of segments in the then-current list, keeping any written meanwhile, which
the liveness rule (a later segment wins) applies on top.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import faiss
import numpy as np

from retrieval import dense_index
from retrieval.dense_index import DenseLayout, DenseSettings
from retrieval.documents import Article, Chunk
from retrieval.index_view import IndexSnapshot
from retrieval.postings import Postings
from retrieval.segment import Segment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MergePolicy:
    max_deltas: int = 10
    full_share: float = 0.1


@dataclass(frozen=True)
class MergeRun:
    """Merge segments[start:end] of a snapshot into one."""

    start: int
    end: int


def plan(snapshot: IndexSnapshot, policy: MergePolicy) -> MergeRun | None:
    segments = snapshot.segments
    if len(segments) - 1 <= policy.max_deltas:
        return None
    live = snapshot.live_counts
    base_dead = segments[0].size - live[0]
    if sum(live[1:]) + base_dead > policy.full_share * max(live[0], 1):
        return MergeRun(0, len(segments))
    return MergeRun(1, len(segments))


def merged_segment(snapshot: IndexSnapshot, run: MergeRun, name: str, settings: DenseSettings) -> Segment:
    """The live contents of segments[run.start:run.end], as one segment named `name`."""
    parts = list(range(run.start, run.end))
    segments = snapshot.segments
    rows = {n: snapshot.live_rows(n) for n in parts}
    articles: dict[str, Article] = {}
    hashes: dict[str, str] = {}
    chunks: dict[int, Chunk] = {}
    for n in parts:
        segment = segments[n]
        owned = [aid for aid in segment.articles if snapshot.owner.get(aid) == n]
        articles.update((aid, segment.articles[aid]) for aid in owned)
        hashes.update((aid, segment.hashes[aid]) for aid in owned)
        chunks.update((int(segment.ids[r]), segment.row_chunks[r]) for r in rows[n])
    removed = frozenset().union(*(segments[n].removed for n in parts)) if run.start else frozenset()
    ids = np.fromiter(chunks, dtype=np.int64, count=len(chunks))
    dense, layout = _merged_dense(snapshot, run, rows, ids, settings)
    postings = Postings.concatenate([(segments[n].postings, rows[n]) for n in parts])
    logger.info("merged %d segments into %s (%d chunks)", len(parts), name, len(chunks))
    return Segment(name, articles, hashes, removed, chunks, dense, layout, postings)


def _merged_dense(
    snapshot: IndexSnapshot, run: MergeRun, rows: dict[int, np.ndarray], ids: np.ndarray, settings: DenseSettings
) -> tuple[faiss.Index, DenseLayout]:
    """The first segment's index with the dead removed and the others' vectors added, refitted
    to the merged size (an IVF base keeps its trained lists; its vectors are not re-quantised)."""
    first = snapshot.segments[run.start]
    dense = faiss.clone_index(first.dense)
    dead = np.setdiff1d(first.ids, first.ids[rows[run.start]], assume_unique=True)
    if len(dead):
        dense_index.remove_ids(dense, dead.tolist())
    for n in range(run.start + 1, run.end):
        segment = snapshot.segments[n]
        kept = segment.ids[rows[n]]
        if len(kept):
            dense.add_with_ids(segment.dense.reconstruct_batch(kept), kept)
    return dense_index.fit_index(dense, ids, first.layout, settings)
