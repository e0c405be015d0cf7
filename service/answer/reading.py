"""What the local model is asked for an answer, one short request at a time: the direct answer
(writing.py), and the standalone form of a follow-up question. Each waits for a generation slot
(llama.cpp wants every core) and gives up when the answer's time runs out or the client goes away;
a model that fails leaves the answer without the model, never broken.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prompts import render
from service.answer.conversation import Turn, accept_model_rewrite, keyword_rewrite, needs_rewrite, recent_turns
from service.answer.evidence import EvidenceSentence
from service.answer.outcome import Outcome
from service.answer.questions import read_question, wants_date
from service.answer.writing import write_request
from service.errors import GenerationError, ModelUnavailableError
from service.generators.base import ChatMessage, GenerationRequest, GenerationResult, Generator, StopCheck
from service.settings import PipelineSettings

logger = logging.getLogger(__name__)
YES_NO_CONFIDENCE = 0.75  # the model's P(yes) (or P(no)) needed to put "Yes."/"No." before the quote


class ModelReader:
    def __init__(
        self, generator: Callable[[], Generator], slots: int, budget_s: float, max_wait_s: float = 0.0
    ) -> None:
        self._generator = generator  # loads the model on first use
        self._budget_s = budget_s
        self._max_wait_s = max_wait_s  # longest wait for a generation slot (0: until the budget runs out)
        # one generation at a time (llama.cpp wants every core), unless a remote server batches them
        self._slots = threading.BoundedSemaphore(slots)

    @classmethod
    def of(cls, generator: Callable[[], Generator], settings: PipelineSettings) -> ModelReader:
        return cls(generator, settings.generation_slots, settings.answer_budget_s, settings.max_model_wait_s)

    def write(
        self,
        outcome: Outcome,
        shown: list[EvidenceSentence],
        yes_no: bool,
        stop: StopCheck,
        client_stop: StopCheck | None,
        number: int | None = None,
    ) -> GenerationResult | None:
        """The model's direct answer from the numbered evidence sentences (writing.py); None, with a
        note and the answer going on without the model, when it fails, is busy or runs out of time."""
        try:
            with self.turn(stop) as ready:
                generator = self._generator() if ready else None
                request = write_request(
                    outcome.query, shown, yes_no, number, wants_date=wants_date(read_question(outcome.query))
                )
                result = generator.generate(request, should_stop=stop) if generator else None
        except (ModelUnavailableError, GenerationError) as exc:
            logger.warning("the model could not write the answer, answering without it: %s", exc)
            _fallback(outcome, f"the model was unavailable ({exc})")
            return None
        if generator is not None and result is not None:
            outcome.record_generation(result, generator.name)
        if result is None and not ready and not stop():
            _fallback(outcome, f"the model was busy (no turn within {self._max_wait_s:g} s)")
            return None
        if result is None or result.finish_reason == "cancelled":
            stopped = bool(client_stop and client_stop())
            budget = f"the answer exceeded its {self._budget_s:g} s budget"
            _fallback(outcome, "the request was stopped" if stopped else budget)
            return None
        return result

    def standalone(self, question: str, history: list[Turn], use_model: bool, stop: StopCheck) -> str | None:
        """A follow-up that leans on the history, rewritten to stand alone (by the model when
        `use_model`, else by keyword carry-over); None when the question stands on its own."""
        if not needs_rewrite(question, history):
            return None
        rewritten = self.rewrite(question, history, stop) if use_model else None
        return rewritten or keyword_rewrite(question, history)

    def rewrite(self, question: str, history: list[Turn], stop: StopCheck) -> str | None:
        """The follow-up as a standalone question, when the model's rewrite keeps its content words."""
        prompt = render("rewrite_question", history=recent_turns(history), question=question)
        request = GenerationRequest(messages=(ChatMessage("user", prompt),), max_tokens=64, temperature=0.0)
        try:
            with self.turn(stop) as ready:
                if not ready:
                    return None
                result = self._generator().generate(request, should_stop=stop)
        except (ModelUnavailableError, GenerationError) as exc:
            logger.warning("could not rewrite the follow-up with the model: %s", exc)
            return None
        return accept_model_rewrite(question, result.text) if result.finish_reason != "cancelled" else None

    @contextmanager
    def turn(self, stop: StopCheck) -> Iterator[bool]:
        """Wait for a generation slot; yields False when `stop()` came first or the wait passed
        `max_wait_s` (the answers ahead took longer than the admission expected)."""
        started = time.monotonic()
        while not self._slots.acquire(timeout=0.05):
            if stop() or (self._max_wait_s and time.monotonic() - started > self._max_wait_s):
                yield False
                return
        try:
            yield True
        finally:
            self._slots.release()


def _fallback(outcome: Outcome, reason: str) -> None:
    outcome.mode = "extractive"
    outcome.notes.append(f"extractive fallback: {reason}")
