"""The scaled-out topology of deploy/ broken on purpose, on loopback: a `milvus-lite server`, two
`citewire serve` replicas on it, and Debian's nginx running deploy/nginx.conf in front of them.
Askers send the seed questions to `POST /api/ask` through nginx and a writer process adds articles
through nginx, while three faults are made one after another:

1. `replica`: kill -9 one replica, start it again (same port);
2. `milvus`: kill -9 the Milvus server, start it again on the same data;
3. `writer`: kill -9 the writer mid-batch, run it again.

    .venv/bin/python -m bench.faults [--askers 10] [--mode extractive|llm] [--count 200] [--out FILE]

Per fault it records the requests sent in its window and those that failed (not 200; an asker waits
0.25 s after a failure), the seconds to recover (the killed replica ready again; after Milvus is
back, the first answer through nginx), and at the end the writes acknowledged (HTTP 200 to the
writer) against those present (`GET /api/articles/ID` through nginx, 200 with the text written).
`--mode extractive` (the default) keeps the answer path cheap so that the faults, not the model,
are measured.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import log, machine, write_result
from bench.crowd import seed_questions
from bench.fault_writer import acknowledged, article, pending
from harness.loopback import MilvusLiteServer, NginxProxy, ServeProcess, milvus_replica, wait_ready

ROOT = Path(__file__).resolve().parent.parent
_BACK_OFF_S = 0.25


@dataclass
class Request:
    sent: float  # time.monotonic()
    done: float
    status: int  # 0: the connection failed


@dataclass
class FaultResult:
    fault: str
    requests: int  # asked through nginx between the fault and its recovery (plus the settle time)
    failed: int
    recovery_s: float
    failures: dict[str, int] = field(default_factory=dict)  # status -> count


class Askers:
    """Threads asking through the proxy until stopped; every request recorded."""

    def __init__(self, url: str, questions: list[str], count: int) -> None:
        self._url, self._questions, self._count = url, questions, count
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._threads = [threading.Thread(target=self._ask, args=(n,), daemon=True) for n in range(count)]

    def __enter__(self) -> Askers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(180)

    def between(self, start: float, end: float) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if start <= r.sent <= end]

    def _ask(self, number: int) -> None:
        turn = number
        with httpx.Client(timeout=120) as client:
            while not self._stop.is_set():
                question = self._questions[turn % len(self._questions)]
                turn += self._count
                sent = time.monotonic()
                try:
                    status = client.post(f"{self._url}/api/ask", json={"question": question}).status_code
                except httpx.HTTPError:
                    status = 0
                with self._lock:
                    self.requests.append(Request(sent, time.monotonic(), status))
                if status != 200:
                    time.sleep(_BACK_OFF_S)  # as a client would: not a tight loop of instant failures


@dataclass
class Topology:
    folder: Path
    milvus: MilvusLiteServer
    replicas: list[ServeProcess]
    proxy: NginxProxy


def run(folder: Path, askers: int, mode: str, count: int, settle_s: float = 3.0) -> dict[str, Any]:
    """Start the topology, make the three faults under load, check the writes; the figures."""
    replicas: list[ServeProcess] = []
    with MilvusLiteServer(folder / "milvus", folder / "milvus.log") as milvus:
        try:
            upstreams = {}
            for name in ("citewire-1", "citewire-2"):  # the compose file's service names, as nginx.conf has them
                log(f"starting {name} ...")
                replica = milvus_replica(ROOT, folder, milvus.uri, name, CITEWIRE_DEFAULT_MODE=mode)
                replicas.append(replica.start(600))
                upstreams[f"{name}:8000"] = f"127.0.0.1:{replica.port}"
            with NginxProxy(ROOT / "deploy" / "nginx.conf", upstreams, folder / "nginx") as proxy:
                return _under_load(Topology(folder, milvus, replicas, proxy), askers, count, settle_s)
        finally:
            for started in replicas:
                started.stop()


def _under_load(topology: Topology, askers: int, count: int, settle_s: float) -> dict[str, Any]:
    url = topology.proxy.url
    links = _citation_links(url)
    acks = topology.folder / "acks.txt"
    writer = _writer(url, acks, count, topology.folder)
    results = []
    with Askers(url, seed_questions("test"), askers) as crowd:
        time.sleep(settle_s)
        results.append(_kill_a_replica(topology, crowd, settle_s))
        results.append(_kill_milvus(topology, crowd, settle_s))
        results.append(_kill_the_writer(writer, crowd, url, acks, topology.folder, settle_s))
        total = len(crowd.requests)
        failed_overall = sum(1 for r in crowd.requests if r.status != 200)
    kept = acknowledged(acks)
    present = _present(url, kept)
    return {
        "citation_links": links,
        "citation_links_keep_the_port": bool(links) and all(link.startswith(f"{url}/articles/") for link in links),
        "faults": [asdict(r) for r in results],
        "requests": total,
        "failed": failed_overall,
        "writes_acknowledged": len(kept),
        "writes_present": len(present),
        "writes_lost": sorted(kept - present),
    }


def _kill_a_replica(topology: Topology, crowd: Askers, settle_s: float) -> FaultResult:
    replica = topology.replicas[0]
    log("fault 1: kill -9 a replica, then start it again")
    start = time.monotonic()
    replica.kill()
    time.sleep(settle_s)
    replica.launch()
    wait_ready(replica.url, 600)
    recovered = time.monotonic()
    time.sleep(settle_s)
    return _result("replica", crowd.between(start, time.monotonic()), recovered - start)


def _kill_milvus(topology: Topology, crowd: Askers, settle_s: float) -> FaultResult:
    log("fault 2: kill -9 the Milvus server, then start it again")
    start = time.monotonic()
    topology.milvus.kill()
    time.sleep(settle_s)
    topology.milvus.start()
    back = time.monotonic()
    deadline = back + 300
    while time.monotonic() < deadline and not (
        all(_searches(r.url) for r in topology.replicas) and any(r.status == 200 for r in crowd.between(back, deadline))
    ):
        time.sleep(0.1)
    served = [r.done for r in crowd.between(back, deadline) if r.status == 200]
    recovered = min(served) if served else time.monotonic()  # the first answer through the proxy again
    time.sleep(settle_s)
    return _result("milvus", crowd.between(start, time.monotonic()), recovered - back)


def _kill_the_writer(
    writer: subprocess.Popen[bytes], crowd: Askers, url: str, acks: Path, folder: Path, settle_s: float
) -> FaultResult:
    log("fault 3: kill -9 the writer mid-batch, then run it again")
    start = time.monotonic()
    while writer.poll() is None and set(_read(pending(acks))) <= acknowledged(acks):
        time.sleep(0.005)  # until a batch is on its way and not yet acknowledged
    writer.kill()
    writer.wait(30)
    in_flight = sorted(set(_read(pending(acks))) - acknowledged(acks))
    log(f"killed the writer with {len(in_flight)} articles sent and not acknowledged")
    last = max((int(i.rsplit("-", 1)[1]) for i in acknowledged(acks) | set(in_flight)), default=0)
    rerun = _writer(url, acks, last + 11, folder)  # what was in flight, and ten more
    if rerun.wait(1200) != 0:
        raise RuntimeError(f"the rerun writer failed: {(folder / 'writer.log').read_text()[-2000:]}")
    recovered = time.monotonic()
    time.sleep(settle_s)
    return _result("writer", crowd.between(start, time.monotonic()), recovered - start)


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def _result(fault: str, requests: list[Request], recovery_s: float) -> FaultResult:
    failures: dict[str, int] = {}
    for request in requests:
        if request.status != 200:
            failures[str(request.status)] = failures.get(str(request.status), 0) + 1
    return FaultResult(fault, len(requests), sum(failures.values()), round(recovery_s, 2), failures)


def _writer(url: str, acks: Path, count: int, folder: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bench.fault_writer", "--url", url, "--acks", str(acks), "--count", str(count)]
    with (folder / "writer.log").open("ab") as handle:
        return subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=handle)


def _citation_links(url: str) -> list[str]:
    """The links of an answer's citations, asked through the proxy (the OpenAI chat API builds them from
    the request's Host): they must lead back through the proxy, port included."""
    body = {"model": "citewire", "messages": [{"role": "user", "content": seed_questions("test")[0]}]}
    reply = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=120).json()
    annotations = reply["choices"][0]["message"].get("annotations") or []
    return [a["url_citation"]["url"] for a in annotations]


def _searches(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/search", params={"q": "Lavrov"}, timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _present(url: str, ids: set[str]) -> set[str]:
    """The acknowledged articles the store holds, with the text that was written."""
    found = set()
    with httpx.Client(timeout=60) as client:
        for article_id in sorted(ids):
            response = client.get(f"{url}/api/articles/{article_id}")
            number = int(article_id.rsplit("-", 1)[1])
            if response.status_code == 200 and response.json()["text"] == article(number)["text"]:
                found.add(article_id)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--askers", type=int, default=10)
    parser.add_argument("--mode", choices=["extractive", "llm"], default="extractive")
    parser.add_argument("--count", type=int, default=2000, help="most articles the first writer adds (it is killed)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/faults.json"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="citewire-faults-"))
    result = run(folder, args.askers, args.mode, args.count)
    result = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}, **result}
    print(json.dumps(result, indent=2))
    print(f"\n{'fault':<8} {'requests':>8} {'failed':>6} {'recovery':>9}")
    for fault in result["faults"]:
        print(f"{fault['fault']:<8} {fault['requests']:>8} {fault['failed']:>6} {fault['recovery_s']:>8.1f}s")
    print(f"writes acknowledged {result['writes_acknowledged']}, present {result['writes_present']}")
    write_result(args.out, result)


if __name__ == "__main__":
    main()
