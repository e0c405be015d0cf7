"""A crowd of askers for the load benchmarks (bench.load, bench.replicas): the seed questions,
sent to `POST /api/ask` on one or more replicas in turn, and the summary both print."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import percentile

SEED_QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "seeds.jsonl"
DROPPED = 599  # the status recorded when the connection fails: counted as a server error
SLOWEST = 5  # the slowest requests the summary lists, with when each was sent


def seed_questions(split: str | None = "test") -> list[str]:
    """The seed set's questions, of one split (None: all)."""
    rows = [json.loads(line) for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines()]
    return [row["question"] for row in rows if split is None or row.get("split") == split]


def crowd(urls: list[str], questions: list[str], askers: int, deadline: float) -> list[dict[str, Any]]:
    """`askers` threads asking in turn until `deadline` (time.monotonic()), each request going to
    the next URL as a round-robin proxy would. One row per request: status, seconds, when it was
    sent (seconds after the crowd started), and for an answer its mode and whether it was shed to
    the extractive path."""
    rows: list[dict[str, Any]] = []
    lock = threading.Lock()
    began = time.monotonic()

    def asker(number: int) -> None:
        turn = number
        with httpx.Client(timeout=300) as client:
            while time.monotonic() < deadline:
                sent = round(time.monotonic() - began, 2)
                row = {"sent_s": sent, **_ask(client, urls[turn % len(urls)], questions[turn % len(questions)])}
                turn += askers
                with lock:
                    rows.append(row)

    with concurrent.futures.ThreadPoolExecutor(askers) as pool:
        list(pool.map(asker, range(askers)))
    return rows


def _ask(client: httpx.Client, url: str, question: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = client.post(f"{url}/api/ask", json={"question": question})
    except httpx.HTTPError as error:
        return {"status": DROPPED, "s": time.perf_counter() - started, "error": str(error)}
    row: dict[str, Any] = {"status": response.status_code, "s": time.perf_counter() - started}
    if response.status_code == 200:
        body = response.json()
        row["mode"] = body["mode"]
        row["shed"] = any(note.startswith("the model was busy") for note in body.get("notes", []))
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests, statuses, server errors (5xx other than a 503 "busy, retry after"), answer latency
    and how the answers were made."""
    latencies = [r["s"] for r in rows if r["status"] == 200]
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[str(row["status"])] = statuses.get(str(row["status"]), 0) + 1
    return {
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
        "slowest": [_slow(r) for r in sorted(rows, key=lambda r: -r["s"])[:SLOWEST]],
    }


def _slow(row: dict[str, Any]) -> dict[str, Any]:
    """When a slow answer was sent, how long it took and how it was made."""
    return {"sent_s": row.get("sent_s"), "s": round(row["s"], 2), "status": row["status"], "mode": row.get("mode")}
