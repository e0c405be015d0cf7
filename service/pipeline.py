"""The one orchestrator, which the CLI, the HTTP service and the eval runner call. `ask`: a
follow-up made standalone, retrieval, then the answer path (service/answer/path.py). `verify`:
retrieval, then the claim checker (service/answer/factcheck.py). Construction is cheap; `warm_up()`
loads the embedder, the sentence parser and the index (built from the seeds when there is none),
and the generator when asked (else on first use)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from retrieval import dense_index
from retrieval.bulk_ingest import BatchCallback, BulkReport, InputCheck, ingest_batches, ingest_paths
from retrieval.chunking import ChunkerSettings
from retrieval.documents import Article, Passage, SearchFilters
from retrieval.embedding import CachingEmbedder, Embedder, make_embedder
from retrieval.errors import ArticleNotFoundError
from retrieval.loaders import load_articles
from retrieval.open_store import open_store
from retrieval.retriever import Retriever
from retrieval.store import IngestReport, ProgressFactory
from service.answer.conversation import Turn, check_history
from service.answer.factcheck import ClaimCheck, verify_claim
from service.answer.outcome import Outcome, ms_since
from service.answer.path import AnswerPath, Asked, PathSettings
from service.answer.questions import CheckedQuestion, after_archive, normalise_question, read_question
from service.answer.reading import ModelReader
from service.answer.result import Answer, ShownPassage, shown_passages
from service.claims.grounding import GroundingChecker
from service.claims.paraphrase import ModelJudge
from service.claims.syntax import SyntaxParser
from service.errors import InvalidRequestError
from service.generators.base import Generator, StopCheck
from service.generators.lazy import LazyGenerator
from service.settings import MODES, Mode, PipelineSettings, Settings

logger = logging.getLogger(__name__)
PassagesCallback = Callable[[list[ShownPassage]], None]
SentenceCallback = Callable[[str], None]


class Pipeline:
    def __init__(
        self,
        settings: PipelineSettings,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        load_generator: Callable[[], Generator] | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(
            settings.embedder,
            cache_dir=settings.cache_dir,
            threads=settings.embedder_threads,
            bulk_threads=settings.ingest_threads or None,
        )
        chunker = ChunkerSettings(settings.chunk_words, settings.chunk_overlap_sentences)
        self.store = open_store(settings.store, self.embedder, chunker)
        query_embedder = CachingEmbedder(self.embedder)  # evidence and citation checks share sentences
        self.retriever = Retriever(self.store, query_embedder)
        self.generator = LazyGenerator(generator, load_generator)  # loaded on first use
        judge = ModelJudge(self.generator) if settings.paraphrase_judge == "model" else None
        self.grounding = GroundingChecker(SyntaxParser(), judge, settings.paraphrase_min_probability)
        self._reader = ModelReader.of(self.generator, settings)
        self.answer_path = AnswerPath(PathSettings.of(settings), query_embedder, self.grounding, self._reader)

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: Embedder | None = None, generator: Generator | None = None
    ) -> Pipeline:
        """The pipeline the settings describe; the generator they name is built on first use."""

        def load_generator() -> Generator:
            from service.generators.factory import build_generator  # heavy backends load only when asked

            return build_generator(settings)

        return cls(PipelineSettings.of(settings), embedder, generator, load_generator)

    # ---- start-up -------------------------------------------------------------------------
    def warm_up(self, load_generator: bool = False, progress: ProgressFactory | None = None) -> None:
        dense_index.use_threads(self.settings.search_threads)
        self.embedder.warm_up()
        self.grounding.warm_up()
        self.ensure_index(progress)
        self.store.load()
        if load_generator:
            self.generator()

    def ensure_index(self, progress: ProgressFactory | None = None) -> IngestReport | None:
        """Build the index from the seeds folder (CITEWIRE_SEEDS_DIR) when none exists yet; without
        one, nothing is built and loading the index says how to build it."""
        seeds = self.settings.seeds_dir
        if seeds is None or self.store.exists():
            return None
        logger.info("no index in the %s; building it from %s", self.store.description, seeds)
        return self.store.upsert(load_articles([seeds]) if seeds.is_dir() else [], progress)

    # ---- articles -------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[Path],
        progress: ProgressFactory | None = None,
        skip_invalid: bool = False,
        on_batch: BatchCallback | None = None,
        check: InputCheck | None = None,
    ) -> BulkReport:
        """Ingest files and folders in committed batches (see retrieval/bulk_ingest.py): a killed
        ingest resumes where it stopped; an invalid article refuses the input unless `skip_invalid`."""
        batch = self.settings.ingest_batch_articles
        result = ingest_paths(self.store, list(paths), batch, skip_invalid, on_batch, progress, check)
        self.store.settle()  # a merge the batches started finishes before the command exits
        return result

    def ingest_articles(
        self,
        articles: Iterable[Article],
        progress: ProgressFactory | None = None,
        on_batch: BatchCallback | None = None,
    ) -> IngestReport:
        """Upsert articles in committed batches (a killed run resumes: committed ones are unchanged)."""
        return ingest_batches(self.store, articles, self.settings.ingest_batch_articles, on_batch, progress)

    def delete(self, article_id: str) -> None:
        if not self.store.delete([article_id]):
            raise ArticleNotFoundError(f"no article with id {article_id!r}")

    def list_articles(self) -> list[Article]:
        self.store.refresh()
        return self.store.articles()

    def get_article(self, article_id: str) -> Article:
        self.store.refresh()
        article = self.store.article(article_id)
        if article is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        return article

    # ---- questions ------------------------------------------------------------------------
    def search(self, query: str, top_k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]:
        query = str(self.check_question(query))
        self.store.refresh()
        return self.retriever.search(query, top_k or self.settings.top_k, filters)

    def verify(self, claim: str, article_ids: Sequence[str] | None = None, top_k: int | None = None) -> ClaimCheck:
        """Fact-check `claim` against the whole archive (or only `article_ids`)."""
        claim = str(self.check_question(claim, what="claim"))
        self.store.refresh()
        if article_ids and (missing := self.store.missing(article_ids)):
            raise ArticleNotFoundError(f"no article with id {', '.join(repr(m) for m in missing)}")
        top_k = top_k or self.settings.verify_top_k
        return verify_claim(claim, self.retriever, self.store, top_k, article_ids, self.grounding)

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        mode: Mode | None = None,
        filters: SearchFilters | None = None,
        history: Sequence[Turn] = (),
        on_passages: PassagesCallback | None = None,
        on_sentence: SentenceCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> Answer:
        """Answer `question` (a follow-up to `history`, if given) within the answer budget: retrieve,
        score evidence, let the model write the answer, prove it, decide the outcome, compose, cite.
        `on_sentence` receives each shown sentence: the proven direct answer as soon as it is proven.
        `should_stop()` turning true (a client went away) stops waiting and generating."""
        question = str(self.check_question(question))  # a CheckedQuestion (from the HTTP layer) passes as is
        mode = mode or self.settings.default_mode
        if mode not in MODES:
            raise InvalidRequestError(f"mode must be 'llm' or 'extractive', not {mode!r}")
        outcome = Outcome(question, None, mode)
        deadline = outcome.started + self.settings.answer_budget_s

        def stop() -> bool:
            return time.perf_counter() > deadline or bool(should_stop and should_stop())

        use_model = mode == "llm" and self.settings.rewrite == "llm"
        outcome.standalone = self._reader.standalone(question, check_history(history), use_model, stop)
        outcome.rewrite_ms = ms_since(outcome.started) if outcome.standalone else 0.0
        kind = read_question(outcome.query)
        self.store.refresh()
        outcome.retrieved(self.retriever.search(outcome.query, top_k or self.settings.top_k, filters))
        if on_passages:
            on_passages(shown_passages(outcome.passages))
        too_late = after_archive(kind, self.store.newest_published())
        if too_late:
            return outcome.declined(too_late)
        asked = Asked(kind, self.store.term_stats(), stop, should_stop, on_sentence)
        return self.answer_path.answer(outcome, asked)

    def check_question(self, question: str, what: str = "question") -> CheckedQuestion:
        """The question (or claim) with whitespace normalised; InvalidRequestError when empty or too
        long. A question checked already (by the HTTP layer, before queueing) passes as it is."""
        return normalise_question(question, self.settings.max_question_chars, what)
