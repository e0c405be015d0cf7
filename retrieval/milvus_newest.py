"""The Milvus store's newest publication date, kept on write in the meta collection (key
"newest"): a write records the newest of the recorded date and its own articles' dates; a write
that replaces or deletes the article holding the recorded date, or a store made before the key
existed, gets it from a binary search over the articles' indexed day numbers instead."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from retrieval import milvus_schema as schema
from retrieval.documents import Article
from retrieval.milvus_connection import MilvusConnection

FIRST_DAY, LAST_DAY = date(1800, 1, 1), date(2200, 1, 1)  # the dates a newest-date search looks between


class Lost:
    """The newest date left with a replaced or deleted article, or was never recorded."""


LOST = Lost()


def recorded(db: MilvusConnection) -> date | None:
    """The recorded newest date; searched for and recorded first in a store made before the key."""
    raw = db.read_meta("newest")
    if raw is None:
        found = search(db)
        db.write_meta("newest", found.isoformat() if found else "")
        return found
    return date.fromisoformat(raw) if raw else None


def before_write(db: MilvusConnection, leaving_days: Iterable[int]) -> date | Lost | None:
    """Before a write that replaces or deletes articles of these day numbers: the recorded newest
    date, or LOST when one of them holds it (the next newest is then searched for after the write)."""
    raw = db.read_meta("newest")
    if raw is None:
        return LOST  # not recorded yet (an older store): searched for after the write
    newest = date.fromisoformat(raw) if raw else None
    if newest is not None and schema.day_number(newest) in set(leaving_days):
        return LOST
    return newest


def record(db: MilvusConnection, before: date | Lost | None, written: list[Article]) -> None:
    """After a write: the newest of `before` and what was written (a search if LOST)."""
    if isinstance(before, Lost):
        newest = search(db)
    else:
        newest = max([a.published for a in written if a.published] + ([before] if before else []), default=None)
    db.write_meta("newest", newest.isoformat() if newest else "")


def search(db: MilvusConnection) -> date | None:
    """The newest date from the articles themselves: a binary search over the day numbers, each
    step one `limit 1` query on the indexed `published_day` (about 17 steps). Slow on Milvus Lite
    (a replica's next request after a write took 17.6 s at 100,000 passages when it ran on every
    new revision), so it runs only when a write loses the recorded date."""
    if not db.has(db.names.articles) or not _dated_from(db, schema.day_number(FIRST_DAY)):
        return None
    low, high = schema.day_number(FIRST_DAY), schema.day_number(LAST_DAY)  # low has a dated article; high not
    if _dated_from(db, high):
        return LAST_DAY
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _dated_from(db, middle) else (low, middle)
    return schema.day_of(low)


def _dated_from(db: MilvusConnection, day: int) -> bool:
    """Whether any article is dated on or after day number `day`."""
    rows = db.client().query(
        db.names.articles, filter=f"part == 0 and published_day >= {day}", output_fields=["part_id"], limit=1
    )
    return bool(rows)
