from __future__ import annotations

from datetime import date

import pytest

from retrieval.errors import ArticleParseError
from retrieval.text_articles import parse_text_article
from tests.conftest import SEEDS

BOILERPLATE = [
    "Submit a Correction",
    "You might also like",
    "How to submit an Op-Ed",
    "The views expressed in Op-Ed pieces",
    "Image Credit",
    "©",
    "Twitter Post",
    "Your suggestion have been successfully submitted",
    "There was an error while trying",
    "will use the information you provide",
    "Blog: Gulf News in Jordan",
    "Behind the fence",
    "•",
]


def _seed(stem_prefix: str):
    path = next(SEEDS.glob(f"{stem_prefix}_*.txt"))
    return parse_text_article(path.read_text(encoding="utf-8"), path.stem)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_boilerplate_is_stripped(prefix: str) -> None:
    article = _seed(prefix)
    for fragment in BOILERPLATE:
        assert fragment not in article.text, fragment
    assert article.text.strip() == article.text
    assert "\n\n" in article.text  # paragraphs kept


def test_metadata_of_gulf_news_article() -> None:
    article = _seed("002")
    assert article.title == "Al Assad has no intention of quitting — Lavrov"  # kicker "In Focus | Syria" skipped
    assert article.source == "Gulf News"  # "Reuters" is a wire credit, not the publisher
    assert article.published == date(2012, 12, 22)
    assert article.author is None
    assert "Lavrov said the biggest threat from Syria’s chemical weapons" in article.text
    assert "Syrian President Bashar Al Assad.\n" not in article.text  # image caption bullet


def test_metadata_of_star_tribune_article() -> None:
    article = _seed("004")
    assert article.title == "Russia says Assad isn't leaving"
    assert article.author == "Ellen Barry"
    assert article.published == date(2012, 12, 29)
    assert article.source == "Star Tribune"
    assert article.text.startswith("MOSCOW - Russia's foreign minister")


@pytest.mark.parametrize("prefix", ["000", "001", "003"])
def test_unknown_metadata_stays_null(prefix: str) -> None:
    article = _seed(prefix)
    assert (article.source, article.author, article.published) == (None, None, None)


def test_repeated_title_and_residue_lines_are_dropped() -> None:
    article = _seed("001")
    assert not article.text.startswith("Al-Assad: Russia not seeking")
    assert "\nUS-Russian cooperation\n" not in article.text
    assert "\n07\n" not in _seed("000").text


def test_byline_and_dateline_variants() -> None:
    raw = (
        "Title here\n\nBy JOHN SMITH\nUpdated 7:19 p.m. Dec. 3, 2016\n\n"
        "The minister said the talks would resume next week in Geneva.\n"
    )
    article = parse_text_article(raw, "x")
    assert article.author == "John Smith"
    assert article.published == date(2016, 12, 3)
    assert article.text == "The minister said the talks would resume next week in Geneva."


def test_dates_in_body_sentences_are_not_taken_as_publication_date() -> None:
    raw = "Title\n\nThe treaty signed on December 22, 2012 was discussed again by the ministers on Monday.\n"
    assert parse_text_article(raw, "x").published is None


def test_empty_or_boilerplate_only_files_are_rejected() -> None:
    with pytest.raises(ArticleParseError, match="empty"):
        parse_text_article("\n \n", "x")
    with pytest.raises(ArticleParseError, match="no article text"):
        parse_text_article("Title\nSubmit a Correction\nYou might also like\n", "x")
