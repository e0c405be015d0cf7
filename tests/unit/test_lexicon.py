"""The word lists of the claim checker: normalisation, synonyms and opposites, and the judge's reading
of the model's log-probabilities."""

from __future__ import annotations

import math

import pytest

from service.claims.paraphrase import yes_probability
from service.claims.words import OPPOSITES, SYNONYM_GROUPS, canonical, number_key
from service.generators.base import GenerationResult, TokenChoice


@pytest.mark.parametrize(
    ("a", "b"),
    [("adviser", "advisor"), ("defence", "defense"), ("Russian", "Russia"), ("U.S.", "America"), ("Dec", "december")],
)
def test_spelling_demonyms_and_aliases_share_a_key(a: str, b: str) -> None:
    assert canonical(a) == canonical(b)


def test_numbers_are_normalised() -> None:
    assert number_key("40,000") == "40000" and number_key("five") == "5" and number_key("thousands") == "thousand"
    assert number_key("2.5") == "2.5" and number_key("dozens") is None
    assert number_key("bln") == number_key("billion") and number_key("mln") == number_key("million")


@pytest.mark.parametrize("group", SYNONYM_GROUPS)
def test_each_synonym_group_shares_one_key_and_holds_no_opposites(group: tuple[str, ...]) -> None:
    keys = {canonical(word) for word in group}
    assert len(keys) == 1
    (key,) = keys
    assert OPPOSITES.get(key) not in keys


@pytest.mark.parametrize(("a", "b"), [("rise", "fall"), ("increase", "drop"), ("win", "lose"), ("buy", "sell")])
def test_opposites_are_never_one_key(a: str, b: str) -> None:
    assert canonical(a) != canonical(b) and OPPOSITES[canonical(a)] == canonical(b)


def _result(text: str, alternatives: tuple[tuple[str, float], ...] = ()) -> GenerationResult:
    tokens = (TokenChoice(text, alternatives[0][1] if alternatives else 0.0, alternatives),) if alternatives else ()
    return GenerationResult(text, "length", 1.0, tokens=tokens)


def test_yes_probability_is_renormalised_over_yes_and_no() -> None:
    result = _result("yes", (("Yes", math.log(0.6)), ("No", math.log(0.2)), ("To", math.log(0.1))))
    assert yes_probability(result) == pytest.approx(0.75)
    assert yes_probability(_result("yes")) == 1.0  # a backend without log-probabilities
    assert yes_probability(_result("no")) == 0.0
    assert yes_probability(_result("maybe")) is None
