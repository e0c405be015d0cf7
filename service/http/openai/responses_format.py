"""Between the Responses API's shapes and citewire's: `input` -> question + history; Answer -> Response.

As on chat completions, the last user message is the question and the earlier user and assistant
messages its history; `instructions`, system and developer messages are not followed.
"""

from __future__ import annotations

import time
import uuid

from service.answer.conversation import Turn
from service.answer.result import Answer, Usage
from service.errors import InvalidRequestError
from service.http.jobs import AskParams
from service.http.openai.chat_format import answer_mode, conversation, extension
from service.http.openai.citation_links import QuoteLinks, url_citations
from service.http.openai.responses_schemas import (
    InputItem,
    InputTokensDetails,
    OutputMessage,
    OutputText,
    ResponseIn,
    ResponseOut,
    ResponseUsage,
)

_TEXT_PARTS = ("input_text", "output_text", "text")


def ask_params(body: ResponseIn) -> AskParams:
    """The question, its history and the answer mode of a request; UnknownModelError for another
    model, InvalidRequestError for what citewire cannot answer (non-text input, tool items, a
    `previous_response_id`: nothing is stored, so the history must come in `input`)."""
    mode = answer_mode(body.model)
    if body.previous_response_id:
        raise InvalidRequestError("previous_response_id: responses are not stored; send the conversation in input")
    question, history = conversation(_turns(body.input))
    return AskParams(question, body.top_k, mode, None, history)


def _turns(given: str | list[InputItem]) -> list[Turn]:
    if isinstance(given, str):
        return [Turn("user", given)]
    turns = []
    for position, item in enumerate(given):
        if item.type != "message" or item.role is None:
            raise InvalidRequestError(f"input[{position}]: only messages are supported, not {item.type!r}")
        if item.role in ("user", "assistant"):
            turns.append(Turn(item.role, _text(item, position)))
    return turns


def _text(item: InputItem, position: int) -> str:
    content = item.content
    if content is None or isinstance(content, str):
        return content or ""
    parts = []
    for part in content:
        if part.type not in _TEXT_PARTS or part.text is None:
            raise InvalidRequestError(f"input[{position}]: only text content is supported, not {part.type!r}")
        parts.append(part.text)
    return "\n".join(parts)


def response_id() -> str:
    return f"resp_{uuid.uuid4().hex}"


def message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def started(identifier: str, model: str) -> ResponseOut:
    """The Response as `response.created` shows it: in progress, no output yet."""
    return ResponseOut(id=identifier, created_at=int(time.time()), model=model, status="in_progress", output=[])


def message(item_id: str, answer: Answer, links: QuoteLinks) -> OutputMessage:
    """The answer as the Response's output message: its text with the [n] markers and an annotation per marker."""
    text = OutputText(text=answer.answer, annotations=url_citations(answer, links))
    return OutputMessage(id=item_id, status="completed", content=[text])


def completed(start: ResponseOut, item: OutputMessage, answer: Answer) -> ResponseOut:
    """The finished Response: `start`'s id and time, the output message, usage (when the model ran),
    the citations and citewire's details."""
    return start.model_copy(
        update={
            "status": "completed",
            "output": [item],
            "usage": _usage(answer.usage),
            "citations": answer.citations,
            "citewire": extension(answer),
        }
    )


def _usage(usage: Usage | None) -> ResponseUsage | None:
    if usage is None or (usage.prompt_tokens is None and usage.completion_tokens is None):
        return None
    prompt, generated = usage.prompt_tokens or 0, usage.completion_tokens or 0
    return ResponseUsage(
        input_tokens=prompt,
        input_tokens_details=InputTokensDetails(cached_tokens=usage.cached_prompt_tokens or 0),
        output_tokens=generated,
        total_tokens=prompt + generated,
    )
