"""The release gate: compares a run's metrics with a baseline's and fails on a regression.

Quality metrics may fall by at most `tolerance` (absolute; default 0.03, about one question in
the seed set's 55 answerable ones); latency p50s may grow by at most `latency_tolerance`
(relative; default 0.5, as a shared 2-core machine is noisy). Improvements never fail the gate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUALITY = (
    ("answers", "confidently_wrong"),
    ("retrieval", "recall@10"),
    ("retrieval", "mrr@10"),
    ("answers", "key_fact_accuracy"),
    ("answers", "useful"),
    ("answers", "unanswerable_not_answered"),
    ("answers", "f1"),
    ("citations", "precision"),
    ("citations", "recall"),
    ("citations", "verbatim"),
    ("abstention", "f1"),
    ("crag", "score"),
)
LATENCY = (("latency_ms", "first_token_p50"), ("latency_ms", "total_p50"))
LOWER_IS_BETTER = frozenset({"answers.confidently_wrong"})
CLAIMS_QUALITY = (("claims", "fabricated_rejected"), ("claims", "true_recognised"), ("claims", "verbatim"))
CLAIMS_LATENCY = (("latency_ms", "verify_p50"),)


class GateError(Exception):
    """The baseline is missing or was made on another dataset or mode."""


@dataclass(frozen=True)
class Delta:
    metric: str
    baseline: float | None
    current: float | None
    allowed: str
    regressed: bool

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline


def load_baseline(path: Path) -> dict[str, Any]:
    """A run folder (its metrics.json) or a metrics.json file."""
    file = path / "metrics.json" if path.is_dir() else path
    if not file.is_file():
        raise GateError(f"no baseline metrics at {file}")
    data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return data


def compare(
    current: dict[str, Any], baseline: dict[str, Any], tolerance: float = 0.03, latency_tolerance: float = 0.5
) -> list[Delta]:
    for key in ("dataset", "mode", "split"):
        if current.get(key) != baseline.get(key):
            raise GateError(
                f"the baseline was made with {key}={baseline.get(key)!r}, this run has {current.get(key)!r}"
            )
    now, then = current["overall"], baseline["overall"]
    claims = current.get("dataset") == "claims"
    quality, latency = (CLAIMS_QUALITY, CLAIMS_LATENCY) if claims else (QUALITY, LATENCY)
    deltas = []
    for group, name in quality:
        old, new = then.get(group, {}).get(name), now.get(group, {}).get(name)
        if f"{group}.{name}" in LOWER_IS_BETTER:
            regressed = old is not None and (new is None or new > old + tolerance)
            deltas.append(Delta(f"{group}.{name}", old, new, f"+{tolerance:g}", regressed))
            continue
        regressed = old is not None and (new is None or new < old - tolerance)
        deltas.append(Delta(f"{group}.{name}", old, new, f"-{tolerance:g}", regressed))
    for group, name in latency:
        old, new = then.get(group, {}).get(name), now.get(group, {}).get(name)
        regressed = old is not None and new is not None and new > old * (1 + latency_tolerance)
        deltas.append(Delta(f"{group}.{name}", old, new, f"+{latency_tolerance:.0%}", regressed))
    return deltas


def format_deltas(deltas: list[Delta]) -> str:
    lines = [f"{'metric':34} {'baseline':>10} {'now':>10} {'change':>9} {'allowed':>8}  verdict"]
    for d in deltas:
        change = "–" if d.change is None else f"{d.change:+.4g}"
        verdict = "REGRESSED" if d.regressed else "ok"
        lines.append(
            f"{d.metric:34} {_num(d.baseline):>10} {_num(d.current):>10} {change:>9} {d.allowed:>8}  {verdict}"
        )
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"
