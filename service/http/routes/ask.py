"""Questions: a JSON answer, an SSE stream of the answer, and plain retrieval."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from retrieval.documents import SearchFilters
from service.answer.factcheck import ClaimCheck
from service.answer.result import Answer, ShownPassage, shown_passages, to_json
from service.http.error_mapping import http_error
from service.http.jobs import AnswerReady, AskEvent, AskFailed, PassagesFound, SentenceShown
from service.http.routes.deps import READ, Ready
from service.http.schemas import AskIn, ErrorOut, SearchOut, VerifyIn, error_responses
from service.http.sse import sse_event, sse_response

router = APIRouter(prefix="/api", tags=["questions"], dependencies=READ)
_ERRORS = error_responses(
    {
        401: "Missing or invalid API key",
        422: "Invalid request (the message says what)",
        503: "Busy or still loading; see Retry-After",
    }
)
_STREAM_DOC = """Server-sent events, in order:

- `event: passages` as soon as retrieval is done: `{"passages": [...]}`
- `event: sentence`, one per answer sentence: `{"text": "..."}`, already verified and with its `[n]`
  marker (never a draft: nothing is shown that the final answer could take back)
- `event: answer`: the final answer (the same JSON as `/api/ask`), with the citations the markers point to
- or `event: error`: `{"error": {"message", "type", "code"}}`

Closing the connection cancels the generation."""


@router.post("/ask", response_model=Answer, responses=_ERRORS, summary="Answer a question, with citations")
async def ask(body: AskIn, request: Request, state: Ready) -> Answer:
    return await state.answering.answer(body.to_params(), request.is_disconnected)


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": _STREAM_DOC}, **_ERRORS},
    summary="Answer a question as a stream of server-sent events",
)
async def ask_stream(body: AskIn, state: Ready) -> StreamingResponse:
    events = state.answering.stream(body.to_params())  # a bad question (422) or a full queue (503) raise here
    return sse_response(_answer_events(events))


async def _answer_events(events: AsyncIterator[AskEvent]) -> AsyncIterator[str]:
    async for event in events:
        match event:
            case PassagesFound(passages):
                yield sse_event("passages", {"passages": to_json(passages, list[ShownPassage])})
            case SentenceShown(text):
                yield sse_event("sentence", {"text": text})
            case AnswerReady(answer):
                yield sse_event("answer", to_json(answer))
            case AskFailed(error):
                yield sse_event("error", http_error(error).body())


@router.post(
    "/verify",
    response_model=ClaimCheck,
    responses={**_ERRORS, 404: {"model": ErrorOut, "description": "An article id that is not in the archive"}},
    summary="Fact-check a claim against the archive",
)
async def verify(body: VerifyIn, state: Ready) -> ClaimCheck:
    """Checks each sentence of `claim` against the archive (or only `article_ids`) with the same
    checker that answers use: `supported` (every sentence is stated by a quote), `contradicted`
    (a quote says otherwise; it is cited, and `notes` says how it disagrees) or `not_found`.
    A read key suffices."""
    return await run_in_threadpool(state.pipeline.verify, body.claim, body.article_ids)


@router.get("/search", response_model=SearchOut, responses=_ERRORS, summary="Retrieve passages (no answer)")
async def search(
    state: Ready,
    q: Annotated[str, Query(description="What to look for.")],
    top_k: Annotated[int | None, Query(ge=1, le=50)] = None,
    article_id: Annotated[list[str] | None, Query(description="Only these articles (repeatable).")] = None,
    source: Annotated[list[str] | None, Query(description="Only these publishers (repeatable).")] = None,
    published_after: date | None = None,
    published_before: date | None = None,
) -> SearchOut:
    filters = SearchFilters.of(article_id or None, source or None, published_after, published_before)
    passages = await run_in_threadpool(state.pipeline.search, q, top_k, filters)
    return SearchOut(query=q, passages=shown_passages(passages))
