"""Step 2 of the answer path: the model reads numbered evidence sentences and names those that
answer the question, or "none". Its reply is constrained by a grammar to exactly that, and the
same reply, read with log-probabilities, gives P(none) for the decline decision.

Servers without grammars still work: the reply is parsed for numbers and "none"; without
log-probabilities P(none) is 1.0 or 0.0 from the reply.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from prompts import render
from retrieval.dates import long_form
from service.answer.evidence import EvidenceSentence
from service.generation import ChatMessage, GenerationRequest, GenerationResult

MAX_CHOSEN = 3
_TOKEN = re.compile(r"\d|[^\W\d_]+|[^\w\s]|_")


@dataclass(frozen=True)
class Selection:
    shown: list[EvidenceSentence]  # numbered 1..n in the prompt
    chosen: list[EvidenceSentence]  # what the model named, best first
    p_none: float | None  # the model's probability that no sentence answers
    result: GenerationResult | None = None


def estimated_tokens(text: str) -> int:
    """Tokens a BPE model like Qwen2.5 reads for `text`, roughly: one per word, per punctuation
    mark and per digit (Qwen splits numbers into single digits)."""
    return len(_TOKEN.findall(text))


def prompt_evidence(evidence: list[EvidenceSentence], max_tokens: int, max_sentences: int) -> list[EvidenceSentence]:
    """The best sentences that fit `max_tokens` (each article's header counted once), at most
    `max_sentences`; the best sentence always goes in. On 2 cores every prompt token costs the
    1.5B model about 20 ms before it can answer."""
    shown: list[EvidenceSentence] = []
    headed: set[str] = set()
    used = 0
    for sentence in evidence:  # best first
        if len(shown) == max_sentences:
            break
        cost = estimated_tokens(sentence.text) + 3
        if sentence.article_id not in headed:
            cost += estimated_tokens(_header(sentence))
        if shown and used + cost > max_tokens:
            continue  # a shorter, weaker sentence may still fit
        shown.append(sentence)
        headed.add(sentence.article_id)
        used += cost
    return shown


def selection_request(question: str, shown: list[EvidenceSentence]) -> GenerationRequest:
    """Sentences grouped by article (publisher and date said once), numbered in the order shown."""
    groups: dict[str, dict] = {}  # type: ignore[type-arg]
    for n, sentence in enumerate(shown, start=1):
        group = groups.setdefault(sentence.article_id, {"header": _header(sentence), "sentences": []})
        group["sentences"].append({"n": n, "text": " ".join(sentence.text.split())})
    return GenerationRequest(
        messages=(
            ChatMessage("system", render("select_system")),
            ChatMessage("user", render("select_user", question=question, groups=list(groups.values()))),
        ),
        max_tokens=12,
        temperature=0.0,
        grammar=choice_grammar(len(shown)),
        top_logprobs=10,
    )


def choice_grammar(count: int) -> str:
    """GBNF: "none", or one to three distinct-looking numbers from 1 to `count`."""
    numbers = " | ".join(f'"{n}"' for n in range(count, 0, -1))  # longest first: "12" before "1"
    return f'root ::= "none" | n | n ", " n | n ", " n ", " n\nn ::= {numbers}'


def read_selection(result: GenerationResult, shown: list[EvidenceSentence]) -> Selection:
    chosen: list[EvidenceSentence] = []
    if not result.text.strip().lower().startswith("none"):
        for number in re.findall(r"\d+", result.text):
            index = int(number) - 1
            if 0 <= index < len(shown) and shown[index] not in chosen:
                chosen.append(shown[index])
    return Selection(shown, chosen[:MAX_CHOSEN], _p_none(result, bool(chosen)), result)


def _p_none(result: GenerationResult, chose: bool) -> float | None:
    """P("none") against P(a number) at the reply's first token, from the raw distribution."""
    if result.tokens:
        first = result.tokens[0]
        alternatives = dict(first.alternatives) or {first.token: first.logprob}
        none = sum(math.exp(lp) for t, lp in alternatives.items() if t.strip().lower() in ("none", "non", "no", "n"))
        some = sum(math.exp(lp) for t, lp in alternatives.items() if t.strip().isdigit())
        if none + some > 0:
            return none / (none + some)
    return 0.0 if chose else 1.0


def _header(sentence: EvidenceSentence) -> str:
    article = sentence.passage.article
    parts = [article.source or "Unknown publisher"]
    if article.published:
        parts.append(long_form(article.published))
    return ", ".join(parts)


def extractive_selection(
    evidence: list[EvidenceSentence], shown: list[EvidenceSentence], min_score: float, keep_ratio: float = 0.85
) -> Selection:
    """No model: the best sentence, and a runner-up within `keep_ratio` of it."""
    if not evidence or evidence[0].score < min_score:
        return Selection(shown, [], None)
    floor = max(min_score, keep_ratio * evidence[0].score)
    chosen = [e for e in evidence[:2] if e.score >= floor]
    return Selection(shown or chosen, chosen, None)


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
