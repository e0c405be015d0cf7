"""One answer in the making: its timings, the model's usage, and how it becomes an `Answer`
(answered or tentative with composed, cited sentences, or declined with the reason in `notes`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from retrieval.documents import Passage
from service.answer.evidence import EvidenceSentence
from service.answer.result import Answer, Citation, ShownSentence, Status, Timings, Usage, shown_passages
from service.generators.base import GenerationResult
from service.settings import Mode

DECLINE_TEXT = "The articles don't say."


@dataclass
class Outcome:
    question: str
    standalone: str | None
    mode: Mode
    started: float = field(default_factory=time.perf_counter)
    passages: list[Passage] = field(default_factory=list)
    shown: list[EvidenceSentence] = field(default_factory=list)
    chosen: list[EvidenceSentence] = field(default_factory=list)
    retrieved_ms: float = 0.0
    rewrite_ms: float = 0.0
    generate_ms: float = 0.0
    first_token_ms: float | None = None
    model: str | None = None
    usage: Usage | None = None
    signals: dict[str, float] = field(default_factory=dict)
    confidence: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def query(self) -> str:
        """What retrieval and the model answer: the standalone form of a follow-up."""
        return self.standalone or self.question

    def retrieved(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.retrieved_ms = ms_since(self.started)

    def record_generation(self, result: GenerationResult, model: str) -> None:
        self.generate_ms += result.total_ms
        self.model = model
        self.usage = Usage(result.prompt_tokens, result.completion_tokens, result.cached_tokens)
        if result.first_token_ms is not None and self.first_token_ms is None:
            self.first_token_ms = ms_since(self.started) - result.total_ms + result.first_token_ms

    def declined(self, *notes: str) -> Answer:
        return self._answer(DECLINE_TEXT, "declined", [], [*self.notes, *notes])

    def finished(self, status: Status, text: str, citations: list[Citation], *notes: str) -> Answer:
        return self._answer(text, status, citations, [*self.notes, *notes])

    def _answer(self, text: str, status: Status, citations: list[Citation], notes: list[str]) -> Answer:
        timings = Timings(
            self.retrieved_ms, self.generate_ms, self.first_token_ms, ms_since(self.started), self.rewrite_ms
        )
        chosen = {(e.article_id, e.start) for e in self.chosen}
        shown = [
            ShownSentence(e.article_id, e.start, e.end, e.text, e.score, (e.article_id, e.start) in chosen)
            for e in self.shown
        ]
        return Answer(
            self.question,
            text,
            status == "answered",
            status,
            citations,
            shown_passages(self.passages),
            timings,
            self.mode,  # type: ignore[arg-type]  # checked by Pipeline.ask
            list(notes),
            self.model,
            standalone_question=self.standalone,
            usage=self.usage,
            confidence=self.confidence,
            signals=dict(self.signals),
            evidence=shown,
        )


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
