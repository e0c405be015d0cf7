"""Step 4 of the answer path: which of the three outcomes an answer gets.

- "answered": a proven direct answer (proof.py) whose P(right) reaches the threshold. P(right) is
  a small logistic model over signals measured for every proven answer, fitted on the dev split to
  maximise CRAG while holding confidently-wrong answers at 5% of dev questions
  (`python -m eval.fit_declines`, kept in `decline_model.json` beside this file);
- "declined": the model said NONE (or wrote nothing readable) and the best evidence is weak;
- "tentative": anything else: the evidence is relevant but no answer was proven.
(Nothing relevant retrieved, or a question about a time after the archive, is declined earlier.)

Signals of a proven answer (each in [0, 1]):
- `written`: the model's P(not NONE) at its first token (0.5 when the backend gives no log-probabilities);
- `score`: the evidence score of the best sentence;
- `cited`: the evidence score of the sentence the proof rests on;
- `reworded`: 1 when the proof needed the model to rule that a rewording says the same (0 otherwise);
- `verdict`: 1 for a yes/no answer the claim checker settled, or an answer from the byline.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from service.answer.evidence import EvidenceSentence
from service.answer.proof import Proof
from service.answer.writing import Draft

MODEL_FILE = Path(__file__).with_name("decline_model.json")
SIGNALS = ("written", "score", "cited", "reworded", "verdict")
Status = Literal["answered", "tentative", "declined"]


@dataclass(frozen=True)
class DeclineModel:
    bias: float
    weights: dict[str, float]
    threshold: float  # answer when P(right) >= threshold

    def probability(self, signals: dict[str, float]) -> float:
        z = self.bias + sum(w * signals.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Decision:
    status: Status
    reason: str | None  # why it is not answered
    confidence: float | None = None  # P(right) of a proven answer
    signals: dict[str, float] | None = None


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> DeclineModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return DeclineModel(
        float(data["bias"]), {k: float(v) for k, v in data["weights"].items()}, float(data["threshold"])
    )


def decide(
    draft: Draft,
    proofs: list[Proof],
    evidence: list[EvidenceSentence],
    weak_evidence: float,
    threshold: float | None = None,
) -> Decision:
    """The outcome of a written (or, without the model, settled) answer; `threshold` None: the fitted one."""
    top = evidence[0].score if evidence else 0.0
    if any(p.proven for p in proofs):
        found = signals(draft, proofs, evidence)
        model = load_model()
        confidence = model.probability(found)
        limit = model.threshold if threshold is None else threshold
        if confidence >= limit:
            return Decision("answered", None, confidence, found)
        why = f"the answer was proven, but the decline model is not confident of it (P(right) {confidence:.2f}"
        why += f" < {limit:.2f})"
        return Decision("tentative", why, confidence, found)
    if draft.empty and top < weak_evidence:
        weak = f"the model found no answer and the best evidence is weak ({top:.2f} < {weak_evidence:.2f})"
        return Decision("declined", weak)
    return Decision("tentative", _unproven(draft, proofs))


def signals(draft: Draft, proofs: list[Proof], evidence: list[EvidenceSentence]) -> dict[str, float]:
    proven = next(p for p in proofs if p.proven)
    window = proven.window
    cited = [
        e.score
        for e in evidence
        if window is not None and e.article_id == window.passage.article_id and window.start <= e.start < window.end
    ]
    judgement = proven.judgement
    return {
        "written": 0.5 if draft.p_written is None else round(draft.p_written, 4),
        "score": evidence[0].score if evidence else 0.0,
        "cited": max(cited, default=0.0),
        "reworded": 1.0 if judgement is not None and judgement.paraphrase is not None else 0.0,
        "verdict": 1.0 if proven.settled is not None or not proven.sentence.text else 0.0,
    }


def _unproven(draft: Draft, proofs: list[Proof]) -> str:
    if draft.none:
        return "the model found no answer in the evidence"
    if not proofs:
        return "the model's reply could not be read as an answer"
    return "no written sentence was proven: " + "; ".join(p.reason for p in proofs)
