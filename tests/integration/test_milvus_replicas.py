"""Two `citewire serve` replicas on one Milvus server (`milvus-lite server` on loopback), as a
scaled-out deployment runs them: what one adds the other cites, what one deletes is gone from both."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.loopback import MilvusLiteServer, ServeProcess, milvus_replica
from tests.conftest import ROOT, WATER, WATER_Q, require

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def milvus_uri(tmp_path: Path) -> Iterator[str]:
    require(importlib.util.find_spec("milvus_lite"), "milvus-lite")
    with MilvusLiteServer(tmp_path / "milvus", tmp_path / "milvus.log") as server:
        yield server.uri


def replica(tmp_path: Path, uri: str, name: str) -> ServeProcess:
    return milvus_replica(ROOT, tmp_path, uri, name, CITEWIRE_DEFAULT_MODE="extractive")


def test_two_replicas_share_one_milvus_store(tmp_path: Path, milvus_uri: str) -> None:
    first = replica(tmp_path, milvus_uri, "first").start()  # builds the store from the seeds
    second = replica(tmp_path, milvus_uri, "second")
    try:
        second.start()
        for server in (first, second):
            ready = httpx.get(f"{server.url}/readyz").json()
            assert ready["articles"] == 5 and ready["chunks"] > 5
        assert httpx.post(f"{first.url}/api/articles", json=WATER).json()["created"] == [WATER["id"]]
        claim = "Engineers replaced four damaged pumps at the Suleiman al-Halabi water station in Aleppo."
        checked = httpx.post(f"{second.url}/api/verify", json={"claim": claim}, timeout=120).json()
        assert checked["verdict"] == "supported", checked
        cited = checked["citations"][0]
        assert cited["article_id"] == WATER["id"] and "four damaged pumps" in cited["quote"]
        stored = httpx.get(f"{second.url}/api/articles/{WATER['id']}").json()
        assert stored["text"][cited["start"] : cited["end"]] == cited["quote"]
        assert httpx.delete(f"{second.url}/api/articles/{WATER['id']}").status_code == 200
        for server in (first, second):
            assert httpx.get(f"{server.url}/api/articles/{WATER['id']}").status_code == 404
            found = httpx.get(f"{server.url}/api/search", params={"q": WATER_Q, "top_k": 5}, timeout=60).json()
            assert WATER["id"] not in {p["article_id"] for p in found["passages"]}
            assert httpx.get(f"{server.url}/readyz").json()["articles"] == 5
        assert not any((tmp_path / f"unused-{n}").exists() for n in ("first", "second"))
    finally:
        second.stop()
        first.stop()


def test_two_ingest_processes_against_one_server_lose_no_update(tmp_path: Path, milvus_uri: str) -> None:
    env = {
        **os.environ,
        "CITEWIRE_STORE": "milvus",
        "CITEWIRE_MILVUS_URI": milvus_uri,
        "CITEWIRE_INGEST_BATCH_ARTICLES": "3",  # many small commits, interleaved between the two
    }
    files = []
    for writer in ("a", "b"):
        lines = [
            json.dumps(
                {"id": f"{writer}-{i}", "title": f"Report {writer}{i}", "text": f"Writer {writer} filed item {i}."}
            )
            for i in range(12)
        ]
        files.append(tmp_path / f"{writer}.jsonl")
        files[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "cli.main", "ingest"]
    writers = [
        subprocess.Popen([*command, str(f)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for f in files
    ]
    outputs = [w.communicate(timeout=300)[0].decode(errors="replace") for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    assert all("12 created" in out for out in outputs), outputs
    listed = subprocess.run(
        [sys.executable, "-m", "cli.main", "articles", "--json"], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    ids = sorted(a["article_id"] for a in json.loads(listed.stdout))
    assert ids == sorted(f"{w}-{i}" for w in ("a", "b") for i in range(12))
