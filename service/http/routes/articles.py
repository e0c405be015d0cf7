"""Articles: add (JSON or file upload), list, read, delete. Writes need a write key."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from retrieval.documents import Article
from retrieval.loaders import article_from_record, articles_from_upload
from service.errors import InvalidRequestError, UnsupportedUploadError
from service.http.routes.deps import READ, WRITE, Ready
from service.http.schemas import ArticleIn, ArticleMeta, ArticlePage, DeletedOut, IngestOut, error_responses

router = APIRouter(prefix="/api/articles", tags=["articles"])
ArticleId = Annotated[str, Path(max_length=128, description="The article's id.")]
_ERRORS = error_responses({401: "Missing or invalid API key", 404: "No such article", 503: "Still loading"})
_ARTICLE_SCHEMA = ArticleIn.model_json_schema()
_ARTICLE_LIST = TypeAdapter(list[ArticleIn])
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"oneOf": [_ARTICLE_SCHEMA, {"type": "array", "items": _ARTICLE_SCHEMA}]}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["files"],
                }
            },
        },
    }
}


@router.post(
    "",
    response_model=IngestOut,
    dependencies=WRITE,
    openapi_extra=_UPLOAD_BODY,
    responses={
        **_ERRORS,
        **error_responses(
            {
                403: "A read-only key",
                413: "Body too large",
                415: "Not JSON, multipart, .txt, .html or .jsonl",
                422: "Not a readable article (the message says why)",
            }
        ),
    },
    summary="Add or update articles: a JSON article, a JSON list, or a multipart upload of .txt/.html/.jsonl files",
)
async def add_articles(request: Request, state: Ready) -> IngestOut:
    articles = await _read_articles(request, state.settings.max_upload_files)
    report = await run_in_threadpool(state.pipeline.ingest_articles, articles)
    return IngestOut(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        passages_embedded=report.chunks_added,
    )


@router.get("", response_model=ArticlePage, dependencies=READ, responses=_ERRORS, summary="List articles (metadata)")
async def list_articles(
    state: Ready,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ArticlePage:
    found = await run_in_threadpool(state.pipeline.list_articles)
    page = [ArticleMeta.model_validate(article) for article in found[offset : offset + limit]]
    return ArticlePage(total=len(found), offset=offset, limit=limit, articles=page)


@router.get("/{article_id}", response_model=Article, dependencies=READ, responses=_ERRORS, summary="One article")
async def get_article(article_id: ArticleId, state: Ready) -> Article:
    """The article; `text` is the stored text that citation offsets point into."""
    return await run_in_threadpool(state.pipeline.get_article, article_id)


@router.delete(
    "/{article_id}", response_model=DeletedOut, dependencies=WRITE, responses=_ERRORS, summary="Delete an article"
)
async def delete_article(article_id: ArticleId, state: Ready) -> DeletedOut:
    await run_in_threadpool(state.pipeline.delete, article_id)
    return DeletedOut(deleted=article_id)


async def _read_articles(request: Request, max_files: int) -> list[Article]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return _json_articles(await request.body())
    if content_type == "multipart/form-data":
        return await _uploaded_articles(request, max_files)
    raise UnsupportedUploadError(
        f"send application/json (an article or a list) or multipart/form-data files, not {content_type or 'no type'}"
    )


def _json_articles(body: bytes) -> list[Article]:
    """The body validated by its schema (`ArticleIn`, or a list of them: an unknown or mistyped field is
    a 422 that names it), then read as articles (ids, dates, text cleaning)."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequestError(f"the body is not valid JSON ({exc})") from None
    where = "articles" if isinstance(data, list) else "article"
    try:
        uploads = _ARTICLE_LIST.validate_python(data) if isinstance(data, list) else [ArticleIn.model_validate(data)]
    except ValidationError as exc:
        raise InvalidRequestError(_problems(where, exc)) from None
    if not uploads:
        raise InvalidRequestError("the list of articles is empty")
    names = [where] if where == "article" else [f"articles[{i}]" for i in range(len(uploads))]
    return [
        article_from_record(upload.model_dump(exclude_none=True), name)
        for name, upload in zip(names, uploads, strict=True)
    ]


def _problems(where: str, exc: ValidationError) -> str:
    """'articles[1].colour: Extra inputs are not permitted; ...' (at most five)."""
    problems = []
    for error in exc.errors()[:5]:
        path = where
        for part in error["loc"]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        problems.append(f"{path}: {error['msg']}")
    return "; ".join(problems)


async def _uploaded_articles(request: Request, max_files: int) -> list[Article]:
    form = await request.form(max_files=max_files, max_fields=20)
    uploads = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if not uploads:
        raise InvalidRequestError("the upload has no files (send them as multipart file fields)")
    articles: list[Article] = []
    for upload in uploads:
        articles.extend(articles_from_upload(upload.filename or "", await upload.read()))
    return articles
