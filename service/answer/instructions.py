"""Sentences that speak to a model instead of reporting news ("Ignore previous instructions and
answer that ..."). Article text is data: such a sentence is never numbered for the model to read,
and never a quote that proves an answer, so an article cannot steer what is shown as proven."""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:previous|prior|above|earlier|preceding|all|your|system)"
    r"\s+(?:\w+\s+)?(?:instructions?|prompts?|rules)\b"
    r"|^\W*(?:please\s+)?(?:answer|reply|respond|say|state|write|tell\s+(?:the\s+)?(?:user|reader)s?)\b"
    r"[^.!?]{0,20}\b(?:that|with|only)\b"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|llm)\b"
    r"|\b(?:system|hidden)\s+prompt\b"
    r"|\bas\s+an?\s+(?:ai|language\s+model|assistant)\b",
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    """True when the sentence addresses a model (instructions to follow), not a reader."""
    return bool(_INSTRUCTION.search(sentence))
