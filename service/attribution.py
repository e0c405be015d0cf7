"""Says which report a figure comes from when the cited articles are from different dates."""

from __future__ import annotations

import dataclasses
import re

from retrieval.dates import long_form
from retrieval.documents import Passage
from retrieval.terms import numbers
from service.citations import VerifiedSentence


def attribute_dates(sentences: list[VerifiedSentence], passages: list[Passage]) -> list[VerifiedSentence]:
    """When the cited articles carry different publication dates, each sentence stating a
    figure gets its report's source and date: "... over 40,000 people (Gulf News, 22 December 2012)"."""
    cited = [passages[s.support.passage_index].article for s in sentences if s.support]
    if len({article.published for article in cited}) < 2:
        return sentences
    dated: list[VerifiedSentence] = []
    for sentence in sentences:
        if sentence.support is None or not numbers(sentence.text):
            dated.append(sentence)
            continue
        article = passages[sentence.support.passage_index].article
        when = long_form(article.published) if article.published else "date not stated"
        label = f"({article.source}, {when})" if article.source else f"({when})"
        dated.append(dataclasses.replace(sentence, text=_insert_before_end(sentence.text, label)))
    return dated


def _insert_before_end(sentence: str, label: str) -> str:
    match = re.search(r"[.!?]+$", sentence)
    if match:
        return f"{sentence[: match.start()].rstrip()} {label}{match.group(0)}"
    return f"{sentence} {label}"
