"""The deployment's topology broken on purpose (bench.faults on a small load): a `milvus-lite
server`, two replicas and Debian's nginx running deploy/nginx.conf as it is. While askers and a
writer go through nginx: a replica is killed with SIGKILL and restarted, then the Milvus server,
then the writer mid-batch (and rerun)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bench.faults import run
from harness.loopback import NGINX
from tests.conftest import require

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_no_acknowledged_write_is_lost_and_each_fault_heals(tmp_path: Path) -> None:
    require(importlib.util.find_spec("milvus_lite"), "milvus-lite")
    require(NGINX.is_file(), "Debian's nginx-light (make install-dev installs it)")
    result = run(tmp_path, askers=4, mode="extractive", count=2000)
    faults = {fault["fault"]: fault for fault in result["faults"]}
    assert result["citation_links_keep_the_port"], result["citation_links"]  # nginx passes Host with its port

    replica = faults["replica"]  # the other replica takes every request, in flight ones included
    assert replica["requests"] > 20 and replica["failed"] == 0, replica

    milvus = faults["milvus"]  # requests fail while the store is down, then it heals by itself
    assert milvus["failed"] > 0 and milvus["recovery_s"] <= 30, milvus

    writer = faults["writer"]
    assert writer["failed"] == 0, writer
    assert result["writes_acknowledged"] > 0 and result["writes_lost"] == [], result
    assert result["writes_present"] == result["writes_acknowledged"]
