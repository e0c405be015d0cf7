"""Whether a proven sentence answers this question, step 3 (b) of the answer path (proof.py
has (a), the claim checker): the question's names are in it (or its quote's article context), it
reports the speaker asked about, half the question's content words are in it or its quote, it
states the question's main verb (the word, its family, or a close embedding), and it fills the
asked kind with something the question does not name (a person, a place, a figure, a date; for
other questions, a new content word)."""

from __future__ import annotations

import re
from collections.abc import Callable

from service.answer.questions import QuestionKind
from service.claims.structure import SentenceFacts
from service.claims.syntax import Parsed, Token
from service.claims.word_keys import is_name, token_keys
from service.claims.words import ENTAILED_BY, canonical, number_key

_DATE_WORDS = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|"
    r"Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"yesterday|today|tonight|(?:19|20)\d{2})\.?\b"
)
_QUESTION_WORDS = frozenset({"who", "whom", "whose", "what", "which", "where", "when", "why", "how"})
_EMPTY_WORDS = frozenset(
    {"be", "have", "do", "happen", "take", "make", "get", "many", "much", "long", "say", "report", "tell", "call"}
)
_KIND_NAMES = {"person": "person", "place": "place", "date": "date", "number": "figure"}
_UNITS = frozenset(
    {"year", "month", "week", "day", "hour", "minute", "percent", "%", "time", "dollar", "euro", "pound"}
)
MIN_QUESTION_SHARE = 0.5  # share of the question's content words the sentence and its quote must hold
RELATION_MIN_COSINE = 0.55  # MiniLM, single words: fly/plane 0.65, arrest/detained 0.79; win/reach 0.37


Relatedness = Callable[[str, list[str]], list[float]]  # a word against others: cosines of their embeddings


def answers_question(
    sentence: Parsed, about: set[str], question: Parsed, kind: QuestionKind, related: Relatedness | None = None
) -> str | None:
    """None when the sentence is about what the question asks and fills the asked kind; else why not.
    `about`: the keys of the quote that proves the sentence (with the names its "he" refers to)."""
    if kind.parts > 1:
        return f"the question asks {kind.parts} things; one sentence proves one of them"
    if not any(t.pos in ("VERB", "AUX") for t in sentence.tokens):
        return "it is not a sentence (it has no verb)"
    keys = {k for k in token_keys(sentence) if k}
    seen = keys | about
    question_keys = token_keys(question)
    relation = _relation(question, question_keys)
    if relation and not _states(relation, seen, related):
        return f"it does not say {relation!r}, what the question asks about"
    for name in _names(question, question_keys):
        if name not in seen:
            return f"it is not about {name!r}, which the question asks about"
    asked_speakers, speakers = SentenceFacts.of(question).speakers, SentenceFacts.of(sentence).speakers
    if asked_speakers and speakers and not asked_speakers & speakers:
        said, asked = " / ".join(sorted(speakers)), " / ".join(sorted(asked_speakers))
        return f"it reports what {said} said; the question asks about {asked}"
    content = _content_keys(question, question_keys) - {relation}  # the relation is stated (above)
    if content and len(content & seen) / len(content) < MIN_QUESTION_SHARE:
        return "it says too little of what the question asks about"
    if kind.shape == "yes-no":
        return None
    if not _fills(sentence, {k for k in question_keys if k}, question, kind):
        return f"it names no {_KIND_NAMES.get(kind.asks, 'fact')} the question does not already"
    return None


def _relation(question: Parsed, keys: list[str | None]) -> str | None:
    """The question's main verb when it carries meaning ("won" of "Who won the second round?"); None for
    "is", "did ... say", "happen" and the like."""
    root = next((t for t in question.tokens if t.dep == "ROOT"), None)
    if root is None or root.pos != "VERB" or root.lemma in _EMPTY_WORDS:
        return None
    return keys[root.i]


def _states(relation: str, seen: set[str], related: Relatedness | None) -> bool:
    """The sentence or its quote states the relation: the same word, one of its family, or (with
    `related`) a word whose embedding is close to it ("plane" for "fly", "detained" for "arrest")."""
    if any(_same_word(relation, key) for key in seen):
        return True
    words = sorted(k for k in seen if k.isalpha() and " " not in k)
    return related is not None and bool(words) and max(related(relation, words)) >= RELATION_MIN_COSINE


def _same_word(wanted: str, key: str) -> bool:
    """The same word, or one of its family ("erupt" / "eruption", "succeed" / "successor")."""
    if wanted == key or key in ENTAILED_BY.get(wanted, frozenset()):
        return True
    stem = wanted[: max(5, len(wanted) - 2)]
    return len(wanted) >= 5 and len(stem) >= 5 and key.startswith(stem)


def _names(question: Parsed, keys: list[str | None]) -> list[str]:
    """The key of the head of each name in the question ("brahimi" of "Lakhdar Brahimi")."""
    heads = []
    for token in question.tokens:
        key = keys[token.i]
        if not key or token.lower in _QUESTION_WORDS or token.pos != "PROPN" or not is_name(token):
            continue
        if token.ent_type in ("DATE", "TIME") or _DATE_WORDS.fullmatch(token.text):
            continue  # "in December 2012": a time the question sets, checked by the claim checker
        if token.dep != "compound" or question.tokens[token.head].pos != "PROPN":
            heads.append(key)
    return list(dict.fromkeys(heads))


def _content_keys(question: Parsed, keys: list[str | None]) -> set[str]:
    """The question's ordinary content words (names are checked apart; question words are free)."""
    return {
        key
        for token in question.tokens
        if (key := keys[token.i])
        and token.pos in ("NOUN", "VERB", "ADJ")
        and token.lower not in _QUESTION_WORDS
        and token.lemma not in _EMPTY_WORDS
    }


def _fills(sentence: Parsed, asked: set[str], question: Parsed, kind: QuestionKind) -> bool:
    """The sentence gives a value of the asked kind that the question does not name."""
    keys = token_keys(sentence)
    new = [t for t in sentence.tokens if keys[t.i] and keys[t.i] not in asked]
    if kind.asks == "number":
        return _gives_count(sentence, new, question)
    if kind.asks == "date":  # a point in time ("on Thursday", "in 1918", "Dec 28"), not a span ("four years")
        return any(_DATE_WORDS.fullmatch(t.text) for t in new)
    if kind.asks == "place":  # a place the sentence puts something in, at, from or to: not its subject
        return any(t.ent_type in ("GPE", "LOC", "FAC") and t.dep not in ("nsubj", "nsubjpass") for t in new)
    if kind.asks == "person":  # a name (or, for "Who is X?", what X is)
        described = _asks_who_someone_is(question)
        return any((t.pos in ("NOUN", "PROPN") if described else _is_proper_name(t)) for t in new)
    return bool(new)


def _is_proper_name(token: Token) -> bool:
    """A person's or a body's name: a proper noun, or a person or nationality the parser tags as one
    (not a common word inside a named event: "sled race" of "the Iditarod sled race")."""
    return token.pos == "PROPN" or token.ent_type in ("PERSON", "NORP")


def _gives_count(sentence: Parsed, new: list[Token], question: Parsed) -> bool:
    """A figure the question does not name; for "how many X", one that counts X (or a unit of it)."""
    figures = [t for t in new if t.pos == "NUM" or number_key(t.lower) is not None]
    if not figures:
        return False
    counted = _counted_noun(question)
    if counted is None:
        return True
    counted_keys = {k for k in token_keys(question) if k} & {canonical(counted.lemma)}
    facts = SentenceFacts.of(sentence)
    return any(noun in counted_keys or noun in _UNITS for _, noun in facts.figures) or not facts.figures


def _counted_noun(question: Parsed) -> Token | None:
    """X of "how many X" / "how much X"."""
    for token in question.tokens:
        if token.lower in ("many", "much") and token.dep == "amod" and question.tokens[token.head].pos == "NOUN":
            return question.tokens[token.head]
    return None


def _asks_who_someone_is(question: Parsed) -> bool:
    """ "Who is Lakhdar Brahimi?": a description of a named person is asked for, not a name."""
    root = next((t for t in question.tokens if t.dep == "ROOT"), None)
    return root is not None and root.lemma == "be" and any(t.lower in ("who", "what") for t in question.tokens[:2])
