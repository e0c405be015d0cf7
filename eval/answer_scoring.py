"""Answer metrics: SQuAD-normalised exact match and token F1, and key-fact accuracy.

SQuAD 2.0 conventions: an unanswerable question's reference is the empty answer, and a declined
answer is the empty prediction (so declining an unanswerable question is an exact match).
"""

from __future__ import annotations

import re
import string
from collections import Counter

from service.answer.markers import MARKER

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation) | set("‘’“”—–…")


def normalise(text: str) -> str:
    """SQuAD's normaliser (lower case, no punctuation, no articles, single spaces), with typographic
    quotes and dashes counted as punctuation and citation markers removed."""
    text = MARKER.sub(" ", text).lower()
    text = "".join(" " if char in _PUNCTUATION else char for char in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, reference: str) -> float:
    return float(normalise(prediction) == normalise(reference))


def token_f1(prediction: str, reference: str) -> float:
    predicted, expected = normalise(prediction).split(), normalise(reference).split()
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def key_facts_found(prediction: str, accept: list[list[str]]) -> list[bool]:
    """For each key fact, whether the prediction contains one of its variants (whole words)."""
    padded = f" {normalise(prediction)} "
    return [any(f" {normalise(variant)} " in padded for variant in variants) for variants in accept]


def has_all_key_facts(prediction: str, accept: list[list[str]]) -> bool:
    return bool(accept) and all(key_facts_found(prediction, accept))
