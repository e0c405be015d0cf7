from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article
from retrieval.sentences import split_sentences
from retrieval.text_articles import parse_text_article
from tests.conftest import SEEDS


def _texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_respect_abbreviations_initials_and_numbers() -> None:
    text = "Sergei V. Lavrov met Mr. Smith at the U.N. on Monday. It killed 450.000 people! Did it?\n“Yes,” he said."
    assert _texts(text) == [
        "Sergei V. Lavrov met Mr. Smith at the U.N. on Monday.",
        "It killed 450.000 people!",
        "Did it?",
        "“Yes,” he said.",
    ]


def test_sentence_offsets_are_shifted() -> None:
    assert split_sentences("A b. C d.", offset=10) == [(10, 14), (15, 19)]


def test_chunks_are_spans_of_the_article_with_overlap() -> None:
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(20)]
    article = Article("a", "T", " ".join(sentences))
    chunks = chunk_article(article, ChunkerSettings(max_words=30, overlap_sentences=1))
    assert [c.chunk_id for c in chunks][:2] == ["a:0", "a:1"]
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text.split()) <= 30
    for left, right in itertools.pairwise(chunks):
        assert right.start < left.end  # one shared sentence
    assert chunks[-1].end == len(article.text)


def test_a_sentence_longer_than_the_budget_is_its_own_chunk() -> None:
    article = Article("a", "T", "Short one. Word " + "word " * 49 + "end. Last one.")
    chunks = chunk_article(article, ChunkerSettings(max_words=10, overlap_sentences=0))
    assert [len(c.text.split()) for c in chunks] == [2, 51, 2]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem[:3])
def test_seed_chunks_cover_every_sentence(path: Path) -> None:
    article = parse_text_article(path.read_text(encoding="utf-8"), path.stem)
    chunks = chunk_article(article, ChunkerSettings())
    covered: set[int] = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    for start, end in split_sentences(article.text):
        assert start in covered and end - 1 in covered
