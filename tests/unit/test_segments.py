"""The FAISS store as segments: a write adds a small segment, searches over a base and its deltas
rank as one fresh index would, merges keep that, and a merge killed part-way loses nothing."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from retrieval import index_store, segment
from retrieval.chunking import ChunkerSettings
from retrieval.documents import Article, SearchFilters
from retrieval.faiss_store import FaissStore
from retrieval.loaders import load_articles
from retrieval.segment_merge import MergePolicy
from tests.conftest import SEEDS
from tests.fakes import HashEmbedder

QUERIES = ["chemical weapons militants", "Lavrov Brahimi talks", "Syria opposition Geneva", "zebras"]
NEVER = MergePolicy(max_deltas=1000)


def _store(path: Path, merges: MergePolicy = NEVER) -> FaissStore:
    return FaissStore(path, HashEmbedder(), ChunkerSettings(max_words=60), merges=merges)


def _articles() -> list[Article]:
    seeds = list(load_articles([SEEDS]))
    words = ["Lavrov", "chemical weapons", "Geneva", "talks", "militants", "Brahimi", "opposition", "envoy"]
    extra = [
        Article(f"extra-{n}", f"Report {n}", " ".join(f"{w} {'x' * (n + i)}." for i, w in enumerate(words[n:])))
        for n in range(6)
    ]
    return seeds + extra


def _ranked(store: FaissStore, filters: SearchFilters | None = None) -> list[list[tuple[float, frozenset]]]:
    """Per query and per ranking (dense, then BM25): the scores best first, each with the chunks
    ((article, position), as ids differ from build to build) holding it; a tie's order follows the
    ids, so tied chunks form one set, and the last score is left out (a cut may split its tie)."""
    vectors = HashEmbedder()
    found = []
    for query in QUERIES:
        for ranking in store.snapshot.rankings(query, vectors.embed([query]), 12, filters):
            groups: dict[float, set[tuple[str, int]]] = {}
            for cid, score in ranking:
                chunk = store.snapshot.chunks[cid]
                groups.setdefault(round(score, 5), set()).add((chunk.article_id, chunk.position))
            found.append([(score, frozenset(chunks)) for score, chunks in groups.items()][:-1])
    return found


def _written_piecemeal(path: Path, merges: MergePolicy = NEVER) -> FaissStore:
    """The same final archive as `_fresh`, reached through many small writes, replacements and deletes."""
    store = _store(path, merges)
    articles = _articles()
    for article in articles:
        store.upsert([replace(article, text=article.text + " An early draft.")])
    store.delete(["extra-0", "extra-1"])
    for article in articles[::-1]:
        store.upsert([article])
    store.delete(["extra-5"])
    store.upsert([replace(articles[0], title="Retitled")])
    return store


def _fresh(path: Path) -> FaissStore:
    store = _store(path)
    articles = [a for a in _articles() if a.article_id != "extra-5"]
    store.upsert([replace(articles[0], title="Retitled"), *articles[1:]])
    return store


@pytest.mark.parametrize(
    "filters", [None, SearchFilters(sources=frozenset({"Reuters"})), SearchFilters(article_ids=frozenset({"extra-3"}))]
)
@pytest.mark.parametrize("small", [segment.SMALL_SEGMENT, 0], ids=["deltas-as-one-matrix", "a-faiss-search-each"])
def test_a_base_with_deltas_searches_like_a_fresh_build(
    tmp_path: Path, filters: SearchFilters | None, small: int, monkeypatch
) -> None:
    monkeypatch.setattr(segment, "SMALL_SEGMENT", small)
    piecemeal = _written_piecemeal(tmp_path / "piecemeal")
    assert len(piecemeal.snapshot.segments) > 20  # every write added a segment
    fresh = _fresh(tmp_path / "fresh")
    assert len(fresh.snapshot.segments) == 1
    assert piecemeal.counts() == fresh.counts()
    assert piecemeal.snapshot.manifest["corpus_hash"] == fresh.snapshot.manifest["corpus_hash"]  # kept per write
    assert _ranked(piecemeal, filters) == _ranked(fresh, filters)
    assert _ranked(_store(tmp_path / "piecemeal"), filters) == _ranked(fresh, filters)  # read from disk


def test_merged_segments_search_like_a_fresh_build(tmp_path: Path) -> None:
    merged = _written_piecemeal(tmp_path / "merged", MergePolicy(max_deltas=3))
    merged.wait_for_merges()
    while merged.merge():
        pass
    assert len(merged.snapshot.segments) <= 4
    fresh = _fresh(tmp_path / "fresh")
    assert _ranked(merged) == _ranked(fresh)
    assert merged.snapshot.manifest["corpus_hash"] == fresh.snapshot.manifest["corpus_hash"]
    assert merged.term_stats().idf("lavrov") == pytest.approx(fresh.term_stats().idf("lavrov"))
    root = tmp_path / "merged"
    folders = {p.name for p in root.iterdir() if p.name.startswith("seg-")}
    named = [set(index_store.read_json(g / "manifest.json")["segments"]) for g in root.glob("gen-*")]
    assert len(named) == 2 and folders == set.union(*named)  # the live and the previous generation's, no more


def test_a_full_merge_leaves_one_segment_holding_only_live_chunks(tmp_path: Path) -> None:
    store = _written_piecemeal(tmp_path, MergePolicy(max_deltas=0, full_share=0.0))
    store.wait_for_merges()
    while store.merge():
        pass
    (base,) = store.snapshot.segments
    assert base.size == store.counts().chunks and base.dense.ntotal == base.size
    assert store.snapshot.live == (None,) and "extra-5" not in base.articles


def test_a_reader_sees_a_write_by_loading_only_the_new_segment(tmp_path: Path) -> None:
    writer = _store(tmp_path)
    writer.upsert(load_articles([SEEDS]))
    reader = _store(tmp_path)
    base = reader.snapshot.segments[0]
    writer.upsert([Article("late", "Late news", "Lavrov met the envoy again on Friday.")])
    writer.delete(["002_946358d19c61b6c0"])
    assert reader.refresh()
    assert reader.snapshot.segments[0] is base  # shared, not re-read
    assert reader.article("late") is not None and reader.article("002_946358d19c61b6c0") is None
    found = {c.article.article_id for c in reader.search("Lavrov", HashEmbedder().embed(["Lavrov"]), 30, None)}
    assert "late" in found and "002_946358d19c61b6c0" not in found


def test_a_merge_killed_before_its_commit_leaves_the_last_good_generation(tmp_path: Path, monkeypatch) -> None:
    store = _written_piecemeal(tmp_path)
    before = _ranked(store)
    generation = index_store.current_generation(tmp_path)

    def killed(*args, **kwargs):
        raise OSError("killed")

    store._merges = MergePolicy(max_deltas=0, full_share=0.0)
    monkeypatch.setattr(index_store, "write_generation", killed)
    with pytest.raises(OSError, match="killed"):
        store.merge()
    monkeypatch.undo()
    assert index_store.current_generation(tmp_path) == generation
    assert not list(tmp_path.glob("merge-*"))  # the staged merge is removed with the failure
    reread = _store(tmp_path)
    assert _ranked(reread) == before
    reread.upsert([Article("after", "After", "Written after the killed merge.")])  # removes the merge's debris
    on_disk = {p.name for p in tmp_path.iterdir() if p.name.startswith("seg-")}
    current = index_store.current_generation(tmp_path)
    assert current is not None
    # the previous generation's segments are among the current one's: nothing else is left
    assert on_disk == set(index_store.read_json(current / "manifest.json")["segments"])


def test_an_interrupted_write_of_a_segment_is_removed_by_the_next_write(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.upsert(load_articles([SEEDS]))
    debris = tmp_path / "seg-999999"
    debris.mkdir()
    (debris / "dense.faiss").write_bytes(b"half")
    killed_merge = tmp_path / "merge-999999999-0000"  # staged by a process that is gone
    killed_merge.mkdir()
    running_merge = tmp_path / f"merge-{os.getpid()}-0000"  # staged by a process still merging
    running_merge.mkdir()
    store.upsert([Article("x", "X", "Something new.")])
    assert not debris.exists() and not killed_merge.exists() and running_merge.exists()
    assert np.isclose(_store(tmp_path).term_stats().idf("lavrov"), store.term_stats().idf("lavrov"))


def test_the_newest_date_follows_writes_and_deletes(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.upsert(load_articles([SEEDS]))
    first = store.newest_published()
    assert first is not None
    store.upsert([Article("later", "Later", "Filed later.", published=date(2031, 1, 1))])
    assert store.newest_published() == date(2031, 1, 1)
    store.upsert([Article("later", "Later", "Filed later.", published=date(2030, 1, 1))])  # the newest, redated
    assert store.newest_published() == date(2030, 1, 1)
    reader = _store(tmp_path)
    assert reader.newest_published() == date(2030, 1, 1)
    store.upsert([Article("latest", "Latest", "Filed last.", published=date(2032, 1, 1))])
    store.delete(["latest", "later"])  # the reader catches up with both writes at once
    assert reader.refresh() and reader.newest_published() == first == _store(tmp_path).newest_published()
