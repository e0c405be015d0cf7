"""Tables of run metrics: the short summary `citewire eval` prints, and the results table of docs/evaluation.md.

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
    ("answers", "key_fact_accuracy", "answered right [95% CI]"),
    ("answers", "confidently_wrong", "confidently wrong [95% CI]"),
    ("answers", "useful", "useful [95% CI]"),
    ("answers", "unanswerable_not_answered", "unanswerable not answered"),
    ("citations", "precision", "cite P"),
    ("citations", "verbatim", "verbatim"),
    ("answers", "prompt_has_gold", "gold in evidence"),
    ("crag", "score", "CRAG"),
    ("latency_ms", "first_token_p50", "first token p50"),
    ("latency_ms", "total_p50", "total p50 / p95"),
)
TYPE_ROWS = ("single-fact", "paraphrase", "multi-article", "date", "yes-no", "metadata", "near-miss", "after-archive")


def summary_lines(metrics: dict[str, Any]) -> list[str]:
    overall = metrics["overall"]
    lines = [f"{metrics['dataset']} ({metrics['mode']}): {overall['questions']} questions"]
    for group in ("retrieval", "answers", "citations", "abstention", "crag", "latency_ms"):
        values = {k: v for k, v in (overall.get(group) or {}).items() if k != "outcomes"}
        if values:
            lines.append(f"  {group:11} " + "  ".join(f"{k} {_fmt(v)}" for k, v in values.items()))
    for group, counts in ((overall.get("answers") or {}).get("outcomes") or {}).items():
        lines.append(f"  {group:11} " + "  ".join(f"{k} {v}" for k, v in sorted(counts.items())))
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
    interval = values.get(f"{key}_ci95")
    if interval:
        return f"{_fmt(values.get(key))} [{interval[0]:.2f}–{interval[1]:.2f}]"
    return _fmt(values.get(key))


def type_table(label: str, metrics: dict[str, Any]) -> str:
    """Key-fact accuracy (answerable types) or the share declined (unanswerable ones), by type."""
    by_type = metrics.get("by_type", {})
    rows = [f"| {label} | " + " | ".join(t for t in TYPE_ROWS if t in by_type) + " |"]
    rows.append("|" + "---|" * (1 + sum(t in by_type for t in TYPE_ROWS)))
    cells = []
    for name in TYPE_ROWS:
        if name not in by_type:
            continue
        section = by_type[name]
        if section.get("answerable"):
            value = (section.get("answers") or {}).get("key_fact_accuracy")
            cells.append(f"{_fmt(value)} right (n={section['answerable']})")
        else:
            value = (section.get("abstention") or {}).get("recall")
            cells.append(f"{_fmt(value)} declined (n={section['unanswerable']})")
    rows.append("| by type | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _label(run: Path) -> str:
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    models = config.get("models", {})
    mode = config["fingerprint"].get("mode", "verify")
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
    claims = [(label, m) for label, m in runs if m.get("dataset") == "claims"]
    answers = [(label, m) for label, m in runs if m.get("dataset") != "claims"]
    print(markdown_table(answers))
    for label, metrics in answers:
        if metrics.get("by_type") and metrics["overall"].get("answers"):
            print()
            print(type_table(label, metrics))
    for _, metrics in claims:
        print()
        print("\n".join(claim_summary_lines(metrics)))


if __name__ == "__main__":
    main()
