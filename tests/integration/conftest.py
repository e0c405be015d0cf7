from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.loopback import ThreadedServer
from retrieval.embedding import Embedder, make_embedder
from service.generators import LlamaCppGenerator
from service.generators.base import GenerationRequest, GenerationResult
from service.http.app import create_app
from service.pipeline import Pipeline
from service.settings import Settings
from tests.conftest import SEEDS, require_model
from tests.fakes import HashEmbedder, ScriptedGenerator


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The embedder the service ships with (the int8 ONNX MiniLM unless CITEWIRE_EMBEDDER says otherwise)."""
    settings = Settings()
    embedder = make_embedder(settings.embedder, cache_dir=settings.cache_dir)
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seed-index")


@pytest.fixture(scope="session")
def real_pipeline(real_embedder: Embedder, seed_index_dir: Path) -> Pipeline:
    """Real embedder, FAISS and BM25 over the seeds; the default (llama.cpp) generator on demand."""
    pipeline = Pipeline.from_settings(Settings(index_dir=seed_index_dir, seeds_dir=SEEDS), embedder=real_embedder)
    pipeline.warm_up()
    return pipeline


@pytest.fixture
def serve(settings: Settings) -> Iterator[Callable[..., tuple[str, ScriptedGenerator]]]:
    """`serve(*replies, **settings)` starts the app on a real uvicorn on loopback (the real pipeline
    over the seeds with the fakes for the models) and gives its URL and the scripted generator."""
    servers: list[ThreadedServer] = []

    def start(*replies: str, **overrides: object) -> tuple[str, ScriptedGenerator]:
        configured = settings.model_copy(update=overrides)
        generator = ScriptedGenerator(replies)
        pipeline = Pipeline.from_settings(configured, embedder=HashEmbedder(), generator=generator)
        server = ThreadedServer(create_app(configured, pipeline=pipeline)).__enter__()
        servers.append(server)
        return server.url, generator

    yield start
    for server in servers:
        server.__exit__()


def smollm2_path() -> Path:
    return require_model("smollm2-135m", Path("unused"))  # a package's file: no cache needed


@pytest.fixture(scope="module")
def smol() -> Iterator[LlamaCppGenerator]:
    """The 93 MB SmolLM2 GGUF in llama.cpp: fast, and it invents facts, so only plumbing is checked."""
    generator = LlamaCppGenerator(smollm2_path(), threads=2, n_ctx=2048)
    generator.warm_up()
    yield generator
    generator.close()


def collect_deltas(
    generate: Callable[..., GenerationResult], request: GenerationRequest, stop_after: int | None = None
) -> tuple[GenerationResult, list[str]]:
    """The result of `generate(request)` and the deltas it streamed (stopped after `stop_after` of them)."""
    deltas: list[str] = []
    should_stop = (lambda: len(deltas) >= stop_after) if stop_after is not None else None
    return generate(request, on_token=deltas.append, should_stop=should_stop), deltas
