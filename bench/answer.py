"""Answer latency and a quick quality check on the seed questions, per model and mode.

    .venv/bin/python -m bench.answer [--configs qwen2.5-1.5b,qwen2.5-0.5b,extractive] [--repeat 1] [--out FILE]

For each configuration: retrieve / first-token / total p50 and p95, tokens/s, and how many
answerable questions were answered with an accepted fact and a gold-article citation, and
how many unanswerable ones were declined.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import machine, peak_rss_mb, percentile, write_result
from service.answers import Answer
from service.pipeline import Pipeline
from service.settings import Settings

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "seeds_smoke.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="qwen2.5-1.5b,qwen2.5-0.5b,extractive")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("runs/bench/answer.json"))
    args = parser.parse_args()
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    index_dir = Path(tempfile.mkdtemp(prefix="citewire-bench-answer-"))
    results = {name: _run_config(name, questions, index_dir, args.repeat) for name in args.configs.split(",")}
    _print_table(results)
    write_result(args.out, {"machine": machine(), "questions": len(questions), "results": results})


def _run_config(name: str, questions: list[dict[str, Any]], index_dir: Path, repeat: int) -> dict[str, Any]:
    extractive = name == "extractive"
    settings = Settings(index_dir=index_dir, **({} if extractive else {"model": name}))
    pipeline = Pipeline(settings)
    pipeline.warm_up(load_generator=not extractive)
    mode = "extractive" if extractive else "llm"
    pipeline.ask(questions[0]["question"], mode=mode)  # warm caches, as a running service would be
    answers: list[tuple[dict[str, Any], Answer]] = []
    for _ in range(repeat):
        for question in questions:
            answer = pipeline.ask(question["question"], mode=mode)
            answers.append((question, answer))
            print(
                f"[{name}] {question['id']} answered={answer.answered} {answer.timings.total:.0f} ms: "
                f"{answer.answer[:110]}",
                file=sys.stderr,
            )
    return _summarise(answers)


def _summarise(answers: list[tuple[dict[str, Any], Answer]]) -> dict[str, Any]:
    timings = [a.timings for _, a in answers]
    first = [t.first_token for t in timings if t.first_token is not None]
    correct = sum(1 for q, a in answers if q["answerable"] and _is_correct(q, a))
    declined = sum(1 for q, a in answers if not q["answerable"] and not a.answered)
    return {
        "retrieve_p50_ms": round(percentile([t.retrieve for t in timings], 50), 1),
        "first_token_p50_ms": round(percentile(first, 50), 1) if first else None,
        "total_p50_ms": round(percentile([t.total for t in timings], 50), 1),
        "total_p95_ms": round(percentile([t.total for t in timings], 95), 1),
        "answerable_correct": f"{correct}/{sum(1 for q, _ in answers if q['answerable'])}",
        "unanswerable_declined": f"{declined}/{sum(1 for q, _ in answers if not q['answerable'])}",
        "fallbacks": sum(1 for _, a in answers if any("fallback" in n for n in a.notes)),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def _is_correct(question: dict[str, Any], answer: Answer) -> bool:
    text = answer.answer.casefold()
    cites_gold = any(c.article_id in question["articles"] for c in answer.citations)
    return answer.answered and cites_gold and any(fact.casefold() in text for fact in question["accept"])


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    print("\n| config | retrieve p50 | first token p50 | total p50 / p95 | correct | declined | fallbacks |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        first = f"{r['first_token_p50_ms'] / 1000:.1f} s" if r["first_token_p50_ms"] else "-"
        print(
            f"| {name} | {r['retrieve_p50_ms']:.0f} ms | {first} | {r['total_p50_ms'] / 1000:.1f} / "
            f"{r['total_p95_ms'] / 1000:.1f} s | {r['answerable_correct']} | {r['unanswerable_declined']} | "
            f"{r['fallbacks']} |"
        )


if __name__ == "__main__":
    main()
