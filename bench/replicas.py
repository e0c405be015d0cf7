"""Two `citewire serve` replicas sharing one Milvus server, asked by a crowd while a writer adds
and deletes articles: the scaled-out deployment of `deploy/docker-compose.yml`, on loopback.

    .venv/bin/python -m bench.replicas [--askers 10] [--seconds 300] [--write-every 10] [--out FILE]

Starts a `milvus-lite server` and two replicas with the default settings (the 1.5B model,
CITEWIRE_STORE=milvus) over the seeds. For --seconds, --askers threads send the seed set's test
questions to `POST /api/ask`, alternating between the replicas as a round-robin proxy would,
while one writer adds a new article every --write-every seconds (through either replica) and
deletes every third one it added. Afterwards every article the writer kept must be answerable
from both replicas, and every deleted one gone from both (404). Answerable: asked in the default
mode whether its fact holds, each replica answers "Yes." quoting and citing it, and "No." to the
same question with another figure; `/api/verify` finds its sentence supported by it. The open
question about the same fact ("How many pumps ...?") is asked too and its answers counted apart:
whether to answer that is the decline model's call, the same on one FAISS process. Prints answer latency
p50 / p95 / max, statuses (a 5xx is a failure; a 503 "busy, retry after" is counted apart), write
latencies, and each replica's resident memory sampled every 10 s (first, middle and last sample,
max; flat means the second half adds little).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import log, machine, percentile, rss_mb, write_result
from bench.crowd import crowd, seed_questions, summarise
from harness.loopback import MilvusLiteServer, ServeProcess, milvus_replica

ROOT = Path(__file__).resolve().parent.parent
TOWNS = ("Aleppo", "Homs", "Hama", "Latakia", "Tartus", "Idlib", "Raqqa", "Daraa", "Deir ez-Zor", "Qamishli")
NUMBERS = ("three", "four", "five", "six", "seven", "eight", "nine", "eleven", "twelve", "fifteen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--askers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--write-every", type=float, default=10.0, help="seconds between two writes")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/replicas.json"))
    args = parser.parse_args()
    questions = seed_questions("test")
    folder = Path(tempfile.mkdtemp(prefix="citewire-replicas-"))
    with MilvusLiteServer(folder / "milvus", folder / "milvus.log") as milvus:
        log("starting replica a (builds the store from the seeds) ...")
        replicas = [_replica(folder, milvus.uri, "a").start(timeout_s=600)]
        log("starting replica b ...")
        replicas.append(_replica(folder, milvus.uri, "b").start(timeout_s=600))
        try:
            result = _run(replicas, questions, args)
            result["milvus_server_rss_mb"] = rss_mb(milvus.pid)
        finally:
            for server in replicas:
                server.stop()
    result = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}, **result}
    print(json.dumps(result, indent=2))
    write_result(args.out, result)


def _replica(folder: Path, uri: str, name: str) -> ServeProcess:
    return milvus_replica(ROOT, folder, uri, f"replica-{name}")


def _run(replicas: list[ServeProcess], questions: list[str], args: argparse.Namespace) -> dict[str, Any]:
    urls = [server.url for server in replicas]
    deadline = time.monotonic() + args.seconds
    memory: dict[str, list[float]] = {url: [] for url in urls}
    writes: dict[str, Any] = {"kept": [], "deleted": [], "latencies": [], "statuses": {}}
    watchers = [
        threading.Thread(target=_sample_memory, args=(replicas, memory, deadline), daemon=True),
        threading.Thread(target=_writer, args=(urls, writes, deadline, args.write_every), daemon=True),
    ]
    for thread in watchers:
        thread.start()
    log(f"{args.askers} askers for {args.seconds:.0f} s, a write every {args.write_every:.0f} s ...")
    rows = crowd(urls, questions, args.askers, deadline)
    for thread in watchers:
        thread.join()
    log("checking every kept article on both replicas, every deleted one gone ...")
    checks = _check_articles(urls, writes["kept"], writes["deleted"])
    return {
        **summarise(rows),
        "writes": {
            "statuses": writes["statuses"],
            "added": len(writes["kept"]) + len(writes["deleted"]),
            "deleted": len(writes["deleted"]),
            "p50_s": round(percentile(writes["latencies"], 50), 3),
            "max_s": round(max(writes["latencies"]), 3) if writes["latencies"] else None,
        },
        "articles": checks,
        "replica_rss_mb": {
            name: {
                "first": samples[0],
                "middle": samples[len(samples) // 2],
                "last": samples[-1],
                "max": max(samples),
                "every_10_s": samples,
            }
            for name, samples in zip(("a", "b"), memory.values(), strict=True)
            if samples
        },
    }


@dataclass(frozen=True)
class FreshArticle:
    """A new article with one checkable fact, the questions about it, and a true claim."""

    article: dict[str, Any]
    question: str  # open: "How many pumps ...?"
    holds: str  # yes/no, true: "Did engineers replace three damaged pumps ...?"
    fails: str  # the same with another figure: the answer is "No."
    claim: str

    @property
    def id(self) -> str:
        return str(self.article["id"])


def fresh_article(number: int) -> FreshArticle:
    """A new article with one checkable fact, the questions it answers, and a true claim about it."""
    town, pumps = TOWNS[number % len(TOWNS)], NUMBERS[(number // len(TOWNS)) % len(NUMBERS)]
    other = NUMBERS[(number // len(TOWNS) + 3) % len(NUMBERS)]
    station = f"Station {number + 101}"
    article = {
        "id": f"bench-water-{number}",
        "title": f"{town} water {station} back in service",
        "text": (
            f"The {station} water plant in {town} resumed pumping on Friday after engineers replaced "
            f"{pumps} damaged pumps, the city council said. The plant supplies about a third of the town's water."
        ),
        "source": "Bench Wire",
        "published": "2017-03-03",
    }
    return FreshArticle(
        article,
        f"How many pumps did engineers replace at the {station} water plant in {town}?",
        f"Did engineers replace {pumps} damaged pumps at the {station} water plant in {town}?",
        f"Did engineers replace {other} damaged pumps at the {station} water plant in {town}?",
        f"Engineers replaced {pumps} damaged pumps at the {station} water plant in {town}.",
    )


def _writer(urls: list[str], writes: dict[str, Any], deadline: float, every: float) -> None:
    number = 0
    with httpx.Client(timeout=120) as client:
        while time.monotonic() + every < deadline:
            time.sleep(every)
            url = urls[number % len(urls)]
            status = _timed(client, "POST", f"{url}/api/articles", writes, json=fresh_article(number).article)
            if status == 200:
                writes["kept"].append(number)
            if number % 3 == 2 and writes["kept"]:
                victim = writes["kept"].pop(0)
                other = urls[(number + 1) % len(urls)]
                if _timed(client, "DELETE", f"{other}/api/articles/{fresh_article(victim).id}", writes) == 200:
                    writes["deleted"].append(victim)
                else:
                    writes["kept"].insert(0, victim)
            number += 1


def _timed(client: httpx.Client, method: str, url: str, writes: dict[str, Any], **kwargs: Any) -> int:
    started = time.perf_counter()
    try:
        status = client.request(method, url, **kwargs).status_code
    except httpx.HTTPError:
        status = 599
    writes["latencies"].append(time.perf_counter() - started)
    key = f"{method} {status}"
    writes["statuses"][key] = writes["statuses"].get(key, 0) + 1
    return status


def _check_articles(urls: list[str], kept: list[int], deleted: list[int]) -> dict[str, Any]:
    counts = dict.fromkeys(("yes", "no", "verified", "open", "gone"), 0)
    failures: list[str] = []
    with httpx.Client(timeout=300) as client:
        for number in kept:
            fresh = fresh_article(number)
            for url in urls:
                for key, question, first in (("yes", fresh.holds, "Yes."), ("no", fresh.fails, "No.")):
                    answer = client.post(f"{url}/api/ask", json={"question": question}).json()
                    if answer.get("answer", "").startswith(first) and _cites(answer, fresh.id):
                        counts[key] += 1
                    else:
                        failures.append(f"{url} ask {question!r}: {answer.get('answer')!r}")
                opened = client.post(f"{url}/api/ask", json={"question": fresh.question}).json()
                counts["open"] += _cites(opened, fresh.id)
                checked = client.post(f"{url}/api/verify", json={"claim": fresh.claim}).json()
                if checked.get("verdict") == "supported" and checked["citations"][0]["article_id"] == fresh.id:
                    counts["verified"] += 1
                else:
                    failures.append(f"{url} verify {fresh.id}: {checked.get('verdict')}")
        for number in deleted:
            article_id = fresh_article(number).id
            for url in urls:
                if client.get(f"{url}/api/articles/{article_id}").status_code == 404:
                    counts["gone"] += 1
                else:
                    failures.append(f"{url} still has {article_id}")
    checks = len(kept) * len(urls)
    return {
        "kept": len(kept),
        "fact_holds_answered_yes_with_citation": f"{counts['yes']}/{checks}",
        "other_figure_answered_no_with_citation": f"{counts['no']}/{checks}",
        "verified_supported": f"{counts['verified']}/{checks}",
        "open_question_answered_with_citation": f"{counts['open']}/{checks}",
        "deleted_gone": f"{counts['gone']}/{len(deleted) * len(urls)}",
        "failures": failures,
    }


def _cites(answer: dict[str, Any], article_id: str) -> bool:
    return bool(answer.get("answered")) and article_id in {c["article_id"] for c in answer.get("citations", [])}


def _sample_memory(replicas: list[ServeProcess], memory: dict[str, list[float]], deadline: float) -> None:
    while time.monotonic() < deadline:
        for server in replicas:
            if server.pid is not None:
                memory[server.url].append(rss_mb(server.pid))
        time.sleep(10)


if __name__ == "__main__":
    main()
