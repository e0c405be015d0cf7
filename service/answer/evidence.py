"""Step 1 of the answer path: the sentences of the retrieved passages, scored as evidence.

score = 0.3 * cosine(question, sentence)
      + 0.7 * IDF-weighted share of the question's terms in the sentence
      + 0.2 * the share found only in the sentence before it (it names what "he" or "it" is)
      + 0.15 * the share found only elsewhere in the passage or its title
      + 0.7 * the share found only in the article's byline (its publisher and date: "according to the
        Gulf News report of 22 December 2012" names the article, and the sentence need not repeat it)
      + 0.1 when the sentence holds the kind of answer asked for (a figure, a date)
      - 0.02 per rank of its passage in retrieval.
The weights were chosen on the dev split of both question sets (the gold sentence among the
best five rose from 81% to 85%).

A sentence that speaks to a model ("Ignore previous instructions and ...") is never evidence.
Each sentence is taken once, from the whole article around the passage (overlapping chunks
share sentences), and carries its Passage: later steps never index into lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.dates import long_form
from retrieval.documents import Passage
from retrieval.embedding import Embedder
from retrieval.sentences import split_sentences
from retrieval.term_stats import TermStats
from retrieval.terms import terms
from service.answer.instructions import is_instruction
from service.answer.questions import QuestionKind, wants_date, wants_number

WEIGHTS = {"cosine": 0.3, "direct": 0.7, "previous": 0.2, "context": 0.15, "byline": 0.7, "kind": 0.1, "rank": 0.02}
_DATE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|"
    r"Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tonight|last (?:week|month|year)|"
    r"(?:19|20)\d{2})\b"
)


@dataclass(frozen=True)
class EvidenceSentence:
    passage: Passage
    start: int  # offsets in the article's stored text
    end: int
    score: float
    cosine: float
    direct: float  # share of the question's terms (IDF-weighted) in the sentence itself
    retrieval_rank: int  # of its passage, 0 = best

    @property
    def text(self) -> str:
        return self.passage.article.text[self.start : self.end]

    @property
    def article_id(self) -> str:
        return self.passage.article_id


class EvidenceScorer:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def score(
        self, question: str, passages: list[Passage], stats: TermStats, kind: QuestionKind | None = None
    ) -> list[EvidenceSentence]:
        """Every sentence of every passage, once, scored; best first."""
        located = _sentences(passages)
        if not located:
            return []
        texts = [p.article.text[s:e] for p, s, e, _, _ in located]
        vectors = self._embedder.embed([question, *texts])
        cosines = vectors[1:] @ vectors[0]
        asked = set(terms(question))
        stats.prefetch(asked)
        weights = {term: stats.idf(term) for term in asked}
        total = sum(weights.values()) or 1.0
        contexts: dict[str, set[str]] = {}
        bylines: dict[str, set[str]] = {}
        scored = []
        for (passage, start, end, previous, rank), text, cosine in zip(located, texts, cosines, strict=True):
            own = set(terms(text))
            before = set(terms(previous)) - own
            if passage.chunk_id not in contexts:
                contexts[passage.chunk_id] = set(terms(f"{passage.article.title} {passage.text}"))
            around = contexts[passage.chunk_id] - own - before
            if passage.article_id not in bylines:
                bylines[passage.article_id] = _byline_terms(passage)
            byline = bylines[passage.article_id] - own - before - around
            direct = sum(w for t, w in weights.items() if t in own) / total
            parts = {
                "cosine": float(cosine),
                "direct": direct,
                "previous": sum(w for t, w in weights.items() if t in before) / total,
                "context": sum(w for t, w in weights.items() if t in around) / total,
                "byline": sum(w for t, w in weights.items() if t in byline) / total,
                "kind": 1.0 if kind is not None and _has_asked_kind(kind, text) else 0.0,
                "rank": -float(rank),
            }
            score = sum(WEIGHTS[name] * value for name, value in parts.items())
            scored.append(
                EvidenceSentence(passage, start, end, round(score, 4), round(float(cosine), 4), round(direct, 4), rank)
            )
        return sorted(scored, key=lambda e: -e.score)


def _sentences(passages: list[Passage]) -> list[tuple[Passage, int, int, str, int]]:
    """(passage, start, end, the sentence before, passage rank) for each sentence, once."""
    seen: set[tuple[str, int]] = set()
    located = []
    for rank, passage in enumerate(passages):
        text = passage.article.text
        spans = split_sentences(text)
        for index, (start, end) in enumerate(spans):
            if end <= passage.chunk.start or start >= passage.chunk.end or (passage.article_id, start) in seen:
                continue
            if is_instruction(text[start:end]):
                continue  # it speaks to a model, not to readers: never evidence
            seen.add((passage.article_id, start))
            previous = text[spans[index - 1][0] : spans[index - 1][1]] if index else ""
            located.append((passage, start, end, previous, rank))
    return located


def _byline_terms(passage: Passage) -> set[str]:
    """The terms of the article's publisher and publication date, as a question names a report."""
    article = passage.article
    day = article.published
    dates = f"{long_form(day)} {day.strftime('%B %d %Y')} {day.isoformat()}" if day else ""
    return set(terms(f"{article.source or ''} {dates}"))


def _has_asked_kind(kind: QuestionKind, text: str) -> bool:
    if wants_number(kind):
        return bool(re.search(r"\d", text))
    if wants_date(kind):
        return bool(_DATE.search(text))
    return False


def top_score(evidence: list[EvidenceSentence]) -> float:
    return max((e.score for e in evidence), default=0.0)
