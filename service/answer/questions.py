"""What kind of answer a question asks for, read from its wording (no model).

- `shape`: "yes-no" (Did/Is/Was ...?), "metadata" (who wrote / which outlet / when was it
  published), "sources" (what each report says, across reports or dates), or "fact";
- `asks`: the kind of fact wanted: "number", "date", "person", "place" or "other";
- `metadata`: for metadata questions, "author", "publisher" or "date";
- `years`: years the question names (a question about a year after the archive is declined);
- `parts`: how many things it asks ("..., and how many ...?" asks two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from retrieval.dates import long_form
from service.errors import InvalidRequestError

_YES_NO = re.compile(
    r"^(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must)\b", re.IGNORECASE
)
_AUTHOR = re.compile(r"\bwho (?:wrote|authored|penned|was the author)\b|\b(?:author|byline|writer)\b", re.IGNORECASE)
_PUBLISHER = re.compile(
    r"\b(?:which|what) (?:outlet|newspaper|paper|publication|agency|news (?:outlet|organi[sz]ation|site|agency|"
    r"service|channel)|media (?:outlet|organi[sz]ation)|broadcaster|website|network|publisher)\b|"
    r"\bwho (?:published|reported|carried)\b",
    re.IGNORECASE,
)
_PUBLISHED = re.compile(
    r"\b(?:when|what (?:date|day)|on which (?:date|day))\b.*\b(?:published|publish|posted|run|printed|dated)\b",
    re.IGNORECASE,
)
# what was published must be the report itself: "when was the study published" asks about a study
_REPORT = re.compile(r"\b(?:report|article|story|piece|editorial|column|interview|dispatch|its)\b", re.IGNORECASE)
_SOURCES = re.compile(
    r"\b(?:each|both|reports|outlets|sources|articles|which reports|according to the two|compare|compared|"
    r"differ|difference|in turn|respectively)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(?:how (?:many|much|long|old|far|close|near|high|big|large|deep|fast|tall|heavy|often|wide)|"
    r"what (?:number|percentage|share|amount|proportion|figure|price|cost|toll|size)|which (?:number|figure))\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b(?:when|what (?:date|day|year|month|time)|which (?:date|day|year|month))\b", re.IGNORECASE)
_PERSON = re.compile(  # a person, or a name: "what is the name of ...", "what was the dog called"
    r"\b(?:who|whom|whose)\b|\bwhich (?:person|official|minister|leader|president|man|woman)\b|"
    r"\bwhat (?:is|was|were|are) (?:the )?names?\b|\bwhat (?:is|was|were|are) [^?]* called\b",
    re.IGNORECASE,
)
_PLACE = re.compile(r"\b(?:where|which (?:city|country|town|region|place|state|province|village))\b", re.IGNORECASE)
_OTHER_WH = re.compile(r"\b(?:what|which|why|how)\b", re.IGNORECASE)  # when not part of a pattern above
_ANOTHER_QUESTION = re.compile(r",?\s+and\s+(?:what|who|whom|whose|where|when|which|how|why)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")


@dataclass(frozen=True)
class QuestionKind:
    shape: str  # "yes-no" | "metadata" | "sources" | "fact"
    asks: str  # "number" | "date" | "person" | "place" | "other"
    metadata: str | None = None  # "author" | "publisher" | "date"
    years: tuple[int, ...] = ()
    parts: int = 1  # "Where was it brought from, and what did the ministry say?" asks two things


def read_question(question: str) -> QuestionKind:
    metadata = _metadata(question)
    if metadata:
        shape = "metadata"
    elif _YES_NO.match(question.strip()):
        shape = "yes-no"
    elif _SOURCES.search(question):
        shape = "sources"
    else:
        shape = "fact"
    years = tuple(sorted({int(y) for y in _YEAR.findall(question)}))
    return QuestionKind(shape, _asks(question), metadata, years, 1 + len(_ANOTHER_QUESTION.findall(question)))


def _metadata(question: str) -> str | None:
    if _AUTHOR.search(question):
        return "author"
    if _PUBLISHER.search(question):
        return "publisher"
    if _PUBLISHED.search(question) and _REPORT.search(question):
        return "date"
    return None


def _asks(question: str) -> str:
    """The kind the question's first question word asks for ("Who decides when ..." asks for a person);
    "other" when it starts with another one ("What did Russia tell the powers who ...")."""
    found = []
    for name, pattern in (("number", _NUMBER), ("date", _DATE), ("person", _PERSON), ("place", _PLACE)):
        match = pattern.search(question)
        if match:
            found.append((match.start(), name))
    first_other = _OTHER_WH.search(question)
    if first_other and all(first_other.start() < start for start, _ in found):
        return "other"
    return min(found)[1] if found else "other"


def wants_number(kind: QuestionKind) -> bool:
    return kind.asks == "number"


def wants_date(kind: QuestionKind) -> bool:
    return kind.asks == "date" or kind.metadata == "date"


def as_statement(question: str) -> str:
    """A yes/no question as the statement it asks about: "Did Russia pressure Assad to step
    aside?" -> "Russia pressure Assad to step aside." (the checker compares lemmas, so the
    tense left behind by the auxiliary does not matter)."""
    body = _YES_NO.sub("", question.strip(), count=1).strip()
    return body.rstrip("?").rstrip() + "."


def after_archive(kind: QuestionKind, newest: date | None) -> str | None:
    """Why the archive cannot answer a question about a year after its newest article, or None."""
    later = [year for year in kind.years if newest is not None and year > newest.year]
    if not later or newest is None:
        return None
    return f"the newest article is from {long_form(newest)}; the archive cannot say what happened in {later[0]}"


class CheckedQuestion(str):
    """A question (or claim) `normalise_question` accepted: whitespace normalised, not empty, not too
    long. Checking it again returns it as it is, so a caller that checks first (to refuse before
    queueing) and `Pipeline.ask` check it once between them. `str(checked)` is the plain string."""

    __slots__ = ()


def normalise_question(text: str, limit: int, what: str = "question") -> CheckedQuestion:
    """The question (or claim) with whitespace normalised; InvalidRequestError when empty or too long."""
    if isinstance(text, CheckedQuestion):
        return text
    text = " ".join(text.split())
    if not text:
        raise InvalidRequestError(f"the {what} is empty")
    if len(text) > limit:
        raise InvalidRequestError(f"the {what} is {len(text)} characters long; the limit is {limit}")
    return CheckedQuestion(text)
