"""Runs pipeline answers for the web layer: admission to the bounded queue, a worker thread
per answer, its progress as a stream of events, and cancellation when the client goes away.

No FastAPI here: routes turn `AskEvent`s into SSE or JSON.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from retrieval.documents import SearchFilters
from service.answer.conversation import Turn
from service.answer.result import Answer
from service.http.admission import Admission, Ticket, free_ticket
from service.http.metrics import Metrics
from service.pipeline import Pipeline

logger = logging.getLogger(__name__)
EventKind = Literal["passages", "sentence", "answer", "error"]
_DISCONNECT_POLL_S = 0.25


@dataclass(frozen=True)
class AskParams:
    question: str
    top_k: int | None = None
    mode: str | None = None
    filters: SearchFilters | None = None
    history: tuple[Turn, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AskEvent:
    kind: EventKind
    data: Any  # passages: list[Passage]; sentence: str (verified, with its [n]); answer: Answer; error: Exception


class Answering:
    def __init__(self, pipeline: Pipeline, admission: Admission, metrics: Metrics) -> None:
        self.pipeline = pipeline
        self._admission = admission
        self._metrics = metrics
        # own threads, so waiting answers never starve the pool that serves search and article reads
        self._executor = ThreadPoolExecutor(max_workers=admission.capacity + 4, thread_name_prefix="answer")

    def admit(self, params: AskParams) -> Ticket:
        """A place in the queue (raises ServiceBusyError when full). Extractive answers need no model."""
        mode = params.mode or self.pipeline.settings.default_mode
        return self._admission.enter() if mode == "llm" else free_ticket()

    async def events(
        self, params: AskParams, ticket: Ticket, stop: threading.Event | None = None
    ) -> AsyncIterator[AskEvent]:
        """`passages`, then verified `sentence`s, then `answer` (or `error`). Closing the iterator stops
        the answer."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[AskEvent | None] = asyncio.Queue()
        stop = stop or threading.Event()

        def emit(event: AskEvent | None) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, event)
            except RuntimeError:  # the event loop has shut down: nobody is listening any more
                stop.set()

        loop.run_in_executor(self._executor, self._work, params, ticket, stop, emit)
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            stop.set()

    async def answer(self, params: AskParams, ticket: Ticket, disconnected: Callable[[], Awaitable[bool]]) -> Answer:
        """The final answer; raises the pipeline's error. Stops the work when `disconnected()`."""
        stop = threading.Event()
        watcher = asyncio.create_task(_watch(disconnected, stop))
        try:
            async for event in self.events(params, ticket, stop):
                if event.kind == "answer":
                    return event.data  # type: ignore[no-any-return]
                if event.kind == "error":
                    raise event.data
        finally:
            watcher.cancel()
        raise RuntimeError("the answer stream ended without an answer")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _work(
        self, params: AskParams, ticket: Ticket, stop: threading.Event, emit: Callable[[AskEvent | None], None]
    ) -> None:
        try:
            answer = self.pipeline.ask(
                params.question,
                top_k=params.top_k,
                mode=params.mode,
                filters=params.filters,
                history=params.history,
                on_passages=lambda passages: emit(AskEvent("passages", passages)),
                on_sentence=lambda text: emit(AskEvent("sentence", text)),
                should_stop=stop.is_set,
            )
            self._metrics.observe_answer(answer)
            emit(AskEvent("answer", answer))
        except Exception as exc:  # handed to the route, which maps it to a status (unknown ones: 500, logged)
            emit(AskEvent("error", exc))
        finally:
            ticket.release()
            emit(None)


async def _watch(disconnected: Callable[[], Awaitable[bool]], stop: threading.Event) -> None:
    while not stop.is_set():
        if await disconnected():
            logger.info("client disconnected; stopping its answer")
            stop.set()
            return
        await asyncio.sleep(_DISCONNECT_POLL_S)
