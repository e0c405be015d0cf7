"""Which words stand for one another, and `canonical()`, which folds each to one comparison key.

The tables behind the claim checker's paraphrase (each entry tested in tests/unit/test_lexicon.py):
month abbreviations, demonyms and aliases ("Russian" -> "russia", "United States" -> "us"),
British/American spelling, synonym groups common in news writing, the one-way `ENTAILED_BY`
table ("killed" supports "died"), and `OPPOSITES` ("rose" against "a decline"). The word lists
(free, checked, time words, negators) and numbers are in lexicon.py.
"""

from __future__ import annotations

import re

from service.claims.lexicon import number_key

_MONTHS = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
# Demonyms and aliases: each maps to the name of the place or body it stands for.
_ALIASES = {
    "russian": "russia",
    "russians": "russia",
    "syrian": "syria",
    "syrians": "syria",
    "american": "us",
    "americans": "us",
    "u.s.": "us",
    "u.s": "us",
    "usa": "us",
    "america": "us",
    "united states": "us",
    "united states of america": "us",
    "british": "uk",
    "britain": "uk",
    "great britain": "uk",
    "u.k.": "uk",
    "united kingdom": "uk",
    "chinese": "china",
    "french": "france",
    "german": "germany",
    "germans": "germany",
    "iranian": "iran",
    "iranians": "iran",
    "turkish": "turkey",
    "israeli": "israel",
    "israelis": "israel",
    "palestinian": "palestine",
    "palestinians": "palestine",
    "iraqi": "iraq",
    "iraqis": "iraq",
    "egyptian": "egypt",
    "japanese": "japan",
    "indian": "india",
    "european": "europe",
    "african": "africa",
    "korean": "korea",
    "ukrainian": "ukraine",
    "afghan": "afghanistan",
    "pakistani": "pakistan",
    "irish": "ireland",
    "italian": "italy",
    "spanish": "spain",
    "canadian": "canada",
    "mexican": "mexico",
    "australian": "australia",
    "lebanese": "lebanon",
    "jordanian": "jordan",
    "libyan": "libya",
    "yemeni": "yemen",
    "saudi": "saudi arabia",
    "kurdish": "kurd",
    "kurds": "kurd",
    "greek": "greece",
    "polish": "poland",
    "dutch": "netherlands",
    "swedish": "sweden",
    "norwegian": "norway",
    "danish": "denmark",
    "finnish": "finland",
    "austrian": "austria",
    "swiss": "switzerland",
    "belgian": "belgium",
    "portuguese": "portugal",
    "brazilian": "brazil",
    "argentine": "argentina",
    "nigerian": "nigeria",
    "kenyan": "kenya",
    "ghanaian": "ghana",
    "filipino": "philippines",
    "vietnamese": "vietnam",
    "thai": "thailand",
    "indonesian": "indonesia",
    "malaysian": "malaysia",
    "due": "because",
    "owing": "because",
    "u.n.": "un",
    "united nations": "un",
    "european union": "eu",
    "e.u.": "eu",
    "isis": "islamic state",
    "isil": "islamic state",
    "daesh": "islamic state",
    "per cent": "percent",
    "%": "percent",
    "pct": "percent",
}
MULTIWORD_ALIASES = {tuple(k.split()): v for k, v in _ALIASES.items() if " " in k}
_SPELLING = {
    "adviser": "advisor",
    "advisers": "advisor",
    "defence": "defense",
    "offence": "offense",
    "licence": "license",
    "programme": "program",
    "programmes": "program",
    "towards": "toward",
    "amongst": "among",
    "whilst": "while",
    "judgement": "judgment",
    "grey": "gray",
    "cheque": "check",
    "tyre": "tire",
    "aluminium": "aluminum",
    "sceptical": "skeptical",
    "kilometre": "kilometer",
    "kilometres": "kilometer",
    "km": "kilometer",
    "metre": "meter",
    "metres": "meter",
    "centre": "center",
    "centres": "center",
    "theatre": "theater",
    "litre": "liter",
    "litres": "liter",
}
# One-way paraphrase: a claim word (key) is supported by any of these words in the quote.
ENTAILED_BY: dict[str, frozenset[str]] = {
    "die": frozenset({"kill"}),
    "death": frozenset({"kill"}),
    "leave": frozenset({"quit", "depart"}),
    "interview": frozenset({"speak"}),
    "president": frozenset({"leader"}),
    "new": frozenset({"fresh"}),
    "post": frozenset({"tweet"}),
}


# Synonyms common in news writing: each group's words stand for one another (tested in
# tests/unit/test_lexicon.py; antonyms are never in one group).
SYNONYM_GROUPS = (
    ("fall", "drop", "decline", "slide", "slip", "dip", "sink", "tumble", "plunge", "decrease"),
    ("rise", "increase", "climb", "jump", "gain", "grow", "surge", "soar"),
    ("win", "grab", "clinch"),
    ("agree", "accept"),
    ("release", "publish"),
    ("test", "check", "screen"),
    ("album", "record"),
    ("company", "firm"),
    ("buy", "purchase", "acquire"),
    ("start", "begin", "commence"),
    ("end", "finish", "conclude"),
    ("help", "assist", "aid"),
    ("need", "require"),
    ("show", "reveal"),
    ("big", "large"),
    ("quit", "resign"),
    ("hire", "employ", "recruit"),
    ("fire", "dismiss", "sack", "oust"),
    ("build", "construct"),
    ("stop", "halt"),
    ("attack", "assault"),
    ("car", "vehicle"),
    ("doctor", "physician"),
    ("baby", "infant"),
    ("share", "stock"),
    ("talk", "negotiation"),
    ("worry", "concern"),
    ("journalist", "reporter"),
    ("country", "nation"),
    ("try", "attempt"),
    ("stay", "remain"),
    ("likely", "probably"),
    ("photo", "picture", "photograph"),
    ("aim", "goal"),
    ("defeat", "beat"),
)
_SYNONYMS = {word: group[0] for group in SYNONYM_GROUPS for word in group}
# Opposites (by canonical key): a claim that "sales rose" against a quote on a "decline in sales".
_OPPOSITE_PAIRS = (
    ("rise", "fall"),
    ("win", "lose"),
    ("buy", "sell"),
    ("hire", "fire"),
    ("agree", "reject"),
    ("approve", "reject"),
    ("open", "close"),
    ("profit", "loss"),
    ("allow", "ban"),
    ("support", "oppose"),
    ("more_than", "less_than"),
)
OPPOSITES = {a: b for a, b in _OPPOSITE_PAIRS} | {b: a for a, b in _OPPOSITE_PAIRS}


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
