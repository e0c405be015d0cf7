"""The article store: one interface, two implementations.

- `retrieval/faiss_store.py` (the default): FAISS + BM25 postings + the articles, as segments
  listed by atomic generations in a local folder; each process holds the index in memory.
- `retrieval/milvus_store.py`: a Milvus collection (Milvus Lite in a file, or a Milvus server)
  holding chunks with their dense vector and BM25 field, the articles and the manifest; replicas
  keep nothing but caches.

The retriever, the pipeline, the eval and the CLI talk to `ArticleStore` only; `open_store.py`
opens the one the settings name. Both stores return
the same `Candidate`s for a search: dense and BM25 hits fused by reciprocal rank (`fuse`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TypeVar

import numpy as np

from retrieval.documents import Article, Chunk, SearchFilters
from retrieval.embedding import ProgressCallback
from retrieval.term_stats import TermStats

ProgressFactory = Callable[[int], ProgressCallback]
RRF_K = 60
Key = TypeVar("Key", int, str)


@dataclass(frozen=True)
class IngestReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks_added: int = 0

    def merged(self, other: IngestReport) -> IngestReport:
        """This report followed by `other` (one batch after another)."""
        return IngestReport(
            self.created + other.created,  # created, then changed again later in the input: created
            self.updated + [a for a in other.updated if a not in self.created],
            self.unchanged + other.unchanged,
            self.chunks_added + other.chunks_added,
        )


def plan_upsert(incoming: dict[str, Article], stored: Mapping[str, str]) -> tuple[list[Article], IngestReport]:
    """The articles whose content hash differs from the stored one (`stored`: id -> hash), and the
    report of what an upsert of `incoming` creates, updates and leaves unchanged (no chunks yet)."""
    changed = [a for a in incoming.values() if stored.get(a.article_id) != a.content_hash]
    report = IngestReport(
        created=sorted(a.article_id for a in changed if a.article_id not in stored),
        updated=sorted(a.article_id for a in changed if a.article_id in stored),
        unchanged=sorted(set(incoming) - {a.article_id for a in changed}),
    )
    return changed, report


@dataclass(frozen=True)
class StoreCounts:
    articles: int
    chunks: int


@dataclass(frozen=True)
class Candidate:
    """A chunk a search found: its fused score and where dense and BM25 search ranked it."""

    chunk: Chunk
    article: Article
    score: float  # reciprocal-rank fusion of the two rankings
    dense_score: float | None  # cosine with the query
    dense_rank: int | None
    bm25_rank: int | None


class ArticleStore(Protocol):
    """Articles, their chunks and the search over them. Writes are idempotent by content hash:
    an unchanged article is a no-op, a changed one replaces its chunks, a deleted one is gone
    from every structure."""

    @property
    def description(self) -> str:
        """Where the store lives, for messages ("FAISS index at var/index")."""
        ...

    def exists(self) -> bool: ...

    def load(self) -> None:
        """Open the store and check its manifest (IndexNotFoundError, IndexMismatchError)."""
        ...

    def refresh(self) -> bool:
        """Catch up with writes by other processes; cheap when nothing changed."""
        ...

    def clear(self) -> None:
        """Remove everything (`citewire ingest --rebuild`)."""
        ...

    def settle(self) -> None:
        """Finish the background work this object's writes started (the FAISS store merges
        segments), so a process that exits after a bulk ingest leaves a compact index."""
        ...

    def upsert(self, articles: Iterable[Article], progress: ProgressFactory | None = None) -> IngestReport: ...

    def delete(self, article_ids: Iterable[str]) -> list[str]:
        """Remove articles; returns the ids that were present."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def articles(self) -> list[Article]:
        """Every article, sorted by id."""
        ...

    def missing(self, article_ids: Iterable[str]) -> list[str]:
        """The ids of these that are not in the store."""
        ...

    def counts(self) -> StoreCounts: ...

    def newest_published(self) -> date | None:
        """The latest publication date in the store: the archive knows nothing after it."""
        ...

    def term_stats(self) -> TermStats:
        """Document frequencies over the stored passages (for IDF weights)."""
        ...

    def search(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> list[Candidate]:
        """Up to `candidates` chunks from dense and from BM25 search, fused, best first."""
        ...


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What is embedded and BM25-indexed for a chunk: the title gives every passage its topic."""
    return f"{article.title}\n{chunk.text}"


def fuse(dense: list[tuple[Key, float]], lexical: list[Key], k: int = RRF_K) -> list[tuple[Key, float]]:
    """Reciprocal-rank fusion of a dense ranking ((key, cosine) pairs) and a BM25 ranking (keys),
    best first; ties broken by key."""
    scores: dict[Key, float] = {}
    for rank, (key, _) in enumerate(dense):
        scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank + 1)
    for rank, key in enumerate(lexical):
        scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
