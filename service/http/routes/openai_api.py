"""OpenAI-compatible API, so existing clients (the official `openai` package, LangChain, chat UIs)
can ask citewire: chat completions and the Responses API. The text keeps the `[n]` markers;
`annotations` link each marked sentence to its article; `citations` carries the full sources.

Streaming sends the role at once and then the *verified* answer (never a draft that the
citation check could still change), then a final chunk with `citations`, then `[DONE]`.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from retrieval.sentences import split_sentences
from service.http.error_mapping import http_error
from service.http.jobs import AnswerReady, AskEvent, AskFailed, AskParams
from service.http.openai.chat_format import (
    answer_mode,
    chunk,
    completion,
    completion_id,
    final_chunk,
    question_and_history,
)
from service.http.openai.chat_schemas import (
    MODELS,
    ChatCompletionChunk,
    ChatCompletionIn,
    ChatCompletionOut,
    Delta,
    ModelCard,
    ModelList,
)
from service.http.openai.citation_links import QuoteLinks
from service.http.openai.responses_format import ask_params, completed, message, message_id, response_id, started
from service.http.openai.responses_schemas import ResponseIn, ResponseOut
from service.http.openai.responses_stream import response_events
from service.http.routes.deps import READ, Links, Ready
from service.http.schemas import error_responses
from service.http.sse import sse_event, sse_response

router = APIRouter(prefix="/v1", tags=["openai-compatible"], dependencies=READ)
_ERRORS = error_responses(
    {
        401: "Missing or invalid API key",
        404: "Unknown model",
        422: "Invalid request",
        503: "Busy or still loading; see Retry-After",
    }
)


@router.get("/models", response_model=ModelList, summary="Models: 'citewire' (llm) and 'citewire-extractive'")
async def models() -> ModelList:
    return ModelList(data=[ModelCard(id=name) for name in MODELS])


@router.post(
    "/chat/completions",
    response_model=ChatCompletionOut,
    responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
    summary="Chat completion (stream or not); the last user message is the question",
)
async def chat_completions(
    body: ChatCompletionIn, request: Request, state: Ready, links: Links
) -> ChatCompletionOut | StreamingResponse:
    mode = answer_mode(body.model)
    question, history = question_and_history(body.messages)
    params = AskParams(question, body.top_k, mode, None, history)
    identifier = completion_id()
    if body.stream:
        events = state.answering.stream(params)  # a bad question (422) or a full queue (503) raise here
        return sse_response(_chunks(events, body.model, identifier, links))
    answer = await state.answering.answer(params, request.is_disconnected)
    return completion(answer, body.model, identifier, links)


@router.post(
    "/responses",
    response_model=ResponseOut,
    responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
    summary="Responses API (stream or not); the last user message of input is the question",
)
async def responses(body: ResponseIn, request: Request, state: Ready, links: Links) -> ResponseOut | StreamingResponse:
    params = ask_params(body)
    start = started(response_id(), body.model)
    if body.stream:
        events = state.answering.stream(params)  # a bad question (422) or a full queue (503) raise here
        return sse_response(response_events(events, start, links))
    answer = await state.answering.answer(params, request.is_disconnected)
    return completed(start, message(message_id(), answer, links), answer)


async def _chunks(
    events: AsyncIterator[AskEvent], model: str, identifier: str, links: QuoteLinks
) -> AsyncIterator[str]:
    yield _data(chunk(identifier, model, Delta(role="assistant", content="")))
    async for event in events:
        if isinstance(event, AnswerReady):
            for sentence in _pieces(event.answer.answer):
                yield _data(chunk(identifier, model, Delta(content=sentence)))
            yield _data(final_chunk(identifier, model, event.answer, links))
        elif isinstance(event, AskFailed):
            yield sse_event(None, http_error(event.error).body())
            return
    yield sse_event(None, "[DONE]")


def _data(piece: ChatCompletionChunk) -> str:
    return sse_event(None, piece.model_dump(mode="json"))


def _pieces(text: str) -> list[str]:
    """The text in sentence-sized deltas whose concatenation is exactly `text`."""
    spans = split_sentences(text)
    if not spans:
        return [text] if text else []
    cuts = [start for start, _ in spans[1:]]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if text[a:b]]
