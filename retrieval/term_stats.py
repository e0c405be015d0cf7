"""Document frequencies of terms over the indexed passages, for IDF weighting."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from retrieval.terms import terms


class TermStats:
    def __init__(self, document_frequency: Counter[str], documents: int) -> None:
        self._df = document_frequency
        self._documents = documents

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> TermStats:
        df: Counter[str] = Counter()
        count = 0
        for text in texts:
            df.update(set(terms(text)))
            count += 1
        return cls(df, count)

    @classmethod
    def from_term_lists(cls, lists: Iterable[list[str]]) -> TermStats:
        """From passages already reduced to their terms (`terms(text)`)."""
        df: Counter[str] = Counter()
        count = 0
        for found in lists:
            df.update(set(found))
            count += 1
        return cls(df, count)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; terms never seen get the highest weight."""
        return math.log((self._documents + 1) / (self._df.get(term, 0) + 0.5)) + 1.0
