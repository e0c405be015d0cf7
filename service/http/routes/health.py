"""Liveness, readiness and Prometheus metrics (outside /api: no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from service.http.metrics import CONTENT_TYPE
from service.http.routes.deps import State
from service.http.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut, summary="The process is up")
async def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "Still loading, or start-up failed"}},
    summary="Models loaded and index present, with counts",
)
async def readyz(state: State) -> JSONResponse:
    ready = state.readiness.is_ready
    counts = await run_in_threadpool(state.pipeline.store.counts) if ready else None  # a Milvus store: a query
    body = ReadyOut(
        ready=ready,
        status=state.readiness.status,
        index=counts is not None,
        articles=counts.articles if counts else 0,
        chunks=counts.chunks if counts else 0,
        model=state.pipeline.generator.name,
        queue_waiting=state.admission.waiting,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(state: State) -> Response:
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)
