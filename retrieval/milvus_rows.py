"""Rows of the Milvus store's collections, to and from `Article`s and `Chunk`s (see
milvus_schema.py for the collections)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from retrieval import milvus_schema as schema
from retrieval.chunking import chunk_id
from retrieval.documents import Article, Chunk
from retrieval.terms import terms


def chunk_row(article: Article, chunk: Chunk, text: str, vector: np.ndarray) -> dict[str, Any]:
    return {
        "chunk_id": chunk.chunk_id,
        "article_id": article.article_id,
        "content_hash": article.content_hash,
        "position": chunk.position,
        "start": chunk.start,
        "end": chunk.end,
        "source_key": (article.source or "").casefold(),
        "published_day": schema.day_number(article.published),
        "bm25_text": " ".join(terms(text))[:60_000],
        "dense": vector.astype(np.float32).tolist(),
    }


def chunk_of(chunk_id: str, row: dict[str, Any], article: Article) -> Chunk:
    """The passage a search hit's row (position, start, end) names in its article's text."""
    start, end = int(row["start"]), int(row["end"])
    return Chunk(chunk_id, article.article_id, int(row["position"]), start, end, article.text[start:end])


def text_parts(text: str) -> list[str]:
    return [text[i : i + schema.TEXT_PART_CHARS] for i in range(0, len(text), schema.TEXT_PART_CHARS)] or [""]


def part_id(article_id: str, part: int) -> str:
    """The articles collection's primary key: one row per text part of an article."""
    return f"{article_id}#{part}"


def article_rows(article: Article, chunks: int) -> list[dict[str, Any]]:
    """The article's text parts; the first one's `meta` also records its number of `chunks`, so a
    later delete or update names them by primary key (`chunk_ids`)."""
    parts = text_parts(article.text)
    fields = {k: v for k, v in article.to_dict().items() if k not in ("text", "article_id")}
    meta = json.dumps({**fields, "chunks": chunks}, ensure_ascii=False)
    return [
        {
            "part_id": part_id(article.article_id, n),
            "article_id": article.article_id,
            "content_hash": article.content_hash,
            "part": n,
            "parts": len(parts),
            "published_day": schema.day_number(article.published),
            "meta": meta if n == 0 else "",
            "text": part,
            "placeholder": schema.PLACEHOLDER,
        }
        for n, part in enumerate(parts)
    ]


def chunk_ids(first_part: dict[str, Any]) -> list[str] | None:
    """The chunk ids of the article whose first text part this is, from the number its `meta`
    records; None for a row written before it was recorded."""
    chunks = json.loads(first_part["meta"] or "{}").get("chunks")
    if not isinstance(chunks, int):
        return None
    return [chunk_id(first_part["article_id"], position) for position in range(chunks)]


def assemble(rows: Iterable[dict[str, Any]]) -> dict[str, Article]:
    """Articles from their text parts; one whose parts are incomplete or of mixed versions
    (a write under way) is left out."""
    by_article: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_article.setdefault(row["article_id"], []).append(row)
    articles = {}
    for article_id, parts in by_article.items():
        parts.sort(key=lambda r: r["part"])
        first = parts[0]
        if first["part"] != 0 or len(parts) != first["parts"] or len({p["content_hash"] for p in parts}) != 1:
            continue
        meta = json.loads(first["meta"])
        article = Article.from_dict({**meta, "article_id": article_id, "text": "".join(p["text"] for p in parts)})
        if article.content_hash == first["content_hash"]:
            articles[article_id] = article
    return articles
