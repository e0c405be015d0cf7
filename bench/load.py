"""Concurrent askers against one `citewire serve` replica, as a crowd of new users would hit it.

    .venv/bin/python -m bench.load [--askers 10] [--seconds 180] [--url URL] [--out FILE]

Without --url it starts `citewire serve` on a free port over a fresh seed index with the default
settings (the 1.5B model, CITEWIRE_MAX_MODEL_WAIT_S 10 s) and stops it afterwards. Each asker
sends the seed set's test questions in turn to `POST /api/ask` for --seconds. Prints the answer
latency p50 / p95 / max, the statuses (a 5xx is a failure; a 503 "busy, retry after" is counted
apart), how many answers the model wrote and how many were sent down the extractive path because
its queue was too long (from the answers' notes, and /metrics' citewire_answers_shed_total).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import machine, write_result
from bench.crowd import crowd, seed_questions, summarise
from harness.loopback import ServeProcess

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--askers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--url", default=None, help="A running service (default: start one over the seeds).")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/load.json"))
    args = parser.parse_args()
    questions = seed_questions("test")
    server = None
    if args.url is None:
        folder = Path(tempfile.mkdtemp(prefix="citewire-load-"))
        env = {"CITEWIRE_INDEX_DIR": str(folder / "index"), "CITEWIRE_SEEDS_DIR": str(ROOT / "seeds")}
        server = ServeProcess(ROOT, env, folder / "serve.log").start()
    url = args.url or (server.url if server else "")
    try:
        rows = crowd([url], questions, args.askers, time.monotonic() + args.seconds)
        shed_total = _metric(url, "citewire_answers_shed_total")
    finally:
        if server:
            server.stop()
    result = {
        "machine": machine(),
        "askers": args.askers,
        "seconds": args.seconds,
        **summarise(rows),
        "shed_metric": shed_total,
    }
    print(json.dumps(result, indent=2))
    write_result(args.out, result)


def _metric(url: str, name: str) -> float | None:
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


if __name__ == "__main__":
    main()
