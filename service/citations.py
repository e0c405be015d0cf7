"""Turns raw model text into a verified answer: every kept sentence carries a citation whose
quote is a verbatim span of the stored article that supports it.

Steps: split the text into sentences and their `[n]` markers; drop markers that name no
passage; keep a sentence's own citation when that passage supports it, otherwise repair it
with the best supporting retrieved passage, otherwise remove the sentence. A sentence in
which the model says the passages lack something is kept uncited when other sentences are
answered. Citations are renumbered 1..m in order of first use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.documents import Passage
from retrieval.sentences import split_sentences
from retrieval.term_stats import TermStats
from service.answers import Citation
from service.answer.grounding import GroundingChecker, Judgement

logger = logging.getLogger(__name__)

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_DECLINE = re.compile(
    r"\bNOT[ _]FOUND\b|\b(?:do|does|did)\s*(?:not|n['’]t)\s+(?:mention|say|state|contain|provide|include|specify|"
    r"give|answer|discuss|address)\b|\bno (?:information|mention|details?)\b|\bnot (?:mentioned|stated|provided|"
    r"specified|given)\b|\bI (?:do not|don['’]t) know\b|\bcannot (?:be )?(?:answer|determine|find)",
    re.IGNORECASE,
)
_LEADING_LABEL = re.compile(r"^\s*(?:answer|response)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class DraftSentence:
    text: str  # without markers
    cited: tuple[int, ...]  # 0-based passage indexes the model named (valid ones only)


@dataclass(frozen=True)
class Support:
    """Where a sentence's quote is: a window of `passages[passage_index]`, article offsets."""

    passage_index: int
    start: int
    end: int
    coverage: float = 1.0  # share of the sentence's words found in the quote itself
    sentences: int = 1
    contradicted: bool = False  # the quote says otherwise (it stands in for the model's sentence)


@dataclass(frozen=True)
class VerifiedSentence:
    text: str
    support: Support | None  # None only for kept "the passages don't say ..." sentences
    repaired: bool
    replaced: str | None = None  # the model's sentence, when the quote now standing in for it failed the check
    quoted: bool = False  # the text is the quote itself, in quotation marks


@dataclass(frozen=True)
class Verification:
    sentences: list[VerifiedSentence]
    removed: list[str]
    repaired: int
    dropped_markers: list[int]
    declined_by_model: bool

    @property
    def answered(self) -> bool:
        return any(s.support is not None for s in self.sentences)


def is_decline(text: str) -> bool:
    return bool(_DECLINE.search(text))


def parse_draft(raw: str, passage_count: int) -> tuple[list[DraftSentence], list[int]]:
    """Sentences with the passages they cite; also the out-of-range marker numbers."""
    text = _LEADING_LABEL.sub("", raw.strip())
    dropped: list[int] = []
    sentences: list[DraftSentence] = []
    for start, end in split_sentences(text):
        piece = text[start:end]
        cited: list[int] = []
        for match in _MARKER.finditer(piece):
            for number in (int(n) for n in match.group(1).split(",")):
                if not 1 <= number <= passage_count:
                    dropped.append(number)
                elif number - 1 not in cited:
                    cited.append(number - 1)
        clean = _tidy(_MARKER.sub("", piece))
        if clean:
            sentences.append(DraftSentence(clean, tuple(cited)))
        elif cited and sentences:  # a marker split off on its own ("... militants. [2]")
            last = sentences[-1]
            sentences[-1] = DraftSentence(last.text, tuple(dict.fromkeys(last.cited + tuple(cited))))
    if dropped:
        logger.warning("dropped citation markers naming no passage: %s", dropped)
    return sentences, dropped


QuoteCheck = Callable[[Passage, int, int], bool]  # does this quote (article span) answer the question?


def verify(
    raw: str,
    passages: list[Passage],
    checker: GroundingChecker,
    stats: TermStats | None = None,
    shown: int | None = None,
    question: str = "",
    answers_question: QuoteCheck | None = None,
) -> Verification:
    """Check `raw` against `passages`; its markers [1]..[shown] name the first `shown` of them
    (the ones the model saw), while repairs may use any of them. A sentence no quote supports is
    never kept as written: the quote that contradicts it, or else its closest quote when
    `answers_question` accepts that quote, stands in for it, marked as a quote; otherwise it is
    removed. A sentence that only restates the question is not an answer."""
    drafts, dropped = parse_draft(raw, len(passages) if shown is None else shown)
    declined = is_decline(raw) and not any(d.cited for d in drafts if not is_decline(d.text))
    kept: list[VerifiedSentence] = []
    removed: list[str] = []
    repaired = 0
    for draft in drafts:
        if is_decline(draft.text):
            kept.append(VerifiedSentence(draft.text, None, False))
            continue
        row = checker.judge(draft.text, passages, question, stats) if passages else []
        found = _supported(draft, row)
        if found is not None:
            kept.append(found)
            repaired += found.repaired
            continue
        stand_in = _stand_in(draft, row, passages, answers_question)
        if stand_in is None:
            removed.append(draft.text)
        else:
            kept.append(stand_in)
    if not any(s.support for s in kept):
        kept = []
    return Verification(kept, removed, repaired, dropped, declined)


def _supported(draft: DraftSentence, row: list[Judgement | None]) -> VerifiedSentence | None:
    """The draft with its own citation when that passage supports it, else the best other one."""
    supports = [(i, j) for i, j in enumerate(row) if j is not None and j.verdict == "supported"]
    own = [(i, j) for i, j in supports if i in draft.cited]
    for candidates, repaired in ((own, False), (supports, True)):
        if candidates:
            index, best = max(candidates, key=lambda pair: pair[1].rank)
            return VerifiedSentence(draft.text, _support(index, best), repaired)
    return None


def _stand_in(
    draft: DraftSentence, row: list[Judgement | None], passages: list[Passage], answers_question: QuoteCheck | None
) -> VerifiedSentence | None:
    """The quote that says otherwise, or the closest quote that answers the question, in place of
    an unsupported sentence (marked as a quote); None when there is no such quote."""
    judged = [(i, j) for i, j in enumerate(row) if j is not None]
    contradicting = [(i, j) for i, j in judged if j.verdict == "contradicted"]
    closest = sorted(judged, key=lambda pair: -pair[1].coverage)[:1] if answers_question else []
    for index, judgement in contradicting or closest:
        window = judgement.window
        if answers_question is not None and not answers_question(window.passage, window.start, window.end):
            continue
        quote = _tidy(window.text)
        return VerifiedSentence(f"“{quote}”", _support(index, judgement), True, replaced=draft.text, quoted=True)
    return None


def _support(index: int, judgement: Judgement) -> Support:
    window = judgement.window
    return Support(
        index, window.start, window.end, judgement.coverage, len(window.sentences), judgement.verdict == "contradicted"
    )


def attach_citations(sentences: list[VerifiedSentence], passages: list[Passage]) -> tuple[str, list[Citation]]:
    """Answer text with renumbered `[n]` markers, and the citations they point to."""
    citations: list[Citation] = []
    keys: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    for sentence in sentences:
        if sentence.support is None:
            parts.append(sentence.text)
            continue
        support = sentence.support
        passage = passages[support.passage_index]
        key = (passage.article_id, support.start, support.end)
        if key not in keys:
            keys[key] = len(citations) + 1
            citations.append(make_citation(keys[key], passage, support.start, support.end))
        parts.append(with_marker(sentence.text, keys[key]))
    return " ".join(parts), citations


def make_citation(n: int, passage: Passage, start: int, end: int) -> Citation:
    article = passage.article
    return Citation(
        n=n,
        article_id=article.article_id,
        chunk_id=passage.chunk_id,
        title=article.title,
        source=article.source,
        published=article.published,
        url=article.url,
        quote=article.text[start:end],
        start=start,
        end=end,
    )


def with_marker(sentence: str, n: int) -> str:
    """'Lavrov said so.' -> 'Lavrov said so [1].'"""
    match = re.search(r"([.!?]+)$", sentence)
    if match:
        return f"{sentence[: match.start()].rstrip()} [{n}]{match.group(1)}"
    return f"{sentence} [{n}]"


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return text.strip(" -–—*•")
