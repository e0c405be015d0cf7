"""The FastAPI app factory: settings, the one pipeline, the answer queue, metrics, routes.

`create_app()` is cheap. The lifespan warms the pipeline up (embedder, index, and the model
when the default mode is 'llm'), in a background thread by default so that `/healthz`
answers at once and `/readyz` says when loading is done. Every error leaves as
`{"error": {"message", "type", "code"}}` (the OpenAI error shape), never as a traceback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Route

from prompts import PromptError
from retrieval.errors import RetrievalError
from service.errors import ServiceError
from service.http.admission import Admission
from service.http.error_mapping import HttpError, http_error
from service.http.jobs import Answering
from service.http.mcp_endpoint import MCP_PATH, McpEndpoint
from service.http.metrics import Metrics
from service.http.middleware import BodyLimitMiddleware, MetricsMiddleware
from service.http.routes import articles, ask, health, openai_api, pages
from service.http.state import Readiness, ServiceState
from service.pipeline import Pipeline
from service.settings import Settings, get_settings
from service.web.pages import PageRenderer

logger = logging.getLogger(__name__)
_MAX_BACKOFF_S = 60.0


def create_app(
    settings: Settings | None = None,
    pipeline: Pipeline | None = None,
    warm_up_in_background: bool = True,
    on_give_up: Callable[[], None] | None = None,
) -> FastAPI:
    """`on_give_up` runs when start-up has failed `CITEWIRE_WARM_UP_ATTEMPTS` times (`citewire serve`
    stops the server then and exits non-zero); without it the app stays up, /readyz saying why."""
    settings = settings or get_settings()
    pipeline = pipeline or Pipeline.from_settings(settings)
    admission = Admission(settings.queue_size, slots=settings.generation_slots)
    metrics = Metrics(queue_depth=lambda: admission.waiting)
    state = ServiceState(
        settings,
        pipeline,
        Answering(pipeline, admission, metrics, settings.max_model_wait_s),
        metrics,
        admission,
        Readiness(),
    )
    mcp = McpEndpoint(state)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up_in_background:
            threading.Thread(target=_warm_up, args=(state, on_give_up), name="warm-up", daemon=True).start()
        else:
            _warm_up(state, on_give_up)
        async with mcp.run():
            yield
        state.answering.close()
        state.pipeline.generator.close()  # the model: llama.cpp's server thread and port

    app = FastAPI(
        title="citewire",
        summary="Answers about a news archive; every claim cites the article it came from, with the quote.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.citewire = state
    for router in (ask.router, articles.router, openai_api.router, health.router):
        app.include_router(router)
    app.router.routes.append(Route(MCP_PATH, mcp, include_in_schema=False))  # MCP over streamable HTTP (an ASGI app)
    if settings.pages:
        app.state.pages = PageRenderer()
        app.include_router(pages.router)
        app.mount("/static", pages.static_files(), name="static")
    _add_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
        )
    return app


def _warm_up(state: ServiceState, on_give_up: Callable[[], None] | None) -> None:
    """Load what answering needs, retrying with back-off (a store or a model server may come up after
    this process); /readyz says why it is not ready. After the last try, `on_give_up`."""
    started = time.perf_counter()
    load_model = state.settings.default_mode == "llm"
    attempts, wait_s = state.settings.warm_up_attempts, state.settings.warm_up_backoff_s
    for attempt in range(1, attempts + 1):
        logger.info("loading the embedder, the index%s", " and the model" if load_model else "")
        try:
            state.pipeline.warm_up(load_generator=load_model)
            break
        except Exception as exc:  # reported by /readyz, then retried
            logger.error(
                "start-up try %d of %d failed: %s",
                attempt,
                attempts,
                exc,
                exc_info=not isinstance(exc, (OSError, ValueError, RetrievalError, ServiceError)),
            )
            if attempt == attempts:
                state.readiness.failed(f"{exc} (start-up gave up after {attempts} tries)")
                if on_give_up is not None:
                    on_give_up()
                return
            state.readiness.failed(f"{exc} (try {attempt} of {attempts}; next in {wait_s:.0f} s)", gave_up=False)
            time.sleep(wait_s)
            wait_s = min(wait_s * 2, _MAX_BACKOFF_S)
    counts = state.pipeline.store.counts()
    logger.info(
        "ready in %.1f s: %d articles, %d passages (%s)",
        time.perf_counter() - started,
        counts.articles,
        counts.chunks,
        state.pipeline.store.description,
    )
    state.readiness.ready()


def _add_error_handlers(app: FastAPI) -> None:
    def respond(error: HttpError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(_describe(error) for error in exc.errors()[:10])
        return respond(HttpError(422, "invalid_request", problems or "invalid request"))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        message = str(exc.detail)
        return respond(HttpError(exc.status_code, _http_type(exc.status_code), message, dict(exc.headers or {})))

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        return respond(http_error(exc))

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    for known in (ServiceError, RetrievalError, PromptError):
        app.add_exception_handler(known, on_error)
    app.add_exception_handler(Exception, on_error)  # a bug: 500 without the traceback (which is logged)


def _describe(error: dict) -> str:  # type: ignore[type-arg]
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


def _http_type(status: int) -> str:
    return {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
        status, "http_error"
    )
