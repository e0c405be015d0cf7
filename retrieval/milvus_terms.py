"""The Milvus store's term statistics, kept on write: `<prefix>terms` holds one row per term with
the number of stored passages holding it.

A write adds the terms of the passages it stores and subtracts those of the passages it replaces
or deletes, in the same call that writes them (read the affected rows by key, upsert the new
counts, delete the ones that reach zero). A replica reads the counts of the terms a question
needs by key, once per store revision, so it sees a write on its next request and never scans the
collection. A store made before the table existed gets it from one scan when first opened.

Two writers updating the same term at the same moment can lose one update (Milvus has no
transactions): the count is then off by that batch until `citewire ingest --rebuild`, and only
as IDF weights, which a few passages more or less hardly move.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from retrieval import milvus_schema as schema
from retrieval.milvus_connection import MilvusConnection

logger = logging.getLogger(__name__)

PAGE = 1_000
MAX_TERM = 256  # bytes: a longer "term" (a URL, a run of digits) is not counted


def terms_schema(client: Any) -> tuple[Any, Any]:
    from pymilvus import DataType

    fields = client.create_schema(auto_id=False)
    fields.add_field("term", DataType.VARCHAR, is_primary=True, max_length=MAX_TERM)
    fields.add_field("df", DataType.INT64)
    fields.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    return fields, index


def passage_terms(bm25_texts: Iterable[str]) -> Counter[str]:
    """How many of these passages (their `bm25_text`: terms joined by spaces) hold each term."""
    counts: Counter[str] = Counter()
    for text in bm25_texts:
        counts.update(term for term in set(text.split()) if len(term.encode()) <= MAX_TERM)
    return counts


def apply(client: Any, collection: str, added: Counter[str], removed: Counter[str]) -> None:
    """Add `added` and subtract `removed` from the stored counts."""
    change = Counter(added)
    change.subtract(removed)
    keys = [term for term, delta in change.items() if delta]
    if not keys:
        return
    current = frequencies(client, collection, keys)
    kept, gone = [], []
    for term in keys:
        count = current.get(term, 0) + change[term]
        if count > 0:
            kept.append({"term": term, "df": count, "placeholder": schema.PLACEHOLDER})
        elif term in current:
            gone.append(term)
    for start in range(0, len(kept), PAGE):
        client.upsert(collection, kept[start : start + PAGE])
    for start in range(0, len(gone), PAGE):
        client.delete(collection, ids=gone[start : start + PAGE])


def frequencies(client: Any, collection: str, terms: list[str]) -> dict[str, int]:
    """The stored counts of `terms` (a term no passage holds is absent), read by key."""
    wanted = [t for t in dict.fromkeys(terms) if t and len(t.encode()) <= MAX_TERM]
    found: dict[str, int] = {}
    for start in range(0, len(wanted), PAGE):
        rows = client.query(collection, ids=wanted[start : start + PAGE], output_fields=["term", "df"])
        found.update((row["term"], int(row["df"])) for row in rows)
    return found


def fill(client: Any, collection: str, counts: Counter[str]) -> None:
    """Write the counts of every passage at once (a store made before the table)."""
    rows = [{"term": term, "df": count, "placeholder": schema.PLACEHOLDER} for term, count in counts.items()]
    for start in range(0, len(rows), PAGE):
        client.upsert(collection, rows[start : start + PAGE])


def ensure_table(db: MilvusConnection, description: str) -> None:
    """The term table, counted from every passage once if this store was made before it."""
    client = db.client()
    if client.has_collection(db.names.terms):
        return
    logger.warning("the %s has no term table yet; counting the terms of every passage once", description)
    fields, index = terms_schema(client)
    counts = passage_terms(row["bm25_text"] for row in db.iterate(db.names.chunks, 'chunk_id != ""', ["bm25_text"]))
    try:
        client.create_collection(db.names.terms, schema=fields, index_params=index, consistency_level="Strong")
    except Exception:  # pymilvus raises its own errors
        if client.has_collection(db.names.terms):
            return  # another process made it meanwhile (and fills it)
        raise
    fill(client, db.names.terms, counts)
