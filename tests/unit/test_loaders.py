from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from retrieval.errors import ArticleParseError
from retrieval.loaders import load_articles
from tests.conftest import SEEDS


def test_folder_of_seeds_gives_stable_ids(tmp_path: Path) -> None:
    ids = [a.article_id for a in load_articles([SEEDS])]
    assert ids == sorted(p.stem for p in SEEDS.glob("*.txt"))


def test_jsonl_records(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    rows = [
        {
            "id": "n1",
            "title": "T1",
            "text": "The minister said the talks in Geneva would resume next week.",
            "published": "2016-05-12T10:00:00Z",
            "source": "Daily Test",
            "url": "https://example.org/1",
            "author": "A B",
        },
        {"id": "n2", "title": "T2", "text": "Short text"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    first, second = load_articles([path])
    assert (first.article_id, first.published, first.source, first.url) == (
        "n1",
        date(2016, 5, 12),
        "Daily Test",
        "https://example.org/1",
    )
    assert second.text == "Short text" and second.published is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"id": "x", "title": "T"}', "missing or empty field"),
        ('{"id": "../etc", "title": "T", "text": "x"}', "article id"),
        ('{"id": "x", "title": "T", "text": "x", "published": "someday"}', "published date"),
        ('["a list"]', "expected a JSON object"),
    ],
)
def test_bad_jsonl_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "ok", "title": "T", "text": "fine text."}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ArticleParseError, match=message) as info:
        list(load_articles([path]))
    assert f"{path}:2" in str(info.value)


def test_html_article_uses_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Page</title><meta property='og:site_name' content='Daily Test'>"
        "<meta property='article:published_time' content='2016-05-12'></head><body>"
        "<nav>Home | World | Share this</nav><article><h1>Talks to resume</h1>"
        "<p>The foreign minister said on Tuesday that talks in Geneva would resume next month after a pause.</p>"
        "<p>Officials from both sides confirmed the meeting would take place in the first week of June.</p>"
        "</article><footer>Submit a Correction</footer></body></html>",
        encoding="utf-8",
    )
    (article,) = load_articles([path])
    assert article.article_id == "page"
    assert article.title == "Talks to resume"
    assert article.source == "Daily Test" and article.published == date(2016, 5, 12)
    assert "talks in Geneva would resume" in article.text
    assert "Home | World" not in article.text and "Submit a Correction" not in article.text


def test_unsupported_missing_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(ArticleParseError, match="unsupported file type"):
        list(load_articles([tmp_path / "a.pdf"]))
    with pytest.raises(ArticleParseError, match="no such file"):
        list(load_articles([tmp_path / "missing.txt"]))
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ArticleParseError, match="not UTF-8"):
        list(load_articles([tmp_path / "b.txt"]))
