"""One Milvus store's connection and collections: the client (connected, and the collections
loaded, on first use and again after a failure), the collection names, the meta collection's
keys, and reads by primary key or by an iterator.

`milvus_errors` wraps each public store method: errors of pymilvus or gRPC (a server gone away
mid-request) become a MilvusStoreError, which the CLI and the HTTP service report (exit 1, HTTP
503) like any index problem. A failed call drops the connection, so the next call connects again
and re-loads the collections: a restarted Milvus server brings them back released ("call
load()"), and without this a replica would answer 503 until it was itself restarted. A call that
failed only because a collection was released is retried once at once, on the new connection.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from retrieval import milvus_rows
from retrieval import milvus_schema as schema
from retrieval.errors import RetrievalError
from retrieval.milvus_schema import MilvusStoreError

logger = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
PAGE = 1_000


@dataclass(frozen=True)
class CollectionNames:
    chunks: str
    articles: str
    meta: str
    terms: str

    @classmethod
    def with_prefix(cls, prefix: str) -> CollectionNames:
        return cls(f"{prefix}chunks", f"{prefix}articles", f"{prefix}meta", f"{prefix}terms")

    def all(self) -> list[str]:
        return [self.chunks, self.articles, self.meta, self.terms]


class MilvusConnection:
    """The client of one store (thread-safe to share), and the reads every part of the store uses."""

    def __init__(self, uri: str, token: str, names: CollectionNames) -> None:
        self.uri = uri
        self.names = names
        self._token = token
        self._lock = threading.Lock()
        self.connected: Any = None  # the open client, or None until the next call connects

    def client(self) -> Any:
        with self._lock:
            if self.connected is None:
                client = schema.connect(self.uri, self._token)
                schema.load_collections(client, self.names.all())
                self.connected = client
            return self.connected

    def disconnect(self) -> None:
        """Forget the connection after a failure; the next call connects and loads again."""
        with self._lock:
            client, self.connected = self.connected, None
        if client is not None:
            try:
                client.close()
            except Exception as exc:  # a connection to a server that is gone may not close cleanly
                logger.debug("closing the Milvus connection failed: %s", exc)

    def has(self, collection: str) -> bool:
        return bool(self.client().has_collection(collection))

    def read_meta(self, key: str) -> str | None:
        if not self.has(self.names.meta):
            return None
        rows = self.client().query(self.names.meta, filter=f"key == {schema.quoted(key)}", output_fields=["value"])
        return str(rows[0]["value"]) if rows else None

    def write_meta(self, key: str, value: str) -> None:
        self.client().upsert(self.names.meta, [{"key": key, "value": value, "placeholder": schema.PLACEHOLDER}])

    def by_key(self, collection: str, keys: list[str], fields: list[str]) -> list[dict[str, Any]]:
        """Rows by primary key, a page at a time: a key lookup stays fast as a collection grows,
        where a filter on another field scans every row (at 150,000 passages the `article_id in
        [...]` filters took most of a bulk ingest's time and ~0.7 s of every search)."""
        rows: list[dict[str, Any]] = []
        for start in range(0, len(keys), PAGE):
            rows.extend(self.client().query(collection, ids=keys[start : start + PAGE], output_fields=fields))
        return rows

    def iterate(self, collection: str, filter_: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        if not self.has(collection):
            return
        iterator = self.client().query_iterator(collection, batch_size=PAGE, filter=filter_, output_fields=fields)
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    def delete(self, collection: str, ids: list[str]) -> None:
        for start in range(0, len(ids), PAGE):
            self.client().delete(collection, ids=ids[start : start + PAGE])

    def first_parts(self, article_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored ones of these articles: their first text part's content hash, number of
        parts, day number and meta (which records the number of chunks), read by key in one pass
        (what a write or a delete needs of them)."""
        if not article_ids or not self.has(self.names.articles):
            return {}
        keys = [milvus_rows.part_id(a, 0) for a in article_ids]
        fields = ["article_id", "content_hash", "parts", "published_day", "meta"]
        return {row["article_id"]: row for row in self.by_key(self.names.articles, keys, fields)}


class _OnMilvus(Protocol):
    db: MilvusConnection


S = TypeVar("S", bound=_OnMilvus)


def milvus_errors(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """See the module's docstring."""

    @functools.wraps(method)
    def guarded(store: S, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in (1, 2):
            try:
                return method(store, *args, **kwargs)
            except RetrievalError:
                raise
            except Exception as exc:  # pymilvus raises MilvusException and bare gRPC errors
                store.db.disconnect()
                if attempt == 1 and _released(exc):
                    logger.warning("the Milvus store at %s lost its loaded collections; re-loading them", store.db.uri)
                    continue
                raise MilvusStoreError(f"the Milvus store at {store.db.uri} failed: {exc}") from exc
        raise AssertionError("unreachable")

    return guarded


def _released(exc: Exception) -> bool:
    """A Milvus server restarted under us: its collections are back, but released (not loaded)."""
    message = str(exc).lower()
    return "released" in message or "not loaded" in message or "notload" in message
