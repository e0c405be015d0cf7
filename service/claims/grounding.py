"""Does a quote support a claim? The one checker behind answers and `citewire verify`.

A quote window is one sentence of a retrieved passage, or two adjacent ones. A window SUPPORTS a
claim when everything the claim asserts is in it:
1. every name, number, date and content word of the claim (compared by `words.canonical`, i.e.
   after normalising inflection) is found in the window, or in the article's metadata (publisher,
   author, date), or in the question the claim restates (only words that the article uses, and never
   a verb: the relation itself must be in the window, or ruled a rewording by the paraphrase judge);
   a name may also be found through the sentences just before the window when the window refers
   to it ("he said", "the Syrian leader"), a partial name through the full name in the article
   ("Bashar al-Assad" for "Assad"), and a title through the article's description of that person;
2. and nothing in the window's structure disagrees with the claim: polarity (what is negated),
   who does what to whom, from/to, the place of an event, the figure given for a thing, who is
   reported as speaking, and whether the window asserts the fact at all ("refused to step
   down", "until he regained control" do not say he stepped down or regained control).
A window that matches the claim except for a disagreement in polarity, roles, direction, place
or figure CONTRADICTS it: the claim can be answered by what the article says instead.

The windows and the article context around them are built in windows.py, the disagreements are
found in conflicts.py, and the verdict rules are in verdicts.py.
"""

from __future__ import annotations

from dataclasses import replace

from retrieval.documents import Article, Chunk, Passage
from retrieval.term_stats import TermStats
from retrieval.terms import terms
from service.claims.claim_words import Item, claim_items
from service.claims.conflicts import Claim, conflicts_of, role_class, speaker_antecedents, split_statement
from service.claims.paraphrase import ParaphraseJudge
from service.claims.structure import SentenceFacts
from service.claims.syntax import SyntaxParser
from service.claims.verdicts import Judgement, Verdict, is_rewordable, verdict_of
from service.claims.windows import ArticleContext, ArticleContexts, Window, windows_of
from service.claims.word_keys import token_keys
from service.claims.words import ENTAILED_BY, canonical

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


_LEDE_SENTENCES = 2  # an article's first sentences name what it is about
_MAX_RESTATED = 2  # most words restated from the question (and absent from the article) the judge may rule on


class GroundingChecker:
    """Judges claims against the windows of retrieved passages. Thread-safe; cheap to build
    (the parser loads on first use or in `warm_up`)."""

    def __init__(
        self, parser: SyntaxParser, paraphrase: ParaphraseJudge | None = None, min_paraphrase: float = 0.9
    ) -> None:
        self._parser = parser
        self._paraphrase = paraphrase
        self._min_paraphrase = min_paraphrase
        self._contexts = ArticleContexts(parser)

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
        return windows_of(passage)

    def metadata(self, article: Article) -> set[str]:
        """The keys of the article's publisher, author and publication date."""
        return set(self._contexts.of(article).metadata)

    def about(self, window: Window) -> set[str]:
        """The keys a window speaks of: its own words; its article's publisher, author and date; and the
        names in the article's title, its first sentences and the sentences just before the window
        (where "he", "the storm" or "the phone" in it are named): what a question's names may be found in."""
        sentences = [SentenceFacts.of(p) for p in self._parser.parse_many(list(window.sentences))]
        context = self._contexts.of(window.passage.article)
        text = context.article.text
        lede = [text[s:e] for s, e in context.sentences[:_LEDE_SENTENCES]]
        around = [
            *self._contexts.earlier(window, context),
            *(SentenceFacts.of(p) for p in self._parser.parse_many(lede)),
        ]
        keys = set().union(*(s.keys for s in sentences)) | context.metadata
        return keys | set().union(*(s.names for s in around))

    # ---- one claim against one window ------------------------------------------------------
    def _judge(self, claim: Claim, window: Window, question_keys: set[str]) -> Judgement:
        sentences = [SentenceFacts.of(p) for p in self._parser.parse_many(list(window.sentences))]
        context = self._contexts.of(window.passage.article)
        window_keys = set().union(*(s.keys for s in sentences))
        echoed = question_keys & (window_keys | self._contexts.article_keys(context)) if question_keys else set()
        referring = set().union(*(s.referring for s in sentences))
        earlier = self._contexts.earlier(window, context) if referring else []
        coref = set().union(*(s.names for s in earlier)) if earlier else set()
        found_in_window = 0.0
        missing: list[str] = []
        restated: list[Item] = []  # missing, but words of the question the claim answers
        local: list[Item] = []  # found in the window's own words
        for item in claim.items:
            how = self._find(item, claim, window_keys, context, coref, echoed)
            if how == "question" and claim.parsed.tokens[item.token].pos == "VERB":
                how = None  # a relation the quote must state itself ("Donohoe succeeded Kenny"), or the judge
            if how == "coreference" and role_class(claim.parsed, item.token) not in referring:
                how = None  # "he" in the window is a subject; the claim's name is not
            if how == "window":
                found_in_window += claim.weights[item.token]
                local.append(item)
            elif how is None:
                missing.append(item.text)
                restated += [item] if item.key in question_keys and item.kind == "word" else []
        antecedents = speaker_antecedents(sentences, earlier)
        conflicts = conflicts_of(claim, sentences, window_keys, antecedents, context.metadata)
        conflicts += split_statement(claim, local, sentences)

        coverage = round(found_in_window / claim.total, 4)
        verdict = verdict_of(claim, missing, conflicts, coverage)
        rewordable = verdict == "not_found" and (
            is_rewordable(claim, missing, conflicts, coverage) or _only_restated(missing, restated, conflicts)
        )
        return Judgement(window, verdict, coverage, tuple(missing), conflicts, rewordable)

    def _find(
        self,
        item: Item,
        claim: Claim,
        window_keys: set[str],
        context: ArticleContext,
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
            if (name_key in window_keys or name_key in coref) and item.key in self._contexts.descriptors(context, name):
                return "context"
        return None

    def _partial_name(self, item: Item, claim: Claim, window_keys: set[str], context: ArticleContext) -> bool:
        """ "Bashar" of "Bashar al-Assad" when the window says "Assad" and the article the full name."""
        if item.name_head is None or item.name_head == item.token:
            return False
        head = claim.parsed.tokens[item.name_head]
        if canonical(head.lower) not in window_keys:
            return False
        if self._other_full_name(item, head.lower, window_keys):
            return False  # the window's "Douglas Tompkins" is not the claim's "Kristine Tompkins"
        wanted = {item.text.casefold(), head.lower}
        return any(wanted <= words for words in self._contexts.lowered(context))

    @staticmethod
    def _other_full_name(item: Item, head: str, window_keys: set[str]) -> bool:
        """The window names someone else with the same head name ("Douglas Tompkins")."""
        return any(k.endswith(f" {head}") and not k.startswith(f"{item.text.casefold()} ") for k in window_keys)

    # ---- preparation ---------------------------------------------------------------------
    def _claim(self, claim: str, stats: TermStats | None) -> Claim:
        parsed = self._parser.parse(claim)
        items = claim_items(parsed)
        if stats is not None:
            stats.prefetch(stem for item in items for stem in terms(item.text)[:1])
        weights = {item.token: _weight(item, stats) for item in items}
        return Claim(claim, parsed, items, SentenceFacts.of(parsed), weights)

    def _keys_of(self, text: str) -> set[str]:
        return {k for k in token_keys(self._parser.parse(text)) if k}


def _only_restated(missing: list[str], restated: list[Item], conflicts: tuple[str, ...]) -> bool:
    """All that is missing is one or two ordinary words the claim restates from its question and the article
    does not use ("flew back" for "on his plane back"): whether the quote says it is a matter of wording, for
    the paraphrase judge, however little of the claim they leave to the window's own words."""
    return not conflicts and 0 < len(missing) == len(restated) <= _MAX_RESTATED


def _weight(item: Item, stats: TermStats | None) -> float:
    if stats is None:
        return 1.0
    stems = terms(item.text)
    return stats.idf(stems[0]) if stems else 1.0


__all__ = ["GroundingChecker", "settles_yes_no"]
