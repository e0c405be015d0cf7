"""The word lists and number words behind the claim checker, in one place to read and test.

A claim's words fall into three groups:
- free: function words, reporting verbs ("said", "told", "according to"), a short list of
  connectives and emphasis adverbs. They may appear in a claim without being in its quote.
- checked by structure: negations (polarity), the reporting verb's subject (the speaker),
  from/to (direction), the verbs that embed a clause without asserting it ("refused to ...").
- everything else (names, numbers, dates, nouns, verbs, adjectives, causal and temporal
  connectives such as "because" or "after"): must be found in the quote, after `canonical()`.

Paraphrase is allowed only through `canonical()` (inflection via the lemma, British/American
spelling, demonyms, a few aliases, synonym groups) and the one-way `ENTAILED_BY` table, each
entry tested; those tables are in synonyms.py.
"""

from __future__ import annotations

import re

FUNCTION_POS = frozenset({"DET", "ADP", "AUX", "CCONJ", "SCONJ", "PART", "PRON", "PUNCT", "SPACE", "SYM", "INTJ"})

# Verbs that report speech: the claim may use any of them for any other. Their subject is checked.
REPORTING = frozenset(
    {
        "say",
        "tell",
        "add",
        "state",
        "accord",
        "report",
        "note",
        "explain",
        "quote",
        "cite",
        "insist",
        "claim",
        "speak",
        "comment",
        "remark",
        "stress",
        "declare",
        "reiterate",
    }
)
# Allowed freely: connectives that add no fact, emphasis and stance adverbs.
FREE_WORDS = frozenset(
    """
    also still just even very too however meanwhile furthermore moreover additionally well indeed really
    currently now already again and but or both either yet whereas while although though as than so-called
    rather instead
    that which who whom whose what where when how there here
    mr mrs ms dr
    """.split()
)
# Approximations make a claim weaker, never stronger: free.
APPROXIMATORS = frozenset({"about", "around", "roughly", "approximately", "some", "nearly", "almost", "up"})
# Function words that carry a fact and so must be found in the quote.
CHECKED_FUNCTION_WORDS = frozenset(
    """
    because since due owing therefore thus hence consequently result order after before until till unless
    if despite without against only all every each most many few several least none
    """.split()
)
# Words of time: never left to the paraphrase judge (an invented "last week" is a fabrication).
TIME_WORDS = frozenset(
    """
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday year week month day today yesterday tomorrow tonight decade
    century season morning afternoon evening night hour minute annual daily weekly monthly last next ago
    early late earlier later recent recently former previous previously first final soon current
    """.split()
)
NEGATORS = frozenset({"not", "n't", "never", "no", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"})

# Verbs whose complement clause is not asserted by the sentence: "refused to step down" does not say
# he stepped down. A claim that drops such a governor from above a verb it uses is not supported.
NON_ASSERTING = frozenset(
    """
    refuse deny reject fail decline want wish hope plan intend seek try attempt aim expect ask urge call demand
    press pressure push persuade propose suggest consider threaten promise offer warn fear doubt need require
    allow permit let help prevent stop avoid dismiss rule predict forecast estimate believe think hold argue
    accuse allege suspect rumour rumor speculate question wonder debate discuss negotiate vow pledge
    """.split()
)
# Subordinators that make a clause conditional or not yet true ("until he regained control").
NON_ASSERTING_MARKERS = frozenset({"if", "unless", "until", "till", "whether", "before", "once", "lest"})

# Comparators next to figures, reduced to their direction.
_COMPARATORS = {
    "more": "more_than",
    "over": "more_than",
    "above": "more_than",
    "exceed": "more_than",
    "greater": "more_than",
    "upwards": "more_than",
    "plus": "more_than",
    "less": "less_than",
    "fewer": "less_than",
    "under": "less_than",
    "below": "less_than",
}

_NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
    "dozen": "12",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
}
_MAGNITUDES = {
    "thousand": "thousand",
    "thousands": "thousand",
    "million": "million",
    "millions": "million",
    "billion": "billion",
    "billions": "billion",
    "bn": "billion",
    "bln": "billion",
    "trillion": "trillion",
    "trillions": "trillion",
    "mln": "million",
    "mn": "million",
    "m": "million",
    "k": "thousand",
}


def number_key(word: str) -> str | None:
    """ "40,000" -> "40000", "five" -> "5", "2.5" -> "2.5", "thousands" -> "thousand"; None otherwise."""
    word = word.casefold()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    if word in _MAGNITUDES:
        return _MAGNITUDES[word]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", word):
        return word.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return word
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", word):
        return word
    return None


def is_magnitude(word: str) -> bool:
    """ "billion", "bln", "m": a word that scales the number before it."""
    return word.casefold() in _MAGNITUDES


def comparator(word: str) -> str | None:
    return _COMPARATORS.get(word.casefold())


def is_approximator(word: str) -> bool:
    return word.casefold() in APPROXIMATORS
