"""`citewire eval --dataset claims`: fact-checks every claim of a split against its corpus,
resumably, and writes config.json, predictions.jsonl, metrics.json and report.html."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.claim_metrics import claim_metrics
from eval.claims import CLAIMS_FILE, CORPORA, EvalClaim, load_claims, resolve_claim_evidence
from eval.predictions import answer_record
from eval.report import render_claims_report
from eval.run_files import git_commit, git_dirty, read_records, write_json, write_or_check_config
from eval.targets import Target
from service.settings import Settings

TargetFor = Callable[[str], Target]  # corpus -> the target that fact-checks against it
ClaimProgress = Callable[[int, int], Callable[[EvalClaim, dict[str, Any]], None]]


@dataclass(frozen=True)
class ClaimRunRequest:
    out: Path
    split: str = "test"
    corpora: tuple[str, ...] = CORPORA
    limit: int | None = None
    url: str | None = None
    path: Path = CLAIMS_FILE
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True)
class ClaimRunResult:
    out: Path
    metrics: dict[str, Any]
    records: list[tuple[EvalClaim, dict[str, Any]]]


def run_claims(
    request: ClaimRunRequest, target_for: TargetFor, progress: ClaimProgress | None = None
) -> ClaimRunResult:
    sets = {corpus: load_claims(request.path, request.split, corpus).claims for corpus in request.corpora}
    claims = [c for corpus in request.corpora for c in sets[corpus][: request.limit]]
    request.out.mkdir(parents=True, exist_ok=True)
    config = write_or_check_config(request.out, _config(request, load_claims(request.path).sha256))
    done = _read(request.out / "predictions.jsonl", {c.id: c for c in claims})
    advance = progress(len(claims), len(done)) if progress else None
    with (request.out / "predictions.jsonl").open("a", encoding="utf-8") as sink:
        for corpus in request.corpora:
            todo = [c for c in claims if c.corpus == corpus and c.id not in done]
            if not todo:
                continue
            for claim, verdict in _check(todo, target_for(corpus)):
                sink.write(json.dumps({**claim.to_dict(), "prediction": verdict}, ensure_ascii=False) + "\n")
                sink.flush()
                done[claim.id] = (claim, verdict)
                if advance:
                    advance(claim, verdict)
    records = [done[c.id] for c in claims]
    metrics = claim_metrics(records, request.split)
    write_json(request.out / "metrics.json", metrics)
    (request.out / "report.html").write_text(render_claims_report(config, metrics, records), encoding="utf-8")
    return ClaimRunResult(request.out, metrics, records)


def _check(claims: list[EvalClaim], target: Target) -> Iterator[tuple[EvalClaim, dict[str, Any]]]:
    for claim in claims:
        resolved = resolve_claim_evidence(claim, target.article_text)
        yield resolved, answer_record(target.verify(claim.claim), target.article_text)


def _read(path: Path, claims: dict[str, EvalClaim]) -> dict[str, tuple[EvalClaim, dict[str, Any]]]:
    """Verdicts already recorded for these claims, with the evidence as it was resolved then."""
    done: dict[str, tuple[EvalClaim, dict[str, Any]]] = {}
    for data in read_records(path):
        claim = claims.get(str(data.get("id")))
        if claim is not None:
            stored = EvalClaim(**{**claim.__dict__, "evidence": list(data.get("evidence", claim.evidence))})
            done[claim.id] = (stored, data["prediction"])
    return done


def _config(request: ClaimRunRequest, sha256: str) -> dict[str, Any]:
    settings = request.settings.model_dump(mode="json", exclude={"api_keys", "read_api_keys", "openai_api_key"})
    return {
        "fingerprint": {
            "dataset": "claims",
            "dataset_sha256": sha256,
            "split": request.split,
            "corpora": list(request.corpora),
            "url": request.url,
            "settings": None if request.url else settings,
            "git_commit": git_commit(),
        },
        "target": request.url or "in process",
        "limit": request.limit,
        "git_dirty": git_dirty(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }
