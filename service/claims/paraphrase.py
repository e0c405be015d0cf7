"""The paraphrase judge: the local model's yes/no on whether a quote states a claim, read from
its log-probabilities.

The claim checker asks it only about a window that already matches the claim in every name,
number, date, cause, polarity and role, and lacks at most a few ordinary words ("dropped" for
"fell", "album" for "record") - so the model rules on wording, never on facts. The reply is
constrained to "yes" or "no" (a llama.cpp grammar); P(yes) is renormalised over the yes/no
tokens of the raw distribution. Backends without log-probabilities (transformers, some
OpenAI-compatible servers) give 1.0 or 0.0 from the reply's first word.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Protocol

from prompts import render
from service.errors import GenerationError, ModelUnavailableError
from service.generators.base import ChatMessage, GenerationRequest, GenerationResult, Generator

logger = logging.getLogger(__name__)
YES_NO = 'root ::= "yes" | "no"'


class ParaphraseJudge(Protocol):
    def probability(self, quote: str, claim: str) -> float | None:
        """P(the quote states the claim); None when no judgement could be had."""
        ...


class ModelJudge:
    """Asks the generator (loaded on first use) with prompts/judge_*.j2."""

    def __init__(self, generator: Callable[[], Generator]) -> None:
        self._generator = generator

    def probability(self, quote: str, claim: str) -> float | None:
        request = GenerationRequest(
            messages=(
                ChatMessage("system", render("judge_system")),
                ChatMessage("user", render("judge_claim", quote=quote, claim=claim)),
            ),
            max_tokens=1,
            temperature=0.0,
            grammar=YES_NO,
            top_logprobs=10,
        )
        try:
            result = self._generator().generate(request)
        except (ModelUnavailableError, GenerationError) as exc:
            logger.warning("the paraphrase judge is unavailable: %s", exc)
            return None
        return yes_probability(result)


def yes_probability(result: GenerationResult) -> float | None:
    """P(yes) over the yes/no alternatives of the first token; from the text without them."""
    if result.tokens:
        first = result.tokens[0]
        alternatives = dict(first.alternatives) or {first.token: first.logprob}
        yes = sum(math.exp(lp) for token, lp in alternatives.items() if token.strip().lower() == "yes")
        no = sum(math.exp(lp) for token, lp in alternatives.items() if token.strip().lower() == "no")
        if yes + no > 0:
            return yes / (yes + no)
    word = result.text.strip().lower()[:3]
    if word.startswith("yes"):
        return 1.0
    if word.startswith("no"):
        return 0.0
    return None
