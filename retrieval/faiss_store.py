"""The default article store: stored articles, chunks, FAISS vectors and BM25, with a manifest,
in a local folder (see store.py for the interface).

Readers use an immutable `IndexSnapshot`; writers build a new snapshot, persist it as a new
generation (see index_store) and swap it in. Re-ingesting an unchanged article is a no-op,
a changed one replaces its chunks, a deleted one disappears from every structure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval import dense_index, index_store
from retrieval.chunk_table import AllowedChunks, ChunkTable
from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.dense_index import DenseLayout, DenseSettings
from retrieval.documents import Article, Chunk, SearchFilters
from retrieval.embedding import Embedder
from retrieval.errors import IndexMismatchError, IndexNotFoundError
from retrieval.lexical import BM25Index
from retrieval.store import (
    Candidate,
    IngestReport,
    ProgressFactory,
    StoreCounts,
    embedding_text,
    fuse,
    plan_upsert,
)
from retrieval.term_stats import TermStats

logger = logging.getLogger(__name__)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class IndexSnapshot:
    """One consistent, read-only state of the index."""

    manifest: dict[str, Any]
    articles: dict[str, Article]
    hashes: dict[str, str]
    chunks: dict[int, Chunk]  # FAISS id -> chunk
    dense: faiss.Index
    bm25: BM25Index
    bm25_ids: list[int]  # BM25 position -> FAISS id
    generation: str = ""  # the on-disk generation folder it was read from or written to ("" before the first write)

    def chunk_ids_of(self, article_id: str) -> list[int]:
        return [cid for cid, chunk in self.chunks.items() if chunk.article_id == article_id]

    @cached_property
    def newest_published(self) -> date | None:
        """The latest publication date in the index: the archive knows nothing after it."""
        return max((a.published for a in self.articles.values() if a.published), default=None)

    @cached_property
    def table(self) -> ChunkTable:
        return ChunkTable.build(self.articles, self.bm25_ids, self.chunks)

    @cached_property
    def term_stats(self) -> TermStats:
        return TermStats.from_texts(embedding_text(self.articles[c.article_id], c) for c in self.chunks.values())


class FaissStore:
    """Persistent index at `path`. Cheap to construct; `load()` reads it from disk."""

    def __init__(
        self, path: Path, embedder: Embedder, chunker: ChunkerSettings, dense: DenseSettings | None = None
    ) -> None:
        self.path = path
        self._embedder = embedder
        self._chunker = chunker
        self._dense = dense or DenseSettings()
        self._snapshot: IndexSnapshot | None = None

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
        """Read the current generation from disk."""
        self._snapshot = self._read()
        return self._snapshot

    def clear(self) -> None:
        with index_store.write_lock(self.path):
            index_store.remove_generations(self.path)
        self._snapshot = None

    def article(self, article_id: str) -> Article | None:
        return self.snapshot.articles.get(article_id)

    def articles(self) -> list[Article]:
        return sorted(self.snapshot.articles.values(), key=lambda a: a.article_id)

    def missing(self, article_ids: Iterable[str]) -> list[str]:
        return [a for a in article_ids if a not in self.snapshot.articles]

    def counts(self) -> StoreCounts:
        return StoreCounts(len(self.snapshot.articles), len(self.snapshot.chunks))

    def newest_published(self) -> date | None:
        return self.snapshot.newest_published

    def term_stats(self) -> TermStats:
        return self.snapshot.term_stats

    def search(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> list[Candidate]:
        snapshot = self.snapshot
        allowed = snapshot.table.allowed(filters) if snapshot.chunks else None
        if not snapshot.chunks or (allowed is not None and allowed.empty):
            return []
        dense = dense_index.search(snapshot.dense, query_vector, candidates, None if allowed is None else allowed.ids)
        lexical = _bm25_search(snapshot, query, candidates, allowed)
        dense_rank = {cid: rank for rank, (cid, _) in enumerate(dense)}
        dense_score = dict(dense)
        bm25_rank = {cid: rank for rank, cid in enumerate(lexical)}
        found = []
        for cid, score in fuse(dense, lexical):
            chunk = snapshot.chunks[cid]
            cosine = dense_score.get(cid)
            if cosine is None:
                cosine = float(snapshot.dense.reconstruct(cid) @ query_vector[0])
            article = snapshot.articles[chunk.article_id]
            found.append(Candidate(chunk, article, score, cosine, dense_rank.get(cid), bm25_rank.get(cid)))
        return found

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
            new_chunks = [(a, c) for a in changed for c in chunk_article(a, self._chunker)]
            vectors = self._embed(new_chunks, progress)
            snapshot = self._apply(base, changed, new_chunks, vectors, removed=[])
            self._persist(snapshot)
            return IngestReport(report.created, report.updated, report.unchanged, len(new_chunks))

    def delete(self, article_ids: Iterable[str]) -> list[str]:
        """Remove articles; returns the ids that were present."""
        with index_store.write_lock(self.path):
            base = self._read_or_empty()
            present = sorted(set(article_ids) & set(base.articles))
            if present:
                empty = np.zeros((0, self._embedder.dimension), dtype=np.float32)
                self._persist(self._apply(base, [], [], empty, removed=present))
            else:
                self._snapshot = base
            return present

    def _embed(self, pairs: list[tuple[Article, Chunk]], progress: ProgressFactory | None) -> np.ndarray:
        texts = [embedding_text(article, chunk) for article, chunk in pairs]
        callback = progress(len(texts)) if progress else None
        return self._embedder.embed(texts, progress=callback)

    def _apply(
        self,
        base: IndexSnapshot,
        changed: list[Article],
        new_chunks: list[tuple[Article, Chunk]],
        vectors: np.ndarray,
        removed: list[str],
    ) -> IndexSnapshot:
        replaced = {a.article_id for a in changed} | set(removed)
        stale_ids = [cid for cid, chunk in base.chunks.items() if chunk.article_id in replaced]
        dense = faiss.clone_index(base.dense)
        if stale_ids:
            dense_index.remove_ids(dense, stale_ids)
        next_id = int(base.manifest["next_id"])
        new_ids = np.arange(next_id, next_id + len(new_chunks), dtype=np.int64)
        if len(new_chunks):
            dense.add_with_ids(vectors, new_ids)
        chunks = {cid: c for cid, c in base.chunks.items() if c.article_id not in replaced}
        chunks.update({int(cid): chunk for cid, (_, chunk) in zip(new_ids, new_chunks, strict=True)})
        articles = {aid: a for aid, a in base.articles.items() if aid not in removed}
        articles.update({a.article_id: a for a in changed})
        layout = DenseLayout.from_manifest(base.manifest)
        dense, layout = dense_index.fit_index(dense, np.asarray(sorted(chunks), dtype=np.int64), layout, self._dense)
        return self._assemble(articles, chunks, dense, layout, next_id + len(new_chunks), base.manifest)

    def _assemble(
        self,
        articles: dict[str, Article],
        chunks: dict[int, Chunk],
        dense: faiss.Index,
        layout: DenseLayout,
        next_id: int,
        previous: dict[str, Any] | None,
    ) -> IndexSnapshot:
        bm25_ids = sorted(chunks)
        bm25 = BM25Index.build([embedding_text(articles[chunks[i].article_id], chunks[i]) for i in bm25_ids])
        hashes = {aid: a.content_hash for aid, a in articles.items()}
        manifest = self._manifest(hashes, len(chunks), next_id, layout, previous)
        return IndexSnapshot(manifest, articles, hashes, chunks, dense, bm25, bm25_ids)

    def _manifest(
        self,
        hashes: dict[str, str],
        chunk_count: int,
        next_id: int,
        layout: DenseLayout,
        previous: dict[str, Any] | None,
    ) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        corpus = "\n".join(f"{aid}:{digest}" for aid, digest in sorted(hashes.items()))
        return {
            "format": FORMAT_VERSION,
            "embedder": self._embedder.name,
            "dimension": self._embedder.dimension,
            "chunker": self._chunker.to_dict(),
            "corpus_hash": hashlib.sha256(corpus.encode()).hexdigest(),
            "created_at": previous.get("created_at", now) if previous else now,
            "updated_at": now,
            "articles": len(hashes),
            "chunks": chunk_count,
            "next_id": next_id,
            "dense": layout.to_dict(),  # absent in older indexes: exact search
        }

    def _persist(self, snapshot: IndexSnapshot) -> None:
        def fill(folder: Path) -> None:
            faiss.write_index(snapshot.dense, str(folder / "dense.faiss"))
            snapshot.bm25.save(folder / "bm25")
            index_store.write_jsonl(
                folder / "articles.jsonl",
                [{**a.to_dict(), "content_hash": snapshot.hashes[aid]} for aid, a in sorted(snapshot.articles.items())],
            )
            index_store.write_jsonl(
                folder / "chunks.jsonl", [{"id": cid, **vars(c)} for cid, c in sorted(snapshot.chunks.items())]
            )
            index_store.write_json(folder / "manifest.json", snapshot.manifest)  # written last

        folder = index_store.write_generation(self.path, fill)
        logger.info("index written: %s (%d articles, %d chunks)", folder, len(snapshot.articles), len(snapshot.chunks))
        self._snapshot = dataclasses.replace(snapshot, generation=folder.name)

    def _read_or_empty(self) -> IndexSnapshot:
        """The current generation (the one in memory when it is still current: under the write lock
        nobody else can have written since), or an empty snapshot."""
        if not self.exists():
            return self._assemble({}, {}, dense_index.empty_index(self._embedder.dimension), DenseLayout(), 0, None)
        if self._snapshot is None or not self._snapshot.generation:
            return self._read()
        self.refresh()
        return self.snapshot

    def _read(self) -> IndexSnapshot:
        folder = index_store.current_generation(self.path)
        if folder is None:
            raise IndexNotFoundError(
                f"no index at {self.path}; build one with `citewire ingest PATH...` (e.g. `citewire ingest seeds/`)"
            )
        manifest = index_store.read_json(folder / "manifest.json")
        self._check_manifest(manifest)
        articles = [Article.from_dict(row) for row in index_store.read_jsonl(folder / "articles.jsonl")]
        chunks = {int(row.pop("id")): Chunk(**row) for row in index_store.read_jsonl(folder / "chunks.jsonl")}
        bm25_ids = sorted(chunks)
        return IndexSnapshot(
            manifest=manifest,
            articles={a.article_id: a for a in articles},
            hashes={a.article_id: a.content_hash for a in articles},
            chunks=chunks,
            dense=faiss.read_index(str(folder / "dense.faiss")),
            bm25=BM25Index.load(folder / "bm25", len(bm25_ids)),
            bm25_ids=bm25_ids,
            generation=folder.name,
        )

    def _check_manifest(self, manifest: dict[str, Any]) -> None:
        expected = {
            "format": FORMAT_VERSION,
            "embedder": self._embedder.name,
            "dimension": self._embedder.dimension,
            "chunker": self._chunker.to_dict(),
        }
        wrong = {key: (manifest.get(key), value) for key, value in expected.items() if manifest.get(key) != value}
        if wrong:
            details = "; ".join(
                f"{key}: index has {have!r}, settings want {want!r}" for key, (have, want) in wrong.items()
            )
            raise IndexMismatchError(
                f"the index at {self.path} was built with other settings ({details}). "
                "Rebuild it with `citewire ingest --rebuild PATH...`, or change the CITEWIRE_* settings back."
            )


def _bm25_search(snapshot: IndexSnapshot, query: str, candidates: int, allowed: AllowedChunks | None) -> list[int]:
    mask = None if allowed is None else allowed.mask.astype(np.float32)
    hits = snapshot.bm25.search(query, candidates, mask)
    return [snapshot.bm25_ids[position] for position, _ in hits]
