"""The ways a quote window can disagree with a claim that shares its words: polarity and
opposites, who does what to whom, from/to, the place or time of an event, the figure given for a
thing, the reported speaker, a clause the window does not assert, and a statement stitched from two
sentences. Each rule returns readable reasons ("polarity: the quote negates “press”")."""

from __future__ import annotations

from dataclasses import dataclass

from service.claims.claim_words import Item
from service.claims.clauses import attached_nouns, clause_of, governors, is_negated
from service.claims.predicates import predicates
from service.claims.structure import SentenceFacts
from service.claims.syntax import Parsed
from service.claims.word_keys import token_keys
from service.claims.words import ENTAILED_BY, OPPOSITES


@dataclass
class Claim:
    text: str
    parsed: Parsed
    items: list[Item]
    facts: SentenceFacts
    weights: dict[int, float]  # token index -> IDF weight

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0


def conflicts_of(
    claim: Claim,
    sentences: list[SentenceFacts],
    window_keys: set[str],
    antecedents: dict[int, set[str]],
    metadata: set[str],
) -> tuple[str, ...]:
    found: list[str] = []
    found += _polarityconflicts_of(claim, sentences)
    found += _oppositeconflicts_of(claim, sentences)
    found += _governorconflicts_of(claim, sentences)
    found += _roleconflicts_of(claim, sentences, window_keys)
    found += _directionconflicts_of(claim, sentences)
    found += _placeconflicts_of(claim, sentences, metadata)
    found += _figureconflicts_of(claim, sentences, window_keys)
    found += _speakerconflicts_of(claim, sentences, window_keys, antecedents, metadata)
    return tuple(dict.fromkeys(found))


def split_statement(claim: Claim, local: list[Item], sentences: list[SentenceFacts]) -> tuple[str, ...]:
    """The words of one statement of the claim (a clause, an apposition) must come from one
    sentence: a two-sentence window may hold a claim of two statements, and a subject or
    possessor from the sentence that "he", "their" or "the minister" refers to (the name of a
    subject or possessor from either), but may not join a fact of one sentence to a name, figure,
    cause or place of the other. A quotation running on across both counts as one."""
    if len(sentences) < 2 or _runs_on(sentences[0].parsed.text, sentences[1].parsed.text):
        return ()
    statements: dict[int, list[Item]] = {}
    for item in local:
        if item.kind in ("word", "number") or (item.kind == "name" and not _may_be_described(claim, item)):
            statements.setdefault(clause_of(claim.parsed, item.token), []).append(item)
    for items in statements.values():
        if not any(all(_in_sentence(item, s) or _referred_to(claim, item, s) for item in items) for s in sentences):
            return (f"split: the quote states “{' '.join(i.text for i in items)}” across two sentences",)
    return ()


def _may_be_described(claim: Claim, item: Item) -> bool:
    """A subject or possessor, which a sentence may call "the company" or "Europe's biggest
    airline": its name may come from the other sentence."""
    return role_class(claim.parsed, item.token) in ("subject", "possessor")


def _referred_to(claim: Claim, item: Item, sentence: SentenceFacts) -> bool:
    """A noun the claim names as subject or possessor that the sentence refers to in that role
    ("it is their most political work" after a sentence naming the band)."""
    if claim.parsed.tokens[item.token].pos not in ("NOUN", "PROPN"):
        return False
    role = role_class(claim.parsed, item.token)
    return role in ("subject", "possessor") and role in sentence.referring


def _in_sentence(item: Item, sentence: SentenceFacts) -> bool:
    return item.key in sentence.keys or bool(ENTAILED_BY.get(item.key, frozenset()) & sentence.keys)


def _runs_on(first: str, second: str) -> bool:
    """A quotation the first sentence opens and the second closes (not a stray quote mark)."""
    return _one_quotation(first) and any(mark in second for mark in ('"', "”"))


def _one_quotation(first: str) -> bool:
    """The first sentence opens a quotation that the next one goes on with (a speaker's words
    split by the sentence splitter)."""
    return first.count("“") > first.count("”") or first.count('"') % 2 == 1


def speaker_antecedents(sentences: list[SentenceFacts], earlier: list[SentenceFacts]) -> dict[int, set[str]]:
    """For each window sentence that says "he said" / "the minister said": whom that refers to,
    the named subject of the nearest sentence before it that has one."""
    found: dict[int, set[str]] = {}
    for index, sentence in enumerate(sentences):
        if not sentence.speaker_needs_context:
            continue
        for facts in [*reversed(sentences[:index]), *reversed(earlier)]:
            if facts.person_subjects:
                found[index] = {facts.person_subjects[0]}
                break
    return found


def _occurrences(sentences: list[SentenceFacts], table: str, key: str) -> list:  # type: ignore[type-arg]
    values: list = []  # type: ignore[type-arg]
    for sentence in sentences:
        found = getattr(sentence, table).get(key)
        if found:
            values.extend(found)
    return values


def _polarityconflicts_of(claim: Claim, sentences: list[SentenceFacts]) -> list[str]:
    conflicts = []
    for item in claim.items:
        token = claim.parsed.tokens[item.token]
        if item.kind != "word" or token.pos not in ("VERB", "NOUN", "ADJ", "ADV"):
            continue
        keys = {item.key} | ENTAILED_BY.get(item.key, frozenset())
        seen = set().union(*(set(_occurrences(sentences, "polarity", k)) for k in keys))
        negated = is_negated(claim.parsed, item.token)
        if seen and negated not in seen:
            conflicts.append(f"polarity: the quote {'asserts' if negated else 'negates'} “{item.text}”")
    return conflicts


def _oppositeconflicts_of(claim: Claim, sentences: list[SentenceFacts]) -> list[str]:
    """The claim says a thing rose where the quote says it fell ("sales rising" / "a decline in sales")."""
    keys = token_keys(claim.parsed)
    conflicts = []
    for item in claim.items:
        opposite = OPPOSITES.get(item.key)
        if opposite is None:
            continue
        about = attached_nouns(claim.parsed, item.token, keys)
        # the quote may say both of different things ("rose in London, fell in Sydney"): the
        # opposite must be said of more of what the claim's word is about than the word itself
        against = max((len(about & nouns) for nouns in _occurrences(sentences, "attached", opposite)), default=0)
        same = max((len(about & nouns) for nouns in _occurrences(sentences, "attached", item.key)), default=0)
        if about and against > same:
            conflicts.append(f"polarity: the quote says “{opposite}” of {', '.join(sorted(about))}")
    return conflicts


def _governorconflicts_of(claim: Claim, sentences: list[SentenceFacts]) -> list[str]:
    """A verb the claim asserts that the window only embeds ("refused to step down")."""
    claim_keys = {i.key for i in claim.items} | {t.lower for t in claim.parsed.tokens}
    conflicts = []
    for item in claim.items:
        token = claim.parsed.tokens[item.token]
        if token.pos != "VERB" and not (token.pos == "ADJ" and token.dep in ("acomp", "ROOT", "ccomp", "xcomp")):
            continue
        claimed = governors(claim.parsed, item.token)
        above = _occurrences(sentences, "governors", item.key)
        if above and not any(g <= claim_keys | claimed for g in above):
            extra = sorted(min(above, key=len) - claim_keys)
            conflicts.append(f"embedded: the quote has “{item.text}” under “{', '.join(extra)}”")
    return conflicts


def _roleconflicts_of(claim: Claim, sentences: list[SentenceFacts], window_keys: set[str]) -> list[str]:
    """Who does what to whom: the claim's actor is the window's patient (or the reverse), or the
    window gives the same predicate another actor while naming the claim's actor elsewhere. A
    party is the same when its words or those describing it agree ("Sweden", "the Swedish team")."""
    keys = token_keys(claim.parsed)
    conflicts = []
    for (key, (actors, patients)), (_, (wide_actors, wide_patients)) in zip(
        predicates(claim.parsed, keys), predicates(claim.parsed, keys, described=True), strict=True
    ):
        pairs = zip(_occurrences(sentences, "roles", key), _occurrences(sentences, "described_roles", key), strict=True)
        stated = [(a, p, wide) for (a, p), wide in pairs if a or p]
        if not stated or not (actors or patients):
            continue
        swapped = all(  # "Obama" in the quote is the claim's "Barack Obama"
            (_same_party(actors, p) and not _same_party(actors, a))
            or (_same_party(patients, a) and not _same_party(patients, p))
            for a, p, _ in stated
        )
        shared = any(_same_party(actors | patients, a | p) for a, p, _ in stated)
        named = any(" " in k for k in actors) and all(any(" " in k for k in a) for a, _, _ in stated)
        other_actor = bool(actors & window_keys or named) and all(
            a and not _same_party(wide_actors, wide[0]) for a, _, wide in stated
        )
        named_patient = any(" " in k for k in patients) and all(any(" " in k for k in p) for _, p, _ in stated)
        other_patient = bool(patients & window_keys or named_patient) and all(
            p and not _same_party(wide_patients, wide[1]) for _, p, wide in stated
        )
        if (swapped and shared) or other_actor or other_patient:
            conflicts.append(f"roles: the quote gives “{key}” another actor or turns its roles around")
    return conflicts


def _same_party(claimed: frozenset[str], stated: frozenset[str]) -> bool:
    """Some actor is the same in both: equal keys, or a bare head word and a name ending in it
    ("council", "harbour council"); "north korea" and "south korea" differ."""
    for a in (k for k in claimed if k.strip()):
        for b in (k for k in stated if k.strip()):
            if a == b or ((" " not in a or " " not in b) and a.split()[-1] == b.split()[-1]):
                return True
    return False


def _directionconflicts_of(claim: Claim, sentences: list[SentenceFacts]) -> list[str]:
    stated = set().union(*(s.directions for s in sentences))
    opposite = {"from": "to", "to": "from"}
    return [
        f"direction: the quote says {opposite[way]} “{target}”"
        for way, target in claim.facts.directions
        if (opposite[way], target) in stated and (way, target) not in stated
    ]


def _placeconflicts_of(claim: Claim, sentences: list[SentenceFacts], metadata: set[str]) -> list[str]:
    conflicts = []
    for table in ("places", "times"):  # a place is compared with places, a time with times
        for head, places in getattr(claim.facts, table).items():
            stated = set(_occurrences(sentences, table, head))
            claimed = places - metadata  # the article's own date may stand for "on Saturday"
            if stated and claimed and not claimed & stated:
                conflicts.append(f"place: the quote places “{head}” in {', '.join(sorted(stated))}")
    return conflicts


def _figureconflicts_of(claim: Claim, sentences: list[SentenceFacts], window_keys: set[str]) -> list[str]:
    conflicts = []
    for number, noun in claim.facts.figures:
        stated = set(_occurrences(sentences, "figure_nouns", noun))
        if stated and number not in stated:
            conflicts.append(f"figure: the quote gives {', '.join(sorted(stated))} for “{noun}”, not {number}")
    return conflicts


def _speakerconflicts_of(
    claim: Claim,
    sentences: list[SentenceFacts],
    window_keys: set[str],
    antecedents: dict[int, set[str]],
    metadata: set[str],
) -> list[str]:
    """The claim's speaker must be who the window reports saying it: the speaker of the sentence
    that holds what the claim reports (or of the sentence its quotation runs on into)."""
    claimed = claim.facts.speakers
    if not claimed or claimed & metadata:  # "according to Gulf News": the publisher speaks for its article
        return []
    content = _content_sentence(claim, sentences)
    indexes = {content}
    if len(sentences) == 2 and _one_quotation(sentences[0].parsed.text):
        indexes = {0, 1}
    stated = set().union(*(sentences[i].speakers | antecedents.get(i, set()) for i in indexes))
    if stated and not _same_party(frozenset(claimed), frozenset(stated)):
        return [f"speaker: the quote reports {', '.join(sorted(stated))} speaking"]
    if not stated and not claimed & window_keys:
        return ["unattributed: the quote does not report who said it"]
    return []


def _content_sentence(claim: Claim, sentences: list[SentenceFacts]) -> int:
    """The window sentence holding most of what the claim reports (its speaker left aside)."""
    reported = [i.key for i in claim.items if i.key not in claim.facts.speakers]
    counts = [sum(k in s.keys for k in reported) for s in sentences]
    return max(range(len(sentences)), key=lambda i: counts[i])


def role_class(parsed: Parsed, i: int) -> str:
    j = i
    while parsed.tokens[j].dep in ("compound", "flat") and parsed.tokens[j].head != j:
        j = parsed.tokens[j].head
    return {"nsubj": "subject", "nsubjpass": "subject", "poss": "possessor"}.get(parsed.tokens[j].dep, "object")
