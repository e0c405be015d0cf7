"""The typed hand-offs of the retrieval layer: Article -> Chunk -> Passage."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Article:
    """One article. `text` is the stored, cleaned body; quotes are spans of it."""

    article_id: str
    title: str
    text: str  # in the API: the stored text that citation offsets point into
    source: str | None = None
    author: str | None = None
    published: date | None = None
    url: str | None = None

    @property
    def content_hash(self) -> str:
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        published = data.get("published")
        return cls(
            article_id=data["article_id"],
            title=data["title"],
            text=data["text"],
            source=data.get("source"),
            author=data.get("author"),
            published=date.fromisoformat(published) if published else None,
            url=data.get("url"),
        )


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: `text == article.text[start:end]`."""

    chunk_id: str
    article_id: str
    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article and scores."""

    chunk: Chunk
    article: Article
    score: float
    dense_score: float | None = None
    bm25_rank: int | None = None
    dense_rank: int | None = None

    @property
    def chunk_id(self) -> str:
        return self.chunk.chunk_id

    @property
    def article_id(self) -> str:
        return self.chunk.article_id

    @property
    def text(self) -> str:
        return self.chunk.text


@dataclass(frozen=True)
class SearchFilters:
    """Optional restrictions on what retrieval may return."""

    article_ids: frozenset[str] | None = None
    published_after: date | None = None
    published_before: date | None = None
    sources: frozenset[str] | None = field(default=None)

    @classmethod
    def of(
        cls,
        article_ids: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        published_after: date | None = None,
        published_before: date | None = None,
    ) -> SearchFilters:
        """The filters a request names (None: no restriction of that kind; an empty list: nothing)."""
        return cls(
            article_ids=frozenset(article_ids) if article_ids is not None else None,
            published_after=published_after,
            published_before=published_before,
            sources=frozenset(sources) if sources is not None else None,
        )

    def allows(self, article: Article) -> bool:
        if self.article_ids is not None and article.article_id not in self.article_ids:
            return False
        if self.sources is not None:
            wanted = {s.casefold() for s in self.sources}
            if not article.source or article.source.casefold() not in wanted:
                return False
        if self.published_after or self.published_before:
            if article.published is None:
                return False
            if self.published_after and article.published < self.published_after:
                return False
            if self.published_before and article.published > self.published_before:
                return False
        return True

    @property
    def is_empty(self) -> bool:
        return (
            self.article_ids is None
            and self.sources is None
            and self.published_after is None
            and self.published_before is None
        )
