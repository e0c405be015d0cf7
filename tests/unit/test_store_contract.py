"""The store contract: the same behaviour from the FAISS store and the Milvus store, both as Milvus
Lite embedded in a file and against a real `milvus-lite server` on loopback (gRPC, the client code
that talks to a Milvus standalone or cluster)."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from harness.loopback import MilvusLiteServer
from retrieval.bulk_ingest import InvalidInputError, ingest_batches, ingest_paths
from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article, SearchFilters
from retrieval.errors import IndexMismatchError, IndexNotFoundError
from retrieval.faiss_store import FaissStore
from retrieval.loaders import load_articles
from retrieval.retriever import Retriever
from retrieval.store import ArticleStore
from tests.conftest import SEEDS, eventually, require
from tests.fakes import HashEmbedder

StoreFactory = Callable[..., ArticleStore]
KINDS = ("faiss", "milvus", pytest.param("milvus-server", marks=pytest.mark.integration))
_server: dict[str, str] = {}


def make_store(kind: str, where: Path, embedder: HashEmbedder | None = None, max_words: int = 150) -> ArticleStore:
    chunker = ChunkerSettings(max_words=max_words)
    if kind == "faiss":
        return FaissStore(where / "index", embedder or HashEmbedder(), chunker)
    from retrieval.milvus_store import MilvusStore

    if kind == "milvus-server":  # one server for the session; each test's collections get their own prefix
        prefix = "t" + hashlib.sha1(str(where).encode()).hexdigest()[:12] + "_"
        return MilvusStore(_server["uri"], embedder or HashEmbedder(), chunker, prefix=prefix)
    return MilvusStore(str(where / "milvus.db"), embedder or HashEmbedder(), chunker, prefix="t_")


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("milvus-server")
    with MilvusLiteServer(folder / "data", folder / "server.log") as server:
        _server["uri"] = server.uri
        yield server.uri


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    if request.param != "faiss":
        require(
            importlib.util.find_spec("pymilvus") and importlib.util.find_spec("milvus_lite"), "pymilvus + milvus-lite"
        )
    if request.param == "milvus-server":
        request.getfixturevalue("milvus_server")
    return str(request.param)


def _seeded(kind: str, where: Path) -> ArticleStore:
    store = make_store(kind, where)
    store.upsert(load_articles([SEEDS]))
    store.load()
    return store


def _search(store: ArticleStore, query: str, top_k: int = 5, filters: SearchFilters | None = None) -> list[str]:
    return [p.chunk_id for p in Retriever(store, HashEmbedder()).search(query, top_k, filters)]


def test_a_new_store_does_not_exist_and_says_how_to_build_it(kind: str, tmp_path: Path) -> None:
    store = make_store(kind, tmp_path)
    assert not store.exists()
    with pytest.raises(IndexNotFoundError, match="citewire ingest"):
        store.load()


def test_ingest_stores_articles_byte_identical_and_counts_them(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    originals = {a.article_id: a for a in load_articles([SEEDS])}
    stored = store.articles()
    assert [a.article_id for a in stored] == sorted(originals)
    assert all(a == originals[a.article_id] for a in stored)  # text, title, dates, sources
    counts = store.counts()
    assert counts.articles == 5 and counts.chunks == 19
    assert store.newest_published() == max(a.published for a in originals.values() if a.published)
    assert store.missing(["000_141b38bf1068f277", "nope"]) == ["nope"]


def test_search_returns_passages_whose_text_is_the_article_span(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    passages = Retriever(store, HashEmbedder()).search("Lavrov chemical weapons", 4)
    assert passages and len({p.chunk_id for p in passages}) == len(passages)
    for passage in passages:
        assert passage.article.text[passage.chunk.start : passage.chunk.end] == passage.text
    assert "chemical" in passages[0].text.lower()


def test_both_stores_rank_the_same(tmp_path: Path) -> None:
    faiss_store = _seeded("faiss", tmp_path / "f")
    require(importlib.util.find_spec("pymilvus") and importlib.util.find_spec("milvus_lite"), "pymilvus + milvus-lite")
    milvus_store = _seeded("milvus", tmp_path / "m")
    for query in ("Lavrov chemical weapons", "White Helmets", "Kerry Moscow talks Putin", "refugees return"):
        assert _search(faiss_store, query, 3)[:1] == _search(milvus_store, query, 3)[:1], query


def test_reingest_is_a_no_op_and_embeds_nothing(kind: str, tmp_path: Path) -> None:
    _seeded(kind, tmp_path)
    embedder = HashEmbedder()
    report = make_store(kind, tmp_path, embedder).upsert(load_articles([SEEDS]))
    assert len(report.unchanged) == 5 and not report.created and not report.updated
    assert report.chunks_added == 0 and embedder.calls == 0


def test_an_update_replaces_the_articles_chunks(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    old = store.article("002_946358d19c61b6c0")
    assert old is not None
    changed = replace(old, text="Lavrov announced a completely different statement about zebras today.")
    report = store.upsert([changed])
    assert report.updated == [old.article_id] and report.chunks_added == 1
    reader = make_store(kind, tmp_path)  # another process
    reader.load()
    assert reader.article(old.article_id) == changed
    old_chunks = len(chunk_article(old, ChunkerSettings()))
    assert reader.counts().chunks == 19 - old_chunks + 1
    hits = Retriever(reader, HashEmbedder()).search("Lavrov chemical weapons militants", 19)
    assert all(p.text == changed.text for p in hits if p.article_id == old.article_id)


def test_delete_removes_an_article_everywhere(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    assert store.delete(["002_946358d19c61b6c0", "no-such-id"]) == ["002_946358d19c61b6c0"]
    reader = make_store(kind, tmp_path)
    reader.load()
    assert reader.article("002_946358d19c61b6c0") is None
    assert "002_946358d19c61b6c0" not in {a.article_id for a in reader.articles()}
    assert all(not c.startswith("002_") for c in _search(reader, "Lavrov chemical weapons", 19))
    assert reader.delete(["002_946358d19c61b6c0"]) == []


def test_filters_by_article_source_and_date(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    by_article = SearchFilters(article_ids=frozenset({"004_42d87ab533acdf14"}))
    assert {c.split(":")[0] for c in _search(store, "Assad Russia", 10, by_article)} == {"004_42d87ab533acdf14"}
    articles = {a.article_id: a for a in store.articles()}
    source = next(a.source for a in articles.values() if a.source)
    assert source is not None
    by_source = SearchFilters(sources=frozenset({source.upper()}))  # case does not matter
    found = {c.split(":")[0] for c in _search(store, "Assad Russia", 10, by_source)}
    assert found and all(articles[a].source == source for a in found)
    cutoff = date(2012, 12, 25)  # the seeds date two articles: 22 and 29 December 2012; undated ones never pass
    after = SearchFilters(published_after=cutoff)
    assert {c.split(":")[0] for c in _search(store, "Assad Russia", 10, after)} == {"004_42d87ab533acdf14"}
    before = SearchFilters(published_before=cutoff)
    assert {c.split(":")[0] for c in _search(store, "Assad Russia", 10, before)} == {"002_946358d19c61b6c0"}
    both = SearchFilters(published_after=date(2012, 12, 22), published_before=date(2012, 12, 22))
    assert {c.split(":")[0] for c in _search(store, "Assad Russia", 10, both)} == {"002_946358d19c61b6c0"}
    nothing = SearchFilters(article_ids=frozenset({"no-such-id"}))
    assert _search(store, "Assad Russia", 10, nothing) == []


def test_a_store_built_with_other_settings_is_refused(kind: str, tmp_path: Path) -> None:
    _seeded(kind, tmp_path)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        make_store(kind, tmp_path, max_words=80).load()
    with pytest.raises(IndexMismatchError, match="embedder"):
        make_store(kind, tmp_path, HashEmbedder(name="other")).load()


def test_clear_removes_everything(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    store.clear()
    assert not make_store(kind, tmp_path).exists()
    store.upsert(load_articles([SEEDS]))  # and it can be built again
    assert store.counts().articles == 5


def test_a_reader_learns_a_newer_article_from_another_writer(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    reader = make_store(kind, tmp_path)  # another replica
    reader.load()
    before = reader.newest_published()
    assert store.newest_published() == before
    newer = Article("later-1", "Later", "A later report about the talks in Geneva.", published=date(2019, 5, 1))
    store.upsert([newer])
    assert store.newest_published() == date(2019, 5, 1)  # the writer knows at once
    reader.refresh()
    assert reader.newest_published() in (before, date(2019, 5, 1))  # never waits for the scan
    assert eventually(lambda: reader.newest_published() == date(2019, 5, 1), timeout_s=60)


def test_term_stats_cover_the_stored_passages(kind: str, tmp_path: Path) -> None:
    stats = _seeded(kind, tmp_path).term_stats()
    assert stats.idf("lavrov") < stats.idf("zebra")  # seen vs never seen


def test_long_articles_and_unicode_survive_byte_identical(kind: str, tmp_path: Path) -> None:
    store = make_store(kind, tmp_path)
    text = " ".join(f"Sentence {i} says “Zürich” — naïve café №{i}." for i in range(3_000))  # > 100 KB
    article = Article("long-1", "A long one", text, source="Ünïcode Times", published=date(2017, 3, 1))
    store.upsert([article])
    reader = make_store(kind, tmp_path)
    reader.load()
    assert reader.article("long-1") == article
    shorter = replace(article, text=text[:500])
    store.upsert([shorter])
    reader.refresh()
    assert reader.article("long-1") == shorter and reader.counts().articles == 1


class _Killed(Exception):
    pass


def test_a_bulk_ingest_killed_part_way_resumes_and_indexes_each_article_once(kind: str, tmp_path: Path) -> None:
    articles = list(load_articles([SEEDS]))
    store = make_store(kind, tmp_path)

    def stop_after_two_batches(done: int, report: object) -> None:
        if done >= 4:
            raise _Killed

    with pytest.raises(_Killed):
        ingest_batches(store, articles, 2, on_batch=stop_after_two_batches)
    embedder = HashEmbedder()
    again = make_store(kind, tmp_path, embedder)
    report = ingest_batches(again, articles, 2)
    assert sorted(report.unchanged) == sorted(a.article_id for a in articles[:4])
    assert report.created == [articles[4].article_id]
    again.load()
    assert again.counts().articles == 5 and again.counts().chunks == 19  # no chunk twice
    fresh = make_store(kind, tmp_path / "fresh")
    ingest_batches(fresh, articles, 100)
    fresh.load()
    assert _search(again, "Lavrov chemical weapons", 19) == _search(fresh, "Lavrov chemical weapons", 19)


def test_an_invalid_line_refuses_the_file_unless_skipped(kind: str, tmp_path: Path) -> None:
    good = '{"id": "a-%d", "title": "Title %d", "text": "Kerry met Putin in Moscow on day %d."}'
    lines = [good % (i, i, i) for i in range(5)]
    lines[2] = '{"id": "bad", "title": "no text"}'
    lines[3] = "{not json"
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = make_store(kind, tmp_path)
    with pytest.raises(InvalidInputError, match=r"in.jsonl:3: missing or empty field\(s\): text .*1 more"):
        ingest_paths(store, [source], 2)
    assert not store.exists() or store.counts().articles == 0  # nothing written
    result = ingest_paths(store, [source], 2, skip_invalid=True)
    assert sorted(result.report.created) == ["a-0", "a-1", "a-4"]
    assert [s.split(": ")[0].rsplit("/", 1)[-1] for s in result.skipped] == ["in.jsonl:3", "in.jsonl:4"]
    assert "invalid JSON" in result.skipped[1]


def test_the_dense_scores_are_cosines(kind: str, tmp_path: Path) -> None:
    store = _seeded(kind, tmp_path)
    embedder = HashEmbedder()
    query = "Lavrov chemical weapons"
    passages = Retriever(store, embedder).search(query, 6)
    for passage in passages:
        expected = float(embedder.embed([f"{passage.article.title}\n{passage.text}"])[0] @ embedder.embed([query])[0])
        assert passage.dense_score == pytest.approx(expected, abs=1e-3)
    assert np.isfinite([p.score for p in passages]).all()


@pytest.mark.parametrize("kind", KINDS[1:], indirect=True)
def test_released_collections_are_loaded_again_on_open(kind: str, tmp_path: Path) -> None:
    """After a restart, Milvus (and Milvus Lite) keep collections released until loaded."""
    store = _seeded(kind, tmp_path)
    from retrieval.milvus_store import MilvusStore

    assert isinstance(store, MilvusStore)
    client = store.db.client()
    for name in client.list_collections():
        client.release_collection(name)
    reopened = make_store(kind, tmp_path)
    reopened.load()
    assert reopened.counts().articles == 5 and _search(reopened, "Lavrov chemical weapons", 1)
