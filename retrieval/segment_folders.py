"""The folders of a FAISS index beside its generations: segment names, merges staged before
their commit, and removing what no generation names (in a background thread)."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

from retrieval import index_store, segment

PENDING = "pending"  # the name of a segment not yet written; the commit names it
STAGED = "merge-"  # a merged segment written before its commit: merge-<pid>-<random>
_TRASH = "trash-"  # a folder being deleted


def staged_name() -> str:
    """A folder name for a merge written before its commit, naming this process."""
    return f"{STAGED}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def remove_unused(index_dir: Path, keep: set[str]) -> None:
    """Segment folders no kept generation names (debris of a killed write, or merged away), and
    merges staged by a process that no longer runs (killed before its commit). They are renamed
    aside at once and deleted in a background thread: a merged-away base can be gigabytes, and
    the write that drops it should not wait for that."""
    if not index_dir.is_dir():
        return
    doomed = []
    for child in index_dir.iterdir():
        unused = child.name.startswith(segment.PREFIX) and child.name not in keep
        orphaned = child.name.startswith(STAGED) and not _running(child.name[len(STAGED) :].split("-")[0])
        if child.is_dir() and (unused or orphaned):
            trash = index_dir / f"{_TRASH}{uuid.uuid4().hex}"
            index_store.rename_folder(child, trash)
            doomed.append(trash)
        elif child.is_dir() and child.name.startswith(_TRASH):
            doomed.append(child)  # left by a process stopped while deleting it
    if doomed:
        threading.Thread(target=_remove_all, args=(doomed,), name="citewire-remove", daemon=True).start()


def _remove_all(folders: list[Path]) -> None:
    for folder in folders:
        index_store.remove_folder(folder)


def _running(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # another user's process
    return True
