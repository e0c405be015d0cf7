"""Step 5 of the answer path: the answer text, composed so that every word of it is proven, quoted
verbatim (in quotation marks) or the article's own metadata.

- answered: the model's proven sentence(s), each citing the quote that proves it ("Yes."/"No."
  first for a yes/no question), then each of those quotes verbatim, introduced by its publisher
  and date; for a byline question, the article's author, publisher or date;
- tentative: TENTATIVE_LEAD, then the one or two best quotes verbatim (one per report);
- declined: no composition (DECLINE_TEXT).
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.dates import long_form
from retrieval.documents import Article, Passage
from service.answer.evidence import EvidenceSentence
from service.answer.proof import Proof
from service.answer.questions import QuestionKind

TENTATIVE_LEAD = "The articles may not answer this directly; the closest report says:"
MAX_TENTATIVE_QUOTES = 2
_TENTATIVE_RATIO = 0.6  # the second quote joins a tentative answer unless it scores under this share of the best


@dataclass(frozen=True)
class AnswerSentence:
    text: str  # as shown, without its [n] marker
    passage: Passage | None  # what it cites (None: an unmarked lead, "Yes."/"No." or TENTATIVE_LEAD)
    start: int = 0  # the quoted span of the article
    end: int = 0
    kind: str = "quote"  # "direct" (the model's proven words) | "quote" | "metadata" | "verdict" | "lead"


def direct_answer(proofs: list[Proof], verdict: str | None) -> list[AnswerSentence]:
    """The proven sentences, each citing the quote that proves it, then those quotes."""
    proven = [p for p in proofs if p.proven and p.window is not None]
    sentences = [AnswerSentence(f"{verdict.capitalize()}.", None, kind="verdict")] if verdict else []
    quotes: list[AnswerSentence] = []
    for proof in proven:
        window = proof.window
        assert window is not None
        if proof.sentence.text:
            sentences.append(AnswerSentence(proof.sentence.text, window.passage, window.start, window.end, "direct"))
        quote = quote_sentence(window.passage, window.start, window.end)
        if all((q.passage, q.start) != (quote.passage, quote.start) for q in quotes):
            quotes.append(quote)
    return sentences + quotes


def tentative_answer(evidence: list[EvidenceSentence]) -> list[AnswerSentence]:
    """TENTATIVE_LEAD, then the best quote and the next best unless it is far weaker: the two best hold the
    key facts of an answerable question more often than the best alone (dev split: 37 of 65 tentative
    answers against 28)."""
    chosen = evidence[:1] + [
        e for e in evidence[1:MAX_TENTATIVE_QUOTES] if e.score >= _TENTATIVE_RATIO * evidence[0].score
    ]
    quotes = [quote_sentence(e.passage, e.start, e.end) for e in chosen]
    return [AnswerSentence(TENTATIVE_LEAD, None, kind="lead"), *quotes]


def quote_sentence(passage: Passage, start: int, end: int) -> AnswerSentence:
    """“The quote.” introduced by its publisher and date: Gulf News, 22 December 2012: “...”"""
    quote = " ".join(passage.article.text[start:end].split())
    label = attribution(passage.article)
    text = f"{label}: “{quote}”" if label else f"“{quote}”"
    return AnswerSentence(text, passage, start, end)


def attribution(article: Article) -> str:
    parts = [p for p in (article.source, long_form(article.published) if article.published else None) if p]
    return ", ".join(parts)


def metadata_answer(evidence: EvidenceSentence, kind: QuestionKind) -> list[AnswerSentence] | None:
    """The article's author, publisher or date for a byline question; None when it does not say."""
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
        return None
    return [AnswerSentence(text, evidence.passage, evidence.start, evidence.end, kind="metadata")]


def _name(author: str) -> str:
    return author.title() if author.isupper() else author
