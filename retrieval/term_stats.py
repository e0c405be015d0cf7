"""Document frequencies of terms over the indexed passages, for IDF weighting."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

from retrieval.terms import terms


class TermStats:
    def __init__(self, document_frequency: Counter[str], documents: int) -> None:
        self._df = document_frequency
        self._documents = documents
        self._lookup: Callable[[str], int] | None = None

    @classmethod
    def lookup(cls, frequency: Callable[[str], int], documents: int) -> TermStats:
        """Frequencies looked up per term when first asked (in an index's postings), then kept."""
        stats = cls(Counter(), documents)
        stats._lookup = frequency
        return stats

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
        return math.log((self._documents + 1) / (self.frequency(term) + 0.5)) + 1.0

    def frequency(self, term: str) -> int:
        """How many passages hold `term`."""
        if self._lookup is not None and term not in self._df:
            self._df[term] = self._lookup(term)
        return self._df.get(term, 0)
