"""Who does what to whom: the actors and patients of each verb, copula and apposition.

`predicates(parsed, keys)` gives (predicate key, (actors, patients)) for every verb ("Russia
pressed Assad"), every copula ("X is the main issue") and every apposition ("X, the former CEO of
Y"); `arguments` reads one verb's, passives turned around; `argument_keys` the keys of one argument
(a name as a whole, with its conjuncts and appositions).
"""

from __future__ import annotations

from service.claims.syntax import Parsed, Token
from service.claims.word_keys import name_key

_ACTOR_DEPS = frozenset({"nsubj", "csubj"})
_PATIENT_DEPS = frozenset({"dobj", "nsubjpass", "dative"})
_DESCRIBING_DEPS = frozenset({"amod", "compound", "poss", "nmod"})


def arguments(
    parsed: Parsed, i: int, keys: list[str | None], described: bool = False
) -> tuple[frozenset[str], frozenset[str]]:
    """(actors, patients) of verb i, as keys of the arguments' head words (passives turned around).
    A verb without a subject takes it from the verb it hangs on: "helped the regime win" (the
    object), "was to offer" and "acknowledged ... and distanced itself" (the subject)."""
    actors: set[str] = set()
    patients: set[str] = set()
    for child in parsed.children(i):
        extra = _described(parsed, child.i, keys) if described else set()
        if child.dep in _ACTOR_DEPS:
            actors |= argument_keys(parsed, child.i, keys) | extra
        elif child.dep in _PATIENT_DEPS:
            patients |= argument_keys(parsed, child.i, keys) | extra
        elif child.dep == "agent":
            for grandchild in parsed.children(child.i):
                if grandchild.dep == "pobj":
                    actors |= argument_keys(parsed, grandchild.i, keys)
    token = parsed.tokens[i]
    has_subject = any(c.dep in (*_ACTOR_DEPS, "nsubjpass", "expl") for c in parsed.children(i))
    finite_conj = token.dep == "conj" and token.tag in ("VBD", "VBZ", "VBP", "VB")  # not "..., and coming"
    if not has_subject and token.head != i and (token.dep in ("xcomp", "ccomp") or finite_conj):
        head_children = parsed.children(token.head)
        objects = [c for c in head_children if c.dep == "dobj"] if token.dep in ("xcomp", "ccomp") else []
        subjects = [c for c in head_children if c.dep in _ACTOR_DEPS]
        for argument in objects or subjects:
            actors |= argument_keys(parsed, argument.i, keys)
    return frozenset(actors), frozenset(patients - actors)


def predicates(
    parsed: Parsed, keys: list[str | None], described: bool = False
) -> list[tuple[str, tuple[frozenset[str], frozenset[str]]]]:
    """(predicate key, (actors, patients)) for each verb; for each copula and apposition, the
    noun it predicates ("X is the main issue", "X, the former CEO of Y": "issue"/"ceo", actor X,
    and for a noun, patient Y of "of Y")."""
    found = []
    for token in parsed.tokens:
        key = keys[token.i]
        if token.pos == "VERB" and key is not None:
            found.append((key, arguments(parsed, token.i, keys, described)))
        elif token.lemma == "be":
            subjects = [c for c in parsed.children(token.i) if c.dep in ("nsubj", "nsubjpass")]
            for attribute in (c for c in parsed.children(token.i) if c.dep in ("attr", "acomp")):
                attribute_key = keys[attribute.i]
                if attribute_key and subjects:
                    actors = set().union(*(argument_keys(parsed, s.i, keys) for s in subjects))
                    found.append((attribute_key, (frozenset(actors), _of_objects(parsed, attribute.i, keys))))
        elif token.dep == "appos" and key is not None:
            head = parsed.tokens[token.head]
            noun, name = (token, head) if head.pos == "PROPN" and token.pos == "NOUN" else (head, token)
            if noun.pos == "NOUN" and name.pos == "PROPN" and keys[noun.i]:
                actor = name_key(parsed, name.i, keys)
                patients = _of_objects(parsed, noun.i, keys)
                found.append((keys[noun.i], (frozenset({actor} if actor else ()), patients)))  # type: ignore[arg-type]
    return found


def _of_objects(parsed: Parsed, i: int, keys: list[str | None]) -> frozenset[str]:
    """Names in "of ..." after noun i ("the CEO of North Face")."""
    found: set[str] = set()
    for prep in parsed.children(i):
        if prep.dep == "prep" and prep.lower == "of":
            for obj in parsed.children(prep.i):
                if obj.dep == "pobj" and obj.pos == "PROPN":
                    found |= argument_keys(parsed, obj.i, keys)
    return frozenset(found)


def _described(parsed: Parsed, i: int, keys: list[str | None]) -> set[str]:
    """The words that describe argument i and may name it on their own: "the Canadian team"
    (Canada), "the 60-year-old tourist" (the 60-year-old), "Russia's team" (Russia), "the city of
    Graz" (Graz)."""
    found: set[str | None] = set()
    heads = [i]
    for _ in range(3):  # "Russia's women's hockey team": describing words of describing words
        heads = [c.i for h in heads for c in parsed.children(h) if _describes(parsed, c)]
        found |= {name_key(parsed, j, keys) for j in heads if parsed.tokens[j].pos in ("PROPN", "NOUN", "ADJ")}
    return {k for k in found if k} | _of_objects(parsed, i, keys)  # "the city of Graz"


def _describes(parsed: Parsed, token: Token) -> bool:
    """A describing word that may name its noun on its own; not a person who owns a common noun:
    "Ann Lee's adviser" is not Ann Lee (while "Russia's team" may stand for Russia)."""
    someones = token.dep == "poss" and token.ent_type == "PERSON" and parsed.tokens[token.head].pos == "NOUN"
    return token.dep in _DESCRIBING_DEPS and not someones


def argument_keys(parsed: Parsed, i: int, keys: list[str | None]) -> set[str]:
    """The key of an argument (a name as a whole: "north korea"), and of its conjuncts and
    appositions ("Russia and Iran")."""
    token = parsed.tokens[i]
    if token.lower in ("who", "which", "that") and parsed.tokens[token.head].dep == "relcl":
        i = parsed.tokens[token.head].head  # "Tompkins, who is ...": the relative clause's noun
    found = {name_key(parsed, i, keys)}
    for child in parsed.children(i):
        if child.dep in ("conj", "appos"):
            found.add(name_key(parsed, child.i, keys))
    return {k for k in found if k}
