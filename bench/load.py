"""Concurrent askers against one `citewire serve` replica, as a crowd of new users would hit it.

    .venv/bin/python -m bench.load [--askers 10] [--seconds 180] [--url URL] [--out FILE]

Without --url it starts `citewire serve` on a free port over a fresh seed index with the default
settings (the 1.5B model, CITEWIRE_MAX_MODEL_WAIT_S 10 s) and stops it afterwards. Each asker
sends the seed set's test questions in turn to `POST /api/ask` for --seconds. Prints the answer
latency p50 / p95 / max, the statuses (any 5xx is a failure), how many answers the model wrote
and how many were sent down the extractive path because its queue was too long (from the
answers' notes, and /metrics' citewire_answers_shed_total).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import machine, percentile, write_result
from service.http.loopback import ServeProcess

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "datasets" / "seeds.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--askers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--url", default=None, help="A running service (default: start one over the seeds).")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/load.json"))
    args = parser.parse_args()
    questions = [q["question"] for q in map(json.loads, QUESTIONS.read_text().splitlines()) if q.get("split") == "test"]
    server = None
    if args.url is None:
        folder = Path(tempfile.mkdtemp(prefix="citewire-load-"))
        env = {"CITEWIRE_INDEX_DIR": str(folder / "index"), "CITEWIRE_SEEDS_DIR": str(ROOT / "seeds")}
        server = ServeProcess(ROOT, env, folder / "serve.log").start()
    url = args.url or (server.url if server else "")
    try:
        rows = _crowd(url, questions, args.askers, args.seconds)
        shed_total = _metric(url, "citewire_answers_shed_total")
    finally:
        if server:
            server.stop()
    result = _summary(rows, args.askers, args.seconds, shed_total)
    print(json.dumps(result, indent=2))
    write_result(args.out, result)


def _crowd(url: str, questions: list[str], askers: int, seconds: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def asker(number: int) -> None:
        turn = number
        with httpx.Client(timeout=300) as client:
            while time.monotonic() < deadline:
                question = questions[turn % len(questions)]
                turn += askers
                started = time.perf_counter()
                response = client.post(f"{url}/api/ask", json={"question": question})
                row: dict[str, Any] = {"status": response.status_code, "s": time.perf_counter() - started}
                if response.status_code == 200:
                    body = response.json()
                    row["mode"] = body["mode"]
                    row["shed"] = any(n.startswith("the model was busy") for n in body.get("notes", []))
                with lock:
                    rows.append(row)

    with concurrent.futures.ThreadPoolExecutor(askers) as pool:
        list(pool.map(asker, range(askers)))
    return rows


def _metric(url: str, name: str) -> float | None:
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def _summary(rows: list[dict[str, Any]], askers: int, seconds: float, shed_total: float | None) -> dict[str, Any]:
    latencies = [r["s"] for r in rows if r["status"] == 200]
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    return {
        "machine": machine(),
        "askers": askers,
        "seconds": seconds,
        "requests": len(rows),
        "statuses": statuses,
        "server_errors_5xx": sum(1 for r in rows if r["status"] >= 500 and r["status"] != 503),
        "busy_503": statuses.get("503", 0),
        "answer_s": {
            "p50": round(percentile(latencies, 50), 2) if latencies else None,
            "p95": round(percentile(latencies, 95), 2) if latencies else None,
            "max": round(max(latencies), 2) if latencies else None,
        },
        "by_model": sum(1 for r in rows if r.get("mode") == "llm"),
        "extractive": sum(1 for r in rows if r.get("mode") == "extractive"),
        "shed_in_notes": sum(1 for r in rows if r.get("shed")),
        "shed_metric": shed_total,
    }


if __name__ == "__main__":
    main()
