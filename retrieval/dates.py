"""Publication dates as articles state them ("Published: 15:49 December 22, 2012")."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})\b"),  # December 22, 2012
    re.compile(rf"\b(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>\d{{4}})\b"),  # 22 December 2012
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),  # 2012-12-22
)
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,4}\b)?")
_LABEL = re.compile(r"^(?:Published|Updated|Posted|Last updated|Date)\s*:?\s*", re.IGNORECASE)
_WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s*", re.IGNORECASE)


def find_date(text: str) -> date | None:
    """The first calendar date written in `text`, or None."""
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found = _to_date(match.groupdict())
            if found:
                return found
    return None


def parse_date_line(line: str) -> date | None:
    """A date if the whole line is a dateline (optionally labelled, with weekday and time)."""
    rest = _WEEKDAY.sub("", _TIME.sub("", _LABEL.sub("", line.strip())))
    rest = rest.strip(" ,-|\u2013\u2014")
    for pattern in _PATTERNS:
        match = pattern.fullmatch(rest)
        if match:
            return _to_date(match.groupdict())
    return None


def parse_iso_or_text(value: str) -> date | None:
    """Dates given in structured input: ISO (with or without a time) or written out."""
    value = value.strip()
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    if iso:
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError:
            return None
    return find_date(value)


def long_form(day: date) -> str:
    """How answers write a date: "22 December 2012"."""
    return f"{day.day} {day:%B %Y}"


def _to_date(parts: dict[str, str | None]) -> date | None:
    month_name = parts.get("month")
    month = _MONTHS.get(month_name.casefold()) if month_name else None
    if parts.get("mnum"):
        month = int(parts["mnum"] or 0)
    if not month:
        return None
    try:
        return date(int(parts["year"] or 0), month, int(parts["day"] or 0))
    except ValueError:
        return None
