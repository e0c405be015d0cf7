"""What a parsed sentence asserts, reduced to comparable sets: the facts the claim checker compares.

`SentenceFacts.of(parsed)` reads, once per sentence:
- `keys`: the canonical keys of every word (see lexicon.canonical);
- `polarity`: for each key, whether each occurrence is negated ("never talked", "no possibility");
- `governors`: for each key, the non-asserting verbs and conditional markers above each occurrence;
- `roles`: for each verb key, who acts and who is acted upon, per occurrence;
- `speakers`: whom the sentence reports as speaking ("X said", "according to X", "cited X as saying");
- `directions` (from/to X), `places` (verb/noun -> in/at X), `figures` (number -> the noun it counts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from service.answer.lexicon import (
    CHECKED_FUNCTION_WORDS,
    FREE_WORDS,
    FUNCTION_POS,
    MULTIWORD_ALIASES,
    NEGATORS,
    NON_ASSERTING,
    NON_ASSERTING_MARKERS,
    REPORTING,
    canonical,
    comparator,
    is_approximator,
    number_key,
)
from service.answer.syntax import Parsed, Token

NAME_ENTITIES = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"})
_CLAUSE_DEPS = frozenset({"ROOT", "ccomp", "xcomp", "advcl", "relcl", "acl", "parataxis", "csubj", "pcomp"})
_CLAUSE_BOUNDARIES = frozenset({"ccomp", "advcl", "relcl", "acl", "parataxis", "csubj"})
_STATEMENT_BOUNDARIES = _CLAUSE_BOUNDARIES | {"appos"}
_LIGHT_VERBS = frozenset({"be", "have", "do"})
_PRONOUNS = frozenset({"he", "she", "him", "his", "her", "they", "them", "their", "it", "its", "who"})
_DESCRIPTOR_DEPS = frozenset({"compound", "amod", "nmod", "appos", "poss", "prep", "pobj", "npadvmod"})
_DIRECTIONS = {"from": "from", "to": "to", "into": "to", "toward": "to", "towards": "to", "out": "from"}
_SETTING_PREPS = frozenset({"in", "at", "on", "during"})
_ACTOR_DEPS = frozenset({"nsubj", "csubj"})
_ROLE_CLASS = {"nsubj": "subject", "nsubjpass": "subject", "poss": "possessor"}
_PATIENT_DEPS = frozenset({"dobj", "nsubjpass", "dative"})


@dataclass(frozen=True)
class Item:
    """A word of a claim that must be found in its quote."""

    key: str
    kind: str  # "name" | "number" | "word" | "descriptor"
    text: str
    token: int
    name_head: int | None = None  # descriptors: the name token they describe; names: their entity's head


@dataclass
class SentenceFacts:
    parsed: Parsed
    keys: set[str] = field(default_factory=set)
    polarity: dict[str, set[bool]] = field(default_factory=lambda: defaultdict(set))
    clean: dict[str, set[bool]] = field(default_factory=lambda: defaultdict(set))  # asserted (no governor above)
    governors: dict[str, list[frozenset[str]]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = field(default_factory=lambda: defaultdict(list))
    speakers: set[str] = field(default_factory=set)
    speaker_tokens: set[int] = field(default_factory=set)  # the words naming the speakers
    speaker_needs_context: bool = False  # "he said", "the minister said": the speaker is named elsewhere
    directions: set[tuple[str, str]] = field(default_factory=set)
    places: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    attached: dict[str, list[set[str]]] = field(default_factory=lambda: defaultdict(list))  # word -> nouns it is about
    figures: set[tuple[str, str]] = field(default_factory=set)
    figure_nouns: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: set[str] = field(default_factory=set)
    person_subjects: list[str] = field(default_factory=list)  # named subjects (people, bodies), in order
    referring: set[str] = field(default_factory=set)  # roles of "he", "they", "the minister": subject, ...

    @property
    def has_pronoun(self) -> bool:
        return bool(self.referring)

    @classmethod
    def of(cls, parsed: Parsed) -> SentenceFacts:
        facts = cls(parsed)
        keys = token_keys(parsed)
        facts.keys |= full_names(parsed)
        for token in parsed.tokens:
            key = keys[token.i]
            if key is None:
                continue
            facts.keys.add(key)
            if is_name(token):
                facts.names.add(key)
                if token.pos == "PROPN" and token.ent_type not in ("GPE", "LOC") and _subject_head(parsed, token.i):
                    facts.person_subjects.append(key)
            facts.polarity[key].add(is_negated(parsed, token.i))
            facts.attached[key].append(attached_nouns(parsed, token.i, keys))
            governing = governors(parsed, token.i)
            facts.governors[key].append(governing)
        for key, roles in predicates(parsed, keys):
            facts.roles[key].append(roles)
        for token in parsed.tokens:
            if token.lower in _PRONOUNS or _is_definite_description(parsed, token):
                facts.referring.add(_ROLE_CLASS.get(token.dep, "object"))
            _read_speakers(facts, parsed, token, keys)
            _read_preposition(facts, parsed, token, keys)
            _read_figure(facts, parsed, token, keys)
        return facts


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
    return canonical(lower if token.pos == "PROPN" else token.lemma)


def _near_number(parsed: Parsed, token: Token) -> bool:
    """ "over 40,000", "more than 6,000": a comparator attached to a figure."""
    head = parsed.tokens[token.head]
    if head.pos == "NUM" or number_key(head.lower):
        return True
    nearby = parsed.tokens[token.i + 1 : token.i + 3]
    return any(t.pos == "NUM" or number_key(t.lower) is not None for t in nearby)


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


def is_name(token: Token) -> bool:
    return token.pos == "PROPN" or (token.ent_type in NAME_ENTITIES and token.pos in ("PROPN", "NOUN", "ADJ"))


def is_negated(parsed: Parsed, i: int) -> bool:
    """True when the token, or a word above it within its clause, carries a negation."""
    j, hops = i, 0
    while hops < 8:
        if any(_negates(child) for child in parsed.children(j)):
            return True
        token = parsed.tokens[j]
        if token.dep in _CLAUSE_DEPS or token.head == j or (token.dep == "conj" and token.pos in ("VERB", "AUX")):
            return False
        j, hops = token.head, hops + 1
    return False


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


def arguments(parsed: Parsed, i: int, keys: list[str | None]) -> tuple[frozenset[str], frozenset[str]]:
    """(actors, patients) of verb i, as keys of the arguments' head words (passives turned around).
    A verb without a subject takes it from the verb it hangs on: "helped the regime win" (the
    object), "was to offer" and "acknowledged ... and distanced itself" (the subject)."""
    actors: set[str] = set()
    patients: set[str] = set()
    for child in parsed.children(i):
        if child.dep in _ACTOR_DEPS:
            actors |= _argument_keys(parsed, child.i, keys)
        elif child.dep in _PATIENT_DEPS:
            patients |= _argument_keys(parsed, child.i, keys)
        elif child.dep == "agent":
            for grandchild in parsed.children(child.i):
                if grandchild.dep == "pobj":
                    actors |= _argument_keys(parsed, grandchild.i, keys)
    token = parsed.tokens[i]
    has_subject = any(c.dep in (*_ACTOR_DEPS, "nsubjpass", "expl") for c in parsed.children(i))
    finite_conj = token.dep == "conj" and token.tag in ("VBD", "VBZ", "VBP", "VB")  # not "..., and coming"
    if not has_subject and token.head != i and (token.dep in ("xcomp", "ccomp") or finite_conj):
        head_children = parsed.children(token.head)
        objects = [c for c in head_children if c.dep == "dobj"] if token.dep in ("xcomp", "ccomp") else []
        subjects = [c for c in head_children if c.dep in _ACTOR_DEPS]
        for argument in objects or subjects:
            actors |= _argument_keys(parsed, argument.i, keys)
    return frozenset(actors), frozenset(patients - actors)


def predicates(parsed: Parsed, keys: list[str | None]) -> list[tuple[str, tuple[frozenset[str], frozenset[str]]]]:
    """(predicate key, (actors, patients)) for each verb; for each copula and apposition, the
    noun it predicates ("X is the main issue", "X, the former CEO of Y": "issue"/"ceo", actor X,
    and for a noun, patient Y of "of Y")."""
    found = []
    for token in parsed.tokens:
        key = keys[token.i]
        if token.pos == "VERB" and key is not None:
            found.append((key, arguments(parsed, token.i, keys)))
        elif token.lemma == "be":
            subjects = [c for c in parsed.children(token.i) if c.dep in ("nsubj", "nsubjpass")]
            for attribute in (c for c in parsed.children(token.i) if c.dep in ("attr", "acomp")):
                attribute_key = keys[attribute.i]
                if attribute_key and subjects:
                    actors = set().union(*(_argument_keys(parsed, s.i, keys) for s in subjects))
                    found.append((attribute_key, (frozenset(actors), _of_objects(parsed, attribute.i, keys))))
        elif token.dep == "appos" and key is not None:
            head = parsed.tokens[token.head]
            noun, name = (token, head) if head.pos == "PROPN" and token.pos == "NOUN" else (head, token)
            if noun.pos == "NOUN" and name.pos == "PROPN" and keys[noun.i]:
                actor = _name_key(parsed, name.i, keys)
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
                    found |= _argument_keys(parsed, obj.i, keys)
    return frozenset(found)


def _argument_keys(parsed: Parsed, i: int, keys: list[str | None]) -> set[str]:
    """The key of an argument (a name as a whole: "north korea"), and of its conjuncts and
    appositions ("Russia and Iran")."""
    token = parsed.tokens[i]
    if token.lower in ("who", "which", "that") and parsed.tokens[token.head].dep == "relcl":
        i = parsed.tokens[token.head].head  # "Tompkins, who is ...": the relative clause's noun
    found = {_name_key(parsed, i, keys)}
    for child in parsed.children(i):
        if child.dep in ("conj", "appos"):
            found.add(_name_key(parsed, child.i, keys))
    return {k for k in found if k}


def _name_key(parsed: Parsed, i: int, keys: list[str | None], force: bool = False) -> str | None:
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
            name = _name_key(parsed, token.i, keys, force=True)
            if name and " " in name:
                found.add(name)
    return found


def _read_speakers(facts: SentenceFacts, parsed: Parsed, token: Token, keys: list[str | None]) -> None:
    if token.lemma == "accord" or (token.lower == "according"):
        for child in parsed.children(token.i):
            for grandchild in parsed.children(child.i) if child.dep == "prep" else []:
                facts.speakers |= _speaker_keys(facts, parsed, grandchild.i, keys)
        return
    if token.pos != "VERB" or token.lemma not in REPORTING:
        return
    for child in parsed.children(token.i):
        if child.dep in ("nsubj", "nsubjpass"):
            facts.speakers |= _speaker_keys(facts, parsed, child.i, keys)
        if token.lemma in ("cite", "quote") and child.dep == "dobj":
            facts.speakers |= _speaker_keys(facts, parsed, child.i, keys)
        if child.dep == "agent":
            for grandchild in parsed.children(child.i):
                facts.speakers |= _speaker_keys(facts, parsed, grandchild.i, keys)
    head = parsed.tokens[token.head]
    if token.dep == "advcl" and head.lemma in ("cite", "quote"):  # "cited Assad as saying"
        for child in parsed.children(head.i):
            if child.dep in ("dobj", "nsubjpass"):
                facts.speakers |= _speaker_keys(facts, parsed, child.i, keys)


def _speaker_keys(facts: SentenceFacts, parsed: Parsed, i: int, keys: list[str | None]) -> set[str]:
    """Who speaks: the subject's head word and, for a name, the rest of that name ("Vladimir
    Putin"), never its titles ("Russian President")."""
    token = parsed.tokens[i]
    if token.lower in _PRONOUNS or _is_definite_description(parsed, token):
        facts.speaker_needs_context = True
    found = _argument_keys(parsed, i, keys)
    span = parsed.entity_of(i)
    if span is not None:
        found |= {k for j in range(*span) if (k := keys[j])}
    facts.speaker_tokens |= set(range(*span)) if span else {i}
    names = [c for c in parsed.children(i) if c.dep == "compound" and c.pos == "PROPN"]
    if names:  # "the Gulf News report": the publisher's name
        facts.speaker_tokens |= {c.i for c in names} | {i}
        found.add(" ".join(k for c in names if (k := keys[c.i])))
    return {k for k in found if k}


def _subject_head(parsed: Parsed, i: int) -> bool:
    """Token i is (part of the name that is) a subject."""
    j = i
    while parsed.tokens[j].dep == "compound" and parsed.tokens[j].head != j:
        j = parsed.tokens[j].head
    return parsed.tokens[j].dep in ("nsubj", "nsubjpass")


def _is_definite_description(parsed: Parsed, token: Token) -> bool:
    """ "the Syrian leader", "the minister": a common-noun subject that names someone said earlier."""
    if token.pos != "NOUN" or token.dep not in ("nsubj", "nsubjpass"):
        return False
    return any(c.dep == "det" and c.lower == "the" for c in parsed.children(token.i))


def _read_preposition(facts: SentenceFacts, parsed: Parsed, token: Token, keys: list[str | None]) -> None:
    if token.dep != "prep" and not (token.dep == "advmod" and token.lower in ("out",)):
        return
    objects = [c for c in parsed.children(token.i) if c.dep == "pobj" and keys[c.i]]
    direction = _DIRECTIONS.get(token.lower)
    for obj in objects:
        key = keys[obj.i]
        assert key is not None
        if direction:
            facts.directions.add((direction, key))
        if token.lower in _SETTING_PREPS and _is_setting(obj):
            head_key = keys[token.head]
            if head_key:
                facts.places[head_key].add(_name_key(parsed, obj.i, keys) or key)


def _is_setting(token: Token) -> bool:
    """A place or a time: "in Damascus", "in 1985", "on Saturday"."""
    if token.ent_type in ("GPE", "LOC", "FAC", "DATE"):
        return True
    return token.pos == "PROPN" or (token.pos == "NUM" and len(token.text) == 4 and token.text.isdigit())


def _read_figure(facts: SentenceFacts, parsed: Parsed, token: Token, keys: list[str | None]) -> None:
    number = number_key(token.lower)
    if number is None or token.dep not in ("nummod", "quantmod", "compound"):
        return
    head = parsed.tokens[token.head]
    while head.pos == "NUM" and head.head != head.i:  # "2.5 million people": up to the noun
        head = parsed.tokens[head.head]
    noun = keys[head.i]
    if noun and head.pos in ("NOUN", "PROPN"):
        facts.figures.add((number, noun))
        facts.figure_nouns[noun].add(number)


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
