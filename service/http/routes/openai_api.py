"""OpenAI-compatible chat API, so existing clients (the official `openai` package, chat UIs)
can ask citewire. `content` keeps the `[n]` markers; `citations` carries the sources.

Streaming sends the role at once and then the *verified* answer (never a draft that the
citation check could still change), then a final chunk with `citations`, then `[DONE]`.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from retrieval.sentences import split_sentences
from service.http.admission import Ticket
from service.http.error_mapping import http_error
from service.http.jobs import Answering, AskParams
from service.http.openai_format import (
    answer_mode,
    chunk,
    completion,
    completion_id,
    final_chunk,
    question_and_history,
)
from service.http.openai_schemas import MODELS, ChatCompletionIn, ChatCompletionOut, ModelCard, ModelList
from service.http.routes.deps import READ, Ready
from service.http.schemas import error_responses
from service.http.sse import sse_event

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
    body: ChatCompletionIn, request: Request, state: Ready
) -> ChatCompletionOut | StreamingResponse:
    mode = answer_mode(body.model)
    question, history = question_and_history(body.messages)
    params = AskParams(state.pipeline.check_question(question), body.top_k, mode, None, history)
    ticket = state.answering.admit(params)
    identifier = completion_id()
    if body.stream:
        return StreamingResponse(
            _chunks(state.answering, params, ticket, body.model, identifier),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = await state.answering.answer(params, ticket, request.is_disconnected)
    return ChatCompletionOut.model_validate(completion(answer, body.model, identifier))


async def _chunks(
    answering: Answering, params: AskParams, ticket: Ticket, model: str, identifier: str
) -> AsyncIterator[str]:
    yield sse_event(None, chunk(identifier, model, {"role": "assistant", "content": ""}))
    async for event in answering.events(params, ticket):
        if event.kind == "answer":
            answer = event.data
            for sentence in _pieces(answer.answer):
                yield sse_event(None, chunk(identifier, model, {"content": sentence}))
            yield sse_event(None, final_chunk(identifier, model, answer))
        elif event.kind == "error":
            yield sse_event(None, http_error(event.data).body())
            return
    yield sse_event(None, "[DONE]")


def _pieces(text: str) -> list[str]:
    """The text in sentence-sized deltas whose concatenation is exactly `text`."""
    spans = split_sentences(text)
    if not spans:
        return [text] if text else []
    cuts = [start for start, _ in spans[1:]]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if text[a:b]]
