"""Does a quote support a claim? The one checker behind answers and `citewire verify`.

A quote window is one sentence of a retrieved passage, or two adjacent ones. A window SUPPORTS a
claim when everything the claim asserts is in it:
1. every name, number, date and content word of the claim (compared by `lexicon.canonical`, i.e.
   after normalising inflection) is found in the window, or in the article's metadata (publisher,
   author, date), or in the question the claim restates (only words that the article uses);
   a name may also be found through the sentences just before the window when the window refers
   to it ("he said", "the Syrian leader"), a partial name through the full name in the article
   ("Bashar al-Assad" for "Assad"), and a title through the article's description of that person;
2. and nothing in the window's structure disagrees with the claim: polarity (what is negated),
   who does what to whom, from/to, the place of an event, the figure given for a thing, who is
   reported as speaking, and whether the window asserts the fact at all ("refused to step
   down", "until he regained control" do not say he stepped down or regained control).
A window that matches the claim except for a disagreement in polarity, roles, direction, place
or figure CONTRADICTS it: the claim can be answered by what the article says instead.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from retrieval.dates import long_form
from retrieval.documents import Article, Chunk, Passage
from retrieval.sentences import split_sentences
from retrieval.term_stats import TermStats
from retrieval.terms import terms
from service.answer.claim_words import Item, claim_items, descriptors_of
from service.answer.conflicts import Claim, conflicts_of, role_class, speaker_antecedents, split_statement
from service.answer.lexicon import CHECKED_FUNCTION_WORDS, TIME_WORDS
from service.answer.paraphrase import ParaphraseJudge
from service.answer.structure import SentenceFacts
from service.answer.synonyms import ENTAILED_BY, canonical
from service.answer.syntax import Parsed, SyntaxParser
from service.answer.word_keys import token_keys

Verdict = Literal["supported", "contradicted", "not_found"]
_CONTRADICTING = ("polarity", "roles", "direction", "place", "figure", "speaker")
_CONTEXT_SENTENCES = 3  # sentences before a window where "he" or "the minister" may be named
_MAX_MISSING_FOR_CONTRADICTION = 0.25  # share of the claim (weighted) a contradicting window may lack
_MIN_DIRECT = 0.5  # share of the claim (weighted) the window itself must hold
_MAX_REWORDED = 2  # most missing words the paraphrase judge may rule on
_MIN_REWORDED_COVERAGE = 0.65  # share of the claim (weighted) the window must hold before it is asked


@dataclass(frozen=True)
class Window:
    """One or two adjacent sentences of a retrieved passage; offsets into the article's text."""

    passage: Passage
    start: int
    end: int
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.passage.article.text[self.start : self.end]


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


# words a yes/no question carries that its negated answer drops ("did they ever" / "they never")
_QUESTION_ONLY_WORDS = frozenset({"ever", "any", "anything", "anyone", "already", "yet", "really", "actually"})


def settles_yes_no(judged: Judgement | None) -> str | None:
    """ "yes" when the quote supports the question restated as a statement; "no" only when the
    quote states the same thing negated (a polarity conflict, nothing missing): a figure, name or
    place that disagrees is usually a detail the question presupposed, not the answer to it."""
    if judged is None:
        return None
    if judged.verdict == "supported":
        return "yes"
    negated = judged.conflicts and all(c.startswith("polarity:") for c in judged.conflicts)
    missing = {word.lower() for word in judged.missing} - _QUESTION_ONLY_WORDS
    if judged.verdict == "contradicted" and negated and not missing:
        return "no"
    return None


@dataclass
class _ArticleContext:
    """What a claim about this article may draw on besides the window."""

    article: Article
    metadata: set[str]
    title: Parsed
    sentences: list[tuple[int, int]]
    lowered: list[set[str]] = field(default_factory=list)  # word sets of the sentences, for names


class GroundingChecker:
    """Judges claims against the windows of retrieved passages. Thread-safe; cheap to build
    (the parser loads on first use or in `warm_up`)."""

    def __init__(
        self, parser: SyntaxParser, paraphrase: ParaphraseJudge | None = None, min_paraphrase: float = 0.9
    ) -> None:
        self._parser = parser
        self._paraphrase = paraphrase
        self._min_paraphrase = min_paraphrase
        self._contexts: dict[str, _ArticleContext] = {}
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self._parser.warm_up()

    @property
    def parser(self) -> SyntaxParser:
        return self._parser

    def judge_sentence(self, claim: str, passage: Passage, start: int, end: int) -> Judgement | None:
        """The claim judged against one span of the passage's article only (no other window)."""
        article = passage.article
        chunk = Chunk(
            f"{passage.chunk_id}@{start}",
            passage.article_id,
            passage.chunk.position,
            start,
            end,
            article.text[start:end],
        )
        judged = self.judge(claim, [Passage(chunk=chunk, article=article, score=passage.score)])
        return judged[0] if judged else None

    # ---- public ---------------------------------------------------------------------------
    def judge(
        self, claim: str, passages: list[Passage], question: str = "", stats: TermStats | None = None
    ) -> list[Judgement | None]:
        """For each passage, the best judgement of its windows (None when it has no sentence)."""
        prepared = self._claim(claim, stats)
        question_keys = self._keys_of(question) if question else set()
        every = [[self._judge(prepared, window, question_keys) for window in self.windows(p)] for p in passages]
        if self._paraphrase is not None and not any(j.verdict == "supported" for row in every for j in row):
            every = self._reworded(claim, every)
        return [max(row, key=lambda j: j.rank) if row else None for row in every]

    def _reworded(self, claim: str, every: list[list[Judgement]]) -> list[list[Judgement]]:
        """Asks the paraphrase judge about the closest window that lacks only ordinary words."""
        candidates = [(i, j) for i, row in enumerate(every) for j in row if j.rewordable]
        if not candidates or self._paraphrase is None:
            return every
        index, candidate = max(candidates, key=lambda pair: pair[1].coverage)
        probability = self._paraphrase.probability(candidate.window.text, claim)
        if probability is None:
            return every
        verdict: Verdict = "supported" if probability >= self._min_paraphrase else "not_found"
        ruled = replace(candidate, verdict=verdict, paraphrase=round(probability, 4))
        return [[ruled if j is candidate else j for j in row] if i == index else row for i, row in enumerate(every)]

    def windows(self, passage: Passage) -> list[Window]:
        text = passage.article.text
        spans = split_sentences(passage.text, offset=passage.chunk.start)
        found: list[Window] = []
        for i, (start, end) in enumerate(spans):
            found.append(Window(passage, start, end, (text[start:end],)))
            if i + 1 < len(spans):
                after = spans[i + 1]
                found.append(Window(passage, start, after[1], (text[start:end], text[after[0] : after[1]])))
        return found

    # ---- one claim against one window ------------------------------------------------------
    def _judge(self, claim: Claim, window: Window, question_keys: set[str]) -> Judgement:
        sentences = [SentenceFacts.of(p) for p in self._parser.parse_many(list(window.sentences))]
        context = self._context(window.passage.article)
        window_keys = set().union(*(s.keys for s in sentences))
        article_keys = window_keys | self._article_keys(window, context)
        referring = set().union(*(s.referring for s in sentences))
        earlier = self._earlier(window, context) if referring else []
        coref = set().union(*(s.names for s in earlier)) if earlier else set()
        found_in_window = 0.0
        missing: list[str] = []
        local: list[Item] = []  # found in the window's own words
        for item in claim.items:
            how = self._find(item, claim, window_keys, context, coref, question_keys & article_keys)
            if how == "coreference" and role_class(claim.parsed, item.token) not in referring:
                how = None  # "he" in the window is a subject; the claim's name is not
            if how == "window":
                found_in_window += claim.weights[item.token]
                local.append(item)
            elif how is None:
                missing.append(item.text)
        antecedents = speaker_antecedents(sentences, earlier)
        conflicts = conflicts_of(claim, sentences, window_keys, antecedents, context.metadata)
        conflicts += split_statement(claim, local, sentences)

        coverage = round(found_in_window / claim.total, 4)
        verdict = _verdict(claim, missing, conflicts, coverage)
        rewordable = verdict == "not_found" and _rewordable(claim, missing, conflicts, coverage)
        return Judgement(window, verdict, coverage, tuple(missing), conflicts, rewordable)

    def _find(
        self,
        item: Item,
        claim: Claim,
        window_keys: set[str],
        context: _ArticleContext,
        coref: set[str],
        echoed: set[str],
    ) -> str | None:
        """How a claim word is found: "window", "metadata", "question", "context" - or None."""
        if item.key in window_keys or ENTAILED_BY.get(item.key, frozenset()) & window_keys:
            return "window"
        if item.key in context.metadata:
            return "metadata"
        if item.token in claim.facts.speaker_tokens and claim.facts.speakers & context.metadata:
            return "metadata"  # "according to the Gulf News report" in an article Gulf News published
        if item.key in echoed:
            return "question"
        if item.kind == "name" and self._partial_name(item, claim, window_keys, context):
            return "context"
        if item.kind == "name" and item.key in coref:
            return "coreference"
        if item.kind == "descriptor" and item.name_head is not None:
            name = claim.parsed.tokens[item.name_head]
            name_key = canonical(name.lower)
            if (name_key in window_keys or name_key in coref) and item.key in self._descriptors(context, name):
                return "context"
        return None

    def _partial_name(self, item: Item, claim: Claim, window_keys: set[str], context: _ArticleContext) -> bool:
        """ "Bashar" of "Bashar al-Assad" when the window says "Assad" and the article the full name."""
        if item.name_head is None or item.name_head == item.token:
            return False
        head = claim.parsed.tokens[item.name_head]
        if canonical(head.lower) not in window_keys:
            return False
        if self._other_full_name(item, head.lower, window_keys):
            return False  # the window's "Douglas Tompkins" is not the claim's "Kristine Tompkins"
        wanted = {item.text.casefold(), head.lower}
        return any(wanted <= words for words in self._lowered(context))

    @staticmethod
    def _other_full_name(item: Item, head: str, window_keys: set[str]) -> bool:
        """The window names someone else with the same head name ("Douglas Tompkins")."""
        return any(k.endswith(f" {head}") and not k.startswith(f"{item.text.casefold()} ") for k in window_keys)

    def _descriptors(self, context: _ArticleContext, name: object) -> set[str]:
        from service.answer.syntax import Token

        assert isinstance(name, Token)
        text = context.article.text
        with_name = [text[s:e] for s, e in context.sentences if name.lower in text[s:e].casefold()]
        parses = [context.title, *self._parser.parse_many(with_name[:20])]
        found: set[str] = set()
        for parsed in parses:
            found |= descriptors_of(parsed, canonical(name.lower))
        return found

    def _earlier(self, window: Window, context: _ArticleContext) -> list[SentenceFacts]:
        """The title and the sentences just before the window, nearest last: where "he", "they"
        or "the minister" in the window may be named."""
        text = context.article.text
        before = [text[s:e] for s, e in context.sentences if e <= window.start][-_CONTEXT_SENTENCES:]
        return [SentenceFacts.of(p) for p in [context.title, *self._parser.parse_many(before)]]

    def _article_keys(self, window: Window, context: _ArticleContext) -> set[str]:
        text = window.passage.text
        spans = split_sentences(text)
        keys: set[str] = set(SentenceFacts.of(context.title).keys)
        for parsed in self._parser.parse_many([text[s:e] for s, e in spans]):
            keys |= {k for k in token_keys(parsed) if k}
        return keys

    # ---- preparation ---------------------------------------------------------------------
    def _claim(self, claim: str, stats: TermStats | None) -> Claim:
        parsed = self._parser.parse(claim)
        items = claim_items(parsed)
        weights = {item.token: _weight(item, stats) for item in items}
        return Claim(claim, parsed, items, SentenceFacts.of(parsed), weights)

    def _keys_of(self, text: str) -> set[str]:
        return {k for k in token_keys(self._parser.parse(text)) if k}

    def _context(self, article: Article) -> _ArticleContext:
        key = f"{article.article_id}:{article.content_hash}"
        with self._lock:
            cached = self._contexts.get(key)
        if cached is not None:
            return cached
        context = _ArticleContext(
            article,
            _metadata_keys(article),
            self._parser.parse(article.title or "."),
            split_sentences(article.text),
        )
        with self._lock:
            if len(self._contexts) > 2000:
                self._contexts.clear()
            self._contexts[key] = context
        return context

    def _lowered(self, context: _ArticleContext) -> list[set[str]]:
        if not context.lowered:
            text = context.article.text
            context.lowered = [_words(text[s:e]) for s, e in context.sentences] + [_words(context.article.title)]
        return context.lowered


def _rewordable(claim: Claim, missing: list[str], conflicts: tuple[str, ...], coverage: float) -> bool:
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


def _verdict(claim: Claim, missing: list[str], conflicts: tuple[str, ...], coverage: float) -> Verdict:
    contradicting = [c for c in conflicts if c.split(":")[0] in _CONTRADICTING]
    if contradicting:
        lacking = sum(claim.weights[i.token] for i in claim.items if i.text in missing and i.kind != "number")
        if lacking / claim.total <= _MAX_MISSING_FOR_CONTRADICTION:
            return "contradicted"
    if not missing and not conflicts and coverage >= _MIN_DIRECT:
        return "supported"
    return "not_found"


def _weight(item: Item, stats: TermStats | None) -> float:
    if stats is None:
        return 1.0
    stems = terms(item.text)
    return stats.idf(stems[0]) if stems else 1.0


def _metadata_keys(article: Article) -> set[str]:
    """Keys of the publisher, author and publication date (written out and ISO)."""
    parts = [article.source or "", article.author or ""]
    if article.published:
        day = article.published
        parts += [long_form(day), day.isoformat(), f"{day:%A}", f"{day:%B %Y}"]
    found: set[str] = set()
    found_names = {" ".join(canonical(w) for w in part.split()) for part in parts[:2] if " " in part}
    for word in re.findall(r"[\w.'’-]+", " ".join(parts)):
        found.add(canonical(word.strip(".")))
        found |= {canonical(piece) for piece in re.split(r"[-.]", word) if piece}
    return {k for k in found | found_names if k}


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[\w’'-]+", text)} | {
        piece.casefold() for w in re.findall(r"[\w’'-]+", text) for piece in re.split(r"[-’']", w) if piece
    }


def best(judgements: Iterable[Judgement | None]) -> Judgement | None:
    found = [j for j in judgements if j is not None]
    return max(found, key=lambda j: j.rank) if found else None


__all__ = ["GroundingChecker", "Judgement", "Verdict", "Window", "best"]
