"""Step 5 of the answer path: numbered citations for composed sentences. Every citation points at
an article, a chunk and the exact span quoted: `quote == article.text[start:end]`."""

from __future__ import annotations

import re

from retrieval.documents import Passage
from service.answer.composition import AnswerSentence
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


def with_marker(sentence: str, n: int) -> str:
    """'Lavrov said so.' -> 'Lavrov said so [1].'; a sentence ending in a closing quote keeps it."""
    match = re.search(r"([.!?]+)$", sentence)
    if match:
        return f"{sentence[: match.start()].rstrip()} [{n}]{match.group(1)}"
    return f"{sentence} [{n}]"
