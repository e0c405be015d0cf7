from __future__ import annotations

from datetime import date
from pathlib import Path

from retrieval.chunking import ChunkerSettings
from retrieval.documents import Article, SearchFilters
from retrieval.faiss_store import FaissStore
from retrieval.loaders import load_articles
from retrieval.retriever import Retriever
from tests.conftest import SEEDS
from tests.fakes import HashEmbedder


def _retriever(path: Path, extra: list[Article] | None = None) -> Retriever:
    embedder = HashEmbedder()
    index = FaissStore(path, embedder, ChunkerSettings())
    index.upsert([*load_articles([SEEDS]), *(extra or [])])
    return Retriever(index, embedder)


def test_top_k_and_best_passage(tmp_path: Path) -> None:
    hits = _retriever(tmp_path).search("biggest threat from Syria's chemical weapons militants", top_k=3)
    assert len(hits) == 3
    assert hits[0].article_id == "002_946358d19c61b6c0"
    assert "fall into the hands of militants" in hits[0].text
    assert hits[0].score >= hits[1].score >= hits[2].score


def test_filters_by_article_date_and_source(tmp_path: Path) -> None:
    retriever = _retriever(tmp_path)
    query = "Lavrov Assad Russia"
    only = retriever.search(query, 10, SearchFilters(article_ids=frozenset({"004_42d87ab533acdf14"})))
    assert only and {p.article_id for p in only} == {"004_42d87ab533acdf14"}
    late = retriever.search(query, 10, SearchFilters(published_after=date(2012, 12, 25)))
    assert late and {p.article.published for p in late} == {date(2012, 12, 29)}
    gulf = retriever.search(query, 10, SearchFilters(sources=frozenset({"gulf news"})))
    assert gulf and {p.article.source for p in gulf} == {"Gulf News"}
    assert retriever.search(query, 10, SearchFilters(published_before=date(2000, 1, 1))) == []


def test_near_duplicate_passages_are_collapsed(tmp_path: Path) -> None:
    original = next(a for a in load_articles([SEEDS]) if a.article_id.startswith("002"))
    copy = Article("syndicated-copy", original.title, original.text, source="Other Site")
    hits = _retriever(tmp_path, [copy]).search("biggest threat chemical weapons militants", top_k=10)
    texts = [p.text for p in hits]
    assert len(texts) == len(set(texts))
    positions = [p.chunk.position for p in hits if p.article_id in (original.article_id, "syndicated-copy")]
    assert positions and len(positions) == len(set(positions))  # each passage once, from one of the copies


def test_empty_index_returns_nothing(tmp_path: Path) -> None:
    embedder = HashEmbedder()
    index = FaissStore(tmp_path, embedder, ChunkerSettings())
    index.upsert([])
    assert Retriever(index, embedder).search("anything", 5) == []
