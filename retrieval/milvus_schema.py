"""The Milvus store's collections and filter expressions.

Four collections share a prefix (`CITEWIRE_MILVUS_COLLECTION_PREFIX`):
- `<prefix>chunks`: one row per passage: `chunk_id` ("article:position"), its article and that
  article's content hash, character span, the filterable metadata (lower-cased source, day
  number of the publication date, -1 without one), `dense` (the embedding, inner product on
  normalised vectors = cosine) and `sparse`, filled by Milvus's BM25 function from `bm25_text`
  (the passage's terms, normalised exactly as the FAISS store's BM25 normalises them);
- `<prefix>articles`: the stored text (cut in parts: a VARCHAR holds 64 KB) and metadata of every
  article, keyed "article#part"; quotes are cut from this text, byte-identical to the FAISS store's;
- `<prefix>meta`: the manifest and a revision that changes on every write (replicas compare it to
  drop their caches);
- `<prefix>terms`: how many passages hold each term, kept by every write (milvus_terms.py).
Milvus wants a vector field in every collection: `articles`, `meta` and `terms` carry a constant
2-d one.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from retrieval.documents import SearchFilters
from retrieval.errors import RetrievalError

TEXT_PART_CHARS = 15_000  # a VARCHAR holds 65,535 bytes; 4-byte characters stay within it
MAX_ID = 128
NO_DATE = -1_000_000_000  # below any real day number (days since 1970, negative before it)
PLACEHOLDER = [0.0, 1.0]  # the vector of a row that is not searched
_EPOCH = date(1970, 1, 1)


class MilvusStoreError(RetrievalError):
    """The Milvus server cannot be reached or refused a request."""


def chunks_schema(client: Any, dimension: int, dense_index: str = "FLAT") -> tuple[Any, Any]:
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False)
    schema.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=MAX_ID + 16)
    schema.add_field("article_id", DataType.VARCHAR, max_length=MAX_ID)
    schema.add_field("content_hash", DataType.VARCHAR, max_length=64)
    schema.add_field("position", DataType.INT64)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("source_key", DataType.VARCHAR, max_length=512)
    schema.add_field("published_day", DataType.INT64)
    schema.add_field(
        "bm25_text",
        DataType.VARCHAR,
        max_length=65_535,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["bm25_text"], output_field_names=["sparse"]
        )
    )
    index = client.prepare_index_params()
    index.add_index("dense", index_type=dense_index, metric_type="IP", params=_DENSE_BUILD.get(dense_index, {}))
    index.add_index(
        "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": 1.5, "bm25_b": 0.75}
    )
    for field in SCALAR_INDEXED["chunks"]:
        index.add_index(field, index_type="INVERTED")
    return schema, index


def articles_schema(client: Any) -> tuple[Any, Any]:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("part_id", DataType.VARCHAR, is_primary=True, max_length=MAX_ID + 16)
    schema.add_field("article_id", DataType.VARCHAR, max_length=MAX_ID)
    schema.add_field("content_hash", DataType.VARCHAR, max_length=64)
    schema.add_field("part", DataType.INT64)
    schema.add_field("parts", DataType.INT64)
    schema.add_field("published_day", DataType.INT64)
    schema.add_field("meta", DataType.VARCHAR, max_length=65_535)  # title, source, author, published, url
    schema.add_field("text", DataType.VARCHAR, max_length=65_535)
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)
    index = _placeholder_index(client)
    for field in SCALAR_INDEXED["articles"]:
        index.add_index(field, index_type="INVERTED")
    return schema, index


def meta_schema(client: Any) -> tuple[Any, Any]:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("value", DataType.VARCHAR, max_length=65_535)
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)
    return schema, _placeholder_index(client)


_DENSE_BUILD = {"HNSW": {"M": 16, "efConstruction": 200}}
# Fields that filters and key lookups read, per collection role: an INVERTED index each, so that a
# filter (a search's article, source or date filter, an article's chunks before a delete, the
# first part of every article for /readyz's count) does not scan the collection.
SCALAR_INDEXED = {
    "chunks": ("article_id", "source_key", "published_day"),
    "articles": ("article_id", "part", "published_day"),
}


def ensure_scalar_indexes(client: Any, collection: str, fields: tuple[str, ...]) -> None:
    """Add the INVERTED indexes a collection made before they existed lacks (Milvus builds them in
    place). Two processes upgrading one store at once: the one that finds the index made meanwhile
    goes on."""
    if not client.has_collection(collection):
        return
    for field in [f for f in fields if f not in set(client.list_indexes(collection))]:
        index = client.prepare_index_params()
        index.add_index(field, index_type="INVERTED")
        try:
            client.create_index(collection, index)
        except Exception:  # pymilvus raises its own errors; "index already exists" is fine
            if field not in set(client.list_indexes(collection)):
                raise


def search_params(field: str, limit: int) -> dict[str, Any]:
    """Search-time parameters of an approximate dense index (ignored by FLAT): HNSW explores at
    least 128 candidates, IVF probes 32 lists; BM25 needs none."""
    if field != "dense":
        return {}
    return {"ef": max(128, limit), "nprobe": 32}


def _placeholder_index(client: Any) -> Any:
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    return index


def day_number(day: date | None) -> int:
    return NO_DATE if day is None else (day - _EPOCH).days


def day_of(number: int) -> date:
    """The date of a day number (the inverse of `day_number` for a real date)."""
    return _EPOCH + timedelta(days=number)


def quoted(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(value, ensure_ascii=False)


def in_list(field: str, values: list[str]) -> str:
    return f"{field} in [{', '.join(quoted(v) for v in values)}]"


def filter_expression(filters: SearchFilters | None) -> str:
    """The filters as a Milvus boolean expression over the chunks collection ("" for none)."""
    if filters is None or filters.is_empty:
        return ""
    parts = []
    if filters.article_ids is not None:
        parts.append(in_list("article_id", sorted(filters.article_ids)))
    if filters.sources is not None:
        parts.append(in_list("source_key", sorted(s.casefold() for s in filters.sources)))
    if filters.published_after is not None or filters.published_before is not None:
        after = day_number(filters.published_after) if filters.published_after else NO_DATE + 1
        parts.append(f"published_day >= {after}")
    if filters.published_before is not None:
        parts.append(f"published_day <= {day_number(filters.published_before)}")
    return " and ".join(f"({p})" for p in parts)


def search_request(field: str, query: Any, metric: str, limit: int, expression: str) -> Any:
    """One list of a hybrid search: `query` against `field`, the filters in `expression`."""
    from pymilvus import AnnSearchRequest

    params = {"metric_type": metric, "params": search_params(field, limit)}
    return AnnSearchRequest([query], field, params, limit, expr=expression or None)


def connect(uri: str, token: str) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise MilvusStoreError(
            "CITEWIRE_STORE=milvus needs pymilvus and milvus-lite (pip install -r requirements.txt)"
        ) from None
    logging.getLogger("pymilvus").setLevel(logging.ERROR)
    if "://" not in uri:  # a Milvus Lite file: its folder is made like the FAISS index folder
        Path(uri).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # the embedded server logs every call pymilvus makes that it does not implement (a query
        # iterator asks for a timestamp, then falls back to the client's): not a fault
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    try:
        return MilvusClient(uri=uri, token=token) if token else MilvusClient(uri=uri)
    except Exception as exc:  # pymilvus raises its own and grpc errors
        raise MilvusStoreError(f"cannot open the Milvus store at {uri}: {exc}") from None


def load_collections(client: Any, names: list[str]) -> None:
    """Collections are searchable only once loaded; after a server (or Milvus Lite) restart they
    come back released."""
    for name in names:
        if client.has_collection(name) and "NotLoad" in str(client.get_load_state(name).get("state")):
            client.load_collection(name)
