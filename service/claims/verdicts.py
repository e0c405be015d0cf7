"""What a judgement of a claim against one quote window says, and the rules for its verdict.

`verdict_of`: `contradicted` when the window disagrees with the claim (polarity, roles,
direction, place, figure or speaker) and lacks little of it; `supported` when nothing of the claim
is missing, nothing disagrees and the window itself holds enough of it; `not_found` otherwise.
`is_rewordable`: a `not_found` window that lacks only a few ordinary words, which the paraphrase
judge may rule on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from service.claims.claim_words import Item
from service.claims.conflicts import Claim
from service.claims.syntax import Parsed
from service.claims.windows import Window
from service.claims.words import CHECKED_FUNCTION_WORDS, TIME_WORDS

Verdict = Literal["supported", "contradicted", "not_found"]
_CONTRADICTING = ("polarity", "roles", "direction", "place", "figure", "speaker")
_MAX_MISSING_FOR_CONTRADICTION = 0.25  # share of the claim (weighted) a contradicting window may lack
_MIN_DIRECT = 0.5  # share of the claim (weighted) the window itself must hold
_MAX_REWORDED = 2  # most missing words the paraphrase judge may rule on
_MIN_REWORDED_COVERAGE = 0.65  # share of the claim (weighted) the window must hold before it is asked


@dataclass(frozen=True)
class Judgement:
    window: Window
    verdict: Verdict
    coverage: float  # weighted share of the claim's words found in the window itself
    missing: tuple[str, ...] = ()  # claim words found nowhere allowed
    conflicts: tuple[str, ...] = ()  # "polarity: ...", "roles: ...": why the window disagrees
    rewordable: bool = False  # only a few ordinary words are missing: the paraphrase judge may rule
    paraphrase: float | None = None  # the judge's P(yes), when it ruled

    @property
    def rank(self) -> tuple[int, float, int]:
        order = {"supported": 2, "contradicted": 1, "not_found": 0}[self.verdict]
        return order, self.coverage, -len(self.window.sentences)


def verdict_of(claim: Claim, missing: list[str], conflicts: tuple[str, ...], coverage: float) -> Verdict:
    contradicting = [c for c in conflicts if c.split(":")[0] in _CONTRADICTING]
    if contradicting:
        lacking = sum(claim.weights[i.token] for i in claim.items if i.text in missing and i.kind != "number")
        if lacking / claim.total <= _MAX_MISSING_FOR_CONTRADICTION:
            return "contradicted"
    if not missing and not conflicts and coverage >= _MIN_DIRECT:
        return "supported"
    return "not_found"


def is_rewordable(claim: Claim, missing: list[str], conflicts: tuple[str, ...], coverage: float) -> bool:
    """Only a few ordinary words (no name, number, time, cause, quantity or list item) are
    missing, and nothing disagrees: whether the window states the claim is a matter of wording."""
    if conflicts or not missing or len(missing) > _MAX_REWORDED or coverage < _MIN_REWORDED_COVERAGE:
        return False
    lacking = [i for i in claim.items if i.text in missing]
    return all(_ordinary(claim.parsed, item) for item in lacking)


def _ordinary(parsed: Parsed, item: Item) -> bool:
    token = parsed.tokens[item.token]
    if item.kind != "word" or token.pos not in ("VERB", "NOUN", "ADJ", "ADV"):
        return False
    if item.key in TIME_WORDS or token.lower in CHECKED_FUNCTION_WORDS or token.ent_type:
        return False
    listed = token.dep == "conj" or any(c.dep == "conj" for c in parsed.children(item.token))
    return not listed  # an added list item is a fabrication, not a rewording


def best(judgements: Iterable[Judgement | None]) -> Judgement | None:
    found = [j for j in judgements if j is not None]
    return max(found, key=lambda j: j.rank) if found else None
