"""The answer path after retrieval, top to bottom: evidence -> the relevance gate -> writing (the model
writes a direct answer; a byline question is answered from the byline) -> proof (the claim checker;
with CITEWIRE_SECOND_ATTEMPT, a second attempt when the first is not proven) -> decision (answered /
tentative / declined) -> composition -> citations -> Answer. `Pipeline.ask` retrieves and hands over here.

Each step returns its result; this module passes them on. What the answer records on the way
(timings, the model's usage, signals) goes into the one `Outcome` of the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from retrieval.embedding import Embedder
from retrieval.term_stats import TermStats
from service.answer.citations import attach_citations
from service.answer.composition import AnswerSentence, direct_answer, metadata_answer, tentative_answer
from service.answer.decline import decide
from service.answer.evidence import EvidenceScorer, EvidenceSentence, top_score
from service.answer.outcome import Outcome
from service.answer.proof import Proof, prove, settled_draft
from service.answer.questions import QuestionKind
from service.answer.reading import ModelReader
from service.answer.result import Answer, Status
from service.answer.writing import Draft, read_draft
from service.claims.grounding import GroundingChecker
from service.generators.base import StopCheck
from service.settings import PipelineSettings

SentenceCallback = Callable[[str], None]
ProofObserver = Callable[[str, Draft, list[Proof]], None]  # (question, draft, its proofs), for eval.proof_curve


@dataclass(frozen=True)
class PathSettings:
    min_evidence_score: float  # the relevance gate without the model
    llm_min_evidence_score: float  # and with it
    tentative_min_evidence_score: float  # NONE below this is declined, above it tentative
    prompt_sentences: int  # evidence listed in the answer
    write_sentences: int  # evidence the model reads
    second_attempt: bool  # ask once more when the first answer is not proven
    decline_threshold: float | None  # None: the fitted one

    @classmethod
    def of(cls, settings: PipelineSettings) -> PathSettings:
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Asked:
    """One question on its way through the path: what it asks for and how to stop."""

    kind: QuestionKind
    stats: TermStats
    stop: StopCheck  # the budget ran out or the client went away
    client_stop: StopCheck | None  # the client went away
    on_sentence: SentenceCallback | None


class AnswerPath:
    def __init__(
        self,
        settings: PathSettings,
        embedder: Embedder,
        grounding: GroundingChecker,
        reader: ModelReader,
    ) -> None:
        self._settings = settings
        self._embedder = embedder
        self._scorer = EvidenceScorer(embedder)
        self._grounding = grounding
        self._reader = reader
        self.observers: list[ProofObserver] = []  # told of every draft and its proofs (none by default)

    def _related(self, word: str, others: list[str]) -> list[float]:
        vectors = self._embedder.embed([word, *others])
        return [float(v) for v in vectors[1:] @ vectors[0]]

    def answer(self, outcome: Outcome, asked: Asked) -> Answer:
        """The answer to `outcome.query` from `outcome.passages`."""
        evidence = self._scorer.score(outcome.query, outcome.passages, asked.stats, asked.kind)
        llm = outcome.mode == "llm"
        gate = self._settings.llm_min_evidence_score if llm else self._settings.min_evidence_score
        if top_score(evidence) < gate:
            return outcome.declined("no retrieved passage is relevant enough to answer")
        outcome.shown = evidence[: self._settings.prompt_sentences]
        if asked.kind.shape == "metadata" and (byline := metadata_answer(evidence[0], asked.kind)):
            outcome.chosen = evidence[:1]
            return _finish(outcome, "answered", byline, asked, "answered from the article's byline")
        draft, proofs = self._proven_draft(outcome, asked)
        s = self._settings
        decision = decide(draft, proofs, evidence, s.tentative_min_evidence_score, s.decline_threshold)
        outcome.confidence, outcome.signals = decision.confidence, decision.signals or {}
        if decision.status == "declined":
            return outcome.declined(decision.reason or "")
        if decision.status == "tentative":
            outcome.chosen = evidence[:2]
            return _finish(outcome, "tentative", tentative_answer(evidence), asked, decision.reason)
        outcome.chosen = [e for e in evidence if any(p.proven and _within(e, p) for p in proofs)]
        return _finish(outcome, "answered", direct_answer(proofs, draft.verdict), asked)

    def _proven_draft(self, outcome: Outcome, asked: Asked) -> tuple[Draft, list[Proof]]:
        """The model's answer and its proofs; when none is proven, a second attempt's, if that one is."""
        draft = self._draft(outcome, asked)
        proofs = self._prove(outcome, asked, draft)
        if any(p.proven for p in proofs) or not self._settings.second_attempt:
            return draft, proofs
        second = self._second_draft(outcome, asked, draft)
        if second is not None:
            second_proofs = self._prove(outcome, asked, second)
            if any(p.proven for p in second_proofs):
                return second, second_proofs
        return draft, proofs

    def _prove(self, outcome: Outcome, asked: Asked, draft: Draft) -> list[Proof]:
        proofs = prove(draft, outcome.query, asked.kind, self._grounding, asked.stats, self._related)
        for observe in self.observers:
            observe(outcome.query, draft, proofs)
        return proofs

    def _draft(self, outcome: Outcome, asked: Asked) -> Draft:
        """The model's direct answer from the best evidence sentences; without the model (extractive mode,
        or a model that failed), only a yes/no question gets one: the verdict the checker reads in the best
        quote."""
        shown = outcome.shown[: self._settings.write_sentences]
        yes_no = asked.kind.shape == "yes-no"
        if outcome.mode == "llm":
            result = self._reader.write(outcome, shown, yes_no, asked.stop, asked.client_stop)
            if result is not None:
                return read_draft(result, shown)
        return settled_draft(outcome.query, shown, asked.kind, self._grounding)

    def _second_draft(self, outcome: Outcome, asked: Asked, first: Draft) -> Draft | None:
        """One more attempt resting on the sentence the model weighed next (else the best one it did not
        cite). The prompt is the first attempt's, so llama.cpp reads none of it again: the attempt costs
        its few written tokens. None when there is nothing to try."""
        if outcome.mode != "llm" or first.none or not first.sentences or asked.stop():
            return None
        shown = list(first.shown)
        cited = {shown.index(e) + 1 for s in first.sentences for e in s.cited if e in shown}
        ranked = [*first.next_choices, *range(1, len(shown) + 1)]
        number = next((n for n in ranked if n not in cited and 1 <= n <= len(shown)), None)
        if number is None:
            return None
        yes_no = asked.kind.shape == "yes-no"
        result = self._reader.write(outcome, shown, yes_no, asked.stop, asked.client_stop, number)
        return read_draft(result, shown) if result is not None else None


def _finish(
    outcome: Outcome, status: Status, sentences: list[AnswerSentence], asked: Asked, note: str | None = None
) -> Answer:
    text, citations, shown = attach_citations(sentences)
    for sentence in shown:
        if asked.on_sentence:
            asked.on_sentence(sentence)
    return outcome.finished(status, text, citations, *([note] if note else []))


def _within(evidence: EvidenceSentence, proof: Proof) -> bool:
    window = proof.window
    return (
        window is not None
        and evidence.article_id == window.passage.article_id
        and window.start <= evidence.start < window.end
    )
