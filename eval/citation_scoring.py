"""ALCE-style citation scores, with a lexical support judge.

No NLI model can be had offline here (see ../shared/MODELS.md), so "the quote supports the
sentence" is judged lexically, independently of the pipeline's own checker: the quotes must hold
every figure of the sentence and at least `MIN_TERM_COVERAGE` of its content terms (stemmed, stop
words and citation markers removed). It is a proxy: it cannot see a paraphrase that changes the
meaning; the report's failure list is where a person checks it.

- citation precision: the cited article is gold, and the quote supports the sentence alone, or the
  sentence's quotes support it together and this quote adds a covered term the others lack (ALCE);
- citation recall: answer sentences whose quotes together support them;
- verbatim: quotes equal to the article text at their offsets.

The cited article's publisher and date count as support beside its quote: the answer path states
them ("BBC published it on 16 March 2017") and they are the article's own metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.sentences import split_sentences
from retrieval.terms import numbers, terms
from service.answer.markers import MARKER, marker_numbers

MIN_TERM_COVERAGE = 0.5


@dataclass(frozen=True)
class CitedQuote:
    n: int
    article_id: str
    quote: str
    verbatim: bool
    metadata: str = ""  # the cited article's publisher and date, which a byline sentence states


@dataclass(frozen=True)
class AnswerSentence:
    text: str  # without its markers
    markers: list[int]


@dataclass(frozen=True)
class CitationScores:
    citations: int
    precise: int  # gold and supporting
    sentences: int
    supported_sentences: int
    quotes: int
    verbatim: int


def answer_sentences(answer: str) -> list[AnswerSentence]:
    """The answer's claims, each with the `[n]` markers it carries: the text up to a marker group
    is one claim (a composed quote may hold several sentences), and text after the last marker is
    split into sentences. A claim is judged without its attribution ("Gulf News, 22 December
    2012: “...”": publisher and date are the cited article's metadata) and its quotation marks;
    "Yes." / "No." before a quote is the verdict the quote carries, not a claim of its own."""
    result: list[AnswerSentence] = []
    pending = ""
    for piece in re.split(r"(\[\d+(?:\s*,\s*\d+)*\])", answer):
        if MARKER.fullmatch(piece.strip() or "-"):
            text = _claim_text(pending)
            if text:
                result.append(AnswerSentence(text, marker_numbers(piece)))
            elif result:
                result[-1].markers.extend(marker_numbers(piece))
            pending = ""
        else:
            pending += piece
    for start, end in split_sentences(pending):
        text = _claim_text(pending[start:end])
        if text:
            result.append(AnswerSentence(text, []))
    return result


def _claim_text(text: str) -> str:
    text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split())).lstrip(" .,;:")
    text = re.sub(r"^(?:Yes|No)\.\s*", "", text)
    text = re.sub(r"^[^“”\"]{0,80}:\s*(?=[“\"])", "", text)  # "Gulf News, 22 December 2012: "
    text = text.strip().strip('“”"').strip()
    return text if re.search(r"\w", text) else ""


def supports(sentence: str, quotes: list[str]) -> bool:
    wanted = set(terms(sentence))
    if not wanted or not quotes:
        return False
    joined = " ".join(quotes)
    if not numbers(sentence) <= numbers(joined):
        return False
    return _coverage(wanted, set(terms(joined))) >= MIN_TERM_COVERAGE


def score_citations(answer: str, citations: list[CitedQuote], gold_articles: set[str]) -> CitationScores:
    by_number = {citation.n: citation for citation in citations}
    sentences = answer_sentences(answer)
    precise = supported = 0
    for sentence in sentences:
        cited = [by_number[n] for n in dict.fromkeys(sentence.markers) if n in by_number]
        quotes = [_with_metadata(c) for c in cited]
        if supports(sentence.text, quotes):
            supported += 1
        precise += sum(
            1 for c in cited if c.article_id in gold_articles and _citation_supports(sentence.text, c, cited)
        )
    markers = sum(len(set(s.markers) & by_number.keys()) for s in sentences)
    return CitationScores(
        citations=markers,
        precise=precise,
        sentences=len(sentences),
        supported_sentences=supported,
        quotes=len(citations),
        verbatim=sum(c.verbatim for c in citations),
    )


def _citation_supports(sentence: str, citation: CitedQuote, cited: list[CitedQuote]) -> bool:
    if supports(sentence, [_with_metadata(citation)]):
        return True
    others = [_with_metadata(c) for c in cited if c is not citation]
    if not others or not supports(sentence, [_with_metadata(c) for c in cited]):
        return False
    wanted = set(terms(sentence))
    return bool((wanted & set(terms(_with_metadata(citation)))) - set(terms(" ".join(others))))


def _with_metadata(citation: CitedQuote) -> str:
    return f"{citation.quote} {citation.metadata}".strip()


def _coverage(wanted: set[str], found: set[str]) -> float:
    return len(wanted & found) / len(wanted)
