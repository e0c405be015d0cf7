"""BM25 over the passages of several segments, scored with the statistics of the live passages
of all of them, so a search over a base and its deltas ranks exactly as a fresh build would.

Each segment keeps its term postings (a passage x term matrix of term counts, column-major) and
its passage lengths. A search sums, per query term occurrence, idf(term) * tf / (tf + k1 * (1 - b
+ b * length / average length)) — the Lucene variant with bm25s's defaults, which the index used
before segments — where the document frequency, the passage count and the average length are
those of the live passages (not deleted, not replaced) over every segment.
"""

from __future__ import annotations

import itertools
import json
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

from retrieval.errors import IndexCorruptError

K1 = 1.5
B = 0.75


@dataclass(frozen=True, eq=False)
class Postings:
    """Term counts of one segment's passages (rows in segment order)."""

    counts: sparse.csc_matrix  # passages x vocabulary, term counts
    lengths: np.ndarray  # int32 tokens per passage
    vocabulary: list[str]  # column -> term

    @classmethod
    def build(cls, token_lists: Iterable[list[str]]) -> Postings:
        """From each passage's terms (an empty passage counts as one empty term, as bm25s did)."""
        columns: dict[str, int] = {}
        rows, cols, data, lengths = array("i"), array("i"), array("f"), array("i")
        for row, tokens in enumerate(token_lists):
            tokens = tokens or [""]
            lengths.append(len(tokens))
            counts = Counter(tokens)
            rows.extend(itertools.repeat(row, len(counts)))
            cols.extend(columns.setdefault(term, len(columns)) for term in counts)
            data.extend(counts.values())
        shape = (len(lengths), len(columns))
        coordinates = (np.frombuffer(rows, np.int32), np.frombuffer(cols, np.int32))
        matrix = sparse.csc_matrix((np.frombuffer(data, np.float32), coordinates), shape=shape, dtype=np.float32)
        return cls(matrix, np.frombuffer(lengths, np.int32).copy(), list(columns))

    @cached_property
    def column_of(self) -> dict[str, int]:
        return {term: column for column, term in enumerate(self.vocabulary)}

    @property
    def size(self) -> int:
        return len(self.lengths)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, counts) of the passages holding `term`."""
        column = self.column_of.get(term)
        if column is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        start, end = self.counts.indptr[column], self.counts.indptr[column + 1]
        return self.counts.indices[start:end], self.counts.data[start:end]

    def document_frequency(self, term: str, live: np.ndarray | None) -> int:
        rows, _ = self.postings(term)
        return len(rows) if live is None else int(np.count_nonzero(live[rows]))

    def save(self, folder: Path) -> None:
        matrix = self.counts
        with (folder / "postings.npz").open("wb") as handle:
            np.savez(handle, indptr=matrix.indptr, indices=matrix.indices, data=matrix.data, lengths=self.lengths)
        (folder / "vocabulary.json").write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Postings:
        try:
            with np.load(folder / "postings.npz") as arrays:
                lengths = arrays["lengths"]
                vocabulary = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
                shape = (len(lengths), len(vocabulary))
                matrix = sparse.csc_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorruptError(f"cannot read the postings in {folder}: {exc}") from None
        return cls(matrix, lengths, vocabulary)

    @classmethod
    def concatenate(cls, parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
        """The rows `rows` of each part, in order, as one segment's postings (a merge)."""
        columns: dict[str, int] = {}
        data: list[np.ndarray] = [np.zeros(0, np.float32)]
        row: list[np.ndarray] = [np.zeros(0, np.int64)]
        col: list[np.ndarray] = [np.zeros(0, np.int64)]
        lengths: list[np.ndarray] = [np.zeros(0, np.int32)]
        offset = 0
        for postings, rows in parts:
            remap = np.asarray([columns.setdefault(t, len(columns)) for t in postings.vocabulary], dtype=np.int64)
            block = postings.counts.tocsr()[rows].tocoo()
            data.append(block.data)
            row.append(block.row.astype(np.int64) + offset)
            col.append(remap[block.col])
            lengths.append(postings.lengths[rows])
            offset += len(rows)
        shape = (offset, len(columns))
        matrix = sparse.csc_matrix(
            (np.concatenate(data), (np.concatenate(row), np.concatenate(col))), shape=shape, dtype=np.float32
        )
        all_lengths = np.concatenate(lengths)
        return cls(matrix, all_lengths.astype(np.int32), list(columns))


@dataclass(frozen=True)
class ScoredPart:
    """One segment as a BM25 search sees it: which rows are live, and which a filter allows."""

    postings: Postings
    live: np.ndarray | None  # bool per row; None: every row is live
    allowed: np.ndarray | None = None  # bool per row; None: no filter


@dataclass(frozen=True)
class CorpusStats:
    """The live passages over every segment: how many, and their average length."""

    documents: int
    average_length: float

    @classmethod
    def of(cls, parts: Sequence[ScoredPart]) -> CorpusStats:
        documents = 0
        length = 0
        for part in parts:
            lengths = part.postings.lengths if part.live is None else part.postings.lengths[part.live]
            documents += len(lengths)
            length += int(lengths.sum())
        return cls(documents, length / documents if documents else 0.0)


def search(
    parts: Sequence[ScoredPart], stats: CorpusStats, query_terms: list[str], top_k: int
) -> list[tuple[int, int, float]]:
    """The `top_k` (part, row, score) with a positive score, best first."""
    if not query_terms or stats.documents == 0 or top_k <= 0:
        return []
    idf = {t: _idf(document_frequency(parts, t), stats.documents) for t in query_terms}
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (part, rows, scores) per part
    for number, part in enumerate(parts):
        rows, scores = _part_scores(part, stats, query_terms, idf)
        found.append((np.full(len(rows), number), rows, scores))
    part_of = np.concatenate([f[0] for f in found])
    rows = np.concatenate([f[1] for f in found])
    scores = np.concatenate([f[2] for f in found])
    if len(scores) > top_k:  # the best top_k, then sorted (ties by part and row, as a single index orders them)
        keep = np.argpartition(-scores, top_k - 1)[:top_k]
        part_of, rows, scores = part_of[keep], rows[keep], scores[keep]
    best = np.lexsort((rows, part_of, -scores))
    return [(int(part_of[i]), int(rows[i]), float(scores[i])) for i in best]


def document_frequency(parts: Sequence[ScoredPart], term: str) -> int:
    """How many live passages of all these parts hold `term`."""
    return sum(p.postings.document_frequency(term, p.live) for p in parts)


def _part_scores(
    part: ScoredPart, stats: CorpusStats, query_terms: list[str], idf: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `part` with a positive score, and their scores."""
    postings = part.postings
    found_rows, weights = [], []
    for term in query_terms:  # a repeated query term counts again, as in bm25s
        rows, counts = postings.postings(term)
        if len(rows):
            norm = K1 * ((1 - B) + B * postings.lengths[rows] / stats.average_length)
            found_rows.append(rows)
            weights.append(idf[term] * counts / (norm + counts))
    if not found_rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    scores = np.bincount(np.concatenate(found_rows), np.concatenate(weights), minlength=postings.size)
    if part.live is not None:
        scores[~part.live] = 0
    if part.allowed is not None:
        scores[~part.allowed] = 0
    rows = np.flatnonzero(scores > 0)
    return rows, scores[rows]


def _idf(document_frequency: int, documents: int) -> float:
    return math.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))
