"""The one orchestrator: retrieval -> evidence -> generation -> citation checking -> Answer.

The CLI, the HTTP service and the eval runner all call this. Construction is cheap;
`warm_up()` loads the embedder and the index (building it from the seeds when there is none),
and the generator on first use or when asked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from prompts import render
from retrieval import dense_index
from retrieval.chunking import ChunkerSettings
from retrieval.documents import Article, Passage, SearchFilters
from retrieval.embedding import CachingEmbedder, Embedder, make_embedder
from retrieval.errors import ArticleNotFoundError
from retrieval.index import ArticleIndex, IngestReport, ProgressFactory
from retrieval.loaders import load_articles
from retrieval.retriever import Retriever
from service.answer.factcheck import ClaimCheck, check_claim
from service.answer.grounding import GroundingChecker
from service.answer.paraphrase import ModelJudge
from service.answer.syntax import SyntaxParser
from service.answers import Answer, Timings, Usage
from service.attribution import attribute_dates
from service.citations import VerifiedSentence, attach_citations, verify
from service.conversation import Turn, accept_model_rewrite, check_history, keyword_rewrite, needs_rewrite, recent_turns
from service.errors import GenerationError, InvalidRequestError, ModelUnavailableError
from service.evidence import (
    EvidenceScorer,
    EvidenceSentence,
    PromptBudget,
    PromptSource,
    estimated_tokens,
    prompt_sources,
    question_coverage,
    relevance,
    top_score,
)
from service.extractive import extractive_sentences
from service.generation import ChatMessage, GenerationRequest, GenerationResult, Generator, StopCheck, TokenCallback
from service.settings import Settings

logger = logging.getLogger(__name__)
DECLINE_TEXT = "The articles don't say."
UNVERIFIED_TEXT = "I could not write an answer that the articles support."
PassagesCallback = Callable[[list[Passage]], None]
STAND_IN_RATIO = 0.9  # a quote stands in for an unsupported sentence only if it is near the best evidence


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
        self._prompt_budget = PromptBudget(settings.prompt_sentences, settings.prompt_min_ratio, settings.prompt_tokens)
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
        query = self.check_question(query)
        self.index.refresh()
        return self.retriever.search(query, top_k or self.settings.top_k, filters)

    def verify(self, claim: str, article_ids: Sequence[str] | None = None, top_k: int | None = None) -> ClaimCheck:
        """Fact-check `claim` against the whole archive (or only `article_ids`)."""
        started = time.perf_counter()
        claim = self.check_question(claim, what="claim")
        self.index.refresh()
        filters = None
        if article_ids:
            missing = [a for a in article_ids if a not in self.index.snapshot.articles]
            if missing:
                raise ArticleNotFoundError(f"no article with id {', '.join(repr(m) for m in missing)}")
            filters = SearchFilters(article_ids=frozenset(article_ids))
        passages = self.retriever.search(claim, top_k or self.settings.verify_top_k, filters)
        retrieved = _ms_since(started)
        checked = check_claim(claim, passages, self.grounding, self.index.snapshot.term_stats)
        total = _ms_since(started)
        return checked.with_timings(retrieve=retrieved, check=total - retrieved, total=total)

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        mode: str | None = None,
        filters: SearchFilters | None = None,
        history: Sequence[Turn] = (),
        on_passages: PassagesCallback | None = None,
        on_token: TokenCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> Answer:
        """Answer `question` (a follow-up to `history`, if given) within the answer budget.

        `should_stop()` turning true (a client went away) stops waiting and generating."""
        started = time.perf_counter()
        question = self.check_question(question)
        mode = mode or self.settings.default_mode
        if mode not in ("llm", "extractive"):
            raise InvalidRequestError(f"mode must be 'llm' or 'extractive', not {mode!r}")
        deadline = started + self.settings.answer_budget_s

        def stop() -> bool:
            return time.perf_counter() > deadline or bool(should_stop and should_stop())

        standalone = self._standalone(question, check_history(history), mode, stop)
        rewrite_ms = _ms_since(started) if standalone else 0.0
        self.index.refresh()
        passages = self.retriever.search(standalone or question, top_k or self.settings.top_k, filters)
        retrieved_ms = _ms_since(started)
        if on_passages:
            on_passages(passages)
        evidence = self._scorer.score(standalone or question, passages, self.index.snapshot.term_stats)
        stages = _Stages(started, rewrite_ms, retrieved_ms)
        run = _AnswerRun(question, standalone, passages, evidence, stages, mode, self.settings.min_answer_coverage)
        gate = self.settings.llm_min_evidence_score if mode == "llm" else self.settings.min_evidence_score
        if top_score(evidence) < gate:
            return run.declined(["no retrieved passage is relevant enough to answer"])
        if mode == "extractive":
            return run.finish(extractive_sentences(evidence, self.settings.min_evidence_score), [])
        return self._ask_model(run, on_token, stop, should_stop)

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

    def _ask_model(
        self, run: _AnswerRun, on_token: TokenCallback | None, stop: StopCheck, should_stop: StopCheck | None
    ) -> Answer:
        budget_s = self.settings.answer_budget_s
        sources = prompt_sources(run.evidence, self._prompt_budget, [_header_tokens(p) for p in run.passages])
        try:
            with self._model_turn(stop) as ready:
                generator = self.generator() if ready else None
                result = generator.generate(self._request(run, sources), on_token, stop) if generator else None
        except (ModelUnavailableError, GenerationError) as exc:
            logger.warning("generation failed, answering extractively: %s", exc)
            return run.fallback(self.settings.min_evidence_score, f"the model was unavailable ({exc})")
        if generator is not None and result is not None:
            run.record_generation(result, generator.name)
        if result is None or result.finish_reason == "cancelled":
            if should_stop and should_stop():
                return run.fallback(self.settings.min_evidence_score, "the request was stopped")
            return run.fallback(self.settings.min_evidence_score, f"the answer exceeded its {budget_s:g} s budget")
        shown = [source.passage_index for source in sources]
        ordered = [run.passages[i] for i in shown] + [p for i, p in enumerate(run.passages) if i not in shown]
        stats = self.index.snapshot.term_stats
        verification = verify(
            result.text,
            ordered,
            self.grounding,
            stats,
            shown=len(sources),
            question=run.query,
            answers_question=partial(run.answers_question, STAND_IN_RATIO),
        )
        notes = [f"removed unsupported sentence: {text}" for text in verification.removed]
        notes += [f"repaired {verification.repaired} citation(s)"] if verification.repaired else []
        notes += [
            f"replaced a sentence its source {'contradicts' if s.support and s.support.contradicted else 'does not state'}"
            f" by the source's words: {s.replaced}"
            for s in verification.sentences
            if s.replaced
        ]
        kept, off_topic = self._on_topic(run, verification.sentences, ordered)
        notes += [f"removed off-topic sentence: {s.text}" for s in off_topic]
        if any(s.support for s in kept):
            return run.finish(kept, notes, ordered)
        if verification.declined_by_model:
            return run.declined([*notes, "the model found no answer in the passages"])
        if verification.removed or off_topic:  # the articles may well say; the model's attempt failed
            return run.declined(notes, UNVERIFIED_TEXT)
        return run.fallback(self.settings.min_evidence_score, "the model's reply had no usable sentences")

    def _on_topic(
        self, run: _AnswerRun, sentences: list[VerifiedSentence], passages: list[Passage]
    ) -> tuple[list[VerifiedSentence], list[VerifiedSentence]]:
        """Split verified sentences into those whose quote is good evidence for the question
        (at least `min_relevance_ratio` of the best evidence score) and the off-topic rest."""
        floor = self.settings.min_relevance_ratio * top_score(run.evidence)
        kept: list[VerifiedSentence] = []
        off_topic: list[VerifiedSentence] = []
        for sentence in sentences:
            support = sentence.support
            if support is None:
                kept.append(sentence)
                continue
            article_id = passages[support.passage_index].article_id
            score = relevance(run.evidence, run.passages, article_id, support.start, support.end)
            (kept if score >= floor else off_topic).append(sentence)
        return kept, off_topic

    def _request(self, run: _AnswerRun, sources: list[PromptSource]) -> GenerationRequest:
        prompt_passages = []
        for n, source in enumerate(sources, start=1):
            article = run.passages[source.passage_index].article
            prompt_passages.append(
                {
                    "n": n,
                    "title": article.title,
                    "source": article.source,
                    "published": article.published.isoformat() if article.published else None,
                    "evidence": " … ".join(sentence.text for sentence in source.sentences),
                }
            )
        return GenerationRequest(
            messages=(
                ChatMessage("system", render("answer_system")),
                ChatMessage("user", render("answer_user", question=run.query, passages=prompt_passages)),
            ),
            max_tokens=self.settings.max_tokens,
            temperature=0.0,
        )

    def check_question(self, question: str, what: str = "question") -> str:
        """The question (or claim) with whitespace normalised; InvalidRequestError when empty or too long."""
        question = " ".join(question.split())
        if not question:
            raise InvalidRequestError(f"the {what} is empty")
        if len(question) > self.settings.max_question_chars:
            raise InvalidRequestError(
                f"the {what} is {len(question)} characters long; the limit is {self.settings.max_question_chars}"
            )
        return question


@dataclass(frozen=True)
class _Stages:
    """When the request started, and its milliseconds to the rewrite and to retrieval."""

    started: float
    rewrite_ms: float
    retrieved_ms: float


class _AnswerRun:
    """State of one ask() call, and how it becomes an Answer."""

    def __init__(
        self,
        question: str,
        standalone: str | None,
        passages: list[Passage],
        evidence: list[EvidenceSentence],
        stages: _Stages,
        mode: str,
        min_question_coverage: float = 0.0,
    ) -> None:
        self.question = question
        self.min_question_coverage = min_question_coverage
        self.standalone = standalone
        self.passages = passages
        self.evidence = evidence
        self.started = stages.started
        self.retrieved_ms = stages.retrieved_ms
        self.rewrite_ms = stages.rewrite_ms
        self.mode = mode
        self.generate_ms = 0.0
        self.first_token_ms: float | None = None
        self.model: str | None = None
        self.usage: Usage | None = None

    @property
    def query(self) -> str:
        """What retrieval and the model answer: the standalone form of a follow-up."""
        return self.standalone or self.question

    def record_generation(self, result: GenerationResult, model: str) -> None:
        self.generate_ms = result.total_ms
        self.model = model
        self.usage = Usage(result.prompt_tokens, result.completion_tokens, result.cached_tokens)
        if result.first_token_ms is not None:
            self.first_token_ms = _ms_since(self.started) - result.total_ms + result.first_token_ms

    def finish(
        self, sentences: list[VerifiedSentence], notes: list[str], passages: list[Passage] | None = None
    ) -> Answer:
        """`sentences` point into `passages` (default: the retrieved order)."""
        if not sentences:
            return self.declined([*notes, "no sentence of the passages answers the question"])
        passages = passages if passages is not None else self.passages
        coverage = self._question_coverage(sentences, passages)
        if coverage < self.min_question_coverage:
            return self.declined(
                [
                    *notes,
                    f"the supported sentences do not mention what the question asks about (the best quote covers "
                    f"{coverage:.0%} of its terms): {' '.join(s.text for s in sentences)}",
                ]
            )
        text, citations = attach_citations(attribute_dates(sentences, passages), passages)
        return self._answer(text, True, citations, notes)

    def answers_question(self, min_ratio: float, passage: Passage, start: int, end: int) -> bool:
        """A quote is an answer when it is good evidence for the question (at least `min_ratio` of
        the best evidence score) and mentions enough of the question's terms."""
        relevant = relevance(self.evidence, self.passages, passage.article_id, start, end)
        covered = question_coverage(self.evidence, self.passages, passage.article_id, start, end)
        return relevant >= min_ratio * top_score(self.evidence) and covered >= max(self.min_question_coverage, 0.01)

    def _question_coverage(self, sentences: list[VerifiedSentence], passages: list[Passage]) -> float:
        """The most of the question's terms that any quote of the answer mentions."""
        return max(
            (
                question_coverage(
                    self.evidence,
                    self.passages,
                    passages[s.support.passage_index].article_id,
                    s.support.start,
                    s.support.end,
                )
                for s in sentences
                if s.support is not None
            ),
            default=0.0,
        )

    def declined(self, notes: list[str], text: str = DECLINE_TEXT) -> Answer:
        return self._answer(text, False, [], notes)

    def fallback(self, min_score: float, reason: str) -> Answer:
        self.mode = "extractive"
        return self.finish(extractive_sentences(self.evidence, min_score), [f"extractive fallback: {reason}"])

    def _answer(self, text: str, answered: bool, citations: list, notes: list[str]) -> Answer:
        timings = Timings(
            self.retrieved_ms, self.generate_ms, self.first_token_ms, _ms_since(self.started), self.rewrite_ms
        )
        return Answer(
            self.question,
            text,
            answered,
            citations,
            self.passages,
            timings,
            self.mode,
            notes,
            self.model,
            standalone_question=self.standalone,
            usage=self.usage,
        )


def _header_tokens(passage: Passage) -> int:
    """Estimated tokens of a passage's header in the prompt: number, title, publisher and date."""
    article = passage.article
    published = article.published.isoformat() if article.published else ""
    return estimated_tokens(f'[1] "{article.title}" ({article.source or ""}, {published})')


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
