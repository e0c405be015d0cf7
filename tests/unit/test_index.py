from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from retrieval import index_store
from retrieval.chunking import ChunkerSettings
from retrieval.documents import Article
from retrieval.errors import IndexMismatchError, IndexNotFoundError
from retrieval.faiss_store import FaissStore
from retrieval.loaders import load_articles
from retrieval.retriever import Retriever
from tests.conftest import SEEDS
from tests.fakes import HashEmbedder


def _index(path: Path, embedder: HashEmbedder | None = None, max_words: int = 150) -> FaissStore:
    return FaissStore(path, embedder or HashEmbedder(), ChunkerSettings(max_words=max_words))


def _seeded(path: Path) -> FaissStore:
    index = _index(path)
    index.upsert(load_articles([SEEDS]))
    return index


def test_reingesting_unchanged_articles_is_a_no_op(tmp_path: Path) -> None:
    _seeded(tmp_path)
    generation = index_store.current_generation(tmp_path)
    embedder = HashEmbedder()
    report = _index(tmp_path, embedder).upsert(load_articles([SEEDS]))
    assert len(report.unchanged) == 5 and not report.created and not report.updated
    assert report.chunks_added == 0 and embedder.calls == 0
    assert index_store.current_generation(tmp_path) == generation  # nothing rewritten


def test_changed_article_replaces_its_chunks(tmp_path: Path) -> None:
    index = _seeded(tmp_path)
    old = index.snapshot.articles["002_946358d19c61b6c0"]
    old_chunks = len(index.snapshot.chunk_ids_of(old.article_id))
    changed = replace(old, text="Lavrov announced a completely different statement about zebras today.")
    report = index.upsert([changed])
    assert report.updated == [old.article_id]
    snapshot = _index(tmp_path).reload()  # from disk
    chunks = [snapshot.chunks[c] for c in snapshot.chunk_ids_of(old.article_id)]
    assert [c.text for c in chunks] == [changed.text]
    assert snapshot.chunk_count == len(snapshot.chunks) == 19 - old_chunks + 1
    assert snapshot.corpus_stats.documents == len(snapshot.chunks)
    hits = Retriever(_index(tmp_path), HashEmbedder()).search("chemical weapons militants", 19)
    assert all("chemical weapons" not in p.text or p.article_id != old.article_id for p in hits)


def test_delete_removes_article_everywhere(tmp_path: Path) -> None:
    index = _seeded(tmp_path)
    assert index.delete(["002_946358d19c61b6c0", "no-such-id"]) == ["002_946358d19c61b6c0"]
    snapshot = _index(tmp_path).reload()
    assert "002_946358d19c61b6c0" not in snapshot.articles
    assert all(c.article_id != "002_946358d19c61b6c0" for c in snapshot.chunks.values())
    assert snapshot.chunk_count == len(snapshot.chunks) == snapshot.corpus_stats.documents
    hits = Retriever(_index(tmp_path), HashEmbedder()).search("Lavrov chemical weapons militants", 50)
    assert hits and all(p.article_id != "002_946358d19c61b6c0" for p in hits)


def test_manifest_records_settings_and_corpus(tmp_path: Path) -> None:
    _seeded(tmp_path)
    generation = index_store.current_generation(tmp_path)
    assert generation is not None
    manifest = json.loads((generation / "manifest.json").read_text())
    assert manifest["embedder"] == "hash-embedder" and manifest["dimension"] == 256
    assert manifest["chunker"] == {"max_words": 150, "overlap_sentences": 1}
    assert manifest["articles"] == 5 and manifest["chunks"] == 19
    assert len(manifest["corpus_hash"]) == 64 and manifest["created_at"]


def test_mismatched_settings_are_a_clear_error(tmp_path: Path) -> None:
    _seeded(tmp_path)
    with pytest.raises(IndexMismatchError, match=r"chunker.*--rebuild"):
        _index(tmp_path, max_words=80).reload()
    with pytest.raises(IndexMismatchError, match="embedder"):
        _index(tmp_path, HashEmbedder(name="other")).reload()


def test_missing_index_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="citewire ingest"):
        _index(tmp_path / "none").reload()


def test_a_crash_mid_write_leaves_the_previous_index_loadable(tmp_path: Path, monkeypatch) -> None:
    index = _seeded(tmp_path)
    before = dict(index.snapshot.hashes)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(index_store, "write_jsonl", crash)
    with pytest.raises(OSError, match="disk full"):
        index.upsert([Article("new", "New", "A brand new article about something else entirely.")])
    monkeypatch.undo()
    reloaded = _index(tmp_path).reload()
    assert reloaded.hashes == before
    # the next successful write cleans up the debris of the failed one
    index.upsert([Article("new", "New", "A brand new article about something else entirely.")])
    generations = [p.name for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 2 and "new" in _index(tmp_path).reload().articles


def test_concurrent_writers_are_serialised_and_nothing_is_lost(tmp_path: Path) -> None:
    import threading

    _seeded(tmp_path)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            _index(tmp_path).upsert([Article(f"new-{n}", f"Title {n}", f"Article number {n} says something new.")])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    snapshot = _index(tmp_path).reload()
    assert {f"new-{n}" for n in range(4)} <= set(snapshot.articles) and len(snapshot.articles) == 9
    assert snapshot.chunk_count == len(snapshot.chunks) == snapshot.corpus_stats.documents
