"""One evaluated question: what was asked, what came back, and its per-question scores.

`predictions.jsonl` holds `Prediction.to_dict()` per line. Scores are recomputed from the stored
answer whenever metrics are computed, so a resumed run and a fresh one are scored identically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eval.answer_scoring import exact_match, has_all_key_facts, key_facts_found, token_f1
from eval.citation_scoring import CitationScores, CitedQuote, score_citations
from eval.question_sets import EvalQuestion
from retrieval.dates import long_form
from service.answer.factcheck import ClaimCheck
from service.answer.result import Answer, Citation, ShownSentence, from_json, to_json


@dataclass(frozen=True)
class Prediction:
    question: EvalQuestion
    ranked_articles: list[str]
    answer: Answer | None  # None: a retrieval-only question
    verbatim: tuple[bool, ...] = ()  # per citation of `answer`: its quote is the article's text at its offsets
    client_ms: float | None = None  # over HTTP: the request's time as the client saw it

    @classmethod
    def of(
        cls,
        question: EvalQuestion,
        ranked_articles: list[str],
        answer: Answer | None,
        article_text: Callable[[str], str | None],
        client_ms: float | None = None,
    ) -> Prediction:
        verbatim = tuple(is_verbatim(c, article_text) for c in answer.citations) if answer else ()
        stored = from_json(Answer, to_json(answer)) if answer else None  # as predictions.jsonl holds it (rounded)
        return cls(question, ranked_articles, stored, verbatim, client_ms)

    def to_dict(self) -> dict[str, Any]:
        """The line predictions.jsonl holds: the question, the ranking, and the API's answer JSON with
        `verbatim` on each citation (and `client_ms` over HTTP)."""
        record = None
        if self.answer is not None:
            extra = {"client_ms": self.client_ms} if self.client_ms is not None else {}
            record = _flagged(to_json(self.answer), self.verbatim, **extra)
        return {**self.question.to_dict(), "ranked_articles": self.ranked_articles, "prediction": record}

    @classmethod
    def from_dict(cls, data: dict[str, Any], question: EvalQuestion) -> Prediction:
        record = data.get("prediction")
        if record is None:
            return cls(question, list(data["ranked_articles"]), None)
        verbatim = tuple(bool(c.get("verbatim")) for c in record["citations"])
        answer = from_json(Answer, record)
        return cls(question, list(data["ranked_articles"]), answer, verbatim, record.get("client_ms"))


@dataclass(frozen=True)
class QuestionScores:
    status: str  # "answered" | "tentative" | "declined"
    answered: bool
    exact_match: float
    f1: float
    key_facts: list[bool]
    correct: bool  # answered with every key fact
    crag: int  # +1 correct, 0 declined, -1 answered wrongly (or answered an unanswerable question)
    citations: CitationScores
    context_has_gold: bool
    prompt_has_gold: bool | None  # a gold evidence sentence was among those the model read (None: no evidence)
    tentative_has_facts: bool = False  # a tentative answer's quotes hold every key fact

    @property
    def outcome(self) -> str:
        """answered-right | answered-wrong | tentative-with-facts | tentative-without | declined."""
        if self.status == "answered":
            return "answered-right" if self.correct else "answered-wrong"
        if self.status == "tentative":
            return "tentative-with-facts" if self.tentative_has_facts else "tentative-without"
        return "declined"


def is_verbatim(citation: Citation, article_text: Callable[[str], str | None]) -> bool:
    """The quote equals the article's text at its offsets."""
    text = article_text(citation.article_id)
    return text is not None and text[citation.start : citation.end] == citation.quote


def answer_record(
    result: Answer | ClaimCheck, article_text: Callable[[str], str | None], **extra: Any
) -> dict[str, Any]:
    """What predictions.jsonl stores of a target's answer (or verdict): the API's JSON, with `verbatim`
    on each citation, and `extra` fields (a server run's `client_ms`). `result` is left as it is."""
    flags = tuple(is_verbatim(citation, article_text) for citation in result.citations)
    return _flagged(to_json(result), flags, **extra)


def _flagged(data: dict[str, Any], verbatim: tuple[bool, ...], **extra: Any) -> dict[str, Any]:
    """The API's JSON of an answer or verdict with `verbatim` on each citation, then `extra` fields."""
    citations = [{**shown, "verbatim": flag} for shown, flag in zip(data["citations"], verbatim, strict=True)]
    return {**data, "citations": citations, **extra}


def score(prediction: Prediction) -> QuestionScores:
    question, answer = prediction.question, prediction.answer
    answered = bool(answer and answer.answered)
    status = answer.status if answer else "declined"
    tentative = status == "tentative" and question.answerable
    cited = answer.citations if answer else []
    quotes = " ".join(c.quote for c in cited)
    text = answer.answer if answer and answered else ""
    reference = question.answer if question.answerable else ""
    correct = question.answerable and answered and has_all_key_facts(text, question.accept)
    flags = prediction.verbatim
    citations = [
        CitedQuote(c.n, c.article_id, c.quote, flag, _metadata(c)) for c, flag in zip(cited, flags, strict=True)
    ]
    context = {p.article_id for p in answer.passages} if answer else set()
    return QuestionScores(
        status=status,
        answered=answered,
        exact_match=exact_match(text, reference),
        f1=token_f1(text, reference),
        key_facts=key_facts_found(text, question.accept) if answered else [False] * len(question.accept),
        correct=correct,
        crag=1 if correct else (0 if not answered else -1),
        citations=score_citations(text, citations, set(question.articles)),
        context_has_gold=bool(context & set(question.articles)),
        prompt_has_gold=_prompt_has_gold(question, answer.evidence if answer else []),
        tentative_has_facts=tentative and has_all_key_facts(quotes, question.accept),
    )


def _metadata(citation: Citation) -> str:
    """Publisher and date as the answer writes them: "BBC 16 March 2017"."""
    when = long_form(citation.published) if citation.published else ""
    return " ".join(p for p in (citation.source or "", when) if p)


def _prompt_has_gold(question: EvalQuestion, shown: list[ShownSentence]) -> bool | None:
    """Whether a sentence the answer step read holds (or is held by) a gold evidence quote."""
    if not question.answerable or not question.evidence:
        return None
    for sentence in shown:
        text = " ".join(sentence.text.split())
        if sentence.article_id not in question.articles or not text:
            continue
        for quote in question.evidence:
            quote = " ".join(quote.split())
            if quote[:60] in text or text[:60] in quote:
                return True
    return False
