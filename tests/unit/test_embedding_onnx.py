"""The int8 ONNX embedder for real: exported from the installed weights into a temp cache (~15 s)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedding import OnnxEmbedder, SentenceTransformerEmbedder
from retrieval.embedding_export import exported_path

pytestmark = pytest.mark.integration

PASSAGES = [
    "The central bank raised interest rates by a quarter point on Wednesday, citing stubborn inflation.",
    "Heavy snow closed the mountain pass for three days; rescue teams reached the stranded villages by helicopter.",
    "The striker scored twice in the second half as the home side came back to win the cup final.",
    "Parliament passed the budget after a night-long debate over spending on hospitals and schools.",
]
QUERIES = ["interest rate rise", "snowstorm rescue", "cup final goals", "budget vote in parliament"]


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    embedder = OnnxEmbedder(tmp_path_factory.mktemp("cache"), threads=1, bulk_threads=2)
    embedder.warm_up()
    return embedder


def test_export_lands_in_the_cache_dir_and_is_reused(onnx_embedder: OnnxEmbedder) -> None:
    path = exported_path(onnx_embedder._cache_dir)
    assert path.is_file() and 15e6 < path.stat().st_size < 40e6  # int8: about a quarter of the fp32 weights
    stamp = path.with_name(path.name + ".json")
    mtime = path.stat().st_mtime_ns
    OnnxEmbedder(Path(onnx_embedder._cache_dir)).warm_up()
    assert path.stat().st_mtime_ns == mtime and stamp.is_file()


def test_an_export_in_a_read_only_image_layer_is_used_as_it_is(onnx_embedder: OnnxEmbedder, tmp_path: Path) -> None:
    """A container image keeps mtimes in whole seconds and its model folder is read-only: the
    export made at build time must still count as current (once, start-up tried to re-export)."""
    source = Path(onnx_embedder._cache_dir)
    copy = tmp_path / "image-cache"
    shutil.copytree(source, copy)
    path = exported_path(copy)
    whole = int(path.stat().st_mtime)
    os.utime(path, (whole, whole))  # what a tar layer gives back
    for folder in (path.parent, copy):
        folder.chmod(0o555)
    try:
        embedder = OnnxEmbedder(copy)
        stamp = path.with_name(path.name + ".json").read_text()
        embedder.warm_up()  # no export: nothing to write (root ignores the modes, so check that)
        assert path.stat().st_mtime == whole and path.with_name(path.name + ".json").read_text() == stamp
        assert embedder.embed(["interest rate rise"]).shape == (1, 384)
    finally:
        for folder in (copy, path.parent):
            folder.chmod(0o755)


def test_int8_vectors_stay_close_to_the_fp32_model(onnx_embedder: OnnxEmbedder) -> None:
    fp32 = SentenceTransformerEmbedder()
    texts = PASSAGES + QUERIES
    reference, int8 = fp32.embed(texts), onnx_embedder.embed(texts)
    assert int8.shape == (len(texts), 384) and int8.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    assert (reference * int8).sum(axis=1).min() > 0.98
    ranking = int8[len(PASSAGES) :] @ int8[: len(PASSAGES)].T
    assert list(ranking.argmax(axis=1)) == [0, 1, 2, 3]


def test_a_text_embeds_alike_alone_and_in_a_padded_bulk_batch(onnx_embedder: OnnxEmbedder) -> None:
    bulk = onnx_embedder.embed((PASSAGES + QUERIES) * 10)  # >= 64 texts: the bulk session
    alone = onnx_embedder.embed([QUERIES[0]])
    # activations are quantized per batch (padding included), so a text's vector depends a little
    # on its batch mates: about as much as int8 differs from fp32
    assert float(alone[0] @ bulk[len(PASSAGES)]) > 0.98
    np.testing.assert_array_equal(bulk[: len(PASSAGES)], bulk[len(PASSAGES) + len(QUERIES) :][: len(PASSAGES)])


def test_a_question_or_sentence_embeds_the_same_whatever_it_is_asked_with(onnx_embedder: OnnxEmbedder) -> None:
    """Answers must not depend on which sentences a question happens to be scored with."""
    alone = onnx_embedder.embed([QUERIES[1]])
    with_others = onnx_embedder.embed([PASSAGES[0], QUERIES[1], PASSAGES[3]])
    np.testing.assert_array_equal(alone[0], with_others[1])
