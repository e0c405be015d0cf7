"""Writes to the Milvus store, everything by primary key.

An upsert, per batch of articles: the chunks (upserted by "article:position"), then the articles'
text parts (the first records the chunk count), then the chunks and text parts a shorter new
version left behind, then the term counts and the newest date; the store then sets a new
revision. A chunk whose content hash differs from its article's is never returned by a search,
so a reader never cuts a quote from the wrong version while a write is under way, and a write
killed midway is redone by the next ingest (its article's hash still differs).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from retrieval import milvus_newest, milvus_rows, milvus_terms
from retrieval import milvus_schema as schema
from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article, Chunk
from retrieval.embedding import Embedder
from retrieval.milvus_connection import PAGE, MilvusConnection
from retrieval.store import IngestReport, ProgressFactory, embedding_text, plan_upsert

logger = logging.getLogger(__name__)
# Milvus Lite (embedded, and `milvus-lite server`) searches rows not yet flushed by scanning them on
# every query (3 s a search over 19,000 unflushed passages, 40 ms once flushed): a bulk write is
# flushed. A Milvus server flushes by itself and rate-limits manual flushes, so small writes never
# ask and a refused flush is ignored.
FLUSH_ROWS = 256


def upsert(
    db: MilvusConnection,
    embedder: Embedder,
    chunker: ChunkerSettings,
    incoming: dict[str, Article],
    progress: ProgressFactory | None,
) -> IngestReport:
    """Write the new and changed articles of `incoming` (the collections exist)."""
    names = db.names
    first_parts = db.first_parts(list(incoming))
    stored = {aid: row["content_hash"] for aid, row in first_parts.items()}
    changed, report = plan_upsert(incoming, stored)
    if not changed:
        return report
    pairs = [(a, c) for a in changed for c in chunk_article(a, chunker)]
    texts = [embedding_text(article, chunk) for article, chunk in pairs]
    vectors = embedder.embed(texts, progress=progress(len(texts)) if progress else None)
    rows = [milvus_rows.chunk_row(a, c, t, v) for (a, c), t, v in zip(pairs, texts, vectors, strict=True)]
    updated = [a for a in changed if a.article_id in stored]
    before = stored_chunks(db, {a.article_id: first_parts[a.article_id] for a in updated})  # before overwriting
    newest = milvus_newest.before_write(db, (int(first_parts[a.article_id]["published_day"]) for a in updated))
    client = db.client()
    for start in range(0, len(rows), PAGE):
        client.upsert(names.chunks, rows[start : start + PAGE])
    counts = Counter(article.article_id for article, _ in pairs)
    client.upsert(names.articles, [row for a in changed for row in milvus_rows.article_rows(a, counts[a.article_id])])
    _delete_leftovers(db, updated, first_parts, pairs, before)
    added = milvus_terms.passage_terms(row["bm25_text"] for row in rows)
    replaced = milvus_terms.passage_terms(row["bm25_text"] for row in before)
    milvus_terms.apply(client, names.terms, added, replaced)
    milvus_newest.record(db, newest, changed)
    if len(rows) >= FLUSH_ROWS:
        _flush(db)
    return IngestReport(report.created, report.updated, report.unchanged, len(pairs))


def delete(db: MilvusConnection, article_ids: list[str]) -> list[str]:
    """Delete these articles' chunks and text parts by primary key: the ids from each article's
    recorded chunk and part counts. Returns the ids that were stored."""
    first_parts = db.first_parts(article_ids)
    if not first_parts:
        return []
    newest = milvus_newest.before_write(db, (int(row["published_day"]) for row in first_parts.values()))
    chunks = stored_chunks(db, first_parts)
    db.delete(db.names.chunks, [row["chunk_id"] for row in chunks])
    db.delete(
        db.names.articles, [milvus_rows.part_id(a, n) for a, r in first_parts.items() for n in range(int(r["parts"]))]
    )
    removed = milvus_terms.passage_terms(row["bm25_text"] for row in chunks)
    milvus_terms.apply(db.client(), db.names.terms, Counter(), removed)
    milvus_newest.record(db, newest, [])
    return sorted(first_parts)


def stored_chunks(db: MilvusConnection, first_parts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored chunks (`chunk_id`, `bm25_text`) of these articles, by primary key: their ids
    come from the chunk count their first text part records. An article written before that
    count was recorded is read by an `article_id` filter (the slow way: it scans, about 0.3-0.8 s
    at 100,000 passages on Milvus Lite). A writer killed after an update's chunks and before its
    text parts leaves the old count: rerunning the write repairs it; deleting the article instead
    leaves the new version's extra chunks, which no search shows (their article is gone)."""
    fields = ["chunk_id", "bm25_text"]
    keys, unrecorded = [], []
    for article_id, row in first_parts.items():
        ids = milvus_rows.chunk_ids(row)
        if ids is None:
            unrecorded.append(article_id)
        else:
            keys.extend(ids)
    found = db.by_key(db.names.chunks, keys, fields)
    if unrecorded:
        found += db.client().query(
            db.names.chunks, filter=schema.in_list("article_id", unrecorded), output_fields=fields
        )
    return found


def _delete_leftovers(
    db: MilvusConnection,
    updated: list[Article],
    first_parts: dict[str, dict[str, Any]],
    pairs: list[tuple[Article, Chunk]],
    before: list[dict[str, Any]],
) -> None:
    """Chunks and text parts past the end of each updated article's new version (what a longer
    earlier version left behind), by primary key."""
    keep = {chunk.chunk_id for _, chunk in pairs}
    db.delete(db.names.chunks, [row["chunk_id"] for row in before if row["chunk_id"] not in keep])
    db.delete(
        db.names.articles,
        [
            milvus_rows.part_id(a.article_id, n)
            for a in updated
            for n in range(len(milvus_rows.text_parts(a.text)), int(first_parts[a.article_id]["parts"]))
        ],
    )


def _flush(db: MilvusConnection) -> None:
    client = db.client()
    for name in (db.names.chunks, db.names.articles):
        try:
            client.flush(name)
        except Exception as exc:  # a server's flush rate limit: it flushes by itself
            logger.debug("flush of %s not done: %s", name, exc)
