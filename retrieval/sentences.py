"""Sentence boundaries as character spans, for chunking and for quoting evidence.

Rule-based and deterministic: a sentence ends at . ! ? (plus closing quotes or brackets)
followed by white space and a capital, digit or opening quote, except after common
abbreviations and initials. Paragraph breaks (blank lines, and single newlines) always end
a sentence.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sen rep gen col lt sgt capt gov pres st jr sr vs etc inc ltd co corp jan feb mar
    apr jun jul aug sep sept oct nov dec no fig approx dept est
    """.split()
)
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_LINE_BREAK = re.compile(r"\n+")


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences of `text`, shifted by `offset`.

    Spans exclude surrounding white space, so `text[start:end]` is the sentence itself.
    """
    spans: list[tuple[int, int]] = []
    line_start = 0
    for match in [*_LINE_BREAK.finditer(text), None]:
        line_end = match.start() if match else len(text)
        spans.extend(_split_line(text, line_start, line_end))
        if match:
            line_start = match.end()
    return [(s + offset, e + offset) for s, e in spans]


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()):
            continue
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    return [trimmed for span in spans if (trimmed := _trim(text, *span))]


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip("(\"'“‘")
    if word.casefold() in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isupper():  # an initial: "Sergei V. Lavrov"
        return True
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word))  # "U.S", "U.N"


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
