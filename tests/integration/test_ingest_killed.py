"""`citewire ingest` killed with SIGKILL part-way through a bulk ingest, then run again: it
finishes, and every article is indexed exactly once, on both stores."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.loopback import MilvusLiteServer
from tests.conftest import ROOT, require

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ARTICLES = 60


def _write_input(path: Path) -> None:
    lines = [
        json.dumps(
            {"id": f"bulk-{i:03d}", "title": f"Report {i}", "text": f"Item {i}: the council met on day {i}. " * 20}
        )
        for i in range(ARTICLES)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _kill_after_commits(command: list[str], env: dict[str, str], commits: int) -> str:
    """Start `command`, SIGKILL it once its progress bar shows `commits` batches written."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        seen += process.stderr.read() or b""
        if f"{commits * 5}/{ARTICLES}".encode() in seen:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
            return seen.decode(errors="replace")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the ingest never reached {commits} commits: {seen.decode(errors='replace')[-1500:]}")


def _passages(found: object) -> list[dict[str, str]]:
    return found["passages"] if isinstance(found, dict) else found  # type: ignore[return-value]


@pytest.mark.parametrize("store", ["faiss", "milvus"])
def test_a_killed_ingest_resumes_and_indexes_each_article_once(tmp_path: Path, store: str) -> None:
    source = tmp_path / "bulk.jsonl"
    _write_input(source)
    env = {**os.environ, "CITEWIRE_INGEST_BATCH_ARTICLES": "5", "CITEWIRE_INDEX_DIR": str(tmp_path / "index")}
    server = None
    if store == "milvus":
        require(importlib.util.find_spec("milvus_lite"), "milvus-lite")
        server = MilvusLiteServer(tmp_path / "milvus", tmp_path / "milvus.log").__enter__()
        env |= {"CITEWIRE_STORE": "milvus", "CITEWIRE_MILVUS_URI": server.uri}
    try:
        command = [sys.executable, "-m", "cli.main", "ingest", str(source)]
        _kill_after_commits(command, env, commits=3)
        again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-2000:]
        created, unchanged = (int(again.stdout.split(f" {word}")[0].split()[-1]) for word in ("created", "unchanged"))
        assert unchanged >= 15 and created + unchanged == ARTICLES, again.stdout  # 3 batches were committed
        listed = subprocess.run(
            [sys.executable, "-m", "cli.main", "articles", "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
        )
        ids = [a["article_id"] for a in json.loads(listed.stdout)]
        assert sorted(ids) == [f"bulk-{i:03d}" for i in range(ARTICLES)]  # each once
        search = subprocess.run(
            [sys.executable, "-m", "cli.main", "search", "council met on day 7", "--json", "--top-k", "20"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert search.returncode == 0, search.stderr[-2000:]
        chunks = [p["chunk_id"] for p in _passages(json.loads(search.stdout))]
        assert chunks and len(chunks) == len(set(chunks))
    finally:
        if server is not None:
            server.__exit__()
