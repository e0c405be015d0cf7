"""Word normalisation shared by BM25, answerability and citation checking."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also said says say told according s t d ll m o re ve y mr mrs ms one
    """.split()
)
NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"})
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]{3})*(?:\.[0-9]+)?")
_NUMBER = re.compile(r"\d+(?:[.,]\d{3})*(?:\.\d+)?")
_NUMBER_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "twenty": "20",
    "forty": "40",
    "hundred": "100",
}


def words(text: str) -> list[str]:
    """Lower-cased word tokens, apostrophes folded ("Assad's" -> "assad", "isn't" -> "isn", "t")."""
    folded = text.casefold().replace("’", "'").replace("‘", "'")
    folded = re.sub(r"'s\b", "", folded)
    return _WORD.findall(folded)


def stem(word: str) -> str:
    """A light, conservative suffix stripper (enough to match plural and tense variants)."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def terms(text: str) -> list[str]:
    """Content terms: stop words removed, stemmed, numbers normalised ("40,000" -> "40000")."""
    return [_normalise_number(w) if w[0].isdigit() else stem(w) for w in words(text) if w not in STOPWORDS]


def numbers(text: str) -> set[str]:
    """Figures written in `text`, normalised, including small numbers written as words."""
    found = {_normalise_number(match) for match in _NUMBER.findall(text)}
    found.update(_NUMBER_WORDS[w] for w in words(text) if w in _NUMBER_WORDS)
    return found


def has_negation(text: str) -> bool:
    tokens = words(text)
    return any(t in NEGATIONS for t in tokens) or any(t.endswith("n") and t + "t" in _CONTRACTIONS for t in tokens)


_CONTRACTIONS = frozenset(
    {
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "dont",
        "doesnt",
        "didnt",
        "wont",
        "cant",
        "hasnt",
        "havent",
        "hadnt",
        "couldnt",
        "shouldnt",
        "wouldnt",
        "aint",
    }
)


def _normalise_number(token: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token):
        return re.sub(r"[.,]", "", token)
    return token.replace(",", "")


def negated_terms(text: str, scope: int = 3) -> set[str]:
    """Content terms within `scope` terms after a negation ("never talked about leaving power"
    -> {"talk", "leav", "power"})."""
    tokens = words(text)
    found: set[str] = set()
    for position, token in enumerate(tokens):
        negated = token in NEGATIONS or (
            token.endswith("n")
            and position + 1 < len(tokens)
            and tokens[position + 1] == "t"
            and token + "t" in _CONTRACTIONS
        )
        if not negated:
            continue
        following = [stem(t) for t in tokens[position + 1 :] if t not in STOPWORDS and t != "t"]
        found.update(following[:scope])
    return found
