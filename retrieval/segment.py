"""One immutable part of the FAISS store: the articles one write (or one merge) stored, with their
chunks' vectors and BM25 postings, and the articles that write removed from earlier segments.

An index is a list of segments, applied in order: a segment's article replaces the same article
in every earlier segment, and its `removed` ids delete them there. A chunk is live while its
article's newest version is in the chunk's own segment (see index_view). Segments are written
once, into their own folder, and never changed; a generation's manifest lists the ones it uses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval import dense_index, index_store
from retrieval.chunk_table import ChunkTable
from retrieval.dense_index import DenseLayout, DenseSettings
from retrieval.documents import Article, Chunk
from retrieval.errors import IndexCorruptError
from retrieval.postings import Postings
from retrieval.store import embedding_text
from retrieval.terms import terms

logger = logging.getLogger(__name__)
PREFIX = "seg-"
SMALL_SEGMENT = 5_000


@dataclass(frozen=True, eq=False)
class Segment:
    name: str  # its folder under the index directory
    articles: dict[str, Article]
    hashes: dict[str, str]  # article id -> content hash
    removed: frozenset[str]  # article ids this segment deletes from the segments before it
    chunks: dict[int, Chunk]  # chunk id -> chunk, ascending ids; row r is the r-th
    dense: faiss.Index  # the chunks' vectors under their ids
    layout: DenseLayout
    postings: Postings  # row r: the terms of the r-th chunk

    @cached_property
    def ids(self) -> np.ndarray:
        return np.fromiter(self.chunks, dtype=np.int64, count=len(self.chunks))

    @property
    def size(self) -> int:
        return len(self.chunks)

    def __post_init__(self) -> None:
        _ = self.rows_of  # computed with the segment (at load, or in a merge's thread), never in a write

    @cached_property
    def rows_of(self) -> dict[str, slice | list[int]]:
        """Article id -> the rows of its chunks: a slice, as one write (and one merge) stores an
        article's chunks side by side; a list if some older index did not."""
        rows: dict[str, slice | list[int]] = {}
        start, current = 0, None
        for row, chunk in enumerate(self.chunks.values()):
            if chunk.article_id != current:
                if current is not None:
                    _add_rows(rows, current, start, row)
                current, start = chunk.article_id, row
        if current is not None:
            _add_rows(rows, current, start, len(self.chunks))
        return rows

    @cached_property
    def row_chunks(self) -> list[Chunk]:
        return list(self.chunks.values())

    @cached_property
    def table(self) -> ChunkTable:
        return ChunkTable.build(self.articles, list(self.chunks), self.chunks)

    @cached_property
    def vectors(self) -> np.ndarray | None:
        """The vectors of a small exact segment (searched with one product rather than a FAISS
        call, whose fixed cost dominates at a few hundred rows); None for the others."""
        if self.layout.kind != "flat" or not 0 < self.size <= SMALL_SEGMENT:
            return None
        return np.asarray(self.dense.reconstruct_batch(self.ids), dtype=np.float32)

    def row_of(self, chunk_id: int) -> int | None:
        row = int(np.searchsorted(self.ids, chunk_id))
        return row if row < len(self.ids) and self.ids[row] == chunk_id else None


def _add_rows(rows: dict[str, slice | list[int]], article_id: str, start: int, end: int) -> None:
    before = rows.get(article_id)
    if before is None:
        rows[article_id] = slice(start, end)
    else:
        earlier = list(range(before.start, before.stop)) if isinstance(before, slice) else before
        rows[article_id] = [*earlier, *range(start, end)]


def build(
    name: str,
    articles: Sequence[Article],
    removed: frozenset[str],
    chunks: Sequence[tuple[int, Chunk, str]],
    vectors: np.ndarray,
    settings: DenseSettings,
    dimension: int,
    layout: DenseLayout | None = None,
    dense: faiss.Index | None = None,
) -> Segment:
    """A segment of `chunks` ((id, chunk, the text that was embedded and is BM25-indexed), ids
    ascending) with their `vectors`; its dense index is `dense` when given, else one built for
    its size."""
    ids = np.asarray([cid for cid, _, _ in chunks], dtype=np.int64)
    if dense is None:
        layout = dense_index.choose_layout(len(ids), DenseLayout(), settings)
        empty = np.zeros((0, dimension), dtype=np.float32)
        dense = dense_index.build_index(vectors if len(ids) else empty, ids, layout, settings)
    return Segment(
        name=name,
        articles={a.article_id: a for a in articles},
        hashes={a.article_id: a.content_hash for a in articles},
        removed=removed,
        chunks={cid: chunk for cid, chunk, _ in chunks},
        dense=dense,
        layout=layout or DenseLayout(),
        postings=Postings.build(terms(text) for _, _, text in chunks),
    )


def save(segment: Segment, index_dir: Path) -> Path:
    """Write `segment` into its own folder (replacing the debris of a crashed write of the same
    name), fsynced; nothing refers to it until a generation's manifest does."""
    folder = index_dir / segment.name
    index_store.write_folder(folder, lambda into: _fill(segment, into))
    return folder


def _fill(segment: Segment, folder: Path) -> None:
    faiss.write_index(segment.dense, str(folder / "dense.faiss"))
    segment.postings.save(folder)
    index_store.write_jsonl(
        folder / "articles.jsonl",
        [{**a.to_dict(), "content_hash": segment.hashes[aid]} for aid, a in segment.articles.items()],
    )
    index_store.write_jsonl(folder / "chunks.jsonl", [{"id": cid, **vars(c)} for cid, c in segment.chunks.items()])
    index_store.write_json(
        folder / "segment.json",
        {"removed": sorted(segment.removed), "dense": segment.layout.to_dict(), "chunks": segment.size},
    )


def load(index_dir: Path, name: str) -> Segment:
    folder = index_dir / name
    meta = index_store.read_json(folder / "segment.json")
    articles, hashes = _read_articles(folder)
    chunks = _read_chunks(folder)
    if len(chunks) != meta["chunks"]:
        raise IndexCorruptError(f"{folder} holds {len(chunks)} chunks; its segment.json says {meta['chunks']}")
    return Segment(
        name=name,
        articles=articles,
        hashes=hashes,
        removed=frozenset(meta["removed"]),
        chunks=chunks,
        dense=_read_dense(folder),
        layout=DenseLayout(**meta["dense"]),
        postings=Postings.load(folder),
    )


def load_single_folder(folder: Path, manifest: dict[str, Any]) -> Segment:
    """A generation written before segments (format 1: one folder holding everything, BM25 as
    bm25s files) read as one segment; its postings are rebuilt from the chunk texts."""
    articles, hashes = _read_articles(folder)
    chunks = _read_chunks(folder)
    logger.warning("%s is in the index format before segments; its BM25 postings are rebuilt in memory", folder)
    texts = (embedding_text(articles[c.article_id], c) for c in chunks.values())
    return Segment(
        name=folder.name,
        articles=articles,
        hashes=hashes,
        removed=frozenset(),
        chunks=chunks,
        dense=_read_dense(folder),
        layout=DenseLayout.from_manifest(manifest),
        postings=Postings.build(terms(text) for text in texts),
    )


def _read_articles(folder: Path) -> tuple[dict[str, Article], dict[str, str]]:
    rows = index_store.read_jsonl(folder / "articles.jsonl")
    articles = {row["article_id"]: Article.from_dict(row) for row in rows}
    hashes = {row["article_id"]: row.get("content_hash") or articles[row["article_id"]].content_hash for row in rows}
    return articles, hashes


def _read_chunks(folder: Path) -> dict[int, Chunk]:
    rows = index_store.read_jsonl(folder / "chunks.jsonl")
    chunks = {int(row.pop("id")): Chunk(**row) for row in rows}
    return dict(sorted(chunks.items()))


def _read_dense(folder: Path) -> faiss.Index:
    try:
        return faiss.read_index(str(folder / "dense.faiss"))
    except RuntimeError as exc:
        raise IndexCorruptError(f"cannot read {folder / 'dense.faiss'}: {exc}") from None
