"""The claim checker's word tables, read once from words.toml (its comments say what each table
is for), and the lookups over them: `canonical()`, which folds a word to the key claims and quotes
are compared by, and the number, comparator and approximator keys.

Paraphrase is allowed only through `canonical()` (inflection via the lemma, British/American
spelling, demonyms, a few aliases, synonym groups) and the one-way `ENTAILED_BY` table; each entry
is tested in tests/unit/test_lexicon.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any


def _load() -> dict[str, Any]:
    with (Path(__file__).parent / "words.toml").open("rb") as handle:
        return tomllib.load(handle)


_TABLES = _load()
FUNCTION_POS = frozenset(_TABLES["function_pos"])
REPORTING = frozenset(_TABLES["reporting"])
FREE_WORDS = frozenset(_TABLES["free_words"])
APPROXIMATORS = frozenset(_TABLES["approximators"])
CHECKED_FUNCTION_WORDS = frozenset(_TABLES["checked_function_words"])
TIME_WORDS = frozenset(_TABLES["time_words"])
NEGATORS = frozenset(_TABLES["negators"])
NON_ASSERTING = frozenset(_TABLES["non_asserting"])
NON_ASSERTING_MARKERS = frozenset(_TABLES["non_asserting_markers"])
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(tuple(group) for group in _TABLES["synonym_groups"])
ENTAILED_BY: dict[str, frozenset[str]] = {word: frozenset(by) for word, by in _TABLES["entailed_by"].items()}
OPPOSITES = {a: b for a, b in _TABLES["opposite_pairs"]} | {b: a for a, b in _TABLES["opposite_pairs"]}
MULTIWORD_ALIASES = {tuple(k.split()): v for k, v in _TABLES["aliases"].items() if " " in k}
_COMPARATORS: dict[str, str] = _TABLES["comparators"]
_NUMBER_WORDS: dict[str, str] = _TABLES["number_words"]
_MAGNITUDES: dict[str, str] = _TABLES["magnitudes"]
_MONTHS: dict[str, str] = _TABLES["months"]
_ALIASES: dict[str, str] = _TABLES["aliases"]
_SPELLING: dict[str, str] = _TABLES["spelling"]
_SYNONYMS = {word: group[0] for group in SYNONYM_GROUPS for word in group}


def canonical(word: str) -> str:
    """A word's comparison key: number, month, alias and spelling variants folded."""
    word = word.casefold().replace("’", "'")
    if word in _SPELLING:
        return _SPELLING[word]
    if word in _ALIASES:
        return _ALIASES[word]
    if word in _MONTHS:
        return _MONTHS[word]
    number = number_key(word)
    if number is not None:
        return number
    word = re.sub(r"isation$", "ization", word)
    word = re.sub(r"(?<=.{3})ise$", "ize", word)
    word = re.sub(r"(?<=.{3})ising$", "izing", word)
    word = re.sub(r"(?<=.{2})our$", "or", word)
    return _SYNONYMS.get(word, word)


def number_key(word: str) -> str | None:
    """ "40,000" -> "40000", "five" -> "5", "2.5" -> "2.5", "thousands" -> "thousand"; None otherwise."""
    word = word.casefold()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    if word in _MAGNITUDES:
        return _MAGNITUDES[word]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", word):
        return word.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return word
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", word):
        return word
    return None


def is_magnitude(word: str) -> bool:
    """ "billion", "bln", "m": a word that scales the number before it."""
    return word.casefold() in _MAGNITUDES


def comparator(word: str) -> str | None:
    return _COMPARATORS.get(word.casefold())


def is_approximator(word: str) -> bool:
    return word.casefold() in APPROXIMATORS
