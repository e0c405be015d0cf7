"""Between OpenAI chat shapes and citewire's: messages -> question + history; Answer -> completion.

The last user message is the question and the earlier user/assistant messages its history.
System and developer messages are not followed (articles and questions are data, and the
answer rules are citewire's own); they are ignored. The Responses API (`responses_format`)
shares `answer_mode`, `conversation` and `extension`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from service.answer.conversation import Turn
from service.answer.result import Answer, to_json
from service.errors import InvalidRequestError, UnknownModelError
from service.http.openai.chat_schemas import (
    MODELS,
    AssistantMessage,
    ChatAnnotation,
    ChatCompletionChunk,
    ChatCompletionOut,
    ChatMessageIn,
    Choice,
    ChunkChoice,
    CompletionUsage,
    Delta,
)
from service.http.openai.citation_links import QuoteLinks, url_citations
from service.settings import Mode


def answer_mode(model: str) -> Mode:
    if model not in MODELS:
        raise UnknownModelError(f"model {model!r} does not exist; use one of: {', '.join(sorted(MODELS))}")
    return MODELS[model]


def question_and_history(messages: list[ChatMessageIn]) -> tuple[str, tuple[Turn, ...]]:
    talk = [message for message in messages if message.role in ("user", "assistant")]
    return conversation([Turn(message.role, _text(message, position)) for position, message in enumerate(talk)])


def conversation(turns: list[Turn]) -> tuple[str, tuple[Turn, ...]]:
    """The question (the last turn, which must be the user's) and the turns before it as its history;
    InvalidRequestError otherwise."""
    if not turns or turns[-1].role != "user":
        raise InvalidRequestError("the last user or assistant message must be the user's question")
    return turns[-1].content, tuple(turns[:-1])


def _text(message: ChatMessageIn, position: int) -> str:
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if part.type != "text" or part.text is None:
            raise InvalidRequestError(f"messages[{position}]: only text content is supported, not {part.type!r}")
        parts.append(part.text)
    return "\n".join(parts)


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def chat_annotations(answer: Answer, links: QuoteLinks) -> list[ChatAnnotation]:
    """`message.annotations`: a `url_citation` per [n] marker over the sentence that carries it."""
    return [ChatAnnotation.of(citation) for citation in url_citations(answer, links)]


def completion(answer: Answer, model: str, identifier: str, links: QuoteLinks) -> ChatCompletionOut:
    prompt_tokens = (answer.usage.prompt_tokens or 0) if answer.usage else 0
    completion_tokens = (answer.usage.completion_tokens or 0) if answer.usage else 0
    return ChatCompletionOut(
        id=identifier,
        created=int(time.time()),
        model=model,
        choices=[Choice(message=AssistantMessage(content=answer.answer, annotations=chat_annotations(answer, links)))],
        usage=CompletionUsage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        ),
        citations=answer.citations,
        citewire=extension(answer),
    )


def extension(answer: Answer) -> dict[str, Any]:
    """citewire's details of the answer, in the answer's own JSON."""
    data = to_json(answer)
    keys = ("status", "answered", "question", "standalone_question", "mode", "model", "notes", "timings_ms")
    return {key: data[key] for key in keys}


def chunk(
    identifier: str, model: str, delta: Delta, finish_reason: Literal["stop"] | None = None
) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=identifier,
        created=int(time.time()),
        model=model,
        choices=[ChunkChoice(delta=delta, finish_reason=finish_reason)],
    )


def final_chunk(identifier: str, model: str, answer: Answer, links: QuoteLinks) -> ChatCompletionChunk:
    """The last chunk: finish_reason, the annotations (over the whole streamed content), the citations
    and citewire's details, as on the completion."""
    last = chunk(identifier, model, Delta(annotations=chat_annotations(answer, links)), "stop")
    return last.model_copy(update={"citations": answer.citations, "citewire": extension(answer)})
