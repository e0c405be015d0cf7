"""One evaluated question: what was asked, what came back, and its per-question scores.

`predictions.jsonl` holds `Prediction.to_dict()` per line. Scores are recomputed from the stored
answer whenever metrics are computed, so a resumed run and a fresh one are scored identically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from eval.answer_scoring import exact_match, has_all_key_facts, key_facts_found, token_f1
from eval.citation_scoring import CitationScores, CitedQuote, score_citations
from eval.question_sets import EvalQuestion
from retrieval.dates import long_form
from service.answer.factcheck import ClaimCheck
from service.answer.result import Answer, Citation, to_json


@dataclass(frozen=True)
class Prediction:
    question: EvalQuestion
    ranked_articles: list[str]
    answer: dict[str, Any] | None  # the API's answer JSON, with `verbatim` added to each citation

    def to_dict(self) -> dict[str, Any]:
        return {**self.question.to_dict(), "ranked_articles": self.ranked_articles, "prediction": self.answer}

    @classmethod
    def from_dict(cls, data: dict[str, Any], question: EvalQuestion) -> Prediction:
        return cls(question, list(data["ranked_articles"]), data.get("prediction"))


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
    data: dict[str, Any] = to_json(result)
    flags = [is_verbatim(citation, article_text) for citation in result.citations]
    data["citations"] = [{**shown, "verbatim": flag} for shown, flag in zip(data["citations"], flags, strict=True)]
    return {**data, **extra}


def score(prediction: Prediction) -> QuestionScores:
    question, answer = prediction.question, prediction.answer or {}
    answered = bool(answer.get("answered"))
    status = str(answer.get("status") or ("answered" if answered else "declined"))
    tentative = status == "tentative" and question.answerable
    quotes = " ".join(str(c.get("quote", "")) for c in answer.get("citations", []))
    text = answer.get("answer", "") if answered else ""
    reference = question.answer if question.answerable else ""
    correct = question.answerable and answered and has_all_key_facts(text, question.accept)
    citations = [
        CitedQuote(c["n"], c["article_id"], c["quote"], bool(c.get("verbatim")), _metadata(c))
        for c in answer.get("citations", [])
    ]
    context = {p["article_id"] for p in answer.get("passages", [])}
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
        prompt_has_gold=_prompt_has_gold(question, answer.get("evidence") or []),
        tentative_has_facts=tentative and has_all_key_facts(quotes, question.accept),
    )


def _metadata(citation: dict[str, Any]) -> str:
    """Publisher and date as the answer writes them: "BBC 16 March 2017"."""
    published = citation.get("published")
    when = long_form(date.fromisoformat(published[:10])) if published else ""
    return " ".join(p for p in (citation.get("source") or "", when) if p)


def _prompt_has_gold(question: EvalQuestion, shown: list[dict[str, Any]]) -> bool | None:
    """Whether a sentence the answer step read holds (or is held by) a gold evidence quote."""
    if not question.answerable or not question.evidence:
        return None
    for sentence in shown:
        text = " ".join(str(sentence.get("text", "")).split())
        if sentence.get("article_id") not in question.articles or not text:
            continue
        for quote in question.evidence:
            quote = " ".join(quote.split())
            if quote[:60] in text or text[:60] in quote:
                return True
    return False
