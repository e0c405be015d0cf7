"""Does a passage support a claim? Finds the best evidence window (one or two sentences).

A window supports a claim when, all at once (a window meeting every test but the third is
returned marked `contradicted`, so that the claim can be replaced by what the article says):
- every figure in the claim appears in the window;
- every name the claim introduces (capitalised words) appears in the passage or its title;
- the window does not contradict the claim's polarity (the claim asserts what the window
  negates, or negates what the window asserts);
- enough of the claim's own terms (not the publisher, author or date) are in the window, weighted
  by IDF so that names found in every article count less than the claim's distinctive words:
  coverage >= min_coverage, or
  coverage >= min_coverage_similar when the sentence embedding similarity is high.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from retrieval.dates import long_form
from retrieval.documents import Passage
from retrieval.embedding import Embedder
from retrieval.sentences import split_sentences
from retrieval.term_stats import TermStats
from retrieval.terms import has_negation, negated_terms, numbers, terms, words

_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+")
_DIRECTED_NAME = re.compile(r"\b(from|to)\s+(?:the\s+)?([A-Z][\w'’-]*)")


@dataclass(frozen=True)
class SupportThresholds:
    min_coverage: float = 0.6
    min_coverage_similar: float = 0.4
    min_similarity: float = 0.7


@dataclass(frozen=True)
class Support:
    passage_index: int
    start: int  # article offsets of the quoted window
    end: int
    coverage: float
    similarity: float
    sentences: int = 1
    contradicted: bool = False  # the window says the opposite (negation, from/to reversed)

    @property
    def strength(self) -> float:
        """Ranks windows: coverage first, similarity next, shorter quotes preferred."""
        return self.coverage + 0.5 * self.similarity - 0.1 * (self.sentences - 1)


@dataclass(frozen=True)
class _Window:
    passage_index: int
    start: int
    end: int
    text: str
    sentence_rows: tuple[int, ...]  # rows in the sentence-embedding matrix


@dataclass(frozen=True)
class _PassageFacts:
    """What a claim may draw on besides the window: names anywhere in the passage or its title,
    and the article's publisher, author and date."""

    known_words: set[str]
    attribution_terms: set[str]
    attribution_numbers: set[str]
    echoed_terms: set[str]  # the question's own terms that this passage uses

    @classmethod
    def of(cls, passage: Passage, question: str) -> _PassageFacts:
        attribution = _attribution(passage)
        question_terms = set(terms(question))
        return cls(
            known_words=set(words(f"{passage.article.title} {attribution} {passage.text} {question}")),
            attribution_terms=set(terms(attribution)),
            attribution_numbers=numbers(attribution),
            echoed_terms=question_terms & set(terms(f"{passage.article.title} {passage.text}")),
        )


class SupportChecker:
    def __init__(self, embedder: Embedder | None, thresholds: SupportThresholds | None = None) -> None:
        self._embedder = embedder
        self._thresholds = thresholds or SupportThresholds()

    def support_matrix(
        self, claims: list[str], passages: list[Passage], stats: TermStats | None = None, question: str = ""
    ) -> list[list[Support | None]]:
        """For each claim and passage, the best supporting window or None. A claim may restate the
        question ("Kerry did not deny the Washington Post report ..."): names the question uses are
        known, and once a window covers `min_coverage_similar` of the claim by itself, the question's
        terms that the passage uses count as covered."""
        windows, sentences = _windows(passages)
        similarity = self._similarities(claims, sentences)
        facts = [_PassageFacts.of(p, question) for p in passages]
        matrix: list[list[Support | None]] = []
        for row, claim in enumerate(claims):
            best: list[Support | None] = [None] * len(passages)
            for window in windows:
                found = self._check(claim, window, similarity[row], facts[window.passage_index], stats)
                current = best[window.passage_index]
                if found and (current is None or _ranks_above(found, current)):
                    best[window.passage_index] = found
            matrix.append(best)
        return matrix

    def _check(
        self,
        claim: str,
        window: _Window,
        similarity_row: np.ndarray,
        facts: _PassageFacts,
        stats: TermStats | None,
    ) -> Support | None:
        claim_terms = set(terms(claim))
        if not claim_terms or not numbers(claim) <= numbers(window.text) | facts.attribution_numbers:
            return None
        if any(name.casefold() not in facts.known_words for name in _NAME.findall(claim)):
            return None
        contradicted = _contradicts(claim, claim_terms, window.text)
        content_terms = claim_terms - facts.attribution_terms  # naming the publisher or date is not a claim
        if not content_terms:
            return None
        t = self._thresholds
        window_terms = set(terms(window.text))
        coverage = _coverage(content_terms, window_terms, stats)  # ranks windows: what the window says itself
        judged = coverage
        if coverage >= t.min_coverage_similar:  # the window says much of it: echoes of the question count
            judged = _coverage(content_terms, window_terms | facts.echoed_terms, stats)
        similarity = max((float(similarity_row[r]) for r in window.sentence_rows), default=0.0)
        if judged >= t.min_coverage or (judged >= t.min_coverage_similar and similarity >= t.min_similarity):
            return Support(
                window.passage_index,
                window.start,
                window.end,
                round(coverage, 4),
                round(similarity, 4),
                len(window.sentence_rows),
                contradicted,
            )
        return None

    def _similarities(self, claims: list[str], sentences: list[str]) -> np.ndarray:
        if self._embedder is None or not claims or not sentences:
            return np.zeros((len(claims), len(sentences)), dtype=np.float32)
        vectors = self._embedder.embed([*claims, *sentences])
        return vectors[: len(claims)] @ vectors[len(claims) :].T


def _ranks_above(found: Support, current: Support) -> bool:
    """A window that supports the claim beats one that contradicts it; then the stronger one."""
    if found.contradicted != current.contradicted:
        return current.contradicted
    return found.strength > current.strength


def _coverage(claim_terms: set[str], window_terms: set[str], stats: TermStats | None) -> float:
    """IDF-weighted share of the claim's terms found in the window (uniform without stats)."""
    weights = {t: stats.idf(t) if stats else 1.0 for t in claim_terms}
    return sum(w for t, w in weights.items() if t in window_terms) / sum(weights.values())


def _attribution(passage: Passage) -> str:
    """Who published and wrote the article, and when: a claim may state them ("according to
    Gulf News", "on 22 December 2012")."""
    article = passage.article
    published = None
    if article.published:  # written out, and in the ISO form the prompt shows
        published = f"{long_form(article.published)} {article.published.isoformat()}"
    return " ".join(part for part in (article.source, article.author, published) if part)


def _contradicts(claim: str, claim_terms: set[str], window_text: str) -> bool:
    """The claim asserts the predicate the window negates ("talked" vs "never talked"), or
    negates a predicate the window asserts. Only the first term after a negation counts."""
    if _reverses_direction(claim, window_text):
        return True
    claim_negated, window_negated = has_negation(claim), has_negation(window_text)
    if window_negated and not claim_negated:
        return bool(claim_terms & negated_terms(window_text, scope=1))
    if claim_negated and not window_negated:
        return bool(negated_terms(claim, scope=1) & set(terms(window_text)))
    return False


def _reverses_direction(claim: str, window_text: str) -> bool:
    """ "from Moscow to Brussels" against a window saying "to Moscow from Brussels"."""
    claimed = {(prep.lower(), name.casefold()) for prep, name in _DIRECTED_NAME.findall(claim)}
    stated = {(prep.lower(), name.casefold()) for prep, name in _DIRECTED_NAME.findall(window_text)}
    opposite = {"from": "to", "to": "from"}
    return any((opposite[prep], name) in stated and (prep, name) not in stated for prep, name in claimed)


def _windows(passages: list[Passage]) -> tuple[list[_Window], list[str]]:
    windows: list[_Window] = []
    sentences: list[str] = []
    for index, passage in enumerate(passages):
        text = passage.article.text
        spans = split_sentences(passage.text, offset=passage.chunk.start)
        first_row = len(sentences)
        sentences.extend(text[s:e] for s, e in spans)
        for i, (start, end) in enumerate(spans):
            windows.append(_Window(index, start, end, text[start:end], (first_row + i,)))
            if i + 1 < len(spans):
                pair_end = spans[i + 1][1]
                windows.append(
                    _Window(index, start, pair_end, text[start:pair_end], (first_row + i, first_row + i + 1))
                )
    return windows, sentences
