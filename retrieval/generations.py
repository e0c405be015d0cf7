"""FAISS index generations: what a generation's `manifest.json` holds (the settings the index was
built with, checked when it is opened; its segments in order; counts, ids and the corpus hash),
and reading the current generation."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrieval import index_store, segment
from retrieval.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from retrieval.index_view import IndexSnapshot
from retrieval.segment import Segment

logger = logging.getLogger(__name__)
FORMAT_VERSION = 2  # 2: segments; 1 (one folder per generation) is still read
_HASH_SPACE = 2**256
_READ_ATTEMPTS = 3  # a reader racing two writes may find a segment already removed: it reads again


def build(
    settings: dict[str, Any], snapshot: IndexSnapshot, next_id: int, next_segment: int, corpus_hash: str
) -> dict[str, Any]:
    """The manifest of `snapshot` (`settings`: embedder, dimension, chunker; see `expected`)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return {
        "format": FORMAT_VERSION,
        **settings,
        "corpus_hash": corpus_hash,
        "created_at": snapshot.manifest.get("created_at", now),
        "updated_at": now,
        "articles": len(snapshot.owner),
        "chunks": snapshot.chunk_count,
        "next_id": next_id,
        "next_segment": next_segment,
        "segments": [s.name for s in snapshot.segments],
        "dense": snapshot.segments[0].layout.to_dict() if snapshot.segments else {},  # the base's
    }


def check(manifest: dict[str, Any], settings: dict[str, Any], path: Path) -> None:
    """IndexMismatchError, naming the fix, when the index at `path` was built with other settings."""
    wrong = {key: (manifest.get(key), value) for key, value in settings.items() if manifest.get(key) != value}
    if manifest.get("format") not in (1, FORMAT_VERSION):
        wrong["format"] = (manifest.get("format"), FORMAT_VERSION)
    if wrong:
        details = "; ".join(f"{key}: index has {have!r}, settings want {want!r}" for key, (have, want) in wrong.items())
        raise IndexMismatchError(
            f"the index at {path} was built with other settings ({details}). "
            "Rebuild it with `citewire ingest --rebuild PATH...`, or change the CITEWIRE_* settings back."
        )


def corpus_hash(base: IndexSnapshot, snapshot: IndexSnapshot, written: list[Segment]) -> str:
    """A digest of the stored (article id, content hash) pairs, independent of order: the sum of
    their sha256 values modulo 2^256, so a write updates it from the articles it changes. A merge
    changes no article and keeps it; an index of format 1 (another digest) gets it computed whole."""
    previous = base.manifest.get("corpus_hash")
    if base.manifest.get("format") != FORMAT_VERSION or previous is None:
        return f"{sum(_pair_hash(a, h) for a, h in snapshot.hashes.items()) % _HASH_SPACE:064x}"
    total = int(previous, 16)
    if any(part.name.startswith(segment.PREFIX) and part not in snapshot.segments for part in base.segments):
        return previous  # a merge: the same articles in fewer segments
    for part in written:
        for article_id in {*part.removed, *part.articles}:
            if article_id in base.owner:
                total -= _pair_hash(article_id, base.hashes[article_id])
        total += sum(_pair_hash(aid, digest) for aid, digest in part.hashes.items())
    return f"{total % _HASH_SPACE:064x}"


def _pair_hash(article_id: str, digest: str) -> int:
    return int(hashlib.sha256(f"{article_id}:{digest}".encode()).hexdigest(), 16)


def read_current(path: Path, settings: dict[str, Any], previous: IndexSnapshot | None) -> IndexSnapshot:
    """The current generation of the index at `path`, reusing the segments `previous` holds."""
    for attempt in range(_READ_ATTEMPTS):
        folder = index_store.current_generation(path)
        if folder is None:
            raise IndexNotFoundError(
                f"no index at {path}; build one with `citewire ingest PATH...` (e.g. `citewire ingest seeds/`)"
            )
        try:
            return _read_generation(path, folder, settings, previous)
        except (IndexCorruptError, FileNotFoundError):
            if attempt + 1 == _READ_ATTEMPTS or index_store.current_generation(path) == folder:
                raise  # not a race with a writer: the index is damaged
            logger.info("generation %s was replaced while being read; reading the new one", folder.name)
    raise AssertionError("unreachable")


def _read_generation(
    path: Path, folder: Path, settings: dict[str, Any], previous: IndexSnapshot | None
) -> IndexSnapshot:
    manifest = index_store.read_json(folder / "manifest.json")
    check(manifest, settings, path)
    loaded = {s.name: s for s in previous.segments} if previous is not None else {}
    if "segments" in manifest:
        parts = [loaded.get(name) or segment.load(path, name) for name in manifest["segments"]]
    else:
        parts = [loaded.get(folder.name) or segment.load_single_folder(folder, manifest)]
    return IndexSnapshot.compose(manifest, parts, previous, folder.name)
