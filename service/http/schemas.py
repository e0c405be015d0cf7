"""Request and response models of the HTTP API (separate in and out models, as in the docs)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from retrieval.documents import Article, SearchFilters
from service.answer.conversation import Turn
from service.answer.result import ShownPassage
from service.http.jobs import AskParams
from service.settings import Mode


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HistoryMessage(_In):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class FiltersIn(_In):
    article_ids: list[str] | None = Field(None, max_length=10_000, description="Only these articles.")
    published_after: date | None = Field(None, description="Published on or after this date.")
    published_before: date | None = Field(None, description="Published on or before this date.")
    sources: list[str] | None = Field(None, max_length=1_000, description="Only these publishers (case-insensitive).")

    def to_filters(self) -> SearchFilters:
        return SearchFilters.of(self.article_ids, self.sources, self.published_after, self.published_before)


class AskIn(_In):
    question: str = Field(description="The question, in plain language (length limit: CITEWIRE_MAX_QUESTION_CHARS).")
    top_k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve.")
    mode: Mode | None = Field(None, description="'llm' (default) or 'extractive'.")
    history: list[HistoryMessage] = Field(
        default_factory=list, max_length=100, description="Earlier turns; a follow-up is rewritten from them."
    )
    filters: FiltersIn | None = None

    def to_params(self) -> AskParams:
        filters = self.filters.to_filters() if self.filters else None
        turns = tuple(Turn(message.role, message.content) for message in self.history)
        return AskParams(self.question, self.top_k, self.mode, filters, turns)


class VerifyIn(_In):
    claim: str = Field(
        description="The claim to fact-check: one or more sentences (limit: CITEWIRE_MAX_QUESTION_CHARS)."
    )
    article_ids: list[str] | None = Field(
        None, min_length=1, max_length=10_000, description="Check only against these articles (default: all)."
    )


class ArticleIn(_In):
    id: str = Field(description="Stable id: 1-128 letters, digits, '.', '_' or '-'.")
    title: str
    text: str
    source: str | None = None
    author: str | None = None
    published: str | None = Field(None, description="YYYY-MM-DD (other common date forms are read too).")
    url: str | None = None


# ---- responses ---------------------------------------------------------------------------
# Answers and verdicts are answered with their own dataclasses (service.answer.result.Answer,
# service.answer.factcheck.ClaimCheck) as the response models.
class SearchOut(BaseModel):
    query: str
    passages: list[ShownPassage]


# One article is answered with `retrieval.documents.Article` itself; a page lists its fields but `text`.
ArticleMeta: type[BaseModel] = create_model(
    "ArticleMeta",
    __config__=ConfigDict(from_attributes=True),
    **{name: (kind, ...) for name, kind in get_type_hints(Article).items() if name != "text"},  # type: ignore[call-overload]
)


class ArticlePage(BaseModel):
    total: int
    offset: int
    limit: int
    articles: list[ArticleMeta]  # type: ignore[valid-type]


class IngestOut(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    passages_embedded: int


class DeletedOut(BaseModel):
    deleted: str


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    ready: bool
    status: str = Field(description="'ready', 'loading' or 'failed: <reason>'.")
    index: bool
    articles: int
    chunks: int
    model: str | None
    queue_waiting: int


class ErrorBody(BaseModel):
    message: str
    type: str
    code: int


class ErrorOut(BaseModel):
    error: ErrorBody


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error codes, all with the ErrorOut body."""
    return {code: {"model": ErrorOut, "description": text} for code, text in descriptions.items()}
