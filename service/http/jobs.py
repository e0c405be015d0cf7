"""Runs pipeline answers for the web layer: the question checked and a place in the bounded queue
taken at once (a 422 or 503 before any response starts), then `Pipeline.ask` in a worker thread,
its progress as a stream of events, and cancellation when the client goes away.

The walk: route -> `Answering.answer` (JSON) or `Answering.stream` (events) -> `_work` (worker
thread) -> `Pipeline.ask`. No FastAPI here: routes turn `AskEvent`s into SSE or JSON.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from retrieval.documents import SearchFilters
from service.answer.conversation import Turn
from service.answer.result import Answer, ShownPassage
from service.errors import ServiceBusyError
from service.http.admission import Admission, Ticket, free_ticket
from service.http.metrics import Metrics
from service.pipeline import Pipeline
from service.settings import Mode

logger = logging.getLogger(__name__)
_DISCONNECT_POLL_S = 0.25


@dataclass(frozen=True)
class AskParams:
    question: str
    top_k: int | None = None
    mode: Mode | None = None
    filters: SearchFilters | None = None
    history: tuple[Turn, ...] = field(default_factory=tuple)
    shed: str | None = None  # why the model was skipped (its queue was too long), set at admission


@dataclass(frozen=True)
class PassagesFound:
    """Retrieval is done: what the answer will draw on (sent before the model starts)."""

    passages: list[ShownPassage]


@dataclass(frozen=True)
class SentenceShown:
    """One verified sentence of the answer, with its [n]: never taken back."""

    text: str


@dataclass(frozen=True)
class AnswerReady:
    """The final answer: its text is exactly the sentences shown before it."""

    answer: Answer


@dataclass(frozen=True)
class AskFailed:
    """The answer failed (the route maps the error to its HTTP status and error body)."""

    error: Exception


AskEvent = PassagesFound | SentenceShown | AnswerReady | AskFailed


class Answering:
    def __init__(self, pipeline: Pipeline, admission: Admission, metrics: Metrics, max_wait_s: float = 0.0) -> None:
        self.pipeline = pipeline
        self._admission = admission
        self._metrics = metrics
        self._max_wait_s = max_wait_s  # 0: always wait for the model
        # own threads, so waiting answers never starve the pool that serves search and article reads
        self._executor = ThreadPoolExecutor(max_workers=admission.capacity + 4, thread_name_prefix="answer")

    async def answer(self, params: AskParams, disconnected: Callable[[], Awaitable[bool]]) -> Answer:
        """The final answer; raises the pipeline's error (InvalidRequestError, ServiceBusyError when the
        queue is full, ...). Stops the work when `disconnected()`."""
        params, ticket = self._admit(params)
        channel = _Channel()
        channel.loop.run_in_executor(self._executor, self._work, params, ticket, channel)
        watcher = asyncio.create_task(_watch(disconnected, channel.stop))
        try:
            async for event in channel.events():
                if isinstance(event, AnswerReady):
                    return event.answer
                if isinstance(event, AskFailed):
                    raise event.error
        finally:
            watcher.cancel()
        raise RuntimeError("the answer stream ended without an answer")

    def stream(self, params: AskParams) -> AsyncIterator[AskEvent]:
        """`passages`, then verified `sentence`s, then `answer` (or `error`). The question is checked and
        the place in the queue taken here, before the caller starts its response (InvalidRequestError,
        ServiceBusyError); the answer starts at once. Closing the iterator stops the answer."""
        params, ticket = self._admit(params)
        channel = _Channel()
        channel.loop.run_in_executor(self._executor, self._work, params, ticket, channel)
        return channel.events()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _admit(self, params: AskParams) -> tuple[AskParams, Ticket]:
        """The checked question (the one check: `Pipeline.ask` takes it as checked) and a place in the
        queue. Extractive answers need no model, so no place; nor does a question that would wait
        longer than `max_wait_s` for the model: it is answered at once on the extractive path."""
        checked = replace(params, question=self.pipeline.check_question(params.question))
        mode = params.mode or self.pipeline.settings.default_mode
        if mode != "llm":
            return checked, free_ticket()
        if not self._max_wait_s:
            return checked, self._admission.enter()  # always wait (ServiceBusyError, a 503, when full)
        wait_s = self._admission.expected_wait_s()
        if wait_s <= self._max_wait_s:
            try:
                return checked, self._admission.enter()
            except ServiceBusyError:
                note = "the model was busy (its queue is full): answered without it"
        else:
            note = f"the model was busy (expected wait {wait_s:.0f} s > {self._max_wait_s:g} s): answered without it"
        self._metrics.shed.inc()
        return replace(checked, mode="extractive", shed=note), free_ticket()

    def _work(self, params: AskParams, ticket: Ticket, channel: _Channel) -> None:
        try:
            answer = self.pipeline.ask(
                params.question,
                top_k=params.top_k,
                mode=params.mode,
                filters=params.filters,
                history=params.history,
                on_passages=lambda passages: channel.emit(PassagesFound(passages)),
                on_sentence=lambda text: channel.emit(SentenceShown(text)),
                should_stop=channel.stop.is_set,
            )
            if params.shed:
                answer = replace(answer, notes=[params.shed, *answer.notes])
            self._metrics.observe_answer(answer)
            channel.emit(AnswerReady(answer))
        except Exception as exc:  # handed to the route, which maps it to a status (unknown ones: 500, logged)
            channel.emit(AskFailed(exc))
        finally:
            ticket.release()
            channel.emit(None)


class _Channel:
    """Events from the worker thread to the event loop; `stop` set asks the worker to stop."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = threading.Event()
        self._queue: asyncio.Queue[AskEvent | None] = asyncio.Queue()

    def emit(self, event: AskEvent | None) -> None:
        try:
            self.loop.call_soon_threadsafe(self._queue.put_nowait, event)
        except RuntimeError:  # the event loop has shut down: nobody is listening any more
            self.stop.set()

    async def events(self) -> AsyncIterator[AskEvent]:
        try:
            while (event := await self._queue.get()) is not None:
                yield event
        finally:
            self.stop.set()


async def _watch(disconnected: Callable[[], Awaitable[bool]], stop: threading.Event) -> None:
    while not stop.is_set():
        if await disconnected():
            logger.info("client disconnected; stopping its answer")
            stop.set()
            return
        await asyncio.sleep(_DISCONNECT_POLL_S)
