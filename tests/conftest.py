from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from service.pipeline import Pipeline
from service.settings import Settings
from tests.fakes import HashEmbedder, ScriptedGenerator

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


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
