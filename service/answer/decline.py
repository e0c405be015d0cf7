"""Step 3 of the answer path: whether to answer at all. A small logistic model over signals that
can be measured for every question; its weights and threshold are fitted on the dev split
(`python -m eval.fit_declines`) and kept in `decline_model.json` beside this file.

Signals (each in [0, 1]):
- `answer`: the model's P(yes) that the best sentence states the answer (0.5 without a model, in
  extractive mode, whose own weights ignore it);
- `score`: evidence score of the best sentence;
- `direct`: share of the question's (IDF-weighted) terms the best sentence states itself;
- `new`: the question asks for a figure, date, person or place and the best sentence names one that
  the question does not (1 when it asks for none of these): a near miss often quotes the topic
  without the asked-for fact.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from service.answer.evidence import EvidenceSentence
from service.answer.outcome import Outcome
from service.answer.questions import QuestionKind
from service.answer.selection import Selection
from service.answer.syntax import SyntaxParser
from service.answer.word_keys import token_keys

MODEL_FILE = Path(__file__).with_name("decline_model.json")
SIGNALS = ("answer", "score", "direct", "new")
_KINDS = {
    "person": ("PERSON", "ORG", "NORP"),
    "place": ("GPE", "LOC", "FAC"),
    "date": ("DATE", "TIME"),
    "number": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE"),
}
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


def decline_reason(
    outcome: Outcome,
    kind: QuestionKind,
    selection: Selection,
    settled_by: str | None,
    parser: SyntaxParser,
    threshold: float | None = None,
) -> str | None:
    """Why to decline, or None to answer; records the signals and P(right) on the outcome. A yes/no
    question the quote settles, or a byline question answered from the article's metadata, is
    answered (on the dev split every such answer was right); every other answer needs the decline
    model's P(right) to reach `threshold` (None: the fitted one)."""
    outcome.signals = signals(outcome.query, kind, selection.chosen, selection.p_answer, parser)
    model = load_model(outcome.mode)
    outcome.confidence = model.probability(outcome.signals)
    if settled_by is not None:
        outcome.notes.append(settled_by)
        return None
    threshold = model.threshold if threshold is None else threshold
    if outcome.confidence >= threshold:
        return None
    return (
        f"not confident that the chosen quotes answer the question (P(right) {outcome.confidence:.2f} "
        f"< {threshold:.2f})"
    )


def signals(
    question: str,
    kind: QuestionKind,
    chosen: list[EvidenceSentence],
    p_answer: float | None,
    parser: SyntaxParser,
) -> dict[str, float]:
    if not chosen:
        return {name: 0.0 for name in SIGNALS}
    best = chosen[0]
    return {
        "answer": 0.5 if p_answer is None else round(p_answer, 4),
        "score": best.score,
        "direct": best.direct,
        "new": 1.0 if _names_new_kind(question, kind, best.text, parser) else 0.0,
    }


def _names_new_kind(question: str, kind: QuestionKind, sentence: str, parser: SyntaxParser) -> bool:
    """The sentence names a figure, date, person or place of the asked kind that the question does not."""
    wanted = _KINDS.get(kind.asks)
    if wanted is None:
        return True
    asked = {k for k in token_keys(parser.parse(question)) if k}
    parsed = parser.parse(sentence)
    keys = token_keys(parsed)
    for token in parsed.tokens:
        key = keys[token.i]
        if key and key not in asked and (token.ent_type in wanted or (kind.asks == "number" and token.pos == "NUM")):
            return True
    return kind.asks == "date" and bool(_DATE.search(sentence)) and not _DATE.search(question)
