"""What a parsed sentence asserts, reduced to comparable sets: the facts the claim checker compares.

`SentenceFacts.of(parsed)` reads, once per sentence:
- `keys`: the canonical keys of every word (see word_keys.token_keys, words.canonical);
- `polarity`: for each key, whether each occurrence is negated ("never talked", "no possibility");
- `governors`: for each key, the non-asserting verbs and conditional markers above each occurrence;
- `roles`: for each verb key, who acts and who is acted upon, per occurrence;
- `speakers`: whom the sentence reports as speaking ("X said", "according to X", "cited X as saying");
- `directions` (from/to X), `places` and `times` (verb/noun -> in/at/on X), `figures` (number -> the
  noun it counts).

The per-word readings come from clauses.py (negation, governors, attached nouns) and
predicates.py (roles); speakers, directions, places and figures are read here. The words a claim
must find in its quote are listed by claim_words.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from service.claims.clauses import attached_nouns, governors, is_negated
from service.claims.predicates import argument_keys, predicates
from service.claims.syntax import Parsed, Token
from service.claims.word_keys import full_names, is_name, name_key, token_keys
from service.claims.words import REPORTING, is_magnitude, number_key

_PRONOUNS = frozenset({"he", "she", "him", "his", "her", "they", "them", "their", "it", "its", "who"})
_DIRECTIONS = {"from": "from", "to": "to", "into": "to", "toward": "to", "towards": "to", "out": "from"}
_SETTING_PREPS = frozenset({"in", "at", "on", "during"})
_SPEAKER_PREPS = frozenset({"of", "by", "from"})  # "one of the sources", "a statement by the ministry"
_ROLE_CLASS = {"nsubj": "subject", "nsubjpass": "subject", "poss": "possessor"}


@dataclass
class SentenceFacts:
    parsed: Parsed
    keys: set[str] = field(default_factory=set)
    polarity: dict[str, set[bool]] = field(default_factory=lambda: defaultdict(set))
    clean: dict[str, set[bool]] = field(default_factory=lambda: defaultdict(set))  # asserted (no governor above)
    governors: dict[str, list[frozenset[str]]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = field(default_factory=lambda: defaultdict(list))
    # the same with the words describing each argument ("the Swedish team": team, sweden)
    described_roles: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    speakers: set[str] = field(default_factory=set)
    speaker_tokens: set[int] = field(default_factory=set)  # the words naming the speakers
    speaker_needs_context: bool = False  # "he said", "the minister said": the speaker is named elsewhere
    directions: set[tuple[str, str]] = field(default_factory=set)
    places: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    times: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # "on Monday", "in 1985"
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
        for key, roles in predicates(parsed, keys, described=True):
            facts.described_roles[key].append(roles)
        for token in parsed.tokens:
            if token.lower in _PRONOUNS or _is_definite_description(parsed, token):
                facts.referring.add(_ROLE_CLASS.get(token.dep, "object"))
            _read_speakers(facts, parsed, token, keys)
            _read_preposition(facts, parsed, token, keys)
            _read_figure(facts, parsed, token, keys)
        return facts


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
    found = argument_keys(parsed, i, keys)
    span = parsed.entity_of(i)
    if span is not None:
        found |= {k for j in range(*span) if (k := keys[j])}
    facts.speaker_tokens |= set(range(*span)) if span else {i}
    for prep in (c for c in parsed.children(i) if c.dep == "prep" and c.lower in _SPEAKER_PREPS):
        for obj in (g for g in parsed.children(prep.i) if g.dep == "pobj"):  # "one of the sources"
            found |= argument_keys(parsed, obj.i, keys)
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
    """ "the Syrian leader", "the minister", "the 60-year-old": a common-noun (or adjective) subject
    that names someone said earlier."""
    if token.pos not in ("NOUN", "ADJ") or token.dep not in ("nsubj", "nsubjpass"):  # "the 60-year-old"
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
                table = facts.times if _is_time(obj) else facts.places  # a time never contradicts a place
                table[head_key].add(name_key(parsed, obj.i, keys) or key)


def _is_setting(token: Token) -> bool:
    """A place or a time: "in Damascus", "in 1985", "on Saturday"."""
    if token.ent_type in ("GPE", "LOC", "FAC", "DATE"):
        return True
    return token.pos == "PROPN" or (token.pos == "NUM" and len(token.text) == 4 and token.text.isdigit())


def _is_time(token: Token) -> bool:
    return token.ent_type in ("DATE", "TIME") or (token.pos == "NUM" and len(token.text) == 4 and token.text.isdigit())


def _read_figure(facts: SentenceFacts, parsed: Parsed, token: Token, keys: list[str | None]) -> None:
    number = number_key(token.lower)
    magnitude = token.dep == "amod" and is_magnitude(token.lower)  # "2.4 bln dollars", parsed as an adjective
    if number is None or (token.dep not in ("nummod", "quantmod", "compound") and not magnitude):
        return
    head = parsed.tokens[token.head]
    while head.pos == "NUM" and head.head != head.i:  # "2.5 million people": up to the noun
        head = parsed.tokens[head.head]
    noun = keys[head.i]
    if noun and head.pos in ("NOUN", "PROPN"):
        facts.figures.add((number, noun))
        facts.figure_nouns[noun].add(number)
