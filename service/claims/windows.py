"""Quote windows, and what a claim about their article may draw on besides the window.

A window is one sentence of a retrieved passage, or two adjacent ones (`windows_of`). An
`ArticleContext` holds what its article offers around it: the keys of the publisher, author and
publication date, the parsed title and the sentence spans. `ArticleContexts` builds one per
article, caches it (thread-safe) and reads from it: the title and the sentences just before a
window (where "he" or "the minister" in the window may be named), the keys of the window's
passage, how the article describes a person, and the words of each sentence (for partial names).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from retrieval.dates import long_form
from retrieval.documents import Article, Passage
from retrieval.sentences import split_sentences
from service.claims.claim_words import descriptors_of
from service.claims.structure import SentenceFacts
from service.claims.syntax import Parsed, SyntaxParser
from service.claims.word_keys import token_keys
from service.claims.words import canonical

_CONTEXT_SENTENCES = 3  # sentences before a window where "he" or "the minister" may be named


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


def windows_of(passage: Passage) -> list[Window]:
    text = passage.article.text
    spans = split_sentences(passage.text, offset=passage.chunk.start)
    found: list[Window] = []
    for i, (start, end) in enumerate(spans):
        found.append(Window(passage, start, end, (text[start:end],)))
        if i + 1 < len(spans):
            after = spans[i + 1]
            found.append(Window(passage, start, after[1], (text[start:end], text[after[0] : after[1]])))
    return found


@dataclass
class ArticleContext:
    """What a claim about this article may draw on besides the window."""

    article: Article
    metadata: set[str]
    title: Parsed
    sentences: list[tuple[int, int]]
    lowered: list[set[str]] = field(default_factory=list)  # word sets of the sentences, for names
    keys: set[str] | None = None  # every word's key, for words a claim restates from its question


class ArticleContexts:
    """The context of each article claims are judged against, built once and cached. Thread-safe."""

    def __init__(self, parser: SyntaxParser) -> None:
        self._parser = parser
        self._contexts: dict[str, ArticleContext] = {}
        self._lock = threading.Lock()

    def of(self, article: Article) -> ArticleContext:
        key = f"{article.article_id}:{article.content_hash}"
        with self._lock:
            cached = self._contexts.get(key)
        if cached is not None:
            return cached
        context = ArticleContext(
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

    def earlier(self, window: Window, context: ArticleContext) -> list[SentenceFacts]:
        """The title and the sentences just before the window, nearest last: where "he", "they"
        or "the minister" in the window may be named."""
        text = context.article.text
        before = [text[s:e] for s, e in context.sentences if e <= window.start][-_CONTEXT_SENTENCES:]
        return [SentenceFacts.of(p) for p in [context.title, *self._parser.parse_many(before)]]

    def article_keys(self, context: ArticleContext) -> set[str]:
        """The keys of every word of the article and its title (parsed once per article)."""
        if context.keys is None:
            text = context.article.text
            keys: set[str] = set(SentenceFacts.of(context.title).keys)
            for parsed in self._parser.parse_many([text[s:e] for s, e in context.sentences]):
                keys |= {k for k in token_keys(parsed) if k}
            context.keys = keys
        return context.keys

    def descriptors(self, context: ArticleContext, name: object) -> set[str]:
        from service.claims.syntax import Token

        assert isinstance(name, Token)
        text = context.article.text
        with_name = [text[s:e] for s, e in context.sentences if name.lower in text[s:e].casefold()]
        parses = [context.title, *self._parser.parse_many(with_name[:20])]
        found: set[str] = set()
        for parsed in parses:
            found |= descriptors_of(parsed, canonical(name.lower))
        return found

    def lowered(self, context: ArticleContext) -> list[set[str]]:
        if not context.lowered:
            text = context.article.text
            context.lowered = [_words(text[s:e]) for s, e in context.sentences] + [_words(context.article.title)]
        return context.lowered


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
