"""`citewire eval`: runs a dataset through the pipeline (or a server), resumably, and writes
config.json, predictions.jsonl, metrics.json and report.html into the run folder."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.metrics import compute_metrics
from eval.predictions import Prediction, score
from eval.question_sets import (
    KNOWN_ITEMS,
    Dataset,
    EvalQuestion,
    known_item_dataset,
    load_dataset,
    resolve_evidence,
)
from eval.report import render_report
from eval.run_files import RunError, git_commit, git_dirty, read_records, write_json, write_or_check_config
from eval.targets import Target
from service.settings import Mode, Settings

RunProgress = Callable[[int, int], Callable[[Prediction], None]]  # (total, already done) -> advance


@dataclass(frozen=True)
class RunRequest:
    dataset: str
    out: Path
    corpus: str = "seeds"
    mode: Mode = "llm"
    limit: int | None = None
    url: str | None = None
    api_key: str | None = None
    settings: Settings = field(default_factory=Settings)
    split: str = "all"  # "dev", "test" or "all"


@dataclass(frozen=True)
class RunResult:
    out: Path
    metrics: dict[str, Any]
    predictions: list[Prediction]
    new: int  # questions evaluated by this invocation (the rest were resumed)


def run(request: RunRequest, target: Target, progress: RunProgress | None = None) -> RunResult:
    dataset = _dataset(request, target)
    questions = [q for q in dataset.questions if request.split in ("all", q.split) or q.retrieval_only]
    questions = questions[: request.limit] if request.limit else questions
    _check_gold_articles(questions, target)
    request.out.mkdir(parents=True, exist_ok=True)
    config = _write_or_check_config(request, dataset, target)
    done = _read_predictions(request.out / "predictions.jsonl", {q.id: q for q in questions})
    todo = [q for q in questions if q.id not in done]
    advance = progress(len(questions), len(done)) if progress else None
    with (request.out / "predictions.jsonl").open("a", encoding="utf-8") as sink:
        for prediction in _evaluate(todo, target, request.mode):
            sink.write(json.dumps(prediction.to_dict(), ensure_ascii=False) + "\n")
            sink.flush()
            done[prediction.question.id] = prediction
            if advance:
                advance(prediction)
    predictions = [done[q.id] for q in questions]
    metrics = {"dataset": dataset.name, "mode": request.mode, "split": request.split, **compute_metrics(predictions)}
    write_json(request.out / "metrics.json", metrics)
    (request.out / "report.html").write_text(render_report(config, metrics, predictions), encoding="utf-8")
    return RunResult(request.out, metrics, predictions, len(todo))


def _evaluate(questions: list[EvalQuestion], target: Target, mode: Mode) -> Iterator[Prediction]:
    for question in questions:
        resolved = resolve_evidence(question, target.article_text)
        answer, client_ms = None, None
        if not question.retrieval_only:  # asked first, so its timings never profit from a cached query
            started = time.perf_counter()
            answer = target.ask(question.question, mode)
            client_ms = round((time.perf_counter() - started) * 1000, 1) if target.remote else None
        ranked = target.ranked_articles(question.question)
        yield Prediction.of(resolved, ranked, answer, target.article_text, client_ms)


def _dataset(request: RunRequest, target: Target) -> Dataset:
    if request.dataset == KNOWN_ITEMS:
        return known_item_dataset(target.article_titles())
    return load_dataset(request.dataset)


def _check_gold_articles(questions: list[EvalQuestion], target: Target) -> None:
    present = set(target.article_titles())
    missing = sorted({a for q in questions for a in q.articles} - present)
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise RunError(
            f"{target.description} lacks {len(missing)} gold article(s) of this dataset ({shown}); "
            "evaluate against the corpus the dataset was written for (--corpus)"
        )


def _write_or_check_config(request: RunRequest, dataset: Dataset, target: Target) -> dict[str, Any]:
    return write_or_check_config(request.out, _config(request, dataset, target))


def _config(request: RunRequest, dataset: Dataset, target: Target) -> dict[str, Any]:
    settings = request.settings.model_dump(mode="json", exclude={"api_keys", "read_api_keys", "openai_api_key"})
    fingerprint = {
        "dataset": dataset.name,
        "dataset_sha256": dataset.sha256,
        "corpus": request.corpus,
        "mode": request.mode,
        "split": request.split,
        "url": request.url,
        "settings": None if request.url else settings,
        "git_commit": git_commit(),
    }
    return {
        "fingerprint": fingerprint,
        "target": target.description,
        "models": target.models(),
        "limit": request.limit,
        "git_dirty": git_dirty(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }


def _read_predictions(path: Path, questions: dict[str, EvalQuestion]) -> dict[str, Prediction]:
    """Predictions already made for these questions (lines for questions outside this run, from a
    larger --limit, are kept in the file)."""
    done: dict[str, Prediction] = {}
    for data in read_records(path):
        question = questions.get(str(data.get("id")))
        if question is not None:
            done[question.id] = Prediction.from_dict(data, _with_stored_evidence(question, data))
    return done


def _with_stored_evidence(question: EvalQuestion, stored: dict[str, Any]) -> EvalQuestion:
    """The stored line's evidence (already resolved at the time) on the dataset's question."""
    return EvalQuestion(**{**question.__dict__, "evidence": list(stored.get("evidence", question.evidence))})


def outcome(prediction: Prediction) -> str:
    """correct | wrong | tentative | declined | ranked (retrieval only), for progress."""
    if prediction.question.retrieval_only:
        return "ranked"
    scores = score(prediction)
    if scores.status == "answered":
        return "correct" if scores.crag == 1 else "wrong"
    return scores.status
