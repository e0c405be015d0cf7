"""Each word's comparison key, and a name's key as the whole name: what claim and quote are compared by.

`token_keys(parsed)` gives every token its key (see words.canonical), or None for a free word
(words.toml: function words, reporting and light verbs, approximators, negations); a multi-word
alias ("United States") gives its key to its first token. `full_names` and `name_key` join a name's
parts ("north korea", "kristine tompkins").
"""

from __future__ import annotations

from service.claims.syntax import Parsed, Token
from service.claims.words import (
    CHECKED_FUNCTION_WORDS,
    FREE_WORDS,
    FUNCTION_POS,
    MULTIWORD_ALIASES,
    NEGATORS,
    REPORTING,
    canonical,
    comparator,
    is_approximator,
    number_key,
)

NAME_ENTITIES = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"})
# a capitalised word the tagger calls a common noun but names a place or person ("in Homs", NOUN in
# one parse, PROPN in another) is keyed as a name: "homs" both times, never the lemma "hom"
_NAMED_NOUN_ENTITIES = frozenset({"PERSON", "GPE", "LOC", "FAC", "NORP"})
_LIGHT_VERBS = frozenset({"be", "have", "do"})


def token_keys(parsed: Parsed) -> list[str | None]:
    """Each token's comparison key; None for free words. Multi-word aliases ("United States")
    give their key to their first token and None to the rest."""
    keys: list[str | None] = [None] * len(parsed.tokens)
    skip: set[int] = set()
    lowers = [t.lower for t in parsed.tokens]
    for i in range(len(lowers)):
        for length in (4, 3, 2):
            alias = MULTIWORD_ALIASES.get(tuple(lowers[i : i + length]))
            if alias and i + length <= len(lowers):
                keys[i] = alias
                skip.update(range(i + 1, i + length))
                break
    for token in parsed.tokens:
        if keys[token.i] is None and token.i not in skip:
            keys[token.i] = _key(parsed, token)
    return keys


def _key(parsed: Parsed, token: Token) -> str | None:
    lower = token.lower
    if lower in NEGATORS or token.dep == "neg":
        return None
    if comparator(lower) and _near_number(parsed, token):
        return comparator(lower)
    if lower in CHECKED_FUNCTION_WORDS:
        return canonical(lower)
    if token.pos in FUNCTION_POS or (token.pos == "X" and not token.text.isalnum()):
        return None
    if lower in FREE_WORDS or token.lemma in FREE_WORDS or is_approximator(lower):
        return None
    if token.pos == "VERB" and (token.lemma in REPORTING or token.lemma in _LIGHT_VERBS):
        return None
    if not any(ch.isalnum() for ch in token.text):
        return None
    number = number_key(lower)
    if number is not None:
        return number
    return canonical(lower if token.pos == "PROPN" or _named_noun(token) else token.lemma)


def _named_noun(token: Token) -> bool:
    return token.pos == "NOUN" and token.ent_type in _NAMED_NOUN_ENTITIES and token.text[:1].isupper()


def _near_number(parsed: Parsed, token: Token) -> bool:
    """ "over 40,000", "more than 6,000": a comparator attached to a figure."""
    head = parsed.tokens[token.head]
    if head.pos == "NUM" or number_key(head.lower):
        return True
    nearby = parsed.tokens[token.i + 1 : token.i + 3]
    return any(t.pos == "NUM" or number_key(t.lower) is not None for t in nearby)


def is_name(token: Token) -> bool:
    return token.pos == "PROPN" or (token.ent_type in NAME_ENTITIES and token.pos in ("PROPN", "NOUN", "ADJ"))


def name_key(parsed: Parsed, i: int, keys: list[str | None], force: bool = False) -> str | None:
    """A name's key is the whole name ("north korea"); any other word's key is its own."""
    token = parsed.tokens[i]
    if token.pos != "PROPN" and not force:
        return keys[i]
    parts = [c for c in parsed.children(i) if c.dep in ("compound", "flat") and c.pos == "PROPN" and c.i < i]
    words = [keys[c.i] for c in sorted(parts, key=lambda c: c.i)] + [keys[i]]
    return " ".join(w for w in words if w) or None


def full_names(parsed: Parsed) -> set[str]:
    """Multi-word names as whole keys ("north korea", "kristine tompkins")."""
    keys = token_keys(parsed)
    found = set()
    for token in parsed.tokens:
        parts = [c for c in parsed.children(token.i) if c.dep in ("compound", "flat") and c.pos == "PROPN"]
        if token.pos in ("PROPN", "NOUN") and parts:  # "North Face", even when "Face" is tagged a noun
            name = name_key(parsed, token.i, keys, force=True)
            if name and " " in name:
                found.add(name)
    return found
