"""What the local model reads for an answer, one short request at a time: whether the best
evidence sentence states the answer (P(yes)), whether a quote says yes or no, and the standalone
form of a follow-up question. Each waits for a generation slot (llama.cpp wants every core) and
gives up when the answer's time runs out or the client goes away; a model that fails leaves the
answer extractive, never broken.
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
from service.answer.grounding import GroundingChecker, settles_yes_no, states_the_action
from service.answer.outcome import Outcome
from service.answer.paraphrase import yes_probability
from service.answer.questions import as_statement
from service.answer.selection import Selection, judge_request, yes_no_request
from service.errors import GenerationError, ModelUnavailableError
from service.generators.base import ChatMessage, GenerationRequest, Generator, StopCheck

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

    def select(
        self, outcome: Outcome, chosen: list[EvidenceSentence], stop: StopCheck, should_stop: StopCheck | None
    ) -> Selection:
        """The best candidate and, in llm mode, the model's P(it states the answer); an extractive
        selection (and a note) when the model fails or runs out of time."""
        if outcome.mode == "extractive" or not chosen:
            return Selection(chosen[:1], chosen, None)
        try:
            with self.turn(stop) as ready:
                generator = self._generator() if ready else None
                request = judge_request(outcome.query, chosen[0])
                result = generator.generate(request, should_stop=stop) if generator else None
        except (ModelUnavailableError, GenerationError) as exc:
            logger.warning("the model could not read the evidence, answering extractively: %s", exc)
            return _fallback(outcome, chosen, f"the model was unavailable ({exc})")
        if generator is not None and result is not None:
            outcome.record_generation(result, generator.name)
        if result is None and not ready and not stop():
            return _fallback(outcome, chosen, f"the model was busy (no turn within {self._max_wait_s:g} s)")
        if result is None or result.finish_reason == "cancelled":
            stopped = bool(should_stop and should_stop())
            budget = f"the answer exceeded its {self._budget_s:g} s budget"
            return _fallback(outcome, chosen, "the request was stopped" if stopped else budget)
        return Selection(chosen[:1], chosen, yes_probability(result), result)

    def verdict(
        self, outcome: Outcome, evidence: EvidenceSentence, grounding: GroundingChecker, stop: StopCheck
    ) -> str | None:
        """Yes or no, from the quote: the claim checker first (the question as a statement, against
        the quote alone), then, in llm mode, the model's P(yes)."""
        judged = grounding.judge_sentence(as_statement(outcome.query), evidence.passage, evidence.start, evidence.end)
        settled = settles_yes_no(judged)
        if settled is not None or outcome.mode != "llm":
            return settled
        answer = self.yes_no(outcome.query, evidence.text, stop)
        if answer == "no" and states_the_action(judged, grounding.parser.parse(outcome.query)):
            outcome.notes.append('the model said "no", but the quote states what the question asks about')
            return None
        return answer

    def yes_no(self, question: str, quote: str, stop: StopCheck) -> str | None:
        """ "yes" / "no" when the model is confident the quote says so; None otherwise."""
        with self.turn(stop) as ready:
            if not ready:
                return None
            try:
                result = self._generator().generate(yes_no_request(question, quote), should_stop=stop)
            except (ModelUnavailableError, GenerationError) as exc:
                logger.warning("could not ask the model yes or no: %s", exc)
                return None
        probability = yes_probability(result)
        if probability is None:
            return None
        return "yes" if probability >= YES_NO_CONFIDENCE else "no" if probability <= 1 - YES_NO_CONFIDENCE else None

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


def _fallback(outcome: Outcome, chosen: list[EvidenceSentence], reason: str) -> Selection:
    outcome.mode = "extractive"
    outcome.notes.append(f"extractive fallback: {reason}")
    return Selection(chosen[:1], chosen, None)
