"""The default article store: articles, chunks, FAISS vectors and BM25 postings in a local folder,
as segments (see segment.py) listed by atomic generations (see index_store).

A write adds one small segment (its articles' chunks, or the ids it deletes) and a generation
naming the segments; it never copies the archive. Readers hold an immutable `IndexSnapshot` and
see a write by loading only the new segment. Once there are too many small segments they are
merged in a background thread (segment_merge); a merge killed part-way leaves the last good
generation live, and the next write removes its debris. Re-ingesting an unchanged article is a
no-op, a changed one replaces its chunks, a deleted one disappears from every search.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import generations, index_store, segment, segment_folders, segment_merge
from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.dense_index import DenseSettings
from retrieval.documents import Article, Chunk, SearchFilters
from retrieval.embedding import Embedder
from retrieval.index_view import IndexSnapshot
from retrieval.segment import Segment
from retrieval.segment_merge import MergePolicy
from retrieval.store import Candidate, IngestReport, ProgressFactory, StoreCounts, embedding_text, plan_upsert
from retrieval.term_stats import TermStats

logger = logging.getLogger(__name__)


class FaissStore:
    """Persistent index at `path`. Cheap to construct; `load()` reads it from disk."""

    def __init__(
        self,
        path: Path,
        embedder: Embedder,
        chunker: ChunkerSettings,
        dense: DenseSettings | None = None,
        merges: MergePolicy | None = None,
    ) -> None:
        self.path = path
        self._embedder = embedder
        self._chunker = chunker
        self._dense = dense or DenseSettings()
        self._merges = merges or MergePolicy()
        self._snapshot: IndexSnapshot | None = None
        self._merging = threading.Lock()  # one merge at a time in this process
        self._merge_thread: threading.Thread | None = None

    def exists(self) -> bool:
        return index_store.current_generation(self.path) is not None

    @property
    def snapshot(self) -> IndexSnapshot:
        if self._snapshot is None:
            self._snapshot = self._read()
        return self._snapshot

    @property
    def description(self) -> str:
        return f"FAISS index at {self.path}"

    def load(self) -> None:
        self.reload()

    def reload(self) -> IndexSnapshot:
        """Read the current generation from disk (reusing the segments already in memory)."""
        self._snapshot = self._read()
        return self._snapshot

    def clear(self) -> None:
        with index_store.write_lock(self.path):
            index_store.remove_generations(self.path)
            segment_folders.remove_unused(self.path, keep=set())
        self._snapshot = None

    def article(self, article_id: str) -> Article | None:
        return self.snapshot.article(article_id)

    def articles(self) -> list[Article]:
        return sorted(self.snapshot.articles.values(), key=lambda a: a.article_id)

    def missing(self, article_ids: Iterable[str]) -> list[str]:
        owner = self.snapshot.owner
        return [a for a in article_ids if a not in owner]

    def counts(self) -> StoreCounts:
        return StoreCounts(len(self.snapshot.owner), self.snapshot.chunk_count)

    def newest_published(self) -> date | None:
        return self.snapshot.newest_published

    def term_stats(self) -> TermStats:
        return self.snapshot.term_stats

    def search(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> list[Candidate]:
        return self.snapshot.search(query, query_vector, candidates, filters)

    def refresh(self) -> bool:
        """Reload when another process (or index object) has written a newer generation.
        Cheap when nothing changed: one small file read. Returns whether it reloaded."""
        current = index_store.current_generation(self.path)
        if current is None or (self._snapshot is not None and self._snapshot.generation == current.name):
            return False
        logger.info("index generation changed to %s; reloading", current.name)
        self._snapshot = self._read()
        return True

    def upsert(self, articles: Iterable[Article], progress: ProgressFactory | None = None) -> IngestReport:
        incoming = {article.article_id: article for article in articles}
        with index_store.write_lock(self.path):
            base = self._read_or_empty()
            changed, report = plan_upsert(incoming, base.hashes)
            if not changed:
                self._snapshot = base
                return report
            pairs = [(a, c) for a in changed for c in chunk_article(a, self._chunker)]
            vectors = self._embed(pairs, progress)
            first = int(base.manifest.get("next_id", 0))
            rows = [(first + n, chunk, embedding_text(a, chunk)) for n, (a, chunk) in enumerate(pairs)]
            added = self._pending_segment(changed, frozenset(), rows, vectors)
            self._commit(base, [*base.segments, added], first + len(rows))
        self._merge_soon()
        return IngestReport(report.created, report.updated, report.unchanged, len(pairs))

    def delete(self, article_ids: Iterable[str]) -> list[str]:
        """Remove articles; returns the ids that were present."""
        with index_store.write_lock(self.path):
            base = self._read_or_empty()
            present = sorted(a for a in set(article_ids) if a in base.owner)
            if not present:
                self._snapshot = base
                return present
            removal = self._pending_segment([], frozenset(present), [], None)
            self._commit(base, [*base.segments, removal], int(base.manifest.get("next_id", 0)))
        self._merge_soon()
        return present

    def merge(self) -> bool:
        """Merge segments if the policy calls for it (in this thread); False when nothing was
        due, another merge is running here, or another process merged first."""
        return self._merge(lambda snapshot: segment_merge.plan(snapshot, self._merges))

    def compact(self) -> bool:
        """Merge every segment into one (after a bulk ingest: the fastest index to search)."""
        return self._merge(
            lambda snapshot: segment_merge.MergeRun(0, len(snapshot.segments)) if snapshot.deltas else None
        )

    def _merge(self, choose: Callable[[IndexSnapshot], segment_merge.MergeRun | None]) -> bool:
        if not self._merging.acquire(blocking=False):
            return False
        try:
            self.refresh()
            snapshot = self.snapshot
            run = choose(snapshot)
            if run is None:
                return False
            staged = segment_folders.staged_name()  # written before the lock is taken
            merged = segment_merge.merged_segment(snapshot, run, staged, self._dense)
            segment.save(merged, self.path)
            try:
                return self._commit_merge(snapshot, run, merged)
            finally:
                index_store.remove_folder(self.path / staged)  # gone already once committed (renamed)
        finally:
            self._merging.release()

    def _commit_merge(self, snapshot: IndexSnapshot, run: segment_merge.MergeRun, merged: Segment) -> bool:
        with index_store.write_lock(self.path):
            current = self._read_or_empty()
            if [s.name for s in current.segments[: run.end]] != [s.name for s in snapshot.segments[: run.end]]:
                logger.info("segments changed under the merge (another process merged); dropped")
                return False
            segments = [*current.segments[: run.start], merged, *current.segments[run.end :]]
            self._commit(current, segments, int(current.manifest["next_id"]))
        return True

    def wait_for_merges(self) -> None:
        """Block until a background merge started by this object has finished."""
        thread = self._merge_thread
        if thread is not None:
            thread.join()

    def settle(self) -> None:
        self.wait_for_merges()
        while self.merge():
            pass

    def _merge_soon(self) -> None:
        if segment_merge.plan(self.snapshot, self._merges) is None:
            return
        if self._merge_thread is not None and self._merge_thread.is_alive():
            return
        self._merge_thread = threading.Thread(target=self._merge_logged, name="citewire-merge", daemon=True)
        self._merge_thread.start()

    def _merge_logged(self) -> None:
        try:
            while self.merge():  # a merge of the deltas may make a full merge due
                pass
        except Exception:  # a background thread has nobody to raise to; the index is unchanged
            logger.exception("merging segments of %s failed; the index keeps its current segments", self.path)

    def _pending_segment(
        self,
        articles: list[Article],
        removed: frozenset[str],
        rows: list[tuple[int, Chunk, str]],
        vectors: np.ndarray | None,
    ) -> Segment:
        """A write's segment (no `vectors`: no chunks), named when it is committed."""
        dimension = self._embedder.dimension
        vectors = np.zeros((0, dimension), np.float32) if vectors is None else vectors
        return segment.build(segment_folders.PENDING, articles, removed, rows, vectors, self._dense, dimension)

    def _embed(self, pairs: list[tuple[Article, Chunk]], progress: ProgressFactory | None) -> np.ndarray:
        texts = [embedding_text(article, chunk) for article, chunk in pairs]
        callback = progress(len(texts)) if progress else None
        return self._embedder.embed(texts, progress=callback)

    def _commit(self, base: IndexSnapshot, segments: Sequence[Segment], next_id: int) -> None:
        """Write the segments not yet on disk, then a generation listing `segments` (under the
        write lock), then remove the segments no live or previous generation names."""
        number = int(base.manifest.get("next_segment", 1))
        named = []
        for part in segments:
            if not part.name.startswith(segment.PREFIX):  # new, merged, or read from a format-1 folder
                name = f"{segment.PREFIX}{number:06d}"
                number += 1
                staged = part.name.startswith(segment_folders.STAGED)
                if staged:  # a merge wrote it already: the rename is the cheap part
                    index_store.rename_folder(self.path / part.name, self.path / name)
                part = dataclasses.replace(part, name=name)
                if not staged:
                    segment.save(part, self.path)
            named.append(part)
        snapshot = IndexSnapshot.compose(base.manifest, named, base, "")
        written = [part for part in named if part.name not in {s.name for s in base.segments}]
        corpus_hash = generations.corpus_hash(base, snapshot, written)
        manifest = generations.build(self._settings(), snapshot, next_id, number, corpus_hash)
        folder = index_store.write_generation(
            self.path, lambda into: index_store.write_json(into / "manifest.json", manifest)
        )
        segment_folders.remove_unused(
            self.path, keep=set(manifest["segments"]) | set(base.manifest.get("segments", []))
        )
        counts = (len(snapshot.owner), snapshot.chunk_count, len(named))
        logger.info("index written: %s (%d articles, %d chunks, %d segments)", folder, *counts)
        self._snapshot = dataclasses.replace(snapshot, manifest=manifest, generation=folder.name)

    def _read_or_empty(self) -> IndexSnapshot:
        """The current generation (the one in memory when it is still current: under the write lock
        nobody else can have written since), or an empty snapshot."""
        if not self.exists():
            return IndexSnapshot.compose({}, [], None, "")
        if self._snapshot is None or not self._snapshot.generation:
            return self._read()
        self.refresh()
        return self.snapshot

    def _read(self) -> IndexSnapshot:
        return generations.read_current(self.path, self._settings(), self._snapshot)

    def _settings(self) -> dict[str, Any]:
        """What the manifest records of the settings the index is built with, and checks on open."""
        return {
            "embedder": self._embedder.name,
            "dimension": self._embedder.dimension,
            "chunker": self._chunker.to_dict(),
        }
