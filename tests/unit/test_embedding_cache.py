from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.embedding import CachingEmbedder, ProgressCallback
from tests.fakes import HashEmbedder


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts_embedded: list[str] = []

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        self.texts_embedded.extend(texts)
        return super().embed(texts, progress)


def test_cached_vectors_equal_fresh_ones_and_are_not_recomputed() -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner)
    first = cached.embed(["alpha beta", "gamma delta", "alpha beta"])
    second = cached.embed(["gamma delta", "epsilon"])
    assert inner.texts_embedded == ["alpha beta", "gamma delta", "epsilon"]  # each text once
    np.testing.assert_array_equal(first, HashEmbedder().embed(["alpha beta", "gamma delta", "alpha beta"]))
    np.testing.assert_array_equal(second, HashEmbedder().embed(["gamma delta", "epsilon"]))
    assert cached.embed([]).shape == (0, inner.dimension)


def test_cache_is_bounded_and_evicts_least_recently_used() -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner, max_entries=2)
    cached.embed(["a one"])
    cached.embed(["b two"])
    cached.embed(["a one"])  # a is now the most recently used
    cached.embed(["c three"])  # evicts b
    inner.texts_embedded.clear()
    cached.embed(["a one", "b two"])
    assert inner.texts_embedded == ["b two"]
