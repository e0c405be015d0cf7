"""Atomic, versioned index directories.

Layout: `<index_dir>/CURRENT` names the live generation folder (`gen-000007/`). A write
builds a complete new generation beside it, fsyncs it, then replaces CURRENT atomically
(os.replace). A crash at any point leaves the previous generation live; unreferenced
folders are removed by the next write. Writers take an exclusive lock on `<index_dir>/.lock`.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from retrieval.errors import IndexBusyError, IndexCorruptError

_CURRENT = "CURRENT"
_PREFIX = "gen-"


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / _CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    generation = index_dir / name
    if not name.startswith(_PREFIX) or not generation.is_dir():
        raise IndexCorruptError(f"{pointer} names {name!r}, which is not an index generation")
    return generation


def write_generation(index_dir: Path, fill: Callable[[Path], None]) -> Path:
    """Create a new generation with `fill(folder)`, then make it current. Returns its path."""
    index_dir.mkdir(parents=True, exist_ok=True)
    previous = current_generation(index_dir)
    number = int(previous.name[len(_PREFIX) :]) + 1 if previous else 1
    folder = index_dir / f"{_PREFIX}{number:06d}"
    if folder.exists():
        shutil.rmtree(folder)  # debris of a crashed write with the same number
    folder.mkdir()
    fill(folder)
    _fsync_tree(folder)
    tmp_pointer = index_dir / f"{_CURRENT}.tmp"
    with tmp_pointer.open("w", encoding="utf-8") as handle:
        handle.write(folder.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp_pointer, index_dir / _CURRENT)
    _fsync_dir(index_dir)
    _remove_stale(index_dir, keep={folder, previous})  # the previous one may still be being read
    return folder


def write_folder(folder: Path, fill: Callable[[Path], None]) -> None:
    """Create `folder` afresh (the debris of a crashed write of the same name goes first), fill it
    and fsync it and its parent: complete on disk before anything names it."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    fill(folder)
    _fsync_tree(folder)
    _fsync_dir(folder.parent)


@contextmanager
def write_lock(index_dir: Path, wait: bool = True) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a") as handle:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            raise IndexBusyError(f"another process is writing the index at {index_dir}; try again") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_generations(index_dir: Path) -> None:
    """Forget the index: CURRENT first (readers then see no index, never a half-removed one)."""
    pointer = index_dir / _CURRENT
    if pointer.exists():
        pointer.unlink()
        _fsync_dir(index_dir)
    _remove_stale(index_dir, keep=set())


def rename_folder(source: Path, target: Path) -> None:
    """Give a complete folder its final name, durably (the rename is atomic)."""
    os.replace(source, target)
    _fsync_dir(target.parent)


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"cannot read {path}: {exc}") from None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"cannot read {path}: {exc}") from None


def _remove_stale(index_dir: Path, keep: set[Path | None]) -> None:
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith(_PREFIX) and child not in keep:
            shutil.rmtree(child, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for path in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        _fsync_dir(path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
