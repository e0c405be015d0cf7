"""The Milvus article store (see store.py for the interface, milvus_schema.py for the collections).

`CITEWIRE_MILVUS_URI` is a file path (Milvus Lite, embedded in this process) or a server URL
(`http://host:19530`: a Milvus standalone or cluster, or `milvus-lite server`, which several
processes share). Everything a replica needs is in Milvus; a replica keeps caches only: the articles
it has read (dropped when the store's revision changes); the newest date, which writes keep in the
meta collection, read again at each new revision; and the term counts a question needed, read by
key from the term table that writes keep (milvus_terms.py), again at each new revision.

Writes, per batch of articles: the chunks (upserted by "article:position"), then the article's
text, then the chunks and text parts a shorter new version left behind, then the term counts and
the newest date, then a new revision. A
chunk whose content hash differs from its article's is never returned, so a reader never cuts a
quote from the wrong version while a write is under way, and a write killed midway is redone by
the next ingest (its article's hash still differs).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, ParamSpec, TypeVar

import numpy as np

from retrieval import milvus_rows, milvus_terms
from retrieval import milvus_schema as schema
from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article, Chunk, SearchFilters
from retrieval.embedding import Embedder
from retrieval.errors import IndexMismatchError, IndexNotFoundError, RetrievalError
from retrieval.milvus_schema import MilvusStoreError
from retrieval.store import RRF_K, Candidate, IngestReport, ProgressFactory, StoreCounts, embedding_text, plan_upsert
from retrieval.term_stats import TermStats
from retrieval.terms import terms

logger = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
FORMAT_VERSION = 1
_ARTICLE_CACHE = 2_000
_PAGE = 1_000
_FIRST_DAY, _LAST_DAY = date(1800, 1, 1), date(2200, 1, 1)  # the dates a newest-date search looks between
# Milvus Lite (embedded, and `milvus-lite server`) searches rows not yet flushed by scanning them on
# every query (3 s a search over 19,000 unflushed passages, 40 ms once flushed): a bulk write is
# flushed. A Milvus server flushes by itself and rate-limits manual flushes, so small writes never
# ask and a refused flush is ignored.
_FLUSH_ROWS = 256


class _Lost:
    """The newest date left with a replaced or deleted article, or was never recorded."""


LOST = _Lost()


def _milvus_errors(method: Callable[P, T]) -> Callable[P, T]:
    """Errors of pymilvus or gRPC (a server gone away mid-request) as a MilvusStoreError, which the
    CLI and the HTTP service report (exit 1, HTTP 503) like any index problem.

    A failed call drops the store's connection, so the next call connects again and re-loads the
    collections: a restarted Milvus server brings them back released ("call load()"), and without
    this a replica would answer 503 until it was itself restarted. A call that failed only because
    a collection was released is retried once at once, on the new connection."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        store = args[0]
        assert isinstance(store, MilvusStore)
        for attempt in (1, 2):
            try:
                return method(*args, **kwargs)
            except RetrievalError:
                raise
            except Exception as exc:  # pymilvus raises MilvusException and bare gRPC errors
                store._disconnect()
                if attempt == 1 and _released(exc):
                    logger.warning("the Milvus store at %s lost its loaded collections; re-loading them", store.uri)
                    continue
                raise MilvusStoreError(f"the Milvus store at {store.uri} failed: {exc}") from exc
        raise AssertionError("unreachable")

    return guarded


def _released(exc: Exception) -> bool:
    """A Milvus server restarted under us: its collections are back, but released (not loaded)."""
    message = str(exc).lower()
    return "released" in message or "not loaded" in message or "notload" in message


class MilvusStore:
    def __init__(
        self,
        uri: str,
        embedder: Embedder,
        chunker: ChunkerSettings,
        token: str = "",
        prefix: str = "citewire_",
        dense_index: str = "FLAT",
    ) -> None:
        self.uri = uri
        self._dense_index = dense_index
        self._embedder = embedder
        self._chunker = chunker
        self._token = token
        self._chunks = f"{prefix}chunks"
        self._articles = f"{prefix}articles"
        self._meta = f"{prefix}meta"
        self._terms = f"{prefix}terms"
        self._client_lock = threading.Lock()
        self._client_obj: Any = None
        self._revision: str | None = None
        self._indexes_checked = False
        self._cache: dict[str, Article] = {}
        self._term_stats: tuple[str | None, TermStats] | None = None  # (revision, the counts read in it)
        self._newest: tuple[str | None, date | None] | None = None  # (revision, newest date) once read

    @property
    def description(self) -> str:
        return f"Milvus store at {self.uri} (collections {self._chunks}, {self._articles}, {self._meta}, {self._terms})"

    # ---- lifecycle --------------------------------------------------------------------------
    @_milvus_errors
    def exists(self) -> bool:
        return self._manifest() is not None

    @_milvus_errors
    def load(self) -> None:
        manifest = self._manifest()
        if manifest is None:
            raise IndexNotFoundError(
                f"no index in the {self.description}; build one with `citewire ingest PATH...` "
                "(e.g. `citewire ingest seeds/`)"
            )
        self._check_manifest(manifest)
        self._add_scalar_indexes()
        self.refresh()

    @_milvus_errors
    def refresh(self) -> bool:
        revision = self._read_meta("revision")
        if revision == self._revision:
            return False
        self._revision = revision
        self._cache.clear()
        return True

    def settle(self) -> None:
        return None  # Milvus compacts and indexes on its own

    @_milvus_errors
    def clear(self) -> None:
        """Drop the store's collections (`citewire ingest --rebuild`)."""
        client = self._client()
        for name in (self._chunks, self._articles, self._meta, self._terms):
            if client.has_collection(name):
                client.drop_collection(name)
        self._revision = None
        self._indexes_checked = False
        self._cache.clear()
        self._term_stats = None
        self._newest = None

    # ---- writes -----------------------------------------------------------------------------
    @_milvus_errors
    def upsert(self, articles: Iterable[Article], progress: ProgressFactory | None = None) -> IngestReport:
        incoming = {article.article_id: article for article in articles}
        self._ensure_collections()
        first_parts = self._first_parts(list(incoming))
        stored = {aid: row["content_hash"] for aid, row in first_parts.items()}
        changed, report = plan_upsert(incoming, stored)
        if not changed:
            return report
        pairs = [(a, c) for a in changed for c in chunk_article(a, self._chunker)]
        texts = [embedding_text(article, chunk) for article, chunk in pairs]
        vectors = self._embedder.embed(texts, progress=progress(len(texts)) if progress else None)
        client = self._client()
        rows = [milvus_rows.chunk_row(a, c, t, v) for (a, c), t, v in zip(pairs, texts, vectors, strict=True)]
        updated = [a for a in changed if a.article_id in stored]
        before = self._stored_chunks({a.article_id: first_parts[a.article_id] for a in updated})  # before overwriting
        newest = self._newest_before(int(first_parts[a.article_id]["published_day"]) for a in updated)
        for start in range(0, len(rows), _PAGE):
            client.upsert(self._chunks, rows[start : start + _PAGE])
        counts = Counter(article.article_id for article, _ in pairs)
        parts = [row for a in changed for row in milvus_rows.article_rows(a, counts[a.article_id])]
        client.upsert(self._articles, parts)
        self._delete_leftovers(updated, first_parts, pairs, before)
        added = milvus_terms.passage_terms(row["bm25_text"] for row in rows)
        replaced = milvus_terms.passage_terms(row["bm25_text"] for row in before)
        milvus_terms.apply(client, self._terms, added, replaced)
        self._record_newest(newest, changed)
        if len(rows) >= _FLUSH_ROWS:
            self._flush()
        self._bump()
        return IngestReport(report.created, report.updated, report.unchanged, len(pairs))

    def _delete_leftovers(
        self,
        updated: list[Article],
        first_parts: dict[str, dict[str, Any]],
        pairs: list[tuple[Article, Chunk]],
        before: list[dict[str, Any]],
    ) -> None:
        """Chunks and text parts past the end of each updated article's new version (what a longer
        earlier version left behind), by primary key."""
        keep = {chunk.chunk_id for _, chunk in pairs}
        stale_chunks = [row["chunk_id"] for row in before if row["chunk_id"] not in keep]
        parts_now = {a.article_id: len(milvus_rows.text_parts(a.text)) for a in updated}
        stale_parts = [
            milvus_rows.part_id(article_id, n)
            for article_id, n_now in parts_now.items()
            for n in range(n_now, int(first_parts[article_id]["parts"]))
        ]
        client = self._client()
        for collection, stale in ((self._chunks, stale_chunks), (self._articles, stale_parts)):
            for start in range(0, len(stale), _PAGE):
                client.delete(collection, ids=stale[start : start + _PAGE])

    def _stored_chunks(self, first_parts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
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
        found = self._by_key(self._chunks, keys, fields)
        if unrecorded:
            found += self._client().query(
                self._chunks, filter=schema.in_list("article_id", unrecorded), output_fields=fields
            )
        return found

    def _flush(self) -> None:
        client = self._client()
        for name in (self._chunks, self._articles):
            try:
                client.flush(name)
            except Exception as exc:  # a server's flush rate limit: it flushes by itself
                logger.debug("flush of %s not done: %s", name, exc)

    @_milvus_errors
    def delete(self, article_ids: Iterable[str]) -> list[str]:
        ids = sorted(set(article_ids))
        if not ids or not self.exists():
            return []
        first_parts = self._first_parts(ids)
        present = sorted(first_parts)
        if present:  # by primary key: ids from each article's recorded chunk and part counts
            client = self._client()
            newest = self._newest_before(int(row["published_day"]) for row in first_parts.values())
            chunks = self._stored_chunks(first_parts)
            chunk_ids = [row["chunk_id"] for row in chunks]
            part_ids = [milvus_rows.part_id(a, n) for a, r in first_parts.items() for n in range(int(r["parts"]))]
            for start in range(0, len(chunk_ids), _PAGE):
                client.delete(self._chunks, ids=chunk_ids[start : start + _PAGE])
            for start in range(0, len(part_ids), _PAGE):
                client.delete(self._articles, ids=part_ids[start : start + _PAGE])
            milvus_terms.apply(
                client, self._terms, Counter(), milvus_terms.passage_terms(r["bm25_text"] for r in chunks)
            )
            self._record_newest(newest, [])
            self._bump()
        return present

    # ---- reads ------------------------------------------------------------------------------
    @_milvus_errors
    def article(self, article_id: str) -> Article | None:
        if not self._client().has_collection(self._articles):
            return None
        return self._read_articles([article_id]).get(article_id)

    @_milvus_errors
    def articles(self) -> list[Article]:
        rows = list(
            self._iterate(
                self._articles, 'article_id != ""', ["article_id", "content_hash", "part", "parts", "meta", "text"]
            )
        )
        return sorted(milvus_rows.assemble(rows).values(), key=lambda a: a.article_id)

    @_milvus_errors
    def missing(self, article_ids: Iterable[str]) -> list[str]:
        wanted = list(article_ids)
        present = self._first_parts(wanted)
        return [a for a in wanted if a not in present]

    @_milvus_errors
    def counts(self) -> StoreCounts:
        if not self.exists():
            return StoreCounts(0, 0)
        client = self._client()  # /readyz asks: one count on the indexed `part`, one with no filter (no scan)
        articles = client.query(self._articles, filter="part == 0", output_fields=["count(*)"])
        chunks = client.query(self._chunks, filter="", output_fields=["count(*)"])
        return StoreCounts(int(articles[0]["count(*)"]), int(chunks[0]["count(*)"]))

    @_milvus_errors
    def newest_published(self) -> date | None:
        """The newest publication date, as writes keep it in the meta collection: read again (one
        key) whenever the store's revision changes, so a replica sees another's new article, or a
        deleted newest one, on its next request. A store made before that key gets it from a
        search (see `_search_newest`) once."""
        if self._newest is None or self._newest[0] != self._revision:
            raw = self._read_meta("newest")
            if raw is None:
                found = self._search_newest()
                self._write_meta("newest", found.isoformat() if found else "")
            else:
                found = date.fromisoformat(raw) if raw else None
            self._newest = (self._revision, found)
        return self._newest[1]

    def _newest_before(self, leaving_days: Iterable[int]) -> date | _Lost | None:
        """Before a write that replaces or deletes articles of these day numbers: the recorded
        newest date, or LOST when one of them holds it (the next newest is then searched for after
        the write)."""
        raw = self._read_meta("newest")
        if raw is None:
            return LOST  # not recorded yet (an older store): searched for after the write
        newest = date.fromisoformat(raw) if raw else None
        if newest is not None and schema.day_number(newest) in set(leaving_days):
            return LOST
        return newest

    def _record_newest(self, before: date | _Lost | None, written: list[Article]) -> None:
        """After a write: the newest of `before` and what was written (a search if LOST)."""
        if isinstance(before, _Lost):
            newest = self._search_newest()
        else:
            newest = max([a.published for a in written if a.published] + ([before] if before else []), default=None)
        self._write_meta("newest", newest.isoformat() if newest else "")

    @_milvus_errors
    def term_stats(self) -> TermStats:
        """Document frequencies over every stored passage, as writes keep them in the term table: a
        term's count is read by key when first asked in this revision (no scan)."""
        if self._term_stats is None or self._term_stats[0] != self._revision:
            client = self._client()  # the passage count without a filter: collection statistics, no scan
            documents = int(client.query(self._chunks, filter="", output_fields=["count(*)"])[0]["count(*)"])
            terms_table = self._terms
            stats = TermStats.lookup(lambda wanted: milvus_terms.frequencies(client, terms_table, wanted), documents)
            self._term_stats = (self._revision, stats)
        return self._term_stats[1]

    def _search_newest(self) -> date | None:
        """The newest date from the articles themselves: a binary search over the day numbers, each
        step one `limit 1` query on the indexed `published_day` (about 17 steps). Slow on Milvus Lite
        (a replica's next request after a write took 17.6 s at 100,000 passages when it ran on every
        new revision), so it runs only when a write loses the recorded date."""
        if not self._client().has_collection(self._articles) or not self._dated_from(schema.day_number(_FIRST_DAY)):
            return None
        low, high = schema.day_number(_FIRST_DAY), schema.day_number(_LAST_DAY)  # low has a dated article; high not
        if self._dated_from(high):
            return _LAST_DAY
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if self._dated_from(middle) else (low, middle)
        return schema.day_of(low)

    def _dated_from(self, day: int) -> bool:
        """Whether any article is dated on or after day number `day`."""
        rows = self._client().query(
            self._articles, filter=f"part == 0 and published_day >= {day}", output_fields=["part_id"], limit=1
        )
        return bool(rows)

    def _ensure_term_table(self) -> None:
        """The term table, counted from every passage once if this store was made before it."""
        client = self._client()
        if client.has_collection(self._terms):
            return
        logger.warning("the %s has no term table yet; counting the terms of every passage once", self.description)
        fields, index = milvus_terms.terms_schema(client)
        texts = (row["bm25_text"] for row in self._iterate(self._chunks, 'chunk_id != ""', ["bm25_text"]))
        counts = milvus_terms.passage_terms(texts)
        try:
            client.create_collection(self._terms, schema=fields, index_params=index, consistency_level="Strong")
        except Exception:  # pymilvus raises its own errors
            if client.has_collection(self._terms):
                return  # another process made it meanwhile (and fills it)
            raise
        milvus_terms.fill(client, self._terms, counts)

    @_milvus_errors
    def search(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> list[Candidate]:
        """One round trip: Milvus's own hybrid search (dense and BM25, fused by reciprocal rank with
        the same k as the FAISS store), the filters in its expression, each hit's fields and vector."""
        from pymilvus import RRFRanker

        query_terms = " ".join(terms(query))
        expression = schema.filter_expression(filters)
        requests = [self._request("dense", query_vector[0].tolist(), "IP", candidates, expression)]
        if query_terms:
            requests.append(self._request("sparse", query_terms, "BM25", candidates, expression))
        fields = ["article_id", "content_hash", "position", "start", "end", "dense"]
        hits = self._client().hybrid_search(  # the union of both lists, as the FAISS store's fusion keeps
            self._chunks, requests, RRFRanker(RRF_K), limit=2 * candidates, output_fields=fields
        )[0]
        rows = {hit["chunk_id"]: hit["entity"] for hit in hits}  # a hit carries its primary key by name
        fused = [(hit["chunk_id"], float(hit["distance"])) for hit in hits]
        dense = {key: float(np.asarray(row["dense"], dtype=np.float32) @ query_vector[0]) for key, row in rows.items()}
        return self._candidates(fused, rows, dense)

    # ---- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _request(field: str, query: Any, metric: str, limit: int, expression: str) -> Any:
        from pymilvus import AnnSearchRequest

        params = {"metric_type": metric, "params": schema.search_params(field, limit)}
        return AnnSearchRequest([query], field, params, limit, expr=expression or None)

    def _candidates(
        self, fused: list[tuple[str, float]], rows: dict[str, dict[str, Any]], dense_score: dict[str, float]
    ) -> list[Candidate]:
        """Hits as candidates, with each one's cosine and its rank by it among the hits (Milvus does not
        return the per-list ranks of a hybrid search, so the BM25 rank is unknown)."""
        dense_rank = {key: rank for rank, key in enumerate(sorted(dense_score, key=lambda k: -dense_score[k]))}
        articles = self._read_articles(sorted({rows[key]["article_id"] for key, _ in fused}))
        found = []
        for key, score in fused:
            row = rows[key]
            article = articles.get(row["article_id"])
            if article is None or article.content_hash != row["content_hash"]:
                continue  # written midway, or the article changed since: never quote the wrong version
            chunk = Chunk(
                key,
                article.article_id,
                int(row["position"]),
                int(row["start"]),
                int(row["end"]),
                article.text[int(row["start"]) : int(row["end"])],
            )
            found.append(Candidate(chunk, article, score, dense_score.get(key), dense_rank.get(key), None))
        return found

    def _read_articles(self, article_ids: list[str]) -> dict[str, Article]:
        found = {a: self._cache[a] for a in article_ids if a in self._cache}
        wanted = [a for a in article_ids if a not in found]
        if wanted:  # search asks only for articles its chunks name; `article` checks the collection
            fields = ["article_id", "content_hash", "part", "parts", "meta", "text"]
            first = self._by_key(self._articles, [milvus_rows.part_id(a, 0) for a in wanted], fields)
            rest = [milvus_rows.part_id(r["article_id"], n) for r in first for n in range(1, int(r["parts"]))]
            read = milvus_rows.assemble([*first, *self._by_key(self._articles, rest, fields)])
            if len(self._cache) + len(read) > _ARTICLE_CACHE:
                self._cache.clear()
            self._cache.update(read)
            found.update(read)
        return found

    def _first_parts(self, article_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored ones of these articles: their first text part's content hash, number of
        parts, day number and meta (which records the number of chunks), read by key in one pass
        (what a write or a delete needs of them)."""
        if not article_ids or not self._client().has_collection(self._articles):
            return {}
        keys = [milvus_rows.part_id(a, 0) for a in article_ids]
        fields = ["article_id", "content_hash", "parts", "published_day", "meta"]
        return {row["article_id"]: row for row in self._by_key(self._articles, keys, fields)}

    def _by_key(self, collection: str, keys: list[str], fields: list[str]) -> list[dict[str, Any]]:
        """Rows by primary key, a page at a time: a key lookup stays fast as a collection grows,
        where a filter on another field scans every row (at 150,000 passages the `article_id in
        [...]` filters took most of a bulk ingest's time and ~0.7 s of every search)."""
        rows: list[dict[str, Any]] = []
        for start in range(0, len(keys), _PAGE):
            rows.extend(self._client().query(collection, ids=keys[start : start + _PAGE], output_fields=fields))
        return rows

    def _iterate(self, collection: str, filter_: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        if not self._client().has_collection(collection):
            return
        iterator = self._client().query_iterator(collection, batch_size=_PAGE, filter=filter_, output_fields=fields)
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    def _ensure_collections(self) -> None:
        client = self._client()
        manifest = self._manifest()
        if manifest is not None:
            self._check_manifest(manifest)
            self._add_scalar_indexes()
            return
        for name, (fields, index) in (
            (self._chunks, schema.chunks_schema(client, self._embedder.dimension, self._dense_index)),
            (self._articles, schema.articles_schema(client)),
            (self._meta, schema.meta_schema(client)),
            (self._terms, milvus_terms.terms_schema(client)),
        ):
            if not client.has_collection(name):
                try:
                    client.create_collection(name, schema=fields, index_params=index, consistency_level="Strong")
                except Exception:  # pymilvus raises its own errors
                    if not client.has_collection(name):  # else another writer created it just now: fine
                        raise
        self._write_meta("manifest", json.dumps(self._expected_manifest() | {"created_at": _now()}))
        self._write_meta("newest", "")  # an empty store: writes keep it from here

    def _add_scalar_indexes(self) -> None:
        """The INVERTED indexes a store made before them lacks. Only once the manifest exists: the
        collections are complete then, so this never races the process that is creating them
        (whose `create_collection` makes the same indexes)."""
        if self._indexes_checked:
            return
        client = self._client()
        schema.ensure_scalar_indexes(client, self._chunks, schema.SCALAR_INDEXED["chunks"])
        schema.ensure_scalar_indexes(client, self._articles, schema.SCALAR_INDEXED["articles"])
        self._ensure_term_table()
        self._indexes_checked = True  # once per process: writes call this on every batch

    def _manifest(self) -> dict[str, Any] | None:
        raw = self._read_meta("manifest")
        return json.loads(raw) if raw else None

    def _expected_manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "embedder": self._embedder.name,
            "dimension": self._embedder.dimension,
            "chunker": self._chunker.to_dict(),
        }

    def _check_manifest(self, manifest: dict[str, Any]) -> None:
        wrong = {k: (manifest.get(k), v) for k, v in self._expected_manifest().items() if manifest.get(k) != v}
        if wrong:
            details = "; ".join(f"{k}: index has {have!r}, settings want {want!r}" for k, (have, want) in wrong.items())
            raise IndexMismatchError(
                f"the {self.description} was built with other settings ({details}). "
                "Rebuild it with `citewire ingest --rebuild PATH...`, or change the CITEWIRE_* settings back."
            )

    def _bump(self) -> None:
        self._write_meta("revision", uuid.uuid4().hex)
        self.refresh()

    def _read_meta(self, key: str) -> str | None:
        client = self._client()
        if not client.has_collection(self._meta):
            return None
        rows = client.query(self._meta, filter=f"key == {schema.quoted(key)}", output_fields=["value"])
        return str(rows[0]["value"]) if rows else None

    def _write_meta(self, key: str, value: str) -> None:
        self._client().upsert(self._meta, [{"key": key, "value": value, "placeholder": schema.PLACEHOLDER}])

    def _client(self) -> Any:
        with self._client_lock:
            if self._client_obj is None:
                client = schema.connect(self.uri, self._token)
                schema.load_collections(client, [self._chunks, self._articles, self._meta, self._terms])
                self._client_obj = client
            return self._client_obj

    def _disconnect(self) -> None:
        """Forget the connection after a failure; the next call connects and loads again."""
        with self._client_lock:
            client, self._client_obj = self._client_obj, None
        if client is not None:
            try:
                client.close()
            except Exception as exc:  # a connection to a server that is gone may not close cleanly
                logger.debug("closing the Milvus connection failed: %s", exc)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
