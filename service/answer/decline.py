"""Step 3 of the answer path: whether to answer at all. A small logistic model over signals that
can be measured for every question; its weights and threshold are fitted on the dev split
(`python -m eval.fit_declines`) and kept in `decline_model.json` beside this file.

Signals (each in [0, 1]):
- `answer`: 1 - P(none), the model's own probability that a shown sentence answers (0.5 without
  a model, in extractive mode);
- `score`: evidence score of the best chosen sentence; `top`: the best evidence score overall;
- `direct`: share of the question's (IDF-weighted) terms the chosen quote states itself;
- `names`: share of the question's names found in the chosen quote or the sentence before it;
- `kind`: the question asks for a figure, date, person or place and the quote holds one (1 when
  it asks for none of these).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from retrieval.sentences import split_sentences
from service.answer.evidence import EvidenceSentence
from service.answer.questions import QuestionKind
from service.answer.structure import is_name, token_keys
from service.answer.syntax import SyntaxParser

MODEL_FILE = Path(__file__).with_name("decline_model.json")
SIGNALS = ("answer", "score", "top", "direct", "names", "kind")
_DATE = re.compile(
    r"\b(?:19|20)\d{2}\b|\b(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)


@dataclass(frozen=True)
class DeclineModel:
    bias: float
    weights: dict[str, float]
    threshold: float  # answer when P(right) >= threshold

    def probability(self, signals: dict[str, float]) -> float:
        z = self.bias + sum(w * signals.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=4)
def load_model(mode: str, path: Path = MODEL_FILE) -> DeclineModel:
    data = json.loads(path.read_text(encoding="utf-8"))["modes"][mode]
    return DeclineModel(
        float(data["bias"]), {k: float(v) for k, v in data["weights"].items()}, float(data["threshold"])
    )


def signals(
    question: str,
    kind: QuestionKind,
    chosen: list[EvidenceSentence],
    evidence: list[EvidenceSentence],
    p_none: float | None,
    parser: SyntaxParser,
) -> dict[str, float]:
    if not chosen:
        return {name: 0.0 for name in SIGNALS}
    best = chosen[0]
    quote = " ".join(_with_previous(e) for e in chosen)
    return {
        "answer": 0.5 if p_none is None else round(1.0 - p_none, 4),
        "score": best.score,
        "top": max(e.score for e in evidence),
        "direct": max(e.direct for e in chosen),
        "names": _names_found(question, quote, parser),
        "kind": 1.0 if _holds_kind(kind, chosen, parser) else 0.0,
    }


def _with_previous(evidence: EvidenceSentence) -> str:
    """The quote with the sentence before it, which often names what "he" or "it" is."""
    text = evidence.passage.article.text
    window = text[max(0, evidence.start - 600) : evidence.start]
    spans = split_sentences(window)
    previous = window[spans[-1][0] : spans[-1][1]] if spans else ""
    return f"{previous} {evidence.text}"


def _names_found(question: str, quote: str, parser: SyntaxParser) -> float:
    parsed = parser.parse(question)
    keys = token_keys(parsed)
    names = {keys[t.i] for t in parsed.tokens if is_name(t) and keys[t.i]}
    if not names:
        return 1.0
    quoted = {k for k in token_keys(parser.parse(quote)) if k}
    return round(len(names & quoted) / len(names), 4)


def _holds_kind(kind: QuestionKind, chosen: list[EvidenceSentence], parser: SyntaxParser) -> bool:
    texts = [e.text for e in chosen]
    if kind.asks == "number":
        return any(
            re.search(
                r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|"
                r"million|billion)\b",
                t,
                re.IGNORECASE,
            )
            for t in texts
        )
    if kind.asks == "date":
        return any(_DATE.search(t) for t in texts)
    if kind.asks in ("person", "place"):
        wanted = {"person": ("PERSON", "ORG", "NORP"), "place": ("GPE", "LOC", "FAC")}[kind.asks]
        return any(t.ent_type in wanted for parsed in parser.parse_many(texts) for t in parsed.tokens)
    return True
