"""The vectorised filter keeps exactly the chunks `SearchFilters.allows` keeps, on every kind of filter."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from retrieval.chunk_table import ChunkTable
from retrieval.documents import Article, Chunk, SearchFilters

SOURCES = ("BBC", "bbc", "Reuters", "AP", None)


def _archive(seed: int) -> tuple[dict[str, Article], dict[int, Chunk]]:
    rng = random.Random(seed)
    articles, chunks = {}, {}
    for n in range(60):
        published = None if n % 7 == 0 else date(2017, 1, 1) + timedelta(days=rng.randrange(90))
        article = Article(f"a{n}", f"T{n}", "x", source=rng.choice(SOURCES), published=published)
        articles[article.article_id] = article
        for position in range(rng.randrange(1, 4)):
            cid = 3 * n + position + 1000  # FAISS ids need not start at 0 nor be dense
            chunks[cid] = Chunk(f"a{n}:{position}", article.article_id, position, 0, 1, "x")
    return articles, chunks


FILTERS = [
    SearchFilters(article_ids=frozenset({"a3", "a17", "missing"})),
    SearchFilters(article_ids=frozenset({"missing"})),
    SearchFilters(sources=frozenset({"BBC"})),
    SearchFilters(sources=frozenset({"reuters", "AP"})),
    SearchFilters(sources=frozenset({"Nobody"})),
    SearchFilters(published_after=date(2017, 2, 1)),
    SearchFilters(published_before=date(2017, 1, 15)),
    SearchFilters(published_after=date(2017, 1, 10), published_before=date(2017, 1, 10)),
    SearchFilters(sources=frozenset({"bbc"}), published_after=date(2017, 2, 1), article_ids=frozenset({"a1", "a2"})),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_allowed_chunks_match_the_per_article_rule(filters: SearchFilters) -> None:
    articles, chunks = _archive(seed=4)
    order = sorted(chunks)
    allowed = ChunkTable.build(articles, order, chunks).allowed(filters)
    assert allowed is not None
    expected = [cid for cid in order if filters.allows(articles[chunks[cid].article_id])]
    assert allowed.ids.tolist() == expected
    assert [order[i] for i in allowed.mask.nonzero()[0]] == expected
    assert allowed.empty == (not expected)


def test_no_filter_allows_everything() -> None:
    articles, chunks = _archive(seed=5)
    table = ChunkTable.build(articles, sorted(chunks), chunks)
    assert table.allowed(None) is None and table.allowed(SearchFilters()) is None
