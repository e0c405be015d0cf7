"""Metrics of a claims run: how many fabrications the checker rejects and how many true claims
it recognises (supported, with a verbatim quote from the claim's own article), overall, by
corpus and by kind, each with its 95% interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eval.claims import KINDS, EvalClaim
from eval.confidence import rate


def claim_metrics(records: list[tuple[EvalClaim, dict[str, Any]]], split: str) -> dict[str, Any]:
    corpora = sorted({claim.corpus for claim, _ in records})
    return {
        "dataset": "claims",
        "mode": "verify",
        "split": split,
        "overall": _section(records),
        "by_corpus": {c: _section([r for r in records if r[0].corpus == c]) for c in corpora},
        "by_kind": {k: _section(kept) for k in KINDS if (kept := [r for r in records if r[0].kind == k])},
    }


def recognised(claim: EvalClaim, verdict: dict[str, Any]) -> bool:
    """Supported, citing the claim's own article with a verbatim quote."""
    return bool(verdict.get("supported")) and any(
        c["article_id"] in claim.articles and c.get("verbatim") for c in verdict.get("citations", [])
    )


def _section(records: list[tuple[EvalClaim, dict[str, Any]]]) -> dict[str, Any]:
    fabricated = [(c, v) for c, v in records if c.fabricated]
    true = [(c, v) for c, v in records if not c.fabricated]
    flagged = [(c, v) for c, v in fabricated if c.contradicted]
    quotes = [q for _, v in records for q in v.get("citations", [])]
    rejected = rate(sum(not v.get("supported") for _, v in fabricated), len(fabricated))
    found = rate(sum(recognised(c, v) for c, v in true), len(true))
    named = rate(sum(v.get("verdict") == "contradicted" for _, v in flagged), len(flagged))
    totals = [float(v["timings_ms"]["total"]) for _, v in records if v.get("timings_ms", {}).get("total") is not None]
    return {
        "claims": {
            "fabricated_rejected": rejected["rate"],
            "fabricated_rejected_ci95": rejected["ci95"],
            "fabricated": rejected["n"],
            "true_recognised": found["rate"],
            "true_recognised_ci95": found["ci95"],
            "true": found["n"],
            "contradictions_named": named["rate"],
            "verbatim": round(sum(bool(q.get("verbatim")) for q in quotes) / len(quotes), 4) if quotes else None,
        },
        "latency_ms": {
            "verify_p50": round(float(np.percentile(totals, 50)), 1) if totals else None,
            "verify_p95": round(float(np.percentile(totals, 95)), 1) if totals else None,
        },
    }
