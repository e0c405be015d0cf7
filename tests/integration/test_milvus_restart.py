"""A serving replica outlives its Milvus server: `milvus-lite server` is killed with SIGKILL under a
running `citewire serve` and started again on the same data; the replica answers again without
being restarted itself, with every article still there, and takes writes."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import httpx
import pytest

from harness.loopback import MilvusLiteServer, milvus_replica
from tests.conftest import ROOT, WATER, WATER_Q, eventually, require

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RECOVERY_S = 30  # the longest a replica may take to answer again once Milvus is back


def search(url: str, query: str) -> httpx.Response:
    return httpx.get(f"{url}/api/search", params={"q": query, "top_k": 5}, timeout=60)


def answers(url: str, query: str) -> bool:
    try:
        return search(url, query).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_replica_answers_again_after_its_milvus_server_is_killed_and_restarted(tmp_path: Path) -> None:
    require(importlib.util.find_spec("milvus_lite"), "milvus-lite")
    query = "chemical weapons militants"
    with MilvusLiteServer(tmp_path / "milvus", tmp_path / "milvus.log") as milvus:
        replica = milvus_replica(ROOT, tmp_path, milvus.uri, "replica", CITEWIRE_DEFAULT_MODE="extractive").start()
        try:
            before = search(replica.url, query).json()["passages"]
            assert before

            milvus.kill()
            down = search(replica.url, query)
            assert down.status_code == 503 and "Milvus" in down.json()["error"]["message"], down.text  # said, not a 500

            milvus.start()
            back = time.monotonic()
            assert eventually(lambda: answers(replica.url, query), timeout_s=RECOVERY_S), replica.log()[-3000:]
            recovered_s = time.monotonic() - back
            after = search(replica.url, query).json()["passages"]
            assert [p["chunk_id"] for p in after] == [p["chunk_id"] for p in before]
            assert httpx.get(f"{replica.url}/readyz").json()["articles"] == 5

            created = httpx.post(f"{replica.url}/api/articles", json=WATER, timeout=60)
            assert created.status_code == 200 and created.json()["created"] == [WATER["id"]]
            found = search(replica.url, WATER_Q).json()["passages"]
            assert WATER["id"] in {p["article_id"] for p in found}
            print(f"recovered {recovered_s:.1f} s after the Milvus server was back")
        finally:
            replica.stop()
