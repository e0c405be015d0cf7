"""A run folder's files: config.json (checked on resume), JSON written atomically, the git state."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


class RunError(Exception):
    """The run cannot start or continue (mismatched resume, missing articles); says what to do."""


def write_or_check_config(out: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Writes `config` to out/config.json; a run resumed with another fingerprint is an error."""
    path = out / "config.json"
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8"))
        if previous.get("fingerprint") != config["fingerprint"]:
            changed = sorted(
                key
                for key in config["fingerprint"]
                if previous.get("fingerprint", {}).get(key) != config["fingerprint"][key]
            )
            raise RunError(
                f"{out} holds a run with a different configuration ({', '.join(changed)} changed); "
                "resume with the same options, or choose a new --out"
            )
        config["started"] = previous.get("started", config["started"])
    write_json(path, config)
    return config


def read_records(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a run's predictions file. A line cut off by an interrupted run is
    dropped from the file, so that the run goes on after the last whole record."""
    if not path.is_file():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records, kept = [], []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
        kept.append(line)
    if len(kept) != len(lines):
        path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    return records


def write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)


def git_commit() -> str | None:
    return _git("rev-parse", "HEAD")


def git_dirty() -> bool | None:
    """Whether tracked files differ from the commit (the run then measured uncommitted code)."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status)


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=True, cwd=Path(__file__).parent)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()
