"""The decline model's fit and its report of how well right and wrong answers can be told apart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.fit_declines import auc, choose_threshold, examples, fit, separation_report, trade_off
from eval.question_sets import load_dataset
from service.answer.decline import SIGNALS


def test_auc_counts_pairs_and_ties() -> None:
    labels = np.array([1, 1, 0, 0])
    assert auc(np.array([0.9, 0.8, 0.2, 0.1]), labels) == 1.0
    assert auc(np.array([0.1, 0.2, 0.8, 0.9]), labels) == 0.0
    # right 0.5 ties wrong 0.5 (half), right 0.9 beats both, right 0.5 beats 0.1: (1 + 0.5 + 1 + 1) / 4
    assert auc(np.array([0.9, 0.5, 0.5, 0.1]), labels) == pytest.approx(0.875)
    assert np.isnan(auc(np.array([0.3, 0.4]), np.array([1, 1])))


def test_trade_off_and_threshold_count_answers_above_the_threshold() -> None:
    p = np.array([0.9, 0.7, 0.6, 0.4, 0.2])
    y = np.array([1, 0, 1, 0, 1])
    assert trade_off(p, y, [0.5, 0.8]) == [(0.5, 2, 1), (0.8, 1, 0)]
    # 10 questions, at most 10% wrong: answering 0.7 (one wrong) is allowed, 0.4 (two wrong) is not; of
    # the allowed thresholds, 0.41 (2 right, 1 wrong) and 0.71 (1 right, 0 wrong) have the same CRAG: the lower
    threshold, figures = choose_threshold(p, y, total=10, max_wrong=0.1)
    assert threshold == pytest.approx(0.41)
    assert figures == {"questions": 10, "examples": 5, "right": 2, "wrong": 1}
    # with room for every wrong answer, the best CRAG is still not "answer everything": 3 right - 2 wrong = 1
    loose = choose_threshold(p, y, total=10, max_wrong=1.0)[1]
    assert loose["right"] - loose["wrong"] == 1
    # CRAG decides among allowed thresholds: answering only 0.9 (1 right, 0 wrong) beats answering all (2 - 3)
    skewed = np.array([1, 0, 0, 0, 1])
    assert choose_threshold(p, skewed, total=100, max_wrong=1.0)[1] == {
        "questions": 100,
        "examples": 5,
        "right": 1,
        "wrong": 0,
    }


def test_fit_weighs_the_signal_that_separates() -> None:
    rng = np.random.default_rng(0)
    useful = rng.random(200)
    noise = rng.random(200)
    y = (useful + 0.1 * rng.standard_normal(200) > 0.5).astype(float)
    weights = fit(np.column_stack([useful, noise]), y)
    assert weights[1] > 3.0
    assert abs(weights[2]) < 1.0


def _run(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"fingerprint": {"dataset": "seeds", "mode": "llm"}}))
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_examples_and_report_count_the_ceiling_per_run(tmp_path: Path) -> None:
    questions = [q for q in load_dataset("seeds").questions if q.split == "dev"]
    answerable = [q for q in questions if q.answerable][:3]
    unanswerable = next(q for q in questions if not q.answerable)
    signals = dict.fromkeys(SIGNALS, 0.5)

    def row(question, text: str | None, with_signals: bool = True) -> dict:
        answer = {
            "question": question.question,
            "answered": text is not None,
            "status": "answered" if text is not None else "declined",
            "answer": text or "The articles don't say.",
            "citations": [],
            "passages": [],
            "timings_ms": {"retrieve": 1.0, "generate": 1.0, "first_token": None, "total": 2.0},
            "mode": "llm",
        }
        if with_signals:
            answer["signals"] = {**signals, "written": 0.9 if text == question.answer else 0.1}
        return {**question.to_dict(), "ranked_articles": [], "prediction": answer}

    run = _run(
        tmp_path / "dev-seeds",
        [
            row(answerable[0], answerable[0].answer),  # right: the gold answer holds every key fact
            row(answerable[1], "Something else entirely."),  # wrong
            row(answerable[2], None, with_signals=False),  # declined before the decision: no example
            row(unanswerable, "An answer to an unanswerable question."),  # wrong
        ],
    )
    data = examples([run])
    assert data.y.tolist() == [1.0, 0.0, 0.0]
    assert (data.questions, data.answerable, data.mode) == (4, 3, "llm")
    assert data.ceilings == [(str(run), 1, 3)]
    report = separation_report(data, data.x[:, SIGNALS.index("written")])
    assert "4 questions (3 answerable), 3 reached the decision: 1 right, 2 wrong" in report
    assert "right 1 of 3 answerable = 0.333" in report
    assert "written 1.000" in report  # P(not NONE) separates these three perfectly
