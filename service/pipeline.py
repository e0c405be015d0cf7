"""The one orchestrator. `ask`: retrieval -> evidence -> selection (the model reads the best
sentence) -> decline -> composition from quotes -> citations -> Answer (the steps live in
service/answer/). `verify`: retrieval -> the claim checker -> ClaimCheck.

The CLI, the HTTP service and the eval runner all call this. Construction is cheap;
`warm_up()` loads the embedder, the sentence parser and the index (building it from the seeds
when there is none), and the generator on first use or when asked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from prompts import render
from retrieval import dense_index
from retrieval.chunking import ChunkerSettings
from retrieval.dates import long_form
from retrieval.documents import Article, Passage, SearchFilters
from retrieval.embedding import CachingEmbedder, Embedder, make_embedder
from retrieval.errors import ArticleNotFoundError
from retrieval.index import ArticleIndex, IngestReport, ProgressFactory
from retrieval.loaders import load_articles
from retrieval.retriever import Retriever
from service.answer.citations import attach_citations
from service.answer.composition import compose, settled
from service.answer.conversation import (
    Turn,
    accept_model_rewrite,
    check_history,
    keyword_rewrite,
    needs_rewrite,
    recent_turns,
)
from service.answer.decline import load_model, signals
from service.answer.evidence import EvidenceScorer, EvidenceSentence, top_score
from service.answer.factcheck import ClaimCheck, check_claim
from service.answer.grounding import GroundingChecker, settles_yes_no
from service.answer.outcome import DECLINE_TEXT, Outcome, ms_since
from service.answer.paraphrase import ModelJudge, yes_probability
from service.answer.questions import QuestionKind, as_statement, read_question
from service.answer.result import Answer, ShownPassage, shown_passages
from service.answer.selection import Selection, candidates, judge_request, yes_no_request
from service.answer.syntax import SyntaxParser
from service.errors import GenerationError, InvalidRequestError, ModelUnavailableError
from service.generators.base import ChatMessage, GenerationRequest, Generator, StopCheck
from service.settings import Settings

logger = logging.getLogger(__name__)
PassagesCallback = Callable[[list[ShownPassage]], None]


class CheckedQuestion(str):
    """A question (or claim) `Pipeline.check_question` has accepted: whitespace normalised, not empty, not
    too long. Checking it again returns it as is, so a caller that checks first (to refuse before
    queueing) and `Pipeline.ask` check it once between them. (`str(checked)` is the plain string.)"""

    __slots__ = ()


SentenceCallback = Callable[[str], None]
YES_NO_CONFIDENCE = 0.75  # the model's P(yes) (or P(no)) needed to put "Yes."/"No." before the quote
__all__ = ["DECLINE_TEXT", "Pipeline"]


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(
            settings.embedder,
            cache_dir=settings.cache_dir,
            threads=settings.embedder_threads,
            bulk_threads=settings.ingest_threads or None,
        )
        chunker = ChunkerSettings(settings.chunk_words, settings.chunk_overlap_sentences)
        self.index = ArticleIndex(settings.index_dir, self.embedder, chunker)
        query_embedder = CachingEmbedder(self.embedder)  # evidence and citation checks share sentences
        self.retriever = Retriever(self.index, query_embedder)
        self._scorer = EvidenceScorer(query_embedder)
        judge = ModelJudge(self.generator) if settings.paraphrase_judge == "model" else None
        self.grounding = GroundingChecker(SyntaxParser(), judge, settings.paraphrase_min_probability)
        self._generator = generator
        self._generator_lock = threading.Lock()  # loading the model
        # one generation at a time (llama.cpp wants every core), unless a remote server batches them
        self._generation_slots = threading.BoundedSemaphore(settings.generation_slots)

    # ---- start-up -------------------------------------------------------------------------
    def warm_up(self, load_generator: bool = False, progress: ProgressFactory | None = None) -> None:
        dense_index.use_threads(self.settings.search_threads)
        self.embedder.warm_up()
        self.grounding.warm_up()
        self.ensure_index(progress)
        self.index.load()
        if load_generator:
            self.generator()

    def ensure_index(self, progress: ProgressFactory | None = None) -> IngestReport | None:
        """Build the index from the seeds folder when none exists yet."""
        if self.index.exists():
            return None
        seeds = self.settings.seeds_dir
        logger.info("no index at %s; building it from %s", self.index.path, seeds)
        return self.index.upsert(load_articles([seeds]) if seeds.is_dir() else [], progress)

    def generator(self) -> Generator:
        with self._generator_lock:
            if self._generator is None:
                from service.generators.factory import build_generator

                self._generator = build_generator(self.settings)
            self._generator.warm_up()
            return self._generator

    @property
    def generator_name(self) -> str | None:
        """The loaded generator's name (None before it is loaded)."""
        return self._generator.name if self._generator is not None else None

    def close(self) -> None:
        """Release the model (llama.cpp's server thread and port)."""
        close = getattr(self._generator, "close", None)
        if callable(close):
            close()

    # ---- articles -------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path], progress: ProgressFactory | None = None) -> IngestReport:
        return self.index.upsert(load_articles(paths), progress)

    def ingest_articles(self, articles: Iterable[Article], progress: ProgressFactory | None = None) -> IngestReport:
        return self.index.upsert(articles, progress)

    def delete(self, article_id: str) -> None:
        if not self.index.delete([article_id]):
            raise ArticleNotFoundError(f"no article with id {article_id!r}")

    def list_articles(self) -> list[Article]:
        self.index.refresh()
        return sorted(self.index.snapshot.articles.values(), key=lambda a: a.article_id)

    def get_article(self, article_id: str) -> Article:
        self.index.refresh()
        article = self.index.snapshot.articles.get(article_id)
        if article is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        return article

    # ---- questions ------------------------------------------------------------------------
    def search(self, query: str, top_k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]:
        query = str(self.check_question(query))
        self.index.refresh()
        return self.retriever.search(query, top_k or self.settings.top_k, filters)

    def verify(self, claim: str, article_ids: Sequence[str] | None = None, top_k: int | None = None) -> ClaimCheck:
        """Fact-check `claim` against the whole archive (or only `article_ids`)."""
        started = time.perf_counter()
        claim = str(self.check_question(claim, what="claim"))
        self.index.refresh()
        filters = None
        if article_ids:
            missing = [a for a in article_ids if a not in self.index.snapshot.articles]
            if missing:
                raise ArticleNotFoundError(f"no article with id {', '.join(repr(m) for m in missing)}")
            filters = SearchFilters(article_ids=frozenset(article_ids))
        passages = self.retriever.search(claim, top_k or self.settings.verify_top_k, filters)
        retrieved = ms_since(started)
        checked = check_claim(claim, passages, self.grounding, self.index.snapshot.term_stats)
        total = ms_since(started)
        return checked.with_timings(retrieve=retrieved, check=total - retrieved, total=total)

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        mode: str | None = None,
        filters: SearchFilters | None = None,
        history: Sequence[Turn] = (),
        on_passages: PassagesCallback | None = None,
        on_sentence: SentenceCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> Answer:
        """Answer `question` (a follow-up to `history`, if given) within the answer budget:
        retrieve, score evidence, let the model choose sentences, decide whether to answer,
        compose from the chosen quotes, cite. `on_sentence` receives each verified sentence.
        `should_stop()` turning true (a client went away) stops waiting and generating."""
        question = str(self.check_question(question))  # once: a CheckedQuestion (from the HTTP layer) passes as is
        mode = mode or self.settings.default_mode
        if mode not in ("llm", "extractive"):
            raise InvalidRequestError(f"mode must be 'llm' or 'extractive', not {mode!r}")
        outcome = Outcome(question, None, mode)
        deadline = outcome.started + self.settings.answer_budget_s

        def stop() -> bool:
            return time.perf_counter() > deadline or bool(should_stop and should_stop())

        outcome.standalone = self._standalone(question, check_history(history), mode, stop)
        outcome.rewrite_ms = ms_since(outcome.started) if outcome.standalone else 0.0
        kind = read_question(outcome.query)
        self.index.refresh()
        outcome.retrieved(self.retriever.search(outcome.query, top_k or self.settings.top_k, filters))
        if on_passages:
            on_passages(shown_passages(outcome.passages))
        too_late = self._after_archive(kind)
        if too_late:
            return outcome.declined(too_late)
        evidence = self._scorer.score(outcome.query, outcome.passages, self.index.snapshot.term_stats, kind)
        gate = self.settings.llm_min_evidence_score if mode == "llm" else self.settings.min_evidence_score
        if top_score(evidence) < gate:
            return outcome.declined("no retrieved passage is relevant enough to answer")
        selection = self._select(outcome, kind, evidence, stop, should_stop)
        outcome.shown = evidence[: self.settings.prompt_sentences]
        outcome.chosen = selection.chosen
        if not selection.chosen:
            return outcome.declined("no sentence of the passages answers the question")
        composition = compose(selection.chosen, kind, lambda e: self._yes_no(outcome, e, stop))
        decided = self._decide(outcome, kind, selection, settled(composition))
        if decided is not None:
            return decided
        outcome.notes += composition.notes
        text, citations, sentences = attach_citations(composition.sentences)
        for sentence in sentences:
            if on_sentence:
                on_sentence(sentence)
        return outcome.answered(text, citations)

    def _select(
        self,
        outcome: Outcome,
        kind: QuestionKind,
        evidence: list[EvidenceSentence],
        stop: StopCheck,
        should_stop: StopCheck | None,
    ) -> Selection:
        """The sentences to quote and, in llm mode, the model's P(the best one states the answer);
        without the model when it fails or runs out of time."""
        chosen = candidates(evidence, kind, 0.0)
        if outcome.mode == "extractive" or not chosen:
            return Selection(chosen[:1], chosen, None)
        try:
            with self._model_turn(stop) as ready:
                generator = self.generator() if ready else None
                request = judge_request(outcome.query, chosen[0])
                result = generator.generate(request, should_stop=stop) if generator else None
        except (ModelUnavailableError, GenerationError) as exc:
            logger.warning("the model could not read the evidence, answering extractively: %s", exc)
            return self._fallback(outcome, chosen, f"the model was unavailable ({exc})")
        if generator is not None and result is not None:
            outcome.record_generation(result, generator.name)
        if result is None or result.finish_reason == "cancelled":
            stopped = bool(should_stop and should_stop())
            budget = f"the answer exceeded its {self.settings.answer_budget_s:g} s budget"
            return self._fallback(outcome, chosen, "the request was stopped" if stopped else budget)
        return Selection(chosen[:1], chosen, yes_probability(result), result)

    def _fallback(self, outcome: Outcome, chosen: list[EvidenceSentence], reason: str) -> Selection:
        outcome.mode = "extractive"
        outcome.notes.append(f"extractive fallback: {reason}")
        return Selection(chosen[:1], chosen, None)

    def _decide(
        self, outcome: Outcome, kind: QuestionKind, selection: Selection, settled_by: str | None
    ) -> Answer | None:
        """None to answer, or the declined Answer. A yes/no question the quote settles, or a byline
        question answered from the article's metadata, is answered (on the dev split every such
        answer was right); every other answer needs the decline model's P(right)."""
        outcome.signals = signals(outcome.query, kind, selection.chosen, selection.p_answer, self.grounding.parser)
        model = load_model(outcome.mode)
        outcome.confidence = model.probability(outcome.signals)
        if settled_by is not None:
            outcome.notes.append(settled_by)
            return None
        threshold = model.threshold if self.settings.decline_threshold is None else self.settings.decline_threshold
        if outcome.confidence >= threshold:
            return None
        return outcome.declined(
            f"not confident that the chosen quotes answer the question (P(right) {outcome.confidence:.2f} "
            f"< {threshold:.2f})"
        )

    def _yes_no(self, outcome: Outcome, evidence: EvidenceSentence, stop: StopCheck) -> str | None:
        """Yes or no, from the quote: the claim checker first (the question as a statement, against
        the quote alone), then, in llm mode, the model's P(yes)."""
        judged = self.grounding.judge_sentence(
            as_statement(outcome.query), evidence.passage, evidence.start, evidence.end
        )
        verdict = settles_yes_no(judged)
        if verdict is not None:
            return verdict
        if outcome.mode != "llm":
            return None
        with self._model_turn(stop) as ready:
            if not ready:
                return None
            try:
                result = self.generator().generate(yes_no_request(outcome.query, evidence.text), should_stop=stop)
            except (ModelUnavailableError, GenerationError) as exc:
                logger.warning("could not ask the model yes or no: %s", exc)
                return None
        probability = yes_probability(result)
        if probability is None:
            return None
        return "yes" if probability >= YES_NO_CONFIDENCE else "no" if probability <= 1 - YES_NO_CONFIDENCE else None

    def _after_archive(self, kind: QuestionKind) -> str | None:
        newest = self.index.snapshot.newest_published
        later = [year for year in kind.years if newest is not None and year > newest.year]
        if not later:
            return None
        return f"the newest article is from {long_form(newest)}; the archive cannot say what happened in {later[0]}"  # type: ignore[arg-type]

    def _standalone(self, question: str, history: list[Turn], mode: str, stop: StopCheck) -> str | None:
        if not needs_rewrite(question, history):
            return None
        if mode == "llm" and self.settings.rewrite == "llm":
            rewritten = self._model_rewrite(question, history, stop)
            if rewritten:
                return rewritten
        return keyword_rewrite(question, history)

    def _model_rewrite(self, question: str, history: list[Turn], stop: StopCheck) -> str | None:
        prompt = render("rewrite_question", history=recent_turns(history), question=question)
        request = GenerationRequest(messages=(ChatMessage("user", prompt),), max_tokens=64, temperature=0.0)
        try:
            with self._model_turn(stop) as ready:
                if not ready:
                    return None
                result = self.generator().generate(request, should_stop=stop)
        except (ModelUnavailableError, GenerationError) as exc:
            logger.warning("could not rewrite the follow-up with the model: %s", exc)
            return None
        return accept_model_rewrite(question, result.text) if result.finish_reason != "cancelled" else None

    @contextmanager
    def _model_turn(self, stop: StopCheck) -> Iterator[bool]:
        """Wait for a generation slot; yields False when `stop()` came first."""
        while not self._generation_slots.acquire(timeout=0.05):
            if stop():
                yield False
                return
        try:
            yield True
        finally:
            self._generation_slots.release()

    def check_question(self, question: str, what: str = "question") -> CheckedQuestion:
        """The question (or claim) with whitespace normalised; InvalidRequestError when empty or too long."""
        if isinstance(question, CheckedQuestion):
            return question
        question = " ".join(question.split())
        if not question:
            raise InvalidRequestError(f"the {what} is empty")
        if len(question) > self.settings.max_question_chars:
            raise InvalidRequestError(
                f"the {what} is {len(question)} characters long; the limit is {self.settings.max_question_chars}"
            )
        return CheckedQuestion(question)
