"""The evaluation runner end to end: the real pipeline path with the fakes for the models,
in process and against a real server on loopback; resuming; the CLI with the real embedder."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import main
from eval.eval_pipeline import open_corpus_pipeline
from eval.predictions import answer_record
from eval.runner import RunError, RunRequest, run
from eval.targets import HttpTarget, PipelineTarget
from harness.loopback import ThreadedServer
from service.answer.factcheck import ClaimCheck
from service.answer.result import Answer, to_json
from service.http.app import create_app
from service.settings import Settings
from tests.conftest import LAVROV_A, LAVROV_Q, SEEDS
from tests.fakes import HashEmbedder, ScriptedGenerator

pytestmark = pytest.mark.integration
SEED_IDS = sorted(path.stem for path in SEEDS.glob("*.txt"))  # 000_... to 004_...: five articles


def _target(settings: Settings, *replies: str) -> tuple[PipelineTarget, ScriptedGenerator]:
    generator = ScriptedGenerator(replies)
    pipeline = open_corpus_pipeline(
        settings, "seeds", load_generator=False, embedder=HashEmbedder(), generator=generator
    )
    return PipelineTarget(pipeline), generator


def _dataset(tmp_path: Path, *lines: dict[str, Any]) -> str:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return str(path)


def _line(id: str, question: str, answerable: bool = True, **fields: Any) -> dict[str, Any]:
    base = {
        "id": id,
        "question": question,
        "answer": "militants" if answerable else "The articles do not say.",
        "accept": [["militants"]] if answerable else [],
        "articles": ["002_946358d19c61b6c0"] if answerable else [],
        "evidence": [],
        "type": ["single-fact"] if answerable else ["unanswerable"],
        "answerable": answerable,
    }
    return base | fields


def _predictions(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]


def test_an_extractive_run_writes_every_output_and_resumes(settings: Settings, tmp_path: Path) -> None:
    target, _ = _target(settings)
    out = tmp_path / "run"
    first = run(RunRequest("seeds", out, mode="extractive", limit=3, settings=settings), target)
    assert first.new == 3
    with (out / "predictions.jsonl").open("a", encoding="utf-8") as sink:
        sink.write('{"id": "seed-004", "ranked_art')  # a line cut off by an interrupted run
    second = run(RunRequest("seeds", out, mode="extractive", limit=8, settings=settings), target)
    assert second.new == 5
    lines = _predictions(out)
    assert [line["id"] for line in lines] == [f"seed-00{i}" for i in range(1, 9)]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["overall"]["questions"] == 8
    assert metrics["overall"]["citations"]["verbatim"] == 1.0  # every quote is the article's own text
    # the seeds are 5 articles (19 chunks) and 30 passages are ranked, so every question ranks all
    # 5 articles in its top 10 and finds each of its gold articles: recall@10 = 1 for each of the
    # 8 (all answerable) questions, mean (8 × 1) / 8 = 1.0
    assert all(sorted(line["ranked_articles"]) == SEED_IDS for line in lines)
    assert metrics["overall"]["retrieval"]["recall@10"] == 1.0
    assert all(line["prediction"]["mode"] == "extractive" for line in lines)
    smaller = run(RunRequest("seeds", out, mode="extractive", limit=2, settings=settings), target)
    assert (smaller.new, smaller.metrics["overall"]["questions"]) == (0, 2)
    assert len(_predictions(out)) == 8  # a smaller --limit never drops what was already evaluated
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["fingerprint"]["dataset"] == "seeds" and config["fingerprint"]["git_commit"]


def test_resuming_with_other_options_is_refused(settings: Settings, tmp_path: Path) -> None:
    target, _ = _target(settings)
    out = tmp_path / "run"
    run(RunRequest("seeds", out, mode="extractive", limit=1, settings=settings), target)
    with pytest.raises(RunError, match="mode changed"):
        run(RunRequest("seeds", out, mode="llm", limit=1, settings=settings), target)


def test_gold_articles_missing_from_the_index_stop_the_run(settings: Settings, tmp_path: Path) -> None:
    target, _ = _target(settings)
    dataset = _dataset(tmp_path, _line("x1", LAVROV_Q, articles=["tmt-1"]))
    with pytest.raises(RunError, match="lacks 1 gold article"):
        run(RunRequest(dataset, tmp_path / "run", settings=settings), target)


def test_an_llm_run_scores_the_models_answer(settings: Settings, tmp_path: Path) -> None:
    target, generator = _target(settings, LAVROV_A)
    dataset = _dataset(tmp_path, _line("x1", LAVROV_Q))
    result = run(RunRequest(dataset, tmp_path / "run", mode="llm", settings=settings), target)
    assert len(generator.requests) == 1
    overall = result.metrics["overall"]
    assert overall["answers"]["key_fact_accuracy"] == 1.0
    assert overall["crag"]["score"] == 1.0
    assert overall["citations"]["precision"] == 1.0
    # one answered question: the p50 of one value is that value (a wall-clock time, so compared
    # with what the prediction recorded, not a constant), and the first token comes before the end
    answered = result.predictions[0].answer
    assert answered is not None
    timings = answered.timings
    assert overall["latency_ms"]["first_token_p50"] == timings.first_token
    assert overall["latency_ms"]["total_p50"] == timings.total
    assert timings.first_token is not None and 0 < timings.first_token <= timings.total


def test_a_server_run_scores_the_same_answers_as_in_process(settings: Settings, tmp_path: Path) -> None:
    local, _ = _target(settings)
    in_process = run(RunRequest("seeds", tmp_path / "local", mode="extractive", limit=6, settings=settings), local)
    server_settings = settings.model_copy(update={"index_dir": tmp_path / "server-index"})
    pipeline = open_corpus_pipeline(server_settings, "seeds", load_generator=False, embedder=HashEmbedder())
    with ThreadedServer(create_app(server_settings, pipeline=pipeline)) as server:
        remote = HttpTarget(server.url)
        request = RunRequest("seeds", tmp_path / "remote", mode="extractive", limit=6, url=server.url)
        over_http = run(request, remote)
    for here, there in zip(in_process.predictions, over_http.predictions, strict=True):
        assert here.ranked_articles == there.ranked_articles
        assert here.answer and there.answer
        assert here.answer.answer == there.answer.answer
        assert (here.answer.citations, here.verbatim) == (there.answer.citations, there.verbatim)
    assert in_process.metrics["overall"]["answers"] == over_http.metrics["overall"]["answers"]


def test_cli_runs_gates_and_reports_with_the_real_embedder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import ROOT, SEEDS

    monkeypatch.chdir(tmp_path)  # the default eval index goes under ./var/eval
    monkeypatch.setenv("CITEWIRE_SEEDS_DIR", str(SEEDS))
    # a failure (its key fact is nowhere), so the report shows its question text
    unsafe = _line("x2", f"<script>alert(1)</script> {LAVROV_Q}", accept=[["<img src=x onerror=alert(1)>"]])
    dataset = _dataset(
        tmp_path, *[json.loads(line) for line in (ROOT / "eval/datasets/seeds.jsonl").open()][:5], unsafe
    )
    runner = CliRunner()
    args = ["eval", "--dataset", dataset, "--mode", "extractive", "--out", str(tmp_path / "run")]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "key_fact_accuracy" in result.output
    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "&lt;img src=x onerror=alert(1)&gt;" in report
    assert "<script" not in report and "<img" not in report
    assert "<svg" in report

    baseline = tmp_path / "baseline"
    shutil.copytree(tmp_path / "run", baseline)
    metrics = json.loads((baseline / "metrics.json").read_text(encoding="utf-8"))
    metrics["overall"]["crag"]["score"] += 0.2
    (baseline / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    gated = runner.invoke(main, [*args, "--baseline", str(baseline)])
    assert gated.exit_code == 1
    assert "crag.score" in gated.output and "REGRESSED" in gated.output
    passed = runner.invoke(main, [*args, "--baseline", str(tmp_path / "run")])
    assert passed.exit_code == 0 and "gate: passed" in passed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "nope.jsonl"], "error: no dataset at nope.jsonl"),
        (["--dataset", "seeds", "--set", "bogus=1"], "expected NAME=VALUE with a setting name"),
        (["--dataset", "seeds", "--set", "top_k=0"], "top_k"),
    ],
)
def test_cli_errors_are_messages(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["eval", *args, "--out", str(tmp_path / "run")])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_targets_return_answers_in_process_and_over_http(settings: Settings, tmp_path: Path) -> None:
    local, _ = _target(settings)
    server_settings = settings.model_copy(update={"index_dir": tmp_path / "server-index"})
    pipeline = open_corpus_pipeline(server_settings, "seeds", load_generator=False, embedder=HashEmbedder())
    with ThreadedServer(create_app(server_settings, pipeline=pipeline)) as server:
        remote = HttpTarget(server.url)
        there = remote.ask(LAVROV_Q, "extractive")
        checked = remote.verify("Lavrov said the biggest threat was that the weapons could fall into militants' hands.")
        before = to_json(there)
        record = answer_record(there, remote.article_text, client_ms=1.0)
    here = local.ask(LAVROV_Q, "extractive")
    assert isinstance(here, Answer) and isinstance(there, Answer)
    assert (there.answer, there.answered, there.citations) == (here.answer, here.answered, here.citations)
    assert there.citations and isinstance(there.citations[0].published, date)
    assert [p.article_id for p in there.passages] == [p.article_id for p in here.passages]
    assert isinstance(checked, ClaimCheck) and checked.verdict == local.verify(checked.claim).verdict
    # the stored record is the API's JSON with `verbatim` added; the answer itself is left as it was
    assert to_json(there) == before and record["client_ms"] == 1.0
    assert record["citations"] == [{**c, "verbatim": True} for c in before["citations"]]
    assert {k: v for k, v in record.items() if k not in ("citations", "client_ms")} == {
        k: v for k, v in before.items() if k != "citations"
    }
