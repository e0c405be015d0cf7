"""Does a process that answers questions keep growing? Resident memory of one in-process pipeline
under a crowd of askers and a writer, sampled as it runs.

    .venv/bin/python -m bench.ask_memory [--seconds 240] [--askers 10] [--mode llm|extractive]
                                         [--cache-ram-mb 0] [--out FILE]

Builds a FAISS index of the seeds in a temporary folder and loads the model (in llm mode). For
--seconds, --askers threads ask the seed set's questions in turn while a writer adds one new
article every --write-every seconds (deleting every third) and asks about it. Resident memory is
sampled every --sample-every seconds, the first time before the first question (some parts, such
as the sentence parser in extractive mode, load on first use): the growth over the second half is
the figure that says whether memory is flat. --cache-ram-mb sets llama.cpp's host-memory cache of earlier
prompts (CITEWIRE_LLAMACPP_CACHE_RAM_MB; 0, the default, turns it off), the setting that made
replicas grow. No HTTP and no second process: bench.replicas measures the deployment; this one
isolates the pipeline.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import log, machine, rss_mb, write_result
from bench.crowd import seed_questions
from bench.replicas import fresh_article
from retrieval.documents import Article
from service.pipeline import Pipeline
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=240.0)
    parser.add_argument("--askers", type=int, default=10)
    parser.add_argument("--mode", choices=("llm", "extractive"), default="llm")
    parser.add_argument("--cache-ram-mb", type=int, default=0, help="llama.cpp's prompt RAM cache (0: off)")
    parser.add_argument("--write-every", type=float, default=2.0, help="seconds between two new articles")
    parser.add_argument("--sample-every", type=float, default=20.0, help="seconds between two memory samples")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/ask-memory.json"))
    args = parser.parse_args()
    questions = seed_questions(None)
    folder = Path(tempfile.mkdtemp(prefix="citewire-ask-memory-"))
    settings = Settings(index_dir=folder / "index", seeds_dir=ROOT / "seeds", llamacpp_cache_ram_mb=args.cache_ram_mb)
    pipeline = Pipeline.from_settings(settings)
    log(f"loading ({args.mode}) and indexing the seeds ...")
    pipeline.warm_up(load_generator=args.mode == "llm")
    log(f"{args.askers} askers for {args.seconds:.0f} s, a new article every {args.write_every:g} s ...")
    result = _run(pipeline, questions, args)
    result = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}, **result}
    print(json.dumps(result, indent=2))
    write_result(args.out, result)


def _run(pipeline: Pipeline, questions: list[str], args: argparse.Namespace) -> dict[str, Any]:
    deadline = time.monotonic() + args.seconds
    samples: list[float] = [rss_mb()]
    answers = {"asked": 0}
    lock = threading.Lock()

    def asker(number: int) -> None:
        turn = number
        while time.monotonic() < deadline:
            pipeline.ask(questions[turn % len(questions)], mode=args.mode)
            turn += args.askers
            with lock:
                answers["asked"] += 1

    def writer() -> None:
        number, kept = 0, []
        while time.monotonic() + args.write_every < deadline:
            fresh = fresh_article(number)
            record = fresh.article
            published = date.fromisoformat(record["published"])
            article = Article(record["id"], record["title"], record["text"], record["source"], None, published)
            pipeline.store.upsert([article])
            kept.append(record["id"])
            if number % 3 == 2:
                pipeline.store.delete([kept.pop(0)])
            pipeline.ask(fresh.question, mode=args.mode)
            number += 1
            time.sleep(args.write_every)

    def sampler() -> None:
        while time.monotonic() + args.sample_every <= deadline:
            time.sleep(args.sample_every)
            samples.append(rss_mb())

    background = [threading.Thread(target=writer, daemon=True), threading.Thread(target=sampler, daemon=True)]
    for thread in background:
        thread.start()
    with concurrent.futures.ThreadPoolExecutor(args.askers) as pool:
        list(pool.map(asker, range(args.askers)))
    for thread in background:
        thread.join()
    half = len(samples) // 2
    return {
        "answers": answers["asked"],
        "rss_mb": {
            "first": samples[0],
            "middle": samples[half],
            "last": samples[-1],
            "growth_second_half": round(samples[-1] - samples[half], 1),
            "samples": samples,
        },
    }


if __name__ == "__main__":
    main()
