"""The answer schema shared by the CLI, the HTTP API and the eval runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from retrieval.documents import Passage


@dataclass(frozen=True)
class Citation:
    """Marker `[n]` in the answer text; `quote == article.text[start:end]`."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    source: str | None
    published: date | None
    url: str | None
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "article_id": self.article_id,
            "chunk_id": self.chunk_id,
            "title": self.title,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class Timings:
    """Milliseconds from the start of the request. `retrieve` includes rewriting a follow-up."""

    retrieve: float
    generate: float
    first_token: float | None
    total: float
    rewrite: float = 0.0

    def to_dict(self) -> dict[str, float | None]:
        return {
            "rewrite": round(self.rewrite, 1),
            "retrieve": round(self.retrieve, 1),
            "generate": round(self.generate, 1),
            "first_token": round(self.first_token, 1) if self.first_token is not None else None,
            "total": round(self.total, 1),
        }


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_prompt_tokens: int | None = None  # of prompt_tokens, read from the model's prompt cache

    def to_dict(self) -> dict[str, int | None]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_prompt_tokens": self.cached_prompt_tokens,
        }


@dataclass(frozen=True)
class ShownSentence:
    """An evidence sentence the answer step read (numbered in the model's prompt)."""

    article_id: str
    start: int
    end: int
    text: str
    score: float
    chosen: bool  # quoted in the answer

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": self.score,
            "chosen": self.chosen,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    answered: bool
    citations: list[Citation]
    passages: list[Passage]
    timings: Timings
    mode: str  # "llm" | "extractive"
    notes: list[str] = field(default_factory=list)  # e.g. removed unsupported sentences, fallbacks
    model: str | None = None
    standalone_question: str | None = None  # a follow-up rewritten from the history, as retrieved and answered
    usage: Usage | None = None
    confidence: float | None = None  # the decline model's P(right); answers below its threshold are declined
    signals: dict[str, float] = field(default_factory=dict)  # what the decline model weighed
    evidence: list[ShownSentence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.answer,
            "answered": self.answered,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [passage_to_dict(p) for p in self.passages],
            "timings_ms": self.timings.to_dict(),
            "mode": self.mode,
            "model": self.model,
            "notes": list(self.notes),
            "usage": self.usage.to_dict() if self.usage else None,
            "confidence": round(self.confidence, 4) if self.confidence is not None else None,
            "signals": dict(self.signals),
            "evidence": [e.to_dict() for e in self.evidence],
        }


def passage_to_dict(passage: Passage) -> dict[str, Any]:
    article = passage.article
    return {
        "article_id": passage.article_id,
        "chunk_id": passage.chunk_id,
        "text": passage.text,
        "score": passage.score,
        "title": article.title,
        "source": article.source,
        "published": article.published.isoformat() if article.published else None,
    }
