"""The Milvus article store (see store.py for the interface, milvus_schema.py for the collections).

`CITEWIRE_MILVUS_URI` is a file path (Milvus Lite, embedded in this process) or a server URL
(`http://host:19530`: a Milvus standalone or cluster, or `milvus-lite server`, which several
processes share). Everything a replica needs is in Milvus; a replica keeps caches only: the articles
it has read (dropped when the store's revision changes); the newest date, which writes keep in the
meta collection (milvus_newest.py), read again at each new revision; and the term counts a question
needed, read by key from the term table that writes keep (milvus_terms.py), again at each new
revision. Writes: milvus_writes.py; the connection, and the errors of a server gone away or
restarted: milvus_connection.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from retrieval import milvus_newest, milvus_rows, milvus_terms, milvus_writes
from retrieval import milvus_schema as schema
from retrieval.chunking import ChunkerSettings
from retrieval.documents import Article, SearchFilters
from retrieval.embedding import Embedder
from retrieval.errors import IndexMismatchError, IndexNotFoundError
from retrieval.milvus_connection import CollectionNames, MilvusConnection, milvus_errors
from retrieval.store import RRF_K, Candidate, IngestReport, ProgressFactory, StoreCounts
from retrieval.term_stats import TermStats
from retrieval.terms import terms

FORMAT_VERSION = 1
_ARTICLE_CACHE = 2_000


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
        self.db = MilvusConnection(uri, token, CollectionNames.with_prefix(prefix))
        self._dense_index = dense_index
        self._embedder = embedder
        self._chunker = chunker
        self._revision: str | None = None
        self._indexes_checked = False
        self._cache: dict[str, Article] = {}
        self._term_stats: tuple[str | None, TermStats] | None = None  # (revision, the counts read in it)
        self._newest: tuple[str | None, date | None] | None = None  # (revision, newest date) once read

    @property
    def description(self) -> str:
        return f"Milvus store at {self.uri} (collections {', '.join(self.db.names.all())})"

    # ---- lifecycle --------------------------------------------------------------------------
    @milvus_errors
    def exists(self) -> bool:
        return self._manifest() is not None

    @milvus_errors
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

    @milvus_errors
    def refresh(self) -> bool:
        revision = self.db.read_meta("revision")
        if revision == self._revision:
            return False
        self._revision = revision
        self._cache.clear()
        return True

    def settle(self) -> None:
        return None  # Milvus compacts and indexes on its own

    @milvus_errors
    def clear(self) -> None:
        """Drop the store's collections (`citewire ingest --rebuild`)."""
        client = self.db.client()
        for name in self.db.names.all():
            if client.has_collection(name):
                client.drop_collection(name)
        self._revision = None
        self._indexes_checked = False
        self._cache.clear()
        self._term_stats = None
        self._newest = None

    # ---- writes (milvus_writes.py) ----------------------------------------------------------
    @milvus_errors
    def upsert(self, articles: Iterable[Article], progress: ProgressFactory | None = None) -> IngestReport:
        incoming = {article.article_id: article for article in articles}
        self._ensure_collections()
        report = milvus_writes.upsert(self.db, self._embedder, self._chunker, incoming, progress)
        if report.created or report.updated:
            self._bump()
        return report

    @milvus_errors
    def delete(self, article_ids: Iterable[str]) -> list[str]:
        ids = sorted(set(article_ids))
        if not ids or not self.exists():
            return []
        present = milvus_writes.delete(self.db, ids)
        if present:
            self._bump()
        return present

    # ---- reads ------------------------------------------------------------------------------
    @milvus_errors
    def article(self, article_id: str) -> Article | None:
        if not self.db.has(self.db.names.articles):
            return None
        return self._read_articles([article_id]).get(article_id)

    @milvus_errors
    def articles(self) -> list[Article]:
        fields = ["article_id", "content_hash", "part", "parts", "meta", "text"]
        rows = list(self.db.iterate(self.db.names.articles, 'article_id != ""', fields))
        return sorted(milvus_rows.assemble(rows).values(), key=lambda a: a.article_id)

    @milvus_errors
    def missing(self, article_ids: Iterable[str]) -> list[str]:
        wanted = list(article_ids)
        present = self.db.first_parts(wanted)
        return [a for a in wanted if a not in present]

    @milvus_errors
    def counts(self) -> StoreCounts:
        if not self.exists():
            return StoreCounts(0, 0)
        client = self.db.client()  # /readyz asks: one count on the indexed `part`, one with no filter (no scan)
        articles = client.query(self.db.names.articles, filter="part == 0", output_fields=["count(*)"])
        chunks = client.query(self.db.names.chunks, filter="", output_fields=["count(*)"])
        return StoreCounts(int(articles[0]["count(*)"]), int(chunks[0]["count(*)"]))

    @milvus_errors
    def newest_published(self) -> date | None:
        """The newest publication date, as writes keep it in the meta collection: read again (one
        key) whenever the store's revision changes, so a replica sees another's new article, or a
        deleted newest one, on its next request."""
        if self._newest is None or self._newest[0] != self._revision:
            self._newest = (self._revision, milvus_newest.recorded(self.db))
        return self._newest[1]

    @milvus_errors
    def term_stats(self) -> TermStats:
        """Document frequencies over every stored passage, as writes keep them in the term table: a
        term's count is read by key when first asked in this revision (no scan)."""
        if self._term_stats is None or self._term_stats[0] != self._revision:
            client, names = self.db.client(), self.db.names  # the passage count without a filter: no scan
            documents = int(client.query(names.chunks, filter="", output_fields=["count(*)"])[0]["count(*)"])
            stats = TermStats.lookup(lambda wanted: milvus_terms.frequencies(client, names.terms, wanted), documents)
            self._term_stats = (self._revision, stats)
        return self._term_stats[1]

    @milvus_errors
    def search(
        self, query: str, query_vector: np.ndarray, candidates: int, filters: SearchFilters | None
    ) -> list[Candidate]:
        """One round trip: Milvus's own hybrid search (dense and BM25, fused by reciprocal rank with
        the same k as the FAISS store), the filters in its expression, each hit's fields and vector."""
        from pymilvus import RRFRanker

        query_terms = " ".join(terms(query))
        expression = schema.filter_expression(filters)
        requests = [schema.search_request("dense", query_vector[0].tolist(), "IP", candidates, expression)]
        if query_terms:
            requests.append(schema.search_request("sparse", query_terms, "BM25", candidates, expression))
        fields = ["article_id", "content_hash", "position", "start", "end", "dense"]
        hits = self.db.client().hybrid_search(  # the union of both lists, as the FAISS store's fusion keeps
            self.db.names.chunks, requests, RRFRanker(RRF_K), limit=2 * candidates, output_fields=fields
        )[0]
        rows = {hit["chunk_id"]: hit["entity"] for hit in hits}  # a hit carries its primary key by name
        fused = [(hit["chunk_id"], float(hit["distance"])) for hit in hits]
        dense = {key: float(np.asarray(row["dense"], dtype=np.float32) @ query_vector[0]) for key, row in rows.items()}
        return self._candidates(fused, rows, dense)

    # ---- helpers ----------------------------------------------------------------------------
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
            chunk = milvus_rows.chunk_of(key, row, article)
            found.append(Candidate(chunk, article, score, dense_score.get(key), dense_rank.get(key), None))
        return found

    def _read_articles(self, article_ids: list[str]) -> dict[str, Article]:
        found = {a: self._cache[a] for a in article_ids if a in self._cache}
        wanted = [a for a in article_ids if a not in found]
        if wanted:  # search asks only for articles its chunks name; `article` checks the collection
            fields = ["article_id", "content_hash", "part", "parts", "meta", "text"]
            first = self.db.by_key(self.db.names.articles, [milvus_rows.part_id(a, 0) for a in wanted], fields)
            rest = [milvus_rows.part_id(r["article_id"], n) for r in first for n in range(1, int(r["parts"]))]
            read = milvus_rows.assemble([*first, *self.db.by_key(self.db.names.articles, rest, fields)])
            if len(self._cache) + len(read) > _ARTICLE_CACHE:
                self._cache.clear()
            self._cache.update(read)
            found.update(read)
        return found

    # ---- collections and manifest -----------------------------------------------------------
    def _ensure_collections(self) -> None:
        client = self.db.client()
        manifest = self._manifest()
        if manifest is not None:
            self._check_manifest(manifest)
            self._add_scalar_indexes()
            return
        names = self.db.names
        for name, (fields, index) in (
            (names.chunks, schema.chunks_schema(client, self._embedder.dimension, self._dense_index)),
            (names.articles, schema.articles_schema(client)),
            (names.meta, schema.meta_schema(client)),
            (names.terms, milvus_terms.terms_schema(client)),
        ):
            if not client.has_collection(name):
                try:
                    client.create_collection(name, schema=fields, index_params=index, consistency_level="Strong")
                except Exception:  # pymilvus raises its own errors
                    if not client.has_collection(name):  # else another writer created it just now: fine
                        raise
        self.db.write_meta("manifest", json.dumps(self._expected_manifest() | {"created_at": _now()}))
        self.db.write_meta("newest", "")  # an empty store: writes keep it from here

    def _add_scalar_indexes(self) -> None:
        """The INVERTED indexes a store made before them lacks, and the term table. Only once the
        manifest exists: the collections are complete then, so this never races the process that
        is creating them (whose `create_collection` makes the same indexes)."""
        if self._indexes_checked:
            return
        client = self.db.client()
        schema.ensure_scalar_indexes(client, self.db.names.chunks, schema.SCALAR_INDEXED["chunks"])
        schema.ensure_scalar_indexes(client, self.db.names.articles, schema.SCALAR_INDEXED["articles"])
        milvus_terms.ensure_table(self.db, self.description)
        self._indexes_checked = True  # once per process: writes call this on every batch

    def _manifest(self) -> dict[str, Any] | None:
        raw = self.db.read_meta("manifest")
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
        self.db.write_meta("revision", uuid.uuid4().hex)
        self.refresh()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
