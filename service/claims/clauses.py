"""Where a word stands in its sentence's clauses: what the claim checker reads about one word.

- `is_negated`: the word, or a word above it within its clause, carries a negation;
- `governors`: the non-asserting verb ("refused to ...") or conditional marker ("until") that
  keeps its clause from being asserted;
- `clause_of`: the head of the statement it belongs to (its clause, or an apposition);
- `attached_nouns`: the nouns it is about ("sales rising", "a decline in sales").
"""

from __future__ import annotations

from service.claims.syntax import Parsed, Token
from service.claims.words import NEGATORS, NON_ASSERTING, NON_ASSERTING_MARKERS, canonical

_CLAUSE_DEPS = frozenset({"ROOT", "ccomp", "xcomp", "advcl", "relcl", "acl", "parataxis", "csubj", "pcomp"})
_CLAUSE_BOUNDARIES = frozenset({"ccomp", "advcl", "relcl", "acl", "parataxis", "csubj"})
_STATEMENT_BOUNDARIES = _CLAUSE_BOUNDARIES | {"appos"}


def attached_nouns(parsed: Parsed, i: int, keys: list[str | None]) -> set[str]:
    """The nouns a word is about: its head noun ("sales rising"), its subject and object, and
    nouns after its prepositions ("a decline in sales")."""
    token = parsed.tokens[i]
    found: set[str] = set()
    head = parsed.tokens[token.head]
    if head.i != i and head.pos in ("NOUN", "PROPN") and token.dep in ("acl", "amod", "compound", "relcl"):
        found.add(keys[head.i] or "")
    for child in parsed.children(i):
        if child.dep in ("nsubj", "nsubjpass", "dobj", "compound", "poss") and child.pos in ("NOUN", "PROPN"):
            found.add(keys[child.i] or "")
        if child.dep == "prep":
            found |= {keys[g.i] or "" for g in parsed.children(child.i) if g.dep == "pobj"}
    return {k for k in found if k}


def is_negated(parsed: Parsed, i: int) -> bool:
    """True when the token, or a word above it within its clause, carries a negation."""
    j, hops = i, 0
    while hops < 8:
        if any(_negates(child) for child in parsed.children(j)) or _set_aside(parsed, j):
            return True
        token = parsed.tokens[j]
        if token.dep in _CLAUSE_DEPS or token.head == j or (token.dep == "conj" and token.pos in ("VERB", "AUX")):
            return False
        j, hops = token.head, hops + 1
    return False


def _set_aside(parsed: Parsed, j: int) -> bool:
    """Token j is what a sentence sets aside: "without asking", "rather than (the) malaria",
    "char it rather than destroy it", "instead of the bus", or what someone "denied" happened."""
    token = parsed.tokens[j]
    head = parsed.tokens[token.head]
    if token.head != j and token.dep in ("pobj", "pcomp") and head.lower == "without":
        return True
    k = j - 1
    while k > 0 and parsed.tokens[k].dep in ("det", "amod", "compound", "nummod", "poss"):
        k -= 1  # "rather than the criminal court"
    before = (parsed.tokens[k - 1].lower, parsed.tokens[k].lower) if k > 0 else ("", "")
    if before in (("rather", "than"), ("instead", "of")):
        return True
    return token.head != j and token.dep == "ccomp" and head.lemma == "deny"


def _negates(child: Token) -> bool:
    return child.dep == "neg" or (child.lower in NEGATORS and child.dep in ("det", "advmod", "preconj", "nsubj"))


def governors(parsed: Parsed, i: int) -> frozenset[str]:
    """What keeps token i's clause from being asserted: a non-asserting verb it is the complement
    of ("refused to step down", "hoped that ..."), or a conditional marker ("until", "if").
    Only the clause's own governor counts: "sued him after he was headbutted" asserts both."""
    found: set[str] = set()
    j, hops = i, 0
    while hops < 12:
        token = parsed.tokens[j]
        found |= {c.lower for c in parsed.children(j) if c.dep == "mark" and c.lower in NON_ASSERTING_MARKERS}
        if token.head == j:
            break
        head = parsed.tokens[token.head]
        if token.dep in ("xcomp", "ccomp") and head.lemma in NON_ASSERTING:
            found.add(canonical(head.lemma))
        if token.dep in _CLAUSE_BOUNDARIES or (token.dep == "conj" and token.pos in ("VERB", "AUX")):
            break
        j, hops = token.head, hops + 1
    return frozenset(found)


def clause_of(parsed: Parsed, i: int) -> int:
    """The head of the statement token i belongs to: its clause, or an apposition ("Altaba, the
    new company, ...") - a complement "to ..." stays in its clause."""
    j, hops = i, 0
    while hops < 20:
        token = parsed.tokens[j]
        boundary = token.dep in _STATEMENT_BOUNDARIES or (token.dep == "conj" and token.pos in ("VERB", "AUX"))
        if token.head == j or boundary:
            return j
        j, hops = token.head, hops + 1
    return j
