"""Term statistics follow every write on both stores (kept on write, never a scan), and another
process sees them on its next request; a Milvus store made before its term table gets one."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest

from retrieval.documents import Article
from retrieval.loaders import load_articles
from retrieval.term_stats import TermStats
from tests.conftest import SEEDS, require
from tests.unit.test_store_contract import make_store


@pytest.fixture(params=["faiss", "milvus"])
def kind(request: pytest.FixtureRequest) -> str:
    if request.param == "milvus":
        _require_milvus()
    return str(request.param)


def _require_milvus() -> None:
    require(importlib.util.find_spec("pymilvus") and importlib.util.find_spec("milvus_lite"), "pymilvus + milvus-lite")


def _counts(stats: TermStats, *wanted: str) -> list[int]:
    stats.prefetch(wanted)
    return [stats.frequency(term) for term in wanted]


def test_term_counts_follow_writes_replacements_and_deletes(kind: str, tmp_path: Path) -> None:
    writer = make_store(kind, tmp_path)
    writer.upsert(load_articles([SEEDS]))
    reader = make_store(kind, tmp_path)
    reader.load()
    lavrov, zebra = _counts(reader.term_stats(), "lavrov", "zebraword")
    assert lavrov > 0 and zebra == 0
    article = Article("z", "Zebras", "A zebraword paragraph about Lavrov.")
    writer.upsert([article])
    reader.refresh()
    assert _counts(reader.term_stats(), "lavrov", "zebraword") == [lavrov + 1, 1]
    writer.upsert([replace(article, text="Now about giraffeword instead.")])  # the old passage's terms go
    reader.refresh()
    assert _counts(reader.term_stats(), "lavrov", "zebraword", "giraffeword") == [lavrov, 0, 1]
    writer.delete(["z"])
    reader.refresh()
    assert _counts(reader.term_stats(), "lavrov", "giraffeword") == [lavrov, 0]
    assert reader.term_stats().idf("lavrov") < reader.term_stats().idf("giraffeword")


def test_a_milvus_store_made_before_the_term_table_gets_one_when_opened(tmp_path: Path) -> None:
    _require_milvus()
    writer = make_store("milvus", tmp_path)
    writer.upsert(load_articles([SEEDS]))
    before = _counts(writer.term_stats(), "lavrov", "brahimi", "weapons")
    writer.db.client().drop_collection(writer.db.names.terms)  # type: ignore[attr-defined]  # as an older store has none
    reader = make_store("milvus", tmp_path)
    reader.load()
    assert _counts(reader.term_stats(), "lavrov", "brahimi", "weapons") == before
