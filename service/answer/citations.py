"""Step 6 of the answer path: numbered citations for composed sentences. Every citation points at
an article, a chunk and the exact span quoted: `quote == article.text[start:end]`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.documents import Passage
from service.answer.composition import TENTATIVE_LEAD, AnswerSentence
from service.answer.result import Citation


def attach_citations(sentences: list[AnswerSentence]) -> tuple[str, list[Citation], list[str]]:
    """Answer text with `[n]` markers (in order of first use), the citations they point to, and
    each sentence as marked."""
    citations: list[Citation] = []
    keys: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    for sentence in sentences:
        if sentence.passage is None:
            parts.append(sentence.text)
            continue
        key = (sentence.passage.article_id, sentence.start, sentence.end)
        if key not in keys:
            keys[key] = len(citations) + 1
            citations.append(make_citation(keys[key], sentence.passage, sentence.start, sentence.end))
        parts.append(with_marker(sentence.text, keys[key]))
    return " ".join(parts), citations, parts


def make_citation(n: int, passage: Passage, start: int, end: int) -> Citation:
    article = passage.article
    return Citation(
        n=n,
        article_id=article.article_id,
        chunk_id=passage.chunk_id,
        title=article.title,
        source=article.source,
        published=article.published,
        url=article.url,
        quote=article.text[start:end],
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class MarkedSentence:
    """A sentence of an answer text that carries the marker `[n]`: `text[start:end]`, marker included."""

    n: int
    start: int
    end: int


_MARKER_END = re.compile(r" \[(\d+)\][.!?]*(?= |$)")
# the unmarked sentence put before a yes/no answer, or before a tentative answer's quotes
_VERDICT = re.compile(rf"(?:Yes|No)\. |{re.escape(TENTATIVE_LEAD)} ")


def marked_sentences(text: str) -> list[MarkedSentence]:
    """Each marked sentence of an answer text made by `attach_citations`, in order: its marker's `n`
    and its span, from its first character to its marker and closing punctuation. The sentences of
    an answer are joined by single spaces; a leading "Yes." or "No." is a sentence of its own, not
    part of the quote after it. A text without markers (a declined answer) has none. Markers are
    numbered in order of first use, so a bracketed number out of that order (one quoted from an
    article) is text, not a marker."""
    found: list[MarkedSentence] = []
    start = 0
    for match in _MARKER_END.finditer(text):
        n = int(match.group(1))
        if n > max((m.n for m in found), default=0) + 1:
            continue
        verdict = _VERDICT.match(text, start)
        begin = verdict.end() if verdict and verdict.end() <= match.start() else start
        found.append(MarkedSentence(n, begin, match.end()))
        start = match.end() + 1
    return found


def with_marker(sentence: str, n: int) -> str:
    """'Lavrov said so.' -> 'Lavrov said so [1].'; a sentence ending in a closing quote keeps it."""
    match = re.search(r"([.!?]+)$", sentence)
    if match:
        return f"{sentence[: match.start()].rstrip()} [{n}]{match.group(1)}"
    return f"{sentence} [{n}]"
