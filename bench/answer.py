"""Answer latency on an evaluation set, per model and for extractive mode, beside raw llama.cpp.

    .venv/bin/python -m bench.answer [--dataset seeds] [--configs qwen2.5-1.5b,qwen2.5-0.5b,extractive]
                                     [--limit N] [--raw-sample 40] [--set name=value ...] [--out FILE]

Per configuration, over the questions of the dataset (the seed evaluation set by default), asked
in process one after another with the models warm, as a running service would answer them:
time to the `passages` callback (what the HTTP stream sends first), to the first answer token
and to the finished answer; prompt tokens (all, and those not served from llama.cpp's prompt
cache); decode speed as the caller sees it (tokens between the first and the last); and how
many answerable questions got all their key facts, and unanswerable ones were declined.

Then, for each llama.cpp model, the same prompts (the first --raw-sample that reached the model)
are sent to a plain llama.cpp server (xllamacpp with default settings and the same model,
context and threads, no streaming, no citewire code). The overhead ratio compares llama.cpp's own
decode speed (`timings.predicted_per_second`) in both runs, prompt by prompt: the caller-side
rate leaves out the first decode step, which llama.cpp counts, so it reads higher on short answers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import machine, peak_rss_mb, percentile, write_result
from eval.answer_scoring import has_all_key_facts
from eval.question_sets import EvalQuestion, load_dataset
from service.answer.result import Answer
from service.generators.base import GenerationRequest, GenerationResult, Generator, StopCheck, TokenCallback
from service.generators.factory import build_generator
from service.generators.replies import streaming_chat_request
from service.model_files import resolve_model_path
from service.pipeline import Pipeline
from service.settings import Mode, Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="seeds", help="an evaluation set over the seed articles")
    parser.add_argument("--configs", default="qwen2.5-1.5b,qwen2.5-0.5b,extractive")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--raw-sample", type=int, default=40, help="prompts replayed on plain llama.cpp")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/answer.json"))
    args = parser.parse_args()
    questions = [q for q in load_dataset(args.dataset).questions if not q.retrieval_only][: args.limit]
    overrides = dict(item.split("=", 1) for item in args.overrides)
    index_dir = Path(tempfile.mkdtemp(prefix="citewire-bench-answer-"))
    results = {}
    for name in args.configs.split(","):
        settings = Settings(index_dir=index_dir, **overrides, **({} if name == "extractive" else {"model": name}))
        results[name] = _run_config(name, settings, questions, args.raw_sample)
    _print_table(results)
    settings_used = Settings(index_dir=index_dir, **overrides).model_dump(mode="json")
    write_result(
        args.out,
        {
            "machine": machine(),
            "dataset": args.dataset,
            "questions": len(questions),
            "settings": settings_used,
            "results": results,
        },
    )


class RecordingGenerator:
    """Passes every request to the real generator and keeps the request and its result."""

    def __init__(self, inner: Generator) -> None:
        self.inner = inner
        self.calls: list[tuple[GenerationRequest, GenerationResult]] = []

    @property
    def name(self) -> str:
        return self.inner.name

    def warm_up(self) -> None:
        self.inner.warm_up()

    def generate(
        self, request: GenerationRequest, on_token: TokenCallback | None = None, should_stop: StopCheck | None = None
    ) -> GenerationResult:
        result = self.inner.generate(request, on_token, should_stop)
        self.calls.append((request, result))
        return result

    def close(self) -> None:
        """Frees the model (the pipeline's close() calls this), so the next one runs alone."""
        self.inner.close()


@dataclass
class Measured:
    question: EvalQuestion
    answer: Answer
    passages_ms: float
    generation: GenerationResult | None
    request: GenerationRequest | None

    def row(self) -> dict[str, Any]:
        gen = self.generation
        return {
            "id": self.question.id,
            "answered": self.answer.answered,
            "mode": self.answer.mode,
            "passages_ms": round(self.passages_ms, 1),
            "first_token_ms": _round(self.answer.timings.first_token),
            "total_ms": round(self.answer.timings.total, 1),
            "prompt_tokens": gen.prompt_tokens if gen else None,
            "cached_tokens": gen.cached_tokens if gen else None,
            "completion_tokens": gen.completion_tokens if gen else None,
            "decode_tokens_per_s": _round(decode_rate(gen) if gen else None),
            "engine_decode_tokens_per_s": _round(gen.engine_decode_tokens_per_s if gen else None),
        }


@dataclass
class ConfigRun:
    measured: list[Measured] = field(default_factory=list)
    raw: dict[str, Any] | None = None


def decode_rate(result: GenerationResult) -> float | None:
    """Tokens per second between the first and the last token, as the caller received them."""
    tokens = result.completion_tokens
    if not tokens or tokens < 3 or result.first_token_ms is None or result.last_token_ms is None:
        return None
    span_s = (result.last_token_ms - result.first_token_ms) / 1000
    return (tokens - 1) / span_s if span_s > 0 else None


def _run_config(name: str, settings: Settings, questions: list[EvalQuestion], raw_sample: int) -> dict[str, Any]:
    extractive = name == "extractive"
    recorder = None if extractive else RecordingGenerator(build_generator(settings))
    pipeline = Pipeline.from_settings(settings, generator=recorder)
    pipeline.warm_up(load_generator=not extractive)
    mode: Mode = "extractive" if extractive else "llm"
    pipeline.ask("Who is Lakhdar Brahimi?", mode=mode)  # caches warm, as in a running service
    run = ConfigRun()
    for question in questions:
        run.measured.append(_ask(pipeline, recorder, question, mode))
        m = run.measured[-1]
        print(f"[{name}] {question.id} {m.answer.timings.total:6.0f} ms {m.answer.answer[:100]}", file=sys.stderr)
    pipeline.generator.close()
    if recorder is not None and raw_sample:
        run.raw = _raw_llamacpp(settings, [m for m in run.measured if m.request is not None][:raw_sample])
    return _summarise(run)


def _ask(pipeline: Pipeline, recorder: RecordingGenerator | None, question: EvalQuestion, mode: Mode) -> Measured:
    calls_before = len(recorder.calls) if recorder else 0
    passages_at: list[float] = []
    started = time.perf_counter()
    answer = pipeline.ask(question.question, mode=mode, on_passages=lambda _: passages_at.append(time.perf_counter()))
    passages_ms = (passages_at[0] - started) * 1000 if passages_at else float("nan")
    new_calls = recorder.calls[calls_before:] if recorder else []
    request, generation = new_calls[-1] if new_calls else (None, None)
    return Measured(question, answer, passages_ms, generation, request)


def _raw_llamacpp(settings: Settings, sample: list[Measured]) -> dict[str, Any]:
    """Replays the prompts on a plain llama.cpp server. Both decode speeds are llama.cpp's own
    measurement (`timings.predicted_per_second`), so their ratio is what running inside citewire
    (in process, streamed to Python callbacks) costs the decoder."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(resolve_model_path(settings.model, settings.cache_dir))
    params.n_ctx = settings.n_ctx
    params.cpuparams.n_threads = settings.threads
    params.cpuparams_batch.n_threads = settings.threads
    params.verbosity = 0
    server = xllamacpp.Server(params)
    ratios, raw_rates, ours = [], [], []
    for m in sample:
        assert m.request is not None and m.generation is not None
        body = streaming_chat_request(m.request)
        body.update(stream=False)
        body.pop("stream_options")
        reply = server.handle_chat_completions(body)
        raw_rate = (reply.get("timings") or {}).get("predicted_per_second") if isinstance(reply, dict) else None
        our_rate = m.generation.engine_decode_tokens_per_s
        if raw_rate and our_rate:
            raw_rates.append(float(raw_rate))
            ours.append(our_rate)
            ratios.append(our_rate / float(raw_rate))
    del server
    return {
        "prompts": len(ratios),
        "raw_decode_tokens_per_s_p50": _p(raw_rates, 50),
        "citewire_decode_tokens_per_s_p50": _p(ours, 50),
        "ratio": round(percentile(ratios, 50), 3) if ratios else None,
    }


def _summarise(run: ConfigRun) -> dict[str, Any]:
    measured = run.measured
    timed = [m for m in measured if m.answer.timings.first_token is not None]
    generations = [m.generation for m in measured if m.generation is not None]
    answerable = [m for m in measured if m.question.answerable]
    unanswerable = [m for m in measured if not m.question.answerable]
    return {
        "questions": len(measured),
        "reached_model": len(generations),
        "passages_p50_ms": _p([m.passages_ms for m in measured], 50),
        "passages_p95_ms": _p([m.passages_ms for m in measured], 95),
        "first_token_p50_ms": _p([m.answer.timings.first_token or 0.0 for m in timed], 50),
        "first_token_p95_ms": _p([m.answer.timings.first_token or 0.0 for m in timed], 95),
        "total_p50_ms": _p([m.answer.timings.total for m in measured], 50),
        "total_p95_ms": _p([m.answer.timings.total for m in measured], 95),
        "total_p50_ms_model_answers": _p([m.answer.timings.total for m in timed], 50),
        "prompt_tokens_p50": _p([float(g.prompt_tokens or 0) for g in generations], 50),
        "uncached_prompt_tokens_p50": _p([float(_uncached(g)) for g in generations], 50),
        "decode_tokens_per_s_p50": _p([r for g in generations if (r := decode_rate(g)) is not None], 50),
        "engine_decode_tokens_per_s_p50": _p([g.engine_decode_tokens_per_s or 0.0 for g in generations], 50),
        "key_facts_correct": f"{sum(_correct(m) for m in answerable)}/{len(answerable)}",
        "unanswerable_declined": f"{sum(not m.answer.answered for m in unanswerable)}/{len(unanswerable)}",
        "extractive_fallbacks": sum(1 for m in measured if m.generation is not None and m.answer.mode == "extractive"),
        "raw_llamacpp": run.raw,
        "peak_rss_mb": round(peak_rss_mb()),
        "per_question": [m.row() for m in measured],
    }


def _uncached(result: GenerationResult) -> int:
    """Prompt tokens llama.cpp had to read (not served from its prompt cache)."""
    return (result.prompt_tokens or 0) - (result.cached_tokens or 0)


def _correct(m: Measured) -> bool:
    return m.answer.answered and has_all_key_facts(m.answer.answer, m.question.accept)


def _p(values: list[float], q: float) -> float | None:
    values = [v for v in values if v == v]  # drop NaN
    return round(percentile(values, q), 1) if values else None


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _seconds(ms: float | None) -> str:
    return f"{ms / 1000:.2f} s" if ms is not None else "–"


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    print(
        "\n| config | passages p50 / p95 | first token p50 / p95 | total p50 / p95 | prompt tokens p50 (uncached) "
        "| decode tok/s p50: seen by caller / llama.cpp | vs raw llama.cpp | key facts | declined |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        raw = r["raw_llamacpp"]
        ratio = f"{raw['ratio']:.1%} (raw {raw['raw_decode_tokens_per_s_p50']} tok/s)" if raw and raw["ratio"] else "–"
        prompt = f"{r['prompt_tokens_p50']:.0f} ({r['uncached_prompt_tokens_p50']:.0f})" if r["reached_model"] else "–"
        seen, engine = r["decode_tokens_per_s_p50"], r["engine_decode_tokens_per_s_p50"]
        decode = f"{seen} / {engine}" if r["reached_model"] else "–"
        print(
            f"| {name} | {r['passages_p50_ms']:.0f} / {r['passages_p95_ms']:.0f} ms "
            f"| {_seconds(r['first_token_p50_ms'])} / {_seconds(r['first_token_p95_ms'])} "
            f"| {_seconds(r['total_p50_ms'])} / {_seconds(r['total_p95_ms'])} | {prompt} | {decode} | {ratio} "
            f"| {r['key_facts_correct']} | {r['unanswerable_declined']} |"
        )


if __name__ == "__main__":
    main()
