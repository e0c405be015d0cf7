"""Read articles from paths: .txt files, .html/.htm files, .jsonl files, and folders of them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from retrieval.dates import parse_iso_or_text
from retrieval.documents import Article
from retrieval.errors import ArticleParseError, UnsupportedFileTypeError
from retrieval.text_articles import clean_body_text, parse_text_article

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
OnInvalid = Callable[[ArticleParseError], None]
_ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")


def iter_article_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders (recursively, sorted) into supported files; reject unknown files."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise UnsupportedFileTypeError(f"{path}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
            yield path
        else:
            raise ArticleParseError(f"{path}: no such file or folder")


def load_articles(paths: Iterable[Path], on_invalid: OnInvalid | None = None) -> Iterator[Article]:
    """Every article found under `paths`, in a stable order. A file or JSONL line that is not a
    valid article raises ArticleParseError, or, given `on_invalid`, is passed to it and skipped."""
    for path in iter_article_files(paths):
        suffix = path.suffix.lower()
        try:
            if suffix == ".jsonl":
                yield from load_jsonl(path, on_invalid)
            elif suffix in (".html", ".htm"):
                yield parse_html_article(_read_text(path), validate_article_id(path.stem, str(path)))
            else:
                yield parse_text_article(_read_text(path), validate_article_id(path.stem, str(path)))
        except ArticleParseError as exc:
            if on_invalid is None:
                raise
            on_invalid(exc)


def load_jsonl(path: Path, on_invalid: OnInvalid | None = None) -> Iterator[Article]:
    yield from parse_jsonl(_read_text(path), str(path), on_invalid)


def parse_jsonl(text: str, where: str, on_invalid: OnInvalid | None = None) -> Iterator[Article]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            article = article_from_record(_parse_json_line(line, f"{where}:{number}"), f"{where}:{number}")
        except ArticleParseError as exc:
            if on_invalid is None:
                raise
            on_invalid(exc)
            continue
        yield article


def articles_from_upload(filename: str, data: bytes) -> list[Article]:
    """Articles in an uploaded file; the id of a .txt/.html article is its file name's stem."""
    name = Path(filename.replace("\\", "/")).name  # never a path: only the base name counts
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileTypeError(
            f"{name or 'upload'}: unsupported file type {suffix or '(none)'} (use {', '.join(SUPPORTED_SUFFIXES)})"
        )
    text = _decode(data, name)
    if suffix == ".jsonl":
        return list(parse_jsonl(text, name))
    article_id = validate_article_id(Path(name).stem, name)
    if suffix in (".html", ".htm"):
        return [parse_html_article(text, article_id)]
    return [parse_text_article(text, article_id)]


def article_from_record(record: Any, where: str) -> Article:
    """An Article from a JSON object with `id`, `title`, `text` and optional metadata."""
    if not isinstance(record, dict):
        raise ArticleParseError(f"{where}: expected a JSON object")
    missing = [
        key for key in ("id", "title", "text") if not isinstance(record.get(key), str) or not record[key].strip()
    ]
    if missing:
        raise ArticleParseError(f"{where}: missing or empty field(s): {', '.join(missing)}")
    for key in ("published", "source", "url", "author"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ArticleParseError(f"{where}: field '{key}' must be a string")
    published = record.get("published")
    parsed_date = parse_iso_or_text(published) if published else None
    if published and parsed_date is None:
        raise ArticleParseError(f"{where}: cannot read published date {published!r} (use YYYY-MM-DD)")
    return Article(
        article_id=validate_article_id(record["id"].strip(), where),
        title=" ".join(record["title"].split()),
        text=clean_body_text(record["text"]) or " ".join(record["text"].split()),
        source=(record.get("source") or "").strip() or None,
        author=(record.get("author") or "").strip() or None,
        published=parsed_date,
        url=(record.get("url") or "").strip() or None,
    )


def parse_html_article(html: str, article_id: str) -> Article:
    """Main text and metadata of an HTML page, extracted with trafilatura."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text:
        raise ArticleParseError(f"{article_id}: no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    published = parse_iso_or_text(meta.date) if meta and meta.date else None
    return Article(
        article_id=article_id,
        title=(meta.title if meta and meta.title else article_id).strip(),
        text=clean_body_text(text) or " ".join(text.split()),
        source=(meta.sitename or None) if meta else None,
        author=(meta.author or None) if meta else None,
        published=published,
        url=(meta.url or None) if meta else None,
    )


def validate_article_id(article_id: str, where: str) -> str:
    if not _ARTICLE_ID.match(article_id):
        raise ArticleParseError(f"{where}: article id {article_id!r} must be 1-128 letters, digits, '.', '_' or '-'")
    return article_id


def _parse_json_line(line: str, where: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise ArticleParseError(f"{where}: invalid JSON ({exc.msg})") from None


def _decode(data: bytes, where: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleParseError(f"{where}: not UTF-8 text (invalid byte at position {exc.start})") from None
    if "\x00" in text:
        raise ArticleParseError(f"{where}: contains NUL bytes; not a text file")
    if not text.strip():
        raise ArticleParseError(f"{where}: the file is empty")
    return text


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ArticleParseError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ArticleParseError(f"{path}: cannot read ({exc.strerror})") from None
