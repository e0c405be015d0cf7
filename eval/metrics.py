"""Run-level metrics, overall and per question type.

- retrieval (ir-measures over article rankings): recall@5, recall@10, MRR@10, nDCG@10;
- answers: confidently wrong (answered and wrong, or an unanswerable question answered, over all
  questions), SQuAD exact match and token F1 (declines are the empty answer), key-fact accuracy
  and key-fact recall over answerable questions, each headline rate with its 95% interval; the
  outcomes (answered right / wrong, tentative with / without the key facts in its quotes, declined)
  and "useful" (answered right or tentative with the key facts, over answerable questions);
- citations (ALCE-style, see eval.citation_scoring): precision, recall, verbatim share;
- abstention: precision / recall / F1 of declining, unanswerable questions being the positives;
- CRAG score: mean of +1 correct, 0 declined, -1 wrong;
- latency p50/p95 (ms): retrieve, first token, total.
A rate with nothing to count (no citations, no declines) is null, not zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from eval.confidence import rate
from eval.predictions import Prediction, QuestionScores, score

RETRIEVAL_MEASURES = ("R@5", "R@10", "RR@10", "nDCG@10")
_NAMES = {"R@5": "recall@5", "R@10": "recall@10", "RR@10": "mrr@10", "nDCG@10": "ndcg@10"}


def compute_metrics(predictions: list[Prediction]) -> dict[str, Any]:
    scored = [(p, score(p)) for p in predictions]
    types = sorted({t for p in predictions for t in p.question.types})
    return {
        "overall": _section(scored),
        "by_type": {t: _section([(p, s) for p, s in scored if t in p.question.types]) for t in types},
    }


def _section(scored: list[tuple[Prediction, QuestionScores]]) -> dict[str, Any]:
    answered = [(p, s) for p, s in scored if not p.question.retrieval_only]
    section: dict[str, Any] = {
        "questions": len(scored),
        "answerable": sum(p.question.answerable for p, _ in scored),
        "unanswerable": sum(not p.question.answerable for p, _ in scored),
        "retrieval": retrieval_metrics([p for p, _ in scored]),
    }
    if answered:
        section |= {
            "answers": _answer_metrics(answered),
            "citations": _citation_metrics([s for _, s in answered]),
            "abstention": _abstention_metrics(answered),
            "crag": {"score": _mean(s.crag for _, s in answered)},
            "latency_ms": _latency([p for p, _ in answered]),
        }
    return section


def retrieval_metrics(predictions: list[Prediction]) -> dict[str, float | None]:
    import ir_measures

    judged = [p for p in predictions if p.question.answerable and p.question.articles]
    if not judged:
        return {name: None for name in _NAMES.values()}
    qrels = [ir_measures.Qrel(p.question.id, a, 1) for p in judged for a in p.question.articles]
    run = [
        ir_measures.ScoredDoc(p.question.id, article, float(len(p.ranked_articles) - rank))
        for p in judged
        for rank, article in enumerate(p.ranked_articles)
    ]
    measures = [ir_measures.parse_measure(m) for m in RETRIEVAL_MEASURES]
    totals = {str(m): 0.0 for m in measures}
    for metric in ir_measures.iter_calc(measures, qrels, run):
        totals[str(metric.measure)] += metric.value
    # iter_calc skips queries with no retrieved documents: they score 0, so divide by all judged
    return {_NAMES[name]: round(total / len(judged), 4) for name, total in totals.items()}


def _answer_metrics(scored: list[tuple[Prediction, QuestionScores]]) -> dict[str, Any]:
    answerable = [(p, s) for p, s in scored if p.question.answerable]
    facts = [found for _, s in answerable for found in s.key_facts]
    wrong = rate(sum(s.crag == -1 for _, s in scored), len(scored))
    right = rate(sum(s.correct for _, s in answerable), len(answerable))
    return {
        "confidently_wrong": wrong["rate"],  # answered and wrong (or answered the unanswerable), over all
        "confidently_wrong_ci95": wrong["ci95"],
        "key_fact_accuracy_ci95": right["ci95"],
        "exact_match": _mean(s.exact_match for _, s in scored),
        "f1": _mean(s.f1 for _, s in scored),
        "f1_answerable": _mean(s.f1 for _, s in answerable),
        "key_fact_accuracy": _mean(s.correct for _, s in answerable),
        "key_fact_recall": _mean(facts),
        "answered": _mean(s.answered for _, s in answerable),
        "useful": _mean(s.outcome in ("answered-right", "tentative-with-facts") for _, s in answerable),
        "useful_ci95": rate(
            sum(s.outcome in ("answered-right", "tentative-with-facts") for _, s in answerable), len(answerable)
        )["ci95"],
        "unanswerable_not_answered": _mean(not s.answered for p, s in scored if not p.question.answerable),
        "outcomes": _outcomes(scored),
        "context_has_gold": _mean(s.context_has_gold for _, s in answerable),
        "prompt_has_gold": _mean(s.prompt_has_gold for _, s in answerable if s.prompt_has_gold is not None),
    }


def _outcomes(scored: list[tuple[Prediction, QuestionScores]]) -> dict[str, dict[str, int]]:
    """How many questions got each outcome, answerable and unanswerable apart."""
    counts: dict[str, dict[str, int]] = {"answerable": {}, "unanswerable": {}}
    for prediction, scores in scored:
        group = counts["answerable" if prediction.question.answerable else "unanswerable"]
        group[scores.outcome] = group.get(scores.outcome, 0) + 1
    return counts


def _citation_metrics(scores: list[QuestionScores]) -> dict[str, float | None]:
    cited = [s.citations for s in scores]
    citations = sum(c.citations for c in cited)
    sentences = sum(c.sentences for c in cited)
    return {
        "precision": _ratio(sum(c.precise for c in cited), citations),
        "recall": _ratio(sum(c.supported_sentences for c in cited), sentences),
        "verbatim": _ratio(sum(c.verbatim for c in cited), sum(c.quotes for c in cited)),
        "citations": citations,
        "sentences": sentences,
    }


def _abstention_metrics(scored: list[tuple[Prediction, QuestionScores]]) -> dict[str, float | None]:
    declined = [not s.answered for _, s in scored]
    unanswerable = [not p.question.answerable for p, _ in scored]
    hits = sum(d and u for d, u in zip(declined, unanswerable, strict=True))
    precision, recall = _ratio(hits, sum(declined)), _ratio(hits, sum(unanswerable))
    f1 = None
    if precision is not None and recall is not None:
        f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "declined": sum(declined)}


def _latency(predictions: list[Prediction]) -> dict[str, float | None]:
    result: dict[str, float | None] = {}
    for stage in ("retrieve", "first_token", "total"):
        values = [
            float(value) for p in predictions if p.answer and (value := getattr(p.answer.timings, stage)) is not None
        ]
        result[f"{stage}_p50"] = round(float(np.percentile(values, 50)), 1) if values else None
        result[f"{stage}_p95"] = round(float(np.percentile(values, 95)), 1) if values else None
    return result


def _mean(values: Iterable[float | bool | int]) -> float | None:
    items = [float(v) for v in values]
    return round(sum(items) / len(items), 4) if items else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
