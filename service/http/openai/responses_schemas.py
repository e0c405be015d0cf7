"""Models of the OpenAI Responses API (`POST /v1/responses`), the subset a client needs: the request,
the Response object, and the streamed events (each with `type` and `sequence_number`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.answer.result import Citation
from service.http.openai.chat_schemas import MODELS, UrlCitation


class InputPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(description="'input_text' or 'output_text' (an earlier answer); other kinds are refused.")
    text: str | None = None


class InputItem(BaseModel):
    """A message of the conversation (`{"role", "content"}`, `type` "message" or left out)."""

    model_config = ConfigDict(extra="allow")
    type: str = "message"
    role: Literal["system", "developer", "user", "assistant"] | None = None
    content: str | list[InputPart] | None = None


class ResponseIn(BaseModel):
    """OpenAI's request. `instructions` and system or developer messages are accepted and not followed
    (articles and questions are data); sampling options are accepted and ignored: answers are
    always greedy and verified."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(description=f"One of {sorted(MODELS)}.")
    input: str | list[InputItem] = Field(
        description="The question, or the conversation: the last user message is the question, earlier "
        "user and assistant messages its history."
    )
    instructions: str | list[InputItem] | None = Field(None, description="Accepted, not followed.")
    stream: bool = False
    previous_response_id: str | None = Field(
        None, description="Not supported: responses are not stored; send the history in `input`."
    )
    top_k: int | None = Field(None, ge=1, le=50, description="citewire extension: passages to retrieve.")


class OutputText(BaseModel):
    type: Literal["output_text"] = "output_text"
    text: str = Field(description="The answer with its [n] markers.")
    annotations: list[UrlCitation] = Field(
        default_factory=list,
        description="One `url_citation` per [n] marker: text[start_index:end_index] is the sentence that carries it.",
    )


class OutputMessage(BaseModel):
    type: Literal["message"] = "message"
    id: str
    role: Literal["assistant"] = "assistant"
    status: Literal["in_progress", "completed"]
    content: list[OutputText]


class InputTokensDetails(BaseModel):
    cached_tokens: int = Field(description="Prompt tokens reused from the model's prompt cache.")
    cache_write_tokens: int = 0


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int = 0


class ResponseUsage(BaseModel):
    input_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens: int
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)
    total_tokens: int


class ResponseOut(BaseModel):
    """The Response object. `output[0].content[0]` holds the answer and its annotations; `citations`
    (citewire) the full sources: quote, offsets into the article, publisher, date."""

    id: str
    object: Literal["response"] = "response"
    created_at: int
    model: str
    status: Literal["in_progress", "completed"]
    output: list[OutputMessage]
    usage: ResponseUsage | None = Field(None, description="Token counts, when the model answered.")
    error: None = None
    incomplete_details: None = None
    instructions: None = None
    parallel_tool_calls: bool = False
    tool_choice: Literal["none"] = "none"
    tools: list[dict[str, Any]] = Field(default_factory=list, description="Always empty: citewire calls no tools.")
    citations: list[Citation] = Field(
        default_factory=list, description="citewire: the sources behind the [n] markers in the output text."
    )
    citewire: dict[str, Any] | None = Field(
        None,
        description="citewire: status (answered | tentative | declined), answered, standalone_question, mode, notes, "
        "timings_ms.",
    )


class StreamEvent(BaseModel):
    """Every streamed event: its `type` is also the SSE event name."""

    type: str
    sequence_number: int


class ResponseEvent(StreamEvent):
    type: Literal["response.created", "response.in_progress", "response.completed"]
    response: ResponseOut


class OutputItemEvent(StreamEvent):
    type: Literal["response.output_item.added", "response.output_item.done"]
    output_index: int = 0
    item: OutputMessage


class TextPartEvent(StreamEvent):
    """An event about the answer's one text part: which output item and content part it is in."""

    item_id: str
    output_index: int = 0
    content_index: int = 0


class ContentPartEvent(TextPartEvent):
    type: Literal["response.content_part.added", "response.content_part.done"]
    part: OutputText


class TextDeltaEvent(TextPartEvent):
    """A verified piece of the answer (never a draft); the deltas add up to the answer."""

    type: Literal["response.output_text.delta"] = "response.output_text.delta"
    delta: str
    logprobs: list[dict[str, Any]] = Field(default_factory=list)


class AnnotationAddedEvent(TextPartEvent):
    type: Literal["response.output_text.annotation.added"] = "response.output_text.annotation.added"
    annotation_index: int
    annotation: UrlCitation


class TextDoneEvent(TextPartEvent):
    type: Literal["response.output_text.done"] = "response.output_text.done"
    text: str
    logprobs: list[dict[str, Any]] = Field(default_factory=list)


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: int


class ErrorEvent(StreamEvent):
    """The stream's end when answering failed: the Responses `error` event (`code`, `message`) with the
    OpenAI error body beside it (`error`), so clients raise it as they would the same HTTP error."""

    type: Literal["error"] = "error"
    code: str
    message: str
    param: None = None
    error: ErrorDetail
