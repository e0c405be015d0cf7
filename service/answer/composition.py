"""Step 4 of the answer path: the answer is composed from the chosen quotes, so every word of it
is either the article's own (verbatim, in quotation marks) or the article's metadata.

- a fact: the chosen quotes, each introduced by its publisher and date;
- across reports or dates ("sources"): one quote per article, oldest first;
- yes/no: "Yes." or "No." first (decided by the claim checker, or by the model when the checker
  cannot), then the quote that decides it;
- metadata ("who wrote", "which outlet", "when was it published"): the article's author,
  publisher or date, cited to the quote that matched the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from retrieval.dates import long_form
from retrieval.documents import Article, Passage
from service.answer.evidence import EvidenceSentence
from service.answer.questions import QuestionKind

YesNo = Callable[[EvidenceSentence], str | None]  # "yes" | "no" | None (cannot tell)


@dataclass(frozen=True)
class AnswerSentence:
    text: str  # as shown, without its [n] marker
    passage: Passage | None  # what it cites (None: "Yes." / "No.", carried by the quote after it)
    start: int = 0  # the quoted span of the article
    end: int = 0
    kind: str = "quote"  # "quote" | "metadata" | "verdict"


@dataclass(frozen=True)
class Composition:
    sentences: list[AnswerSentence]
    notes: list[str]


def compose(chosen: list[EvidenceSentence], kind: QuestionKind, yes_no: YesNo | None = None) -> Composition:
    if not chosen:
        return Composition([], [])
    if kind.shape == "metadata":
        return _metadata(chosen[0], kind)
    if kind.shape == "sources":
        chosen = _one_per_article(chosen)
        chosen.sort(key=lambda e: (e.passage.article.published is None, e.passage.article.published or 0, e.start))
    quotes = [quote_sentence(e) for e in chosen]
    if kind.shape == "yes-no" and yes_no is not None:
        verdict = yes_no(chosen[0])
        if verdict is None:
            return Composition(quotes[:1], ["the quote does not settle yes or no; it is given as it stands"])
        return Composition([AnswerSentence(f"{verdict.capitalize()}.", None, kind="verdict"), quotes[0]], [])
    return Composition(quotes, [])


def settled(composition: Composition) -> str | None:
    """Why this composition needs no decline decision: the quote settled a yes/no question, or the
    answer is the article's own byline; None for any other answer."""
    kinds = {sentence.kind for sentence in composition.sentences}
    if "verdict" in kinds:
        return "the quote settles the yes/no question"
    if "metadata" in kinds:
        return "answered from the article's metadata (author, publisher, date)"
    return None


def quote_sentence(evidence: EvidenceSentence) -> AnswerSentence:
    """“The quote.” introduced by its publisher and date: Gulf News, 22 December 2012: “...”"""
    quote = " ".join(evidence.text.split())
    label = attribution(evidence.passage.article)
    text = f"{label}: “{quote}”" if label else f"“{quote}”"
    return AnswerSentence(text, evidence.passage, evidence.start, evidence.end)


def attribution(article: Article) -> str:
    parts = [p for p in (article.source, long_form(article.published) if article.published else None) if p]
    return ", ".join(parts)


def _metadata(evidence: EvidenceSentence, kind: QuestionKind) -> Composition:
    article = evidence.passage.article
    when = long_form(article.published) if article.published else None
    text = None
    if kind.metadata == "author" and article.author:
        text = f"{_name(article.author)} wrote it ({attribution(article)})."
    elif kind.metadata == "publisher" and article.source:
        text = f"{article.source} published it" + (f" on {when}." if when else ".")
    elif kind.metadata == "date" and when:
        text = f"It was published on {when}" + (f" by {article.source}." if article.source else ".")
    if text is None:
        missing = {"author": "author", "publisher": "publisher", "date": "publication date"}[kind.metadata or "date"]
        return Composition([quote_sentence(evidence)], [f"the article does not name its {missing}"])
    return Composition(
        [AnswerSentence(text, evidence.passage, evidence.start, evidence.end, kind="metadata")],
        [],
    )


def _name(author: str) -> str:
    return author.title() if author.isupper() else author


def _one_per_article(chosen: list[EvidenceSentence]) -> list[EvidenceSentence]:
    seen: set[str] = set()
    kept = []
    for evidence in chosen:
        if evidence.article_id not in seen:
            seen.add(evidence.article_id)
            kept.append(evidence)
    return kept
