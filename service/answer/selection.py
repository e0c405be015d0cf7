"""Step 2 of the answer path: which evidence sentences to answer with, and the model's reading of
the best one.

The candidates are the best-scored evidence sentences (see evidence.py). The model reads the
question and the best candidate and says whether that sentence states the answer (not just the
topic); its P(yes), read from the log-probabilities of a reply constrained to "yes" or "no", is
the main signal of the decline decision (decline.py). Measured on the dev split, this beat the
model choosing among six numbered sentences: the choice was no better than the score's first
sentence (48% vs 48% holding the key facts) and its longer prompt cost 3.4-4.1 s against 1.3 s.

Servers without grammars or log-probabilities still work: the reply's first word gives 1.0 or
0.0. A question across reports ("sources") answers with the best sentence of each of up to three
articles.
"""

from __future__ import annotations

from dataclasses import dataclass

from prompts import render
from service.answer.evidence import EvidenceSentence
from service.answer.questions import QuestionKind
from service.generators.base import ChatMessage, GenerationRequest, GenerationResult

MAX_SOURCES = 3
SOURCES_RATIO = 0.8  # another report's best sentence joins a "sources" answer above this share of the best
RUNNER_UP_RATIO = 0.95  # a second sentence joins a fact answer only this close to the best


@dataclass(frozen=True)
class Selection:
    shown: list[EvidenceSentence]  # what the model read
    chosen: list[EvidenceSentence]  # what the answer quotes, best first
    p_answer: float | None  # the model's P(the best sentence states the answer); None without a model
    result: GenerationResult | None = None


def candidates(evidence: list[EvidenceSentence], kind: QuestionKind, min_score: float) -> list[EvidenceSentence]:
    """The sentences the answer would quote: the best one; for a question across reports, the
    best of each of up to three articles close to it; otherwise a runner-up only when nearly as good."""
    if not evidence or evidence[0].score < min_score:
        return []
    best = evidence[0]
    if kind.shape == "sources":
        chosen, seen = [best], {best.article_id}
        for sentence in evidence[1:]:
            if sentence.article_id not in seen and sentence.score >= SOURCES_RATIO * best.score:
                chosen.append(sentence)
                seen.add(sentence.article_id)
            if len(chosen) == MAX_SOURCES:
                break
        return chosen
    runner_up = [e for e in evidence[1:2] if e.score >= RUNNER_UP_RATIO * best.score and e.text != best.text]
    return [best, *runner_up]


def judge_request(question: str, sentence: EvidenceSentence) -> GenerationRequest:
    return GenerationRequest(
        messages=(
            ChatMessage("system", render("judge_answer_system")),
            ChatMessage("user", render("judge_answer", question=question, sentence=" ".join(sentence.text.split()))),
        ),
        max_tokens=1,
        temperature=0.0,
        grammar='root ::= "yes" | "no"',
        top_logprobs=10,
    )


def yes_no_request(question: str, quote: str) -> GenerationRequest:
    """Ask the model whether the quote answers a yes/no question with yes or no."""
    return GenerationRequest(
        messages=(
            ChatMessage("system", render("judge_system")),
            ChatMessage("user", render("yes_no", question=question, quote=" ".join(quote.split()))),
        ),
        max_tokens=1,
        temperature=0.0,
        grammar='root ::= "yes" | "no"',
        top_logprobs=10,
    )
