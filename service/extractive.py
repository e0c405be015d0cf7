"""Extractive answers: the best supporting sentences, quoted with citations. No LLM."""

from __future__ import annotations

from service.citations import Support, VerifiedSentence
from service.evidence import EvidenceSentence


def extractive_sentences(
    evidence: list[EvidenceSentence], min_score: float, max_sentences: int = 2, keep_ratio: float = 0.85
) -> list[VerifiedSentence]:
    """The top evidence sentence, plus runners-up scoring within `keep_ratio` of it."""
    if not evidence or evidence[0].score < min_score:
        return []
    floor = max(min_score, keep_ratio * evidence[0].score)
    chosen: list[EvidenceSentence] = []
    for candidate in evidence:  # best first
        if candidate.score < floor or len(chosen) == max_sentences:
            break
        if any(candidate.text == c.text for c in chosen):
            continue  # the same sentence from an overlapping passage
        chosen.append(candidate)
    return [
        VerifiedSentence(
            text=e.text,
            support=Support(e.passage_index, e.start, e.end, coverage=e.coverage),
            repaired=False,
        )
        for e in chosen
    ]
