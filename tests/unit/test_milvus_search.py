"""The Milvus store the Milvus way (Milvus Lite in a file): the filter fields carry INVERTED indexes
(added to a store made before they existed), a search is one hybrid search whose RRF fusion ranks
as the FAISS store's does, deleting an article removes its rows by primary key, an approximate
dense index finds what FLAT finds, and an unreachable server is a clear error."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harness.loopback import free_port
from retrieval.chunking import ChunkerSettings
from retrieval.documents import SearchFilters
from retrieval.faiss_store import FaissStore
from retrieval.loaders import load_articles
from retrieval.milvus_schema import SCALAR_INDEXED, ensure_scalar_indexes
from retrieval.retriever import Retriever
from tests.conftest import SEEDS, require
from tests.fakes import HashEmbedder

pytestmark = pytest.mark.skipif(importlib.util.find_spec("milvus_lite") is None, reason="milvus-lite")


class CountingClient:
    """The store's own pymilvus client, counting the calls made through it."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[str] = []
        self.filters: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        method = getattr(self._client, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("filter"):
                self.filters.append(kwargs["filter"])
            return method(*args, **kwargs)

        return counted


def milvus(where: Path) -> Any:
    from retrieval.milvus_store import MilvusStore

    store = MilvusStore(str(where / "milvus.db"), HashEmbedder(), ChunkerSettings(), prefix="t_")
    store.upsert(load_articles([SEEDS]))
    store.load()
    return store


def test_filter_fields_are_indexed_even_in_a_store_made_before_they_were(tmp_path: Path) -> None:
    from pymilvus import DataType

    store = milvus(tmp_path)
    client = store.db.client()
    assert set(SCALAR_INDEXED["chunks"]) <= set(client.list_indexes("t_chunks"))
    assert set(SCALAR_INDEXED["articles"]) <= set(client.list_indexes("t_articles"))
    old = client.create_schema(auto_id=False)  # a collection as an older store made it: no scalar index
    old.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=64)
    old.add_field("article_id", DataType.VARCHAR, max_length=64)
    old.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    client.create_collection("old_chunks", schema=old, index_params=index)
    ensure_scalar_indexes(client, "old_chunks", ("article_id",))
    assert "article_id" in client.list_indexes("old_chunks")


def test_a_search_is_one_call_and_ranks_as_the_faiss_store_does(tmp_path: Path) -> None:
    store = milvus(tmp_path)
    faiss = FaissStore(tmp_path / "index", HashEmbedder(), ChunkerSettings())
    faiss.upsert(load_articles([SEEDS]))
    faiss.load()
    query = "Lavrov chemical weapons militants"
    vector = HashEmbedder().embed([query])
    store.search(query, vector, 10, None)  # the articles it names are read once, then cached
    counting = CountingClient(store.db.client())
    store.db.connected = counting
    found = store.search(query, vector, 10, None)
    assert counting.calls == ["hybrid_search"]
    expected = faiss.search(query, vector, 10, None)
    assert [c.chunk.chunk_id for c in found] == [c.chunk.chunk_id for c in expected]
    assert [round(c.dense_score or 0, 4) for c in found] == [round(c.dense_score or 0, 4) for c in expected]


def test_delete_goes_by_primary_key(tmp_path: Path) -> None:
    store = milvus(tmp_path)
    gone = "002_946358d19c61b6c0"
    counting = CountingClient(store.db.client())
    store.db.connected = counting
    assert store.delete([gone]) == [gone]
    assert not [f for f in counting.filters if "article_id" in f]  # ids from the recorded counts: no scan
    client = counting._client
    assert client.query("t_chunks", filter=f'article_id == "{gone}"', output_fields=["chunk_id"]) == []
    assert client.query("t_articles", filter=f'article_id == "{gone}"', output_fields=["part_id"]) == []
    assert store.article(gone) is None and store.counts().articles == 4


def test_articles_written_before_their_chunk_count_was_recorded_are_deleted_and_updated_whole(
    tmp_path: Path,
) -> None:
    import json
    from dataclasses import replace

    store = milvus(tmp_path)
    client = store.db.client()
    gone, changed = "002_946358d19c61b6c0", "001_c4b0eb294de749b6"
    for article_id in (gone, changed):  # their first text part as an older store wrote it: no "chunks"
        row = client.query("t_articles", ids=[f"{article_id}#0"], output_fields=["*"])[0]
        meta = json.loads(row["meta"])
        assert meta.pop("chunks") > 1
        client.upsert("t_articles", [{**row, "meta": json.dumps(meta)}])
    assert store.delete([gone]) == [gone]
    assert client.query("t_chunks", filter=f'article_id == "{gone}"', output_fields=["chunk_id"]) == []
    old = store.article(changed)
    assert old is not None
    store.upsert([replace(old, text="A short new version.")])
    left = client.query("t_chunks", filter=f'article_id == "{changed}"', output_fields=["chunk_id"])
    assert [row["chunk_id"] for row in left] == [f"{changed}:0"]


def test_another_replica_sees_a_new_and_a_deleted_newest_date_on_its_next_request(tmp_path: Path) -> None:
    from datetime import date

    from retrieval.documents import Article
    from retrieval.milvus_store import MilvusStore

    writer = milvus(tmp_path)
    reader = MilvusStore(str(tmp_path / "milvus.db"), HashEmbedder(), ChunkerSettings(), prefix="t_")
    reader.load()
    before = reader.newest_published()
    assert before is not None and before < date(2019, 5, 1)
    writer.upsert(
        [Article("later-1", "Later", "A later report about the talks in Geneva.", published=date(2019, 5, 1))]
    )
    reader.refresh()  # what every request does first
    assert reader.newest_published() == date(2019, 5, 1)
    writer.delete(["later-1"])
    reader.refresh()
    assert reader.newest_published() == before


def test_the_newest_date_is_kept_on_write_and_found_once_in_a_store_made_before(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import date

    from retrieval.documents import Article
    from retrieval.milvus_store import MilvusStore

    writer = milvus(tmp_path)
    first = writer.newest_published()
    assert first is not None
    later = Article("later-1", "Later", "A later report.", published=date(2019, 5, 1))
    writer.upsert([later])
    assert writer.db.read_meta("newest") == "2019-05-01"  # kept by the write, no search
    writer.upsert([replace(later, published=date(2018, 1, 1))])  # the newest article redated earlier
    assert writer.db.read_meta("newest") == max(first, date(2018, 1, 1)).isoformat()
    writer.db.client().delete(writer.db.names.meta, ids=["newest"])  # as a store made before the key has none
    reader = MilvusStore(str(tmp_path / "milvus.db"), HashEmbedder(), ChunkerSettings(), prefix="t_")
    reader.load()
    assert reader.newest_published() == max(first, date(2018, 1, 1))  # searched for, then recorded
    assert reader.db.read_meta("newest") == max(first, date(2018, 1, 1)).isoformat()


def test_an_unreachable_milvus_server_is_a_clear_store_error(tmp_path: Path) -> None:
    require(importlib.util.find_spec("pymilvus") and importlib.util.find_spec("milvus_lite"), "pymilvus + milvus-lite")
    from retrieval.milvus_schema import MilvusStoreError
    from retrieval.milvus_store import MilvusStore

    store = MilvusStore(f"http://127.0.0.1:{free_port()}", HashEmbedder(), ChunkerSettings())
    with pytest.raises(MilvusStoreError, match=r"cannot open the Milvus store at http://127\.0\.0\.1:"):
        store.exists()
    with pytest.raises(MilvusStoreError):
        Retriever(store, HashEmbedder()).search("anything", 3)


@pytest.mark.parametrize("dense_index", ["HNSW", "AUTOINDEX", "IVF_FLAT"])
def test_an_approximate_milvus_index_finds_what_the_exact_one_finds(tmp_path: Path, dense_index: str) -> None:
    """CITEWIRE_MILVUS_INDEX: the collections get that dense index; on the seeds (a few dozen
    passages) an approximate index must rank the same passages first as FLAT, filters included."""
    require(importlib.util.find_spec("pymilvus") and importlib.util.find_spec("milvus_lite"), "pymilvus + milvus-lite")
    from retrieval.milvus_store import MilvusStore

    stores = []
    for name in ("FLAT", dense_index):
        store = MilvusStore(str(tmp_path / f"{name}.db"), HashEmbedder(), ChunkerSettings(), dense_index=name)
        store.upsert(load_articles([SEEDS]))
        store.load()
        stores.append(store)
    index = stores[1].db.client().describe_index(stores[1].db.names.chunks, "dense")
    assert index["index_type"] == dense_index
    early = SearchFilters(published_before=date(2012, 12, 25))
    for query, filters in (("Lavrov chemical weapons", None), ("Assad Russia", early)):
        exact = _ranked(stores[0], query, filters)
        assert exact and _ranked(stores[1], query, filters) == exact


def _ranked(store: Any, query: str, filters: SearchFilters | None) -> list[str]:
    return [p.chunk_id for p in Retriever(store, HashEmbedder()).search(query, 3, filters)]
