"""Pages for people: the demo news page, article reader pages, and the widget script.

Served when CITEWIRE_PAGES is on (the default). They need no API key: the article pages show
article text to anyone who can reach the server.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from starlette.staticfiles import StaticFiles

from retrieval.errors import ArticleNotFoundError
from service.http.routes.deps import Ready
from service.web.pages import SECURITY_HEADERS, STATIC_DIR, PageRenderer

router = APIRouter(include_in_schema=False)
ArticleId = Annotated[str, Path(max_length=128)]
_WIDGET_HEADERS = {
    "Cache-Control": "public, max-age=300",
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "X-Content-Type-Options": "nosniff",
}


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def _renderer(request: Request) -> PageRenderer:
    renderer: PageRenderer = request.app.state.pages
    return renderer


@router.get("/", response_class=HTMLResponse)
async def demo_page(request: Request, state: Ready) -> HTMLResponse:
    articles = await run_in_threadpool(state.pipeline.list_articles)
    read_keys = state.settings.key_list("read")
    base_url = str(request.base_url).rstrip("/")
    html = _renderer(request).demo(articles, base_url, read_keys[0] if read_keys else None)
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
async def article_page(article_id: ArticleId, request: Request, state: Ready) -> HTMLResponse:
    renderer = _renderer(request)
    try:
        article = await run_in_threadpool(state.pipeline.get_article, article_id)
    except ArticleNotFoundError:
        return HTMLResponse(renderer.not_found(article_id), status_code=404, headers=SECURITY_HEADERS)
    return HTMLResponse(renderer.article(article), headers=SECURITY_HEADERS)


@router.get("/widget.js")
async def widget_script() -> FileResponse:
    return FileResponse(STATIC_DIR / "widget.js", media_type="text/javascript; charset=utf-8", headers=_WIDGET_HEADERS)
