"""CITEWIRE_SEEDS_DIR: only a configured seeds folder is indexed when there is no index (a production
store never gets the demo articles by default); without one, a missing index is an error that says
how to build it."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.errors import IndexNotFoundError
from service.pipeline import Pipeline
from service.settings import Settings
from tests.conftest import SEEDS
from tests.fakes import HashEmbedder, ScriptedGenerator


def test_unset_or_empty_means_no_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITEWIRE_SEEDS_DIR", raising=False)
    assert Settings().seeds_dir is None
    monkeypatch.setenv("CITEWIRE_SEEDS_DIR", "")  # how a compose file overrides an image's value
    assert Settings().seeds_dir is None
    monkeypatch.setenv("CITEWIRE_SEEDS_DIR", str(SEEDS))
    assert Settings().seeds_dir == SEEDS


def test_without_seeds_a_missing_index_is_not_built_and_the_error_says_how(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=None, cache_dir=tmp_path / "cache")
    pipeline = Pipeline.from_settings(settings, embedder=HashEmbedder(), generator=ScriptedGenerator())
    with pytest.raises(IndexNotFoundError, match="citewire ingest"):
        pipeline.warm_up(load_generator=False)
    assert not pipeline.store.exists()


def test_with_seeds_a_missing_index_is_built_from_them(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=SEEDS, cache_dir=tmp_path / "cache")
    pipeline = Pipeline.from_settings(settings, embedder=HashEmbedder(), generator=ScriptedGenerator())
    pipeline.warm_up(load_generator=False)
    assert pipeline.store.counts().articles == len(list(SEEDS.glob("*.txt")))
