"""Plain-text news articles as scraped from the web: title, metadata and clean body text.

The first line is the title (a section kicker such as "In Focus | Syria" is skipped). Metadata
is read only where the text states it: datelines, bylines, publisher lines in the header
block, copyright lines. Site boilerplate and residue (captions, share widgets, correction
forms, related links, lone bullets) is dropped, so it is never retrieved or cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from retrieval.dates import parse_date_line
from retrieval.documents import Article
from retrieval.errors import ArticleParseError

_BULLET = re.compile(r"^[\s•·▪●◦*|\-–—]+")
_TERMINAL = re.compile(r"[.!?:;…][\"'”’)\]]*$|[\"”’]$")
_KICKER = re.compile(r"^[^|]{1,40}\s\|\s[^|]{1,40}$")
_BYLINE = re.compile(r"^(?:article\s+by|written\s+by|by|author)\s*:?\s+(?P<name>.+)$", re.IGNORECASE)
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*(?P<name>[^.,]*?)\s*"
    r"(?:[.,]\s*all rights reserved\.?)?$",
    re.IGNORECASE,
)
_WIRE_AGENCIES = frozenset(
    {
        "reuters",
        "ap",
        "afp",
        "associated press",
        "agence france-presse",
        "bloomberg",
        "dpa",
        "xinhua",
        "anadolu agency",
        "upi",
        "pa media",
    }
)
_NETWORKS = (
    r"Facebook|Twitter|Google\+|Whats[Aa]pp|Tumblr|[Ll]inked[Ii]n|[Ss]tumble(?:[Uu]pon)?|Digg|[Rr]eddit|Newsvine|"
    r"Pinterest|Xing|VKontakte|Telegram|Messenger|E-?mail|Print"
)
# three or more network names in a row, with an optional "Send" before and "Permalink URL" after
_SHARE_BAR = re.compile(
    rf"(?:\bSend\s+)?(?:\b(?:{_NETWORKS})\s+){{2,}}(?:{_NETWORKS})\b(?:\s+Permalink(?:\s+https?://\S+)?)?"
)
_BOILERPLATE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^submit a correction$",
        r"^you might also like$",
        r"^for: ",
        r"^your suggestion ha(?:s|ve) been",
        r"^there was an error while trying",
        r"will use the information you provide",
        r"^the views expressed in .* are those of the author",
        r"^how to submit an op-?ed",
        r"^(?:image|photo|picture|video)\s*(?:credit|courtesy|source)s?\s*:",
        r"^(?:photo|picture|image)s?\s*:",
        r"^(?:share|tweet|email|print|save)(?: this(?: article| story| page)?)?$",
        r"^share (?:on|via|this)\b",
        r"^\d*\s*comments?$",
        r"^(?:leave|post|add|view) (?:a |all )?comments?",
        r"^(?:follow us|subscribe|sign up|newsletter)\b",
        r"^(?:read more|related|see also|more from|advertisement|click here)\b",
        r"^twitter post$",
        r"all rights reserved",
        r"^blog:",
    )
)
_MIN_PROSE_WORDS = 12
_HEADER_LINES = 12


@dataclass
class _Header:
    """Metadata collected while reading the lines."""

    author: str | None = None
    published: date | None = None
    header_publisher: str | None = None
    copyright_holder: str | None = None
    paragraphs: list[str] = field(default_factory=list)


def parse_text_article(raw: str, article_id: str) -> Article:
    """Parse a scraped plain-text article. Raises ArticleParseError when nothing usable is left."""
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    content = [line for line in lines if line]
    if not content:
        raise ArticleParseError(f"{article_id}: the file is empty")
    title, body_lines = _take_title(content)
    header = _read_lines(body_lines, title)
    if not header.paragraphs:
        raise ArticleParseError(f"{article_id}: no article text found after removing boilerplate")
    return Article(
        article_id=article_id,
        title=title,
        text="\n\n".join(header.paragraphs),
        source=header.copyright_holder or header.header_publisher,
        author=header.author,
        published=header.published,
    )


def clean_body_text(raw: str) -> str:
    """Boilerplate-free body text for input whose title and metadata are known (JSONL, HTML)."""
    lines = [line.strip() for line in raw.replace("\r\n", "\n").split("\n") if line.strip()]
    return "\n\n".join(_read_lines(lines, title="").paragraphs)


def _take_title(content: list[str]) -> tuple[str, list[str]]:
    first = _BULLET.sub("", content[0]).strip()
    if _KICKER.match(first) and len(first.split()) <= 6 and len(content) > 1:
        return _collapse(content[1]), content[2:]
    return _collapse(first), content[1:]


def _read_lines(lines: list[str], title: str) -> _Header:
    header = _Header()
    for number, line in enumerate(lines):
        header_bullet = number < _HEADER_LINES and bool(_BULLET.match(line))
        text = strip_share_bars(_BULLET.sub("", line))
        if not text or text.casefold() == title.casefold() or _is_boilerplate(text):
            continue
        if _read_metadata(text, header, header_bullet) or header_bullet:
            continue  # bullets in the header block are metadata or captions, never body text
        if _is_prose(text):
            header.paragraphs.append(text)
    return header


def _read_metadata(text: str, header: _Header, header_bullet: bool) -> bool:
    """Record metadata stated by this line; True when the line is metadata (not body text)."""
    copyright_match = _COPYRIGHT.match(text)
    if copyright_match:
        header.copyright_holder = header.copyright_holder or (copyright_match.group("name").strip() or None)
        return True
    byline = _BYLINE.match(text)
    if byline and len(text.split()) <= 8 and not _TERMINAL.search(text):
        header.author = header.author or _name_case(byline.group("name"))
        return True
    dateline = parse_date_line(text)
    if dateline:
        header.published = header.published or dateline
        return True
    if header_bullet and _looks_like_publisher(text):
        if text.casefold() not in _WIRE_AGENCIES:
            header.header_publisher = header.header_publisher or text
        return True
    return False


def _looks_like_publisher(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and all(w[0].isupper() or not w[0].isalpha() for w in words) and ":" not in text


def strip_share_bars(text: str) -> str:
    """The text without inline share bars ("Send Facebook Twitter Google+ Whatsapp ... Permalink
    http://dw.com/p/2Wx5C"): site furniture that a quote must never carry."""
    return _collapse(_SHARE_BAR.sub(" ", text))


def _is_boilerplate(text: str) -> bool:
    return any(pattern.search(text) for pattern in _BOILERPLATE)


def _is_prose(text: str) -> bool:
    return bool(_TERMINAL.search(text)) or len(text.split()) >= _MIN_PROSE_WORDS


def _name_case(name: str) -> str:
    name = _collapse(name)
    return name.title() if name.isupper() else name


def _collapse(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()
