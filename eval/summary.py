"""Tables of run metrics: the short summary `citewire eval` prints, and the README's table.

.venv/bin/python -m eval.summary runs/seeds-1.5b runs/seeds-0.5b ...   # a markdown table
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

_COLUMNS = (
    ("questions", None, "questions"),
    ("retrieval", "recall@10", "R@10"),
    ("retrieval", "mrr@10", "MRR@10"),
    ("answers", "confidently_wrong", "confidently wrong"),
    ("answers", "key_fact_accuracy", "key-fact acc."),
    ("answers", "f1", "F1"),
    ("citations", "precision", "cite P"),
    ("citations", "recall", "cite R"),
    ("citations", "verbatim", "verbatim"),
    ("abstention", "f1", "abstain F1"),
    ("crag", "score", "CRAG"),
    ("latency_ms", "first_token_p50", "first token p50"),
    ("latency_ms", "total_p50", "total p50 / p95"),
)


def summary_lines(metrics: dict[str, Any]) -> list[str]:
    overall = metrics["overall"]
    lines = [f"{metrics['dataset']} ({metrics['mode']}): {overall['questions']} questions"]
    for group in ("retrieval", "answers", "citations", "abstention", "crag", "latency_ms"):
        values = overall.get(group)
        if values:
            lines.append(f"  {group:11} " + "  ".join(f"{k} {_fmt(v)}" for k, v in values.items()))
    return lines


def claim_summary_lines(metrics: dict[str, Any]) -> list[str]:
    """Fabricated-rejected and true-recognised rates with 95% intervals: overall, by corpus, by kind."""
    sections = {"overall": metrics["overall"], **metrics["by_corpus"], **metrics["by_kind"]}
    lines = [f"claims ({metrics['split']} split): fabricated rejected / true recognised, 95% intervals"]
    for name, section in sections.items():
        c = section["claims"]
        lines.append(
            f"  {name:18} fabricated rejected {_rate(c, 'fabricated_rejected', 'fabricated')}   "
            f"true recognised {_rate(c, 'true_recognised', 'true')}"
        )
    latency = metrics["overall"]["latency_ms"]
    lines.append(f"  verify latency p50 {_fmt(latency['verify_p50'])} ms, p95 {_fmt(latency['verify_p95'])} ms")
    return lines


def _rate(claims: dict[str, Any], key: str, count: str) -> str:
    interval = claims.get(f"{key}_ci95")
    bounds = f"[{interval[0]:.2f}, {interval[1]:.2f}]" if interval else "[–]"
    return f"{_fmt(claims[key])} {bounds} (n={claims[count]})"


def markdown_table(runs: list[tuple[str, dict[str, Any]]]) -> str:
    header = "| run | " + " | ".join(label for _, _, label in _COLUMNS) + " |"
    rows = [header, "|" + "---|" * (len(_COLUMNS) + 1)]
    for label, metrics in runs:
        overall = metrics["overall"]
        cells = [_cell(overall, group, key) for group, key, _ in _COLUMNS]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _cell(overall: dict[str, Any], group: str, key: str | None) -> str:
    if key is None:
        return str(overall[group])
    values = overall.get(group) or {}
    if key == "total_p50":
        p50, p95 = values.get("total_p50"), values.get("total_p95")
        return "–" if p50 is None or p95 is None else f"{p50 / 1000:.1f} / {p95 / 1000:.1f} s"
    if group == "latency_ms":
        value = values.get(key)
        return "–" if value is None else f"{value / 1000:.1f} s"
    return _fmt(values.get(key))


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _label(run: Path) -> str:
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    models = config.get("models", {})
    mode = config["fingerprint"]["mode"]
    return f"{config['fingerprint']['dataset']}, {'extractive' if mode == 'extractive' else models.get('model')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (each with metrics.json)")
    parser.add_argument("--by-folder", action="store_true", help="label rows by run folder, not dataset and model")
    args = parser.parse_args()
    runs = [
        (run.name if args.by_folder else _label(run), json.loads((run / "metrics.json").read_text(encoding="utf-8")))
        for run in args.runs
    ]
    print(markdown_table(runs))


if __name__ == "__main__":
    main()
