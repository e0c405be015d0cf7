"""The dense index over real FAISS, with a low exact limit so a few thousand vectors take the IVF path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval import dense_index, index_store
from retrieval.chunking import ChunkerSettings
from retrieval.dense_index import DenseLayout, DenseSettings, choose_layout
from retrieval.documents import Article, SearchFilters
from retrieval.faiss_store import FaissStore
from retrieval.loaders import load_articles
from retrieval.retriever import Retriever
from retrieval.store import StoreCounts
from tests.conftest import SEEDS
from tests.fakes import HashEmbedder

SMALL = DenseSettings(exact_limit=1_000, ivf_kind="ivf-flat", nprobe=8)
DIM = 64


def _clustered(n: int, seed: int, centres: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = np.random.default_rng(99).standard_normal((centres, DIM))
    vectors = means[rng.integers(0, centres, n)] + 0.6 * rng.standard_normal((n, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _exact(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, top_k: int) -> list[int]:
    return [int(i) for i in ids[np.argsort(-(vectors @ query[0]), kind="stable")[:top_k]]]


def _ivf(vectors: np.ndarray, ids: np.ndarray, settings: DenseSettings = SMALL) -> tuple[faiss.Index, DenseLayout]:
    """Through the path the article index takes: exact first, then grown past the limit."""
    flat = dense_index.build_index(vectors, ids, DenseLayout(), settings)
    index, layout = dense_index.fit_index(flat, ids, DenseLayout(), settings)
    assert layout.kind == settings.ivf_kind and index.ntotal == len(ids)
    return index, layout


def test_layout_follows_corpus_size() -> None:
    settings = DenseSettings(exact_limit=100_000, nprobe=32)
    assert choose_layout(99_999, DenseLayout(), settings) == DenseLayout()
    ivf = choose_layout(100_000, DenseLayout(), settings)
    assert ivf == DenseLayout("ivf-sq8", nlist=1265, nprobe=32, trained_on=100_000)
    assert choose_layout(399_999, ivf, settings) == ivf  # grown less than 4x: same training
    assert choose_layout(120_000, ivf, DenseSettings(nprobe=48)).nprobe == 48  # nprobe alone changes in place
    assert choose_layout(400_000, ivf, settings) == DenseLayout("ivf-sq8", 2530, 32, 400_000)  # retrained
    assert choose_layout(60_000, ivf, settings) == ivf  # hysteresis below the limit
    assert choose_layout(49_999, ivf, settings) == DenseLayout()
    assert choose_layout(2_000, DenseLayout(), SMALL).nlist == 2_000 // 39  # enough points per list to train


def test_manifest_without_dense_field_means_exact() -> None:
    assert DenseLayout.from_manifest({"format": 1}) == DenseLayout()
    layout = DenseLayout("ivf-flat", 10, 4, 500)
    assert DenseLayout.from_manifest({"dense": layout.to_dict()}) == layout
    with pytest.raises(ValueError, match="ivf_kind"):
        DenseSettings(ivf_kind="hnsw")


@pytest.mark.parametrize("kind", ["ivf-flat", "ivf-sq8"])
def test_ivf_recall_against_exact(kind: str) -> None:
    vectors, ids = _clustered(3_000, seed=1), np.arange(10, 3_010, dtype=np.int64)
    index, _ = _ivf(vectors, ids, DenseSettings(exact_limit=1_000, ivf_kind=kind, nprobe=8))
    queries = _clustered(50, seed=2)
    hits = 0
    for query in queries:
        found = {cid for cid, _ in dense_index.search(index, query[None, :], 10)}
        hits += len(found & set(_exact(vectors, ids, query[None, :], 10)))
    assert hits / (10 * len(queries)) >= 0.9


def test_ivf_add_remove_reconstruct_and_round_trip(tmp_path: Path) -> None:
    vectors, ids = _clustered(2_000, seed=3), np.arange(2_000, dtype=np.int64)
    index, _ = _ivf(vectors, ids)
    np.testing.assert_allclose(index.reconstruct(1234), vectors[1234], atol=1e-6)
    dense_index.remove_ids(index, [5, 6, 7])
    extra = _clustered(10, seed=4)
    index.add_with_ids(extra, np.arange(5_000, 5_010, dtype=np.int64))
    assert index.ntotal == 2_007
    assert dense_index.search(index, vectors[5][None, :], 1)[0][0] != 5
    assert dense_index.search(index, extra[3][None, :], 1)[0][0] == 5_003
    faiss.write_index(faiss.clone_index(index), str(tmp_path / "dense.faiss"))
    read = faiss.read_index(str(tmp_path / "dense.faiss"))
    np.testing.assert_allclose(read.reconstruct(5_003), extra[3], atol=1e-6)
    assert dense_index.search(read, extra[3][None, :], 5) == dense_index.search(index, extra[3][None, :], 5)


@pytest.mark.parametrize("exact_filter_limit", [0, 10_000])  # wider nprobe, and the exact scan
def test_ivf_filter_returns_only_allowed_ids_in_exact_order(exact_filter_limit: int) -> None:
    vectors, ids = _clustered(3_000, seed=5), np.arange(3_000, dtype=np.int64)
    index, _ = _ivf(vectors, ids)
    allowed = set(range(0, 3_000, 10))
    keep = np.fromiter(sorted(allowed), dtype=np.int64)
    query = _clustered(1, seed=6)
    found = dense_index.search(index, query, 10, keep, exact_filter_limit=exact_filter_limit)
    assert {cid for cid, _ in found} <= allowed
    expected = _exact(vectors[keep], keep, query, 10)
    assert len({cid for cid, _ in found} & set(expected)) >= 9
    if exact_filter_limit:
        assert [cid for cid, _ in found] == expected


def test_new_nprobe_applies_without_retraining() -> None:
    vectors, ids = _clustered(1_500, seed=8), np.arange(1_500, dtype=np.int64)
    index, layout = _ivf(vectors, ids)
    same, changed = dense_index.fit_index(index, ids, layout, DenseSettings(1_000, "ivf-flat", nprobe=3))
    assert same is index and changed == DenseLayout("ivf-flat", layout.nlist, 3, layout.trained_on)
    assert faiss.extract_index_ivf(same).nprobe == 3


def test_shrinking_below_half_the_limit_returns_to_exact() -> None:
    vectors, ids = _clustered(1_200, seed=7), np.arange(1_200, dtype=np.int64)
    index, layout = _ivf(vectors, ids)
    dense_index.remove_ids(index, list(range(800)))
    shrunk, layout = dense_index.fit_index(index, ids[800:], layout, SMALL)
    assert layout == DenseLayout() and isinstance(shrunk, faiss.IndexIDMap2) and shrunk.ntotal == 400
    np.testing.assert_allclose(shrunk.reconstruct(900), vectors[900], atol=1e-6)


def test_article_index_switches_to_ivf_and_keeps_working(tmp_path: Path) -> None:
    index = FaissStore(tmp_path, HashEmbedder(), ChunkerSettings(), DenseSettings(exact_limit=10, nprobe=1))
    index.upsert(load_articles([SEEDS]))
    generation = index_store.current_generation(tmp_path)
    assert generation is not None
    manifest = json.loads((generation / "manifest.json").read_text())
    assert manifest["dense"] == {"kind": "ivf-sq8", "nlist": 1, "nprobe": 1, "trained_on": 19}
    snapshot = FaissStore(tmp_path, HashEmbedder(), ChunkerSettings()).reload()  # from disk
    base = snapshot.segments[0]
    assert faiss.try_extract_index_ivf(base.dense) is not None and base.dense.ntotal == 19
    retriever = Retriever(FaissStore(tmp_path, HashEmbedder(), ChunkerSettings()), HashEmbedder())
    only = retriever.search("chemical weapons", 5, SearchFilters(article_ids=frozenset({"004_42d87ab533acdf14"})))
    assert only and {p.article_id for p in only} == {"004_42d87ab533acdf14"}
    assert all(p.dense_score is not None for p in retriever.search("Lavrov militants", 10))  # reconstruct works
    index.delete(["002_946358d19c61b6c0"])
    assert index.snapshot.chunk_count == len(index.snapshot.chunks) == 15
    reread = Retriever(FaissStore(tmp_path, HashEmbedder(), ChunkerSettings()), HashEmbedder())
    assert "002_946358d19c61b6c0" not in {p.article_id for p in reread.search("Lavrov chemical weapons", 19)}


def test_an_index_written_before_segments_still_opens_and_grows(tmp_path: Path) -> None:
    """Format 1 kept everything in the generation folder (BM25 as bm25s files, which are not read)."""
    FaissStore(tmp_path, HashEmbedder(), ChunkerSettings()).upsert(load_articles([SEEDS]))
    generation = index_store.current_generation(tmp_path)
    assert generation is not None
    manifest = json.loads((generation / "manifest.json").read_text())
    (segment,) = manifest.pop("segments")
    for name in ("dense.faiss", "articles.jsonl", "chunks.jsonl"):
        shutil.copy(tmp_path / segment / name, generation / name)
    shutil.rmtree(tmp_path / segment)
    del manifest["dense"]
    (generation / "manifest.json").write_text(json.dumps({**manifest, "format": 1}))
    index = FaissStore(tmp_path, HashEmbedder(), ChunkerSettings())
    assert index.counts().chunks == 19
    assert Retriever(index, HashEmbedder()).search("chemical weapons", 3)
    index.delete(["002_946358d19c61b6c0"])
    index.upsert([Article("new", "New", "A brand new article about chemical weapons.")])
    reread = FaissStore(tmp_path, HashEmbedder(), ChunkerSettings())
    assert reread.counts() == StoreCounts(5, 16)
    assert not (tmp_path / generation.name).exists()  # the old folder was rewritten as a segment, then removed
    found = {p.article_id for p in Retriever(reread, HashEmbedder()).search("chemical weapons", 19)}
    assert "new" in found and "002_946358d19c61b6c0" not in found
