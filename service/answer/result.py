"""The answer schema shared by the CLI, the HTTP API and the eval runner.

Each field is defined once, here: the HTTP API's response models are these dataclasses (FastAPI
reads them, with the field docs, for OpenAPI), and JSON comes from one serializer, `to_json`.
Where the JSON differs from the Python value it says so on the field (`timings` is sent as
`timings_ms`; milliseconds are rounded to 0.1, `confidence` to 4 places; dates are ISO).
`from_json` reads the same JSON back (eval over HTTP).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field, PlainSerializer, TypeAdapter

from retrieval.documents import Passage
from service.settings import Mode

T = TypeVar("T")
Status = Literal["answered", "tentative", "declined"]


def _rounded(places: int) -> PlainSerializer:
    return PlainSerializer(lambda v: None if v is None else round(v, places), return_type=float | None)


Ms = Annotated[float, _rounded(1)]


@dataclass(frozen=True)
class Citation:
    """Marker `[n]` in the answer text; `quote == article.text[start:end]`."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    source: str | None
    published: date | None
    url: str | None
    quote: Annotated[str, Field(description="Verbatim: the article's stored text[start:end].")]
    start: int
    end: int


@dataclass(frozen=True)
class ShownPassage:
    """A retrieved passage as answers, verdicts and searches show it: the chunk with its article's metadata."""

    article_id: str
    chunk_id: str
    text: str
    score: float
    title: str
    source: str | None
    published: date | None

    @classmethod
    def of(cls, passage: Passage) -> ShownPassage:
        article = passage.article
        return cls(
            passage.article_id,
            passage.chunk_id,
            passage.text,
            passage.score,
            article.title,
            article.source,
            article.published,
        )


def shown_passages(passages: list[Passage]) -> list[ShownPassage]:
    return [ShownPassage.of(p) for p in passages]


@dataclass(frozen=True)
class Timings:
    """Milliseconds from the start of the request. `retrieve` includes rewriting a follow-up."""

    retrieve: Ms
    generate: Ms
    first_token: Annotated[float | None, _rounded(1)]
    total: Ms
    rewrite: Ms = 0.0


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_prompt_tokens: Annotated[
        int | None, Field(description="Prompt tokens reused from the model's prompt cache.")
    ] = None


@dataclass(frozen=True)
class ShownSentence:
    """An evidence sentence the answer step read (numbered in the model's prompt)."""

    article_id: str
    start: int
    end: int
    text: Annotated[
        str, Field(description="An evidence sentence the answer step read (numbered in the model's prompt).")
    ]
    score: float
    chosen: Annotated[bool, Field(description="Quoted in the answer.")]


@dataclass(frozen=True)
class Answer:
    question: str
    answer: Annotated[
        str,
        Field(
            description='Plain text with [n] markers. Answered: the model\'s proven sentence(s) ("Yes."/"No." '
            "first for yes/no questions; an article's byline for metadata questions), then the quotes that prove "
            'them, verbatim in quotation marks with publisher and date. Tentative: "The articles may not answer '
            'this directly; the closest report says:" and the best quotes. Declined: "The articles don\'t say."'
        ),
    ]
    answered: Annotated[bool, Field(description='True only when `status` is "answered".')]
    status: Annotated[
        Status,
        Field(
            description='"answered": a proven direct answer and its quotes; "tentative": the evidence is relevant '
            'but no answer was proven (the closest quotes are shown); "declined": the articles don\'t say.'
        ),
    ]
    citations: list[Citation]
    passages: list[ShownPassage]
    timings: Annotated[Timings, Field(alias="timings_ms")]
    mode: Mode
    notes: list[str] = field(default_factory=list)  # e.g. removed unsupported sentences, fallbacks
    model: str | None = None
    standalone_question: Annotated[
        str | None, Field(description="A follow-up rewritten from the history, as answered.")
    ] = None
    usage: Usage | None = None
    confidence: Annotated[
        float | None, _rounded(4), Field(description="The decline model's P(right) for a proven answer.")
    ] = None  # proven answers below the decline model's threshold are tentative
    signals: Annotated[dict[str, float], Field(description="What the decline model weighed.")] = field(
        default_factory=dict
    )
    evidence: list[ShownSentence] = field(default_factory=list)


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


def to_json(value: Any, kind: Any = None) -> Any:
    """The API's JSON (as Python lists, dicts, strings and numbers) of a result, or of `kind` (e.g. a list)."""
    return _adapter(kind or type(value)).dump_python(value, mode="json", by_alias=True)


def from_json(kind: type[T], data: Any) -> T:
    """The result `to_json` made `data` from (unknown keys are ignored)."""
    value: T = _adapter(kind).validate_python(data)
    return value
