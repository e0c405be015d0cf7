"""The words of a claim that its quote must contain, and what a sentence may call a person.

`claim_items(parsed)` lists each checked word of a claim as an `Item`: a name, a number, a
descriptor of a name (a title, role or nationality: "Foreign Minister" of "Foreign Minister Sergei
Lavrov") or an ordinary word. `descriptors_of(parsed, name_key)` gives the descriptors a sentence
attaches to a name, so that a claim may call that person by them.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.claims.syntax import Parsed
from service.claims.word_keys import is_name, token_keys
from service.claims.words import number_key

_DESCRIPTOR_DEPS = frozenset({"compound", "amod", "nmod", "appos", "poss", "prep", "pobj", "npadvmod"})


@dataclass(frozen=True)
class Item:
    """A word of a claim that must be found in its quote."""

    key: str
    kind: str  # "name" | "number" | "word" | "descriptor"
    text: str
    token: int
    name_head: int | None = None  # descriptors: the name token they describe; names: their entity's head


def claim_items(parsed: Parsed) -> list[Item]:
    """The words of a claim that its quote must contain, each with its kind."""
    keys = token_keys(parsed)
    items: list[Item] = []
    for token in parsed.tokens:
        key = keys[token.i]
        if key is None:
            continue
        name_head = _described_name(parsed, token.i)
        if number_key(token.lower) is not None:
            kind = "number"
        elif name_head is not None:
            kind = "descriptor"
        elif is_name(token):
            kind = "name"
            name_head = _entity_head(parsed, token.i)
        else:
            kind = "word"
        items.append(Item(key, kind, token.text, token.i, name_head))
    return items


def _entity_head(parsed: Parsed, i: int) -> int:
    span = parsed.entity_of(i)
    if span is None:
        j = i
        while parsed.tokens[j].dep == "compound" and parsed.tokens[j].head != j:
            j = parsed.tokens[j].head
        return j
    return span[1] - 1


def _described_name(parsed: Parsed, i: int) -> int | None:
    """The person or organisation a title-like word describes ("Foreign" and "Minister" in
    "Foreign Minister Sergei Lavrov"; "envoy" in "Brahimi, the U.N. envoy"), or None."""
    token = parsed.tokens[i]
    if token.pos == "PROPN" and token.ent_type in ("PERSON", "ORG"):
        return None
    j, hops = i, 0
    while hops < 3:
        current = parsed.tokens[j]
        if current.dep not in _DESCRIPTOR_DEPS or current.head == j:
            break
        head = parsed.tokens[current.head]
        if head.pos == "PROPN" and head.ent_type in ("PERSON", "ORG"):
            return head.i
        j, hops = current.head, hops + 1
    for child in parsed.children(i):  # "the foreign minister, Sergei Lavrov"
        if child.dep == "appos" and child.pos == "PROPN" and child.ent_type in ("PERSON", "ORG"):
            return child.i
    return None


def descriptors_of(parsed: Parsed, name_key: str) -> set[str]:
    """Keys of the words that describe the name `name_key` in this sentence (title, role,
    nationality, apposition) - what a claim may call that person."""
    keys = token_keys(parsed)
    found: set[str] = set()
    for token in parsed.tokens:
        if keys[token.i] != name_key:
            continue
        head = _entity_head(parsed, token.i)
        for other in parsed.tokens:
            if _described_name(parsed, other.i) in (head, token.i) and keys[other.i]:
                found.add(keys[other.i])  # type: ignore[arg-type]
        owner = parsed.tokens[head]
        if owner.dep == "appos":  # "Russia's foreign minister, Sergei V. Lavrov"
            described = parsed.tokens[owner.head]
            found |= {k for t in parsed.tokens if _within(parsed, t.i, described.i, 3) and (k := keys[t.i])}
    return found


def _within(parsed: Parsed, i: int, ancestor: int, hops: int) -> bool:
    """Token i is `ancestor` or modifies it through at most `hops` descriptor links."""
    j = i
    for _ in range(hops + 1):
        if j == ancestor:
            return True
        token = parsed.tokens[j]
        if token.head == j or token.dep not in _DESCRIPTOR_DEPS:
            return False
        j = token.head
    return False
