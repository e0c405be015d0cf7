"""`citewire serve` whose Milvus is not there yet: /readyz says why and which try it is on, start-up
retries with back-off and succeeds once the server comes; with no server ever, the process exits
non-zero after its last try, so that a supervisor restarts it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest

from harness.loopback import MilvusLiteServer, ServeProcess, milvus_replica, wait_ready
from tests.conftest import ROOT, eventually, require

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def replica(tmp_path: Path, uri: str, attempts: int) -> ServeProcess:
    settings = {"CITEWIRE_WARM_UP_ATTEMPTS": str(attempts), "CITEWIRE_WARM_UP_BACKOFF_S": "1"}
    return milvus_replica(ROOT, tmp_path, uri, "replica", CITEWIRE_DEFAULT_MODE="extractive", **settings)


def readiness(url: str) -> str:
    try:
        return str(httpx.get(f"{url}/readyz", timeout=5).json().get("status", ""))
    except httpx.HTTPError:
        return ""


def test_start_up_waits_for_a_milvus_server_that_comes_later(tmp_path: Path) -> None:
    require(importlib.util.find_spec("milvus_lite"), "milvus-lite")
    milvus = MilvusLiteServer(tmp_path / "milvus", tmp_path / "milvus.log")  # its port, nothing listening yet
    server = replica(tmp_path, milvus.uri, attempts=20).launch()
    try:
        assert eventually(lambda: "try 1 of 20" in readiness(server.url), timeout_s=120), server.log()[-2000:]
        assert httpx.get(f"{server.url}/readyz", timeout=5).status_code == 503
        with milvus:  # starts it
            wait_ready(server.url, timeout_s=180)
            assert httpx.get(f"{server.url}/readyz", timeout=5).json()["articles"] == 5
            found = httpx.get(f"{server.url}/api/search", params={"q": "Lavrov Brussels"}, timeout=60)
            assert found.status_code == 200 and found.json()["passages"]
    finally:
        server.stop()


def test_serve_exits_non_zero_after_its_last_try(tmp_path: Path) -> None:
    never = MilvusLiteServer(tmp_path / "milvus", tmp_path / "milvus.log")  # never started
    server = replica(tmp_path, never.uri, attempts=2).launch()
    try:
        assert eventually(lambda: server.returncode is not None, timeout_s=180), server.log()[-2000:]
        assert server.returncode == 1
        assert "start-up gave up after 2 tries" in server.log()
    finally:
        server.stop()
