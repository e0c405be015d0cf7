"""The Responses API's stream: an answer's events as the standard SSE events, numbered in order.

`response.created`, `response.in_progress`, `response.output_item.added`,
`response.content_part.added`, then a `response.output_text.delta` per verified sentence (never a
draft), then, with the final answer, a `response.output_text.annotation.added` per [n] marker,
`response.output_text.done`, `response.content_part.done`, `response.output_item.done` and
`response.completed` (the whole Response, as the unstreamed reply). A failed answer ends the stream
with an `error` event instead.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator

from service.http.error_mapping import http_error
from service.http.jobs import AnswerReady, AskEvent, AskFailed, SentenceShown
from service.http.openai.citation_links import QuoteLinks
from service.http.openai.responses_format import completed, message, message_id
from service.http.openai.responses_schemas import (
    AnnotationAddedEvent,
    ContentPartEvent,
    ErrorDetail,
    ErrorEvent,
    OutputItemEvent,
    OutputMessage,
    OutputText,
    ResponseEvent,
    ResponseOut,
    StreamEvent,
    TextDeltaEvent,
    TextDoneEvent,
)
from service.http.sse import sse_event

logger = logging.getLogger(__name__)


async def response_events(events: AsyncIterator[AskEvent], start: ResponseOut, links: QuoteLinks) -> AsyncIterator[str]:
    """SSE text for each event of the answer behind `events`, for the Response `start` (in progress)."""
    numbers = itertools.count()

    def sse(event: StreamEvent) -> str:
        return sse_event(event.type, event.model_dump(mode="json"))

    item_id = message_id()
    yield sse(ResponseEvent(type="response.created", sequence_number=next(numbers), response=start))
    yield sse(ResponseEvent(type="response.in_progress", sequence_number=next(numbers), response=start))
    empty = OutputMessage(id=item_id, status="in_progress", content=[])
    yield sse(OutputItemEvent(type="response.output_item.added", sequence_number=next(numbers), item=empty))
    blank = OutputText(text="")
    yield sse(
        ContentPartEvent(type="response.content_part.added", sequence_number=next(numbers), item_id=item_id, part=blank)
    )
    streamed = ""
    async for event in events:
        if isinstance(event, SentenceShown):
            delta = f" {event.text}" if streamed else event.text
            streamed += delta
            yield sse(TextDeltaEvent(sequence_number=next(numbers), delta=delta, item_id=item_id))
        elif isinstance(event, AnswerReady):
            answer = event.answer
            rest = _unstreamed(answer.answer, streamed)
            if rest:
                yield sse(TextDeltaEvent(sequence_number=next(numbers), delta=rest, item_id=item_id))
            item = message(item_id, answer, links)
            text = item.content[0]
            for index, annotation in enumerate(text.annotations):
                yield sse(
                    AnnotationAddedEvent(
                        sequence_number=next(numbers), annotation_index=index, annotation=annotation, item_id=item_id
                    )
                )
            yield sse(TextDoneEvent(sequence_number=next(numbers), text=text.text, item_id=item_id))
            done = ContentPartEvent(
                type="response.content_part.done", sequence_number=next(numbers), item_id=item_id, part=text
            )
            yield sse(done)
            yield sse(OutputItemEvent(type="response.output_item.done", sequence_number=next(numbers), item=item))
            final = completed(start, item, answer)
            yield sse(ResponseEvent(type="response.completed", sequence_number=next(numbers), response=final))
        elif isinstance(event, AskFailed):
            error = http_error(event.error)
            detail = ErrorDetail(message=error.message, type=error.type, code=error.status)
            yield sse(ErrorEvent(sequence_number=next(numbers), code=error.type, message=error.message, error=detail))
            return


def _unstreamed(text: str, streamed: str) -> str:
    """What of the answer's `text` the deltas have not sent yet: all of it when no sentence was
    streamed (a declined answer)."""
    if text.startswith(streamed):
        return text[len(streamed) :]
    logger.warning("the streamed sentences are not the start of the answer; the done event carries the answer")
    return ""
