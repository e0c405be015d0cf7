"""The demo page and the article reader pages: HTML rendered from templates with autoescaping.

Every value (titles, article text, publishers) is inserted as escaped text. The pages load
scripts only from this server (see `SECURITY_HEADERS`), so even a missed escape could not run
an inline script.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from retrieval.documents import Article

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class ArticleLink:
    article_id: str
    title: str
    source: str | None
    published: str | None


class PageRenderer:
    """Loads the page templates once (at app creation) and renders them."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=FileSystemLoader(WEB_DIR / "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def demo(self, articles: list[Article], base_url: str, read_key: str | None) -> str:
        links = [_link(article) for article in articles]
        return self._env.get_template("demo.html").render(articles=links, base_url=base_url, read_key=read_key)

    def article(self, article: Article) -> str:
        return self._env.get_template("article.html").render(
            article=_link(article),
            author=article.author,
            text=article.text,
            original_url=_safe_url(article.url),
        )

    def not_found(self, article_id: str) -> str:
        return self._env.get_template("not_found.html").render(article_id=article_id)


def _link(article: Article) -> ArticleLink:
    published = article.published.isoformat() if article.published else None
    return ArticleLink(article.article_id, article.title, article.source, published)


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links to the original: never `javascript:` or other schemes."""
    if not url:
        return None
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None
