"""Sentence-aware passages with overlap; every chunk keeps its span in the article text."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.documents import Article, Chunk
from retrieval.sentences import split_sentences


@dataclass(frozen=True)
class ChunkerSettings:
    max_words: int = 150
    overlap_sentences: int = 1

    def to_dict(self) -> dict[str, int]:
        return {"max_words": self.max_words, "overlap_sentences": self.overlap_sentences}


def chunk_id(article_id: str, position: int) -> str:
    """A passage's id: its article's id and its position in the article."""
    return f"{article_id}:{position}"


def chunk_article(article: Article, settings: ChunkerSettings) -> list[Chunk]:
    """Group whole sentences into passages of at most `max_words` words (a longer single
    sentence is its own passage); neighbours share `overlap_sentences` sentences."""
    spans = split_sentences(article.text)
    groups = _group_sentences(article.text, spans, settings)
    return [
        Chunk(
            chunk_id=chunk_id(article.article_id, position),
            article_id=article.article_id,
            position=position,
            start=spans[first][0],
            end=spans[last][1],
            text=article.text[spans[first][0] : spans[last][1]],
        )
        for position, (first, last) in enumerate(groups)
    ]


def _group_sentences(text: str, spans: list[tuple[int, int]], settings: ChunkerSettings) -> list[tuple[int, int]]:
    words = [len(text[start:end].split()) for start, end in spans]
    groups: list[tuple[int, int]] = []
    first = 0
    while first < len(spans):
        last, total = first, words[first]
        while last + 1 < len(spans) and total + words[last + 1] <= settings.max_words:
            last += 1
            total += words[last]
        groups.append((first, last))
        if last + 1 >= len(spans):
            break
        first = max(last + 1 - settings.overlap_sentences, first + 1)
    return groups
