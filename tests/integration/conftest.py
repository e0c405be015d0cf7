from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embedding import SentenceTransformerEmbedder
from service.pipeline import Pipeline
from service.settings import Settings
from tests.conftest import SEEDS


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder()
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seed-index")


@pytest.fixture(scope="session")
def real_pipeline(real_embedder: SentenceTransformerEmbedder, seed_index_dir: Path) -> Pipeline:
    """Real embedder, FAISS and BM25 over the seeds; the default (llama.cpp) generator on demand."""
    pipeline = Pipeline(Settings(index_dir=seed_index_dir, seeds_dir=SEEDS), embedder=real_embedder)
    pipeline.warm_up()
    return pipeline
