from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from service.errors import ModelUnavailableError
from service.model_files import resolve_model_path
from service.pipeline import Pipeline
from service.settings import Settings
from tests.fakes import HashEmbedder, ScriptedGenerator

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# an article that is not in the seeds: added and deleted over HTTP by the server tests
# the seed question the fake-model tests ask, the scripted answer they give, and the article it cites
LAVROV_Q = "What did Lavrov say was the biggest threat from Syria's chemical weapons?"
LAVROV_A = "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants [1]."
LAVROV_ID = "002_946358d19c61b6c0"
WATER = {
    "id": "aleppo-water-2017",
    "title": "Aleppo water station back in service",
    "text": (
        "The Suleiman al-Halabi water station in Aleppo resumed pumping on Friday after engineers replaced "
        "four damaged pumps, the city council said. The station supplies about half of the city's water."
    ),
    "source": "Test Wire",
    "published": "2017-03-03",
}
WATER_Q = "How many pumps did engineers replace at the Suleiman al-Halabi water station?"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to the end in a fresh event loop on its own thread: the browser tests'
    session-wide Playwright keeps an event loop running on the main thread, where asyncio.run fails."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def eventually(check: Callable[[], object], timeout_s: float = 5.0) -> bool:
    """Whether `check()` becomes true within the timeout (polled; checked once more at the end)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


def in_ci() -> bool:
    """Whether this run is CI's (the environment variable CI is "true", as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() == "true"


def missing(reason: str) -> NoReturn:
    """Something a test needs (a model file, a model package, a browser) is not installed: the
    test is skipped locally, but with CI=true it fails, so CI cannot pass by testing less."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing model or browser is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def require(condition: object, reason: str) -> None:
    """Go on if `condition` holds; otherwise `missing(reason)`: skip locally, fail under CI=true."""
    if not condition:
        missing(reason)


def require_model(model: str, cache_dir: Path | None = None) -> Path:
    """The GGUF file of `model` (a known name or a path), or `missing()` with the reason it is not there."""
    try:
        return resolve_model_path(model, cache_dir if cache_dir is not None else Settings().cache_dir)
    except ModelUnavailableError as exc:
        reason = str(exc)
    missing(reason)  # outside the `except`, so the report is the reason alone, not a chained traceback


@pytest.fixture(scope="session")
def default_model() -> Path:
    """The model the service answers with by default (CITEWIRE_MODEL, else qwen2.5-1.5b), required:
    without it the pipeline quietly falls back to extractive answers, and a real-model test
    would pass without its model."""
    return require_model(Settings().model)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # decline_threshold=0: with the fake generator there is no P(yes) to decline on; tests of
    # declines set it themselves
    return Settings(index_dir=tmp_path / "index", seeds_dir=SEEDS, cache_dir=tmp_path / "cache", decline_threshold=0.0)


@pytest.fixture
def make_pipeline(settings: Settings) -> Callable[..., tuple[Pipeline, ScriptedGenerator]]:
    """A pipeline over the seeds with the hash embedder and a scripted generator."""

    def build(*replies: str, **overrides: object) -> tuple[Pipeline, ScriptedGenerator]:
        generator = ScriptedGenerator(replies)
        pipeline = Pipeline.from_settings(
            settings.model_copy(update=overrides), embedder=HashEmbedder(), generator=generator
        )
        pipeline.warm_up()
        return pipeline, generator

    return build


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Callable[..., tuple[TestClient, ScriptedGenerator]]]:
    """The real app (routes, queue, errors) over a seeds pipeline with the fakes; lifespan run."""
    from fastapi.testclient import TestClient

    from service.http.app import create_app

    clients: list[TestClient] = []

    def build(*replies: str, **overrides: object) -> tuple[TestClient, ScriptedGenerator]:
        configured = settings.model_copy(update=overrides)
        generator = ScriptedGenerator(replies)
        pipeline = Pipeline.from_settings(configured, embedder=HashEmbedder(), generator=generator)
        client = TestClient(create_app(configured, pipeline=pipeline, warm_up_in_background=False))
        client.__enter__()
        clients.append(client)
        return client, generator

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def sse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) of each event of a server-sent-events body."""
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events
