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
        self._lookup: Callable[[list[str]], dict[str, int]] | None = None

    @classmethod
    def lookup(cls, frequencies: Callable[[list[str]], dict[str, int]], documents: int) -> TermStats:
        """Frequencies looked up when first asked (in an index's postings, or a store's term table),
        then kept; `frequencies(terms)` returns the count of each term some passage holds."""
        stats = cls(Counter(), documents)
        stats._lookup = frequencies
        return stats

    def prefetch(self, wanted: Iterable[str]) -> None:
        """Look up these terms together (one round trip to a store rather than one per term)."""
        if self._lookup is None:
            return
        missing = [t for t in dict.fromkeys(wanted) if t not in self._df]
        if missing:
            found = self._lookup(missing)
            self._df.update({t: found.get(t, 0) for t in missing})

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
            self.prefetch([term])
        return self._df.get(term, 0)
