"""Models of the OpenAI-compatible chat API (`/v1`): requests in, completions and chunks out, and
the `url_citation` annotations that chat completions and the Responses API share."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from service.answer.result import Citation
from service.settings import Mode

MODELS: dict[str, Mode] = {"citewire": "llm", "citewire-extractive": "extractive"}


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None


class ChatCompletionIn(BaseModel):
    """OpenAI's request; sampling options (temperature, max_tokens, ...) are accepted and ignored:
    answers are always greedy and verified."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(description=f"One of {sorted(MODELS)}.")
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=200)
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=50, description="citewire extension: passages to retrieve.")


class CitedSpan(BaseModel):
    """Where a citation is used and where it leads: `text[start_index:end_index]` is the whole
    answer sentence that carries its `[n]` marker (marker included)."""

    start_index: int = Field(description="First character (Unicode code point) of the cited sentence in the text.")
    end_index: int = Field(description="Just past the cited sentence's last character (its marker and full stop).")
    url: str = Field(
        description="The article's own URL, else this server's article page with the quote highlighted "
        "(/articles/{id}#q=START-END)."
    )
    title: str = Field(description="The article's title.")


class UrlCitation(CitedSpan):
    """An annotation as the Responses API sends it (`output_text.annotations`)."""

    type: Literal["url_citation"] = "url_citation"


class ChatAnnotation(BaseModel):
    """An annotation as chat completions send it (`message.annotations`)."""

    type: Literal["url_citation"] = "url_citation"
    url_citation: CitedSpan

    @classmethod
    def of(cls, citation: UrlCitation) -> ChatAnnotation:
        return cls(url_citation=CitedSpan.model_validate(citation.model_dump(exclude={"type"})))


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    annotations: list[ChatAnnotation] = Field(
        default_factory=list, description="One `url_citation` per [n] marker in content; `citations` has the quotes."
    )


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionOut(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    citations: list[Citation] = Field(description="citewire: the sources behind the [n] markers in content.")
    citewire: dict[str, Any] = Field(
        description="citewire: status (answered | tentative | declined), answered, standalone_question, mode, notes, "
        "timings_ms."
    )


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    annotations: list[ChatAnnotation] | None = None  # on the last chunk, over the whole streamed content

    @model_serializer(mode="wrap")
    def _only_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(BaseModel):
    """One streamed chunk; the last carries `finish_reason`, `citations` and `citewire`, as on the completion."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    citations: list[Citation] | None = None
    citewire: dict[str, Any] | None = None

    @model_serializer(mode="wrap")
    def _final_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None or key not in ("citations", "citewire")}


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "citewire"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
