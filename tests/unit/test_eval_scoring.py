"""Metric functions against hand-computed cases (answers, citations, abstention, retrieval, gate)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from eval.answer_scoring import exact_match, has_all_key_facts, key_facts_found, normalise, token_f1
from eval.citation_scoring import CitedQuote, answer_sentences, score_citations, supports
from eval.gate import GateError, compare
from eval.metrics import compute_metrics, retrieval_metrics
from eval.predictions import Prediction, score
from eval.question_sets import EvalQuestion

GOLD = "002_gulf"
QUOTE = "Lavrov said the biggest threat was that chemical weapons could fall into the hands of militants."


def question(answerable: bool = True, **fields: Any) -> EvalQuestion:
    defaults: dict[str, Any] = {
        "id": "q1",
        "question": "What did Lavrov say was the biggest threat?",
        "answer": "That the weapons could fall into the hands of militants."
        if answerable
        else "The articles do not say.",
        "accept": [["militants", "militant groups"]] if answerable else [],
        "articles": [GOLD] if answerable else [],
        "evidence": [],
        "types": ["single-fact"] if answerable else ["unanswerable"],
        "answerable": answerable,
    }
    return EvalQuestion(**{**defaults, **fields})


def answer(text: str, answered: bool = True, citations: list[dict[str, Any]] | None = None, **timings: float) -> dict:
    return {
        "answer": text,
        "answered": answered,
        "citations": citations or [],
        "passages": [{"article_id": GOLD}],
        "timings_ms": {"retrieve": 10.0, "first_token": None, "total": 100.0, **timings},
    }


def predict(asked: EvalQuestion, ranked: list[str], record: dict[str, Any] | None) -> Prediction:
    """A prediction as a run stores it: the answer's JSON (with `verbatim` on each citation), the
    fields these tests do not set filled in."""
    if record is not None:
        citation_defaults = {"chunk_id": "c", "title": "t", "source": None, "published": None, "url": None}
        passage_defaults = {"chunk_id": "c", "text": "", "score": 1.0, "title": "t", "source": None, "published": None}
        record = {
            "question": asked.question,
            "status": "answered" if record["answered"] else "declined",
            "mode": "llm",
            **record,
            "citations": [citation_defaults | c for c in record["citations"]],
            "passages": [passage_defaults | p for p in record["passages"]],
            "timings_ms": {"generate": 0.0} | record["timings_ms"],
        }
    return Prediction.from_dict({"ranked_articles": ranked, "prediction": record}, asked)


def citation(n: int = 1, article_id: str = GOLD, quote: str = QUOTE, verbatim: bool = True) -> dict[str, Any]:
    return {"n": n, "article_id": article_id, "quote": quote, "start": 0, "end": len(quote), "verbatim": verbatim}


# ---- answers -------------------------------------------------------------------------------


def test_squad_normalisation_drops_case_punctuation_articles_and_markers() -> None:
    assert normalise("The “Militants”, [1] an  army!") == "militants army"
    assert exact_match("The militants.", "militants") == 1.0
    assert exact_match("militant", "militants") == 0.0


def test_token_f1_by_hand() -> None:
    # prediction {lavrov, said, militants}; reference {militants, could, win}: 1 common
    # precision 1/3, recall 1/3 -> F1 1/3
    assert token_f1("Lavrov said militants", "militants could win") == pytest.approx(1 / 3)
    assert token_f1("", "") == 1.0  # a decline on an unanswerable question (SQuAD 2.0)
    assert token_f1("", "militants") == 0.0  # an empty answer to an answerable one
    assert token_f1("anything", "") == 0.0


def test_key_facts_need_every_fact_as_whole_words() -> None:
    accept = [["40 years", "forty years"], ["hmeimim"]]
    assert key_facts_found("The Hmeimim deal runs forty years.", accept) == [True, True]
    assert has_all_key_facts("The Hmeimim deal runs forty years.", accept)
    assert key_facts_found("It runs 140 years.", accept) == [False, False]  # "40 years" is not a word match
    assert not has_all_key_facts("", accept)
    assert not has_all_key_facts("anything", [])  # no key facts: nothing to be right about


# ---- citations -----------------------------------------------------------------------------


def test_a_marker_after_the_full_stop_belongs_to_the_sentence_before() -> None:
    sentences = answer_sentences("Lavrov spoke in Brussels. [1] He said no one wins [2][3].")
    assert [(s.text, s.markers) for s in sentences] == [
        ("Lavrov spoke in Brussels.", [1]),
        ("He said no one wins", [2, 3]),
    ]


def test_a_composed_answer_is_judged_quote_by_quote_without_its_attribution_or_verdict() -> None:
    answer = "No. Gulf News, 22 December 2012: “Lavrov said so. He left.” [1] BBC, 3 May 2016: “It fell.” [2]"
    sentences = answer_sentences(answer)
    assert [(s.text, s.markers) for s in sentences] == [("Lavrov said so. He left.", [1]), ("It fell.", [2])]


def test_support_needs_the_figures_and_half_the_terms() -> None:
    assert supports("The weapons could fall to militants.", [QUOTE])
    assert not supports("The 40 weapons could fall to militants.", [QUOTE])  # a figure the quote lacks
    assert not supports("Putin met Obama at the summit in Geneva.", [QUOTE])
    assert not supports("The weapons could fall to militants.", [])


def test_citation_precision_recall_and_verbatim_by_hand() -> None:
    text = "The weapons could fall to militants [1]. Putin met Obama in Geneva [2]. Unsupported claim here."
    cited = [
        CitedQuote(1, GOLD, QUOTE, verbatim=True),
        CitedQuote(2, "other", "Putin met Obama in Geneva on Monday.", verbatim=False),
    ]
    scores = score_citations(text, cited, {GOLD})
    assert scores.citations == 2
    assert scores.precise == 1  # [2] supports its sentence but its article is not gold
    assert scores.sentences == 3
    assert scores.supported_sentences == 2  # the third sentence carries no citation
    assert (scores.quotes, scores.verbatim) == (2, 1)


def test_a_quote_that_only_helps_jointly_counts_when_it_adds_a_term() -> None:
    sentence = "Lavrov spoke in Brussels and said militants threaten the weapons [1][2]."
    first = CitedQuote(1, GOLD, "Lavrov spoke to reporters in Brussels.", True)
    second = CitedQuote(2, GOLD, "He said militants threaten the chemical weapons.", True)
    scores = score_citations(sentence, [first, second], {GOLD})
    assert (scores.supported_sentences, scores.precise) == (1, 2)
    redundant = CitedQuote(3, GOLD, "Brussels.", True)
    scores = score_citations(sentence.replace("[2]", "[2][3]"), [first, second, redundant], {GOLD})
    assert scores.precise == 2  # "Brussels." adds nothing the other quotes lack


def test_a_byline_sentence_is_supported_by_the_cited_articles_publisher_and_date() -> None:
    byline = "BBC published it on 16 March 2017 [1]."
    bare = CitedQuote(1, GOLD, "A pastor found a 709-carat diamond.", True)
    assert score_citations(byline, [bare], {GOLD}).precise == 0
    with_metadata = CitedQuote(1, GOLD, bare.quote, True, metadata="BBC 16 March 2017")
    assert score_citations(byline, [with_metadata], {GOLD}).precise == 1
    wrong_day = CitedQuote(1, GOLD, bare.quote, True, metadata="BBC 15 March 2017")
    assert score_citations(byline, [wrong_day], {GOLD}).precise == 0  # a figure the metadata lacks
    cited = {**citation(quote=bare.quote), "source": "BBC", "published": "2017-03-16"}
    scores = score(predict(question(), [GOLD], answer(byline, citations=[cited])))
    assert scores.citations.precise == 1  # the run's citation fields carry the metadata


# ---- per question --------------------------------------------------------------------------


def test_a_correct_cited_answer() -> None:
    scores = score(predict(question(), [GOLD], answer("It could fall to militants [1].", citations=[citation()])))
    assert (scores.correct, scores.crag, scores.answered, scores.context_has_gold) == (True, 1, True, True)
    assert scores.citations.precise == 1


def test_a_declined_answerable_question_scores_zero_and_an_empty_prediction() -> None:
    scores = score(predict(question(), [GOLD], answer("The articles don't say.", answered=False)))
    assert (scores.correct, scores.crag, scores.f1, scores.key_facts) == (False, 0, 0.0, [False])
    assert scores.citations.sentences == 0


def test_an_answered_unanswerable_question_is_a_hallucination() -> None:
    scores = score(predict(question(False), [], answer("Damascus has 2 million people [1].", citations=[citation()])))
    assert scores.crag == -1
    assert scores.citations.precise == 0  # no article is gold for an unanswerable question
    declined = score(predict(question(False), [], answer("The articles don't say.", answered=False)))
    assert (declined.crag, declined.exact_match) == (0, 1.0)


def test_an_empty_answered_text_is_wrong() -> None:
    scores = score(predict(question(), [GOLD], answer("", answered=True)))
    assert (scores.correct, scores.crag) == (False, -1)


def test_a_citation_to_a_non_gold_article_or_a_non_verbatim_quote() -> None:
    prediction = predict(
        question(),
        [GOLD],
        answer("It could fall to militants [1].", citations=[citation(article_id="x", verbatim=False)]),
    )
    metrics = compute_metrics([prediction])["overall"]
    assert metrics["citations"]["precision"] == 0.0
    assert metrics["citations"]["recall"] == 1.0  # the sentence is still supported by its quote
    assert metrics["citations"]["verbatim"] == 0.0
    assert metrics["answers"]["key_fact_accuracy"] == 1.0


# ---- run level -----------------------------------------------------------------------------


def test_retrieval_metrics_by_hand() -> None:
    at_two = predict(question(id="a"), ["x", GOLD], None)
    nothing = predict(question(id="b"), [], None)
    result = retrieval_metrics([at_two, nothing])
    assert result["mrr@10"] == pytest.approx(0.25)  # (1/2 + 0) / 2
    assert result["recall@5"] == pytest.approx(0.5)
    assert result["ndcg@10"] == pytest.approx((1 / math.log2(3)) / 2, abs=1e-4)
    assert retrieval_metrics([predict(question(False), [], None)])["recall@10"] is None


def test_abstention_crag_and_per_type_by_hand() -> None:
    right = predict(question(id="a"), [GOLD], answer("Militants [1].", citations=[citation()]))
    missed = predict(question(id="b"), [GOLD], answer("No.", answered=False))
    declined = predict(question(False, id="c"), [], answer("No.", answered=False))
    invented = predict(question(False, id="d", types=["unanswerable", "near-miss"]), [], answer("Two million."))
    metrics = compute_metrics([right, missed, declined, invented])
    abstention = metrics["overall"]["abstention"]
    # declined b and c; c is unanswerable: precision 1/2; of c and d, c was declined: recall 1/2
    assert (abstention["precision"], abstention["recall"], abstention["f1"]) == (0.5, 0.5, 0.5)
    assert metrics["overall"]["crag"]["score"] == 0.0  # (+1 + 0 + 0 - 1) / 4
    assert metrics["overall"]["answers"]["key_fact_accuracy"] == 0.5
    assert metrics["by_type"]["near-miss"]["crag"]["score"] == -1.0
    assert metrics["by_type"]["single-fact"]["abstention"]["precision"] == 0.0


def test_rates_with_nothing_to_count_are_null() -> None:
    declined = predict(question(), [GOLD], answer("No.", answered=False))
    overall = compute_metrics([declined])["overall"]
    assert overall["citations"]["precision"] is None
    assert overall["latency_ms"]["first_token_p50"] is None
    assert overall["latency_ms"]["total_p50"] == 100.0


def _metrics(**overall: Any) -> dict[str, Any]:
    return {"dataset": "seeds", "mode": "llm", "overall": overall}


def test_gate_flags_drops_beyond_the_tolerance_only() -> None:
    baseline = _metrics(answers={"key_fact_accuracy": 0.80}, latency_ms={"total_p50": 1000.0})
    within = _metrics(answers={"key_fact_accuracy": 0.78}, latency_ms={"total_p50": 1400.0})
    beyond = _metrics(answers={"key_fact_accuracy": 0.76}, latency_ms={"total_p50": 1600.0})
    better = _metrics(answers={"key_fact_accuracy": 0.95}, latency_ms={"total_p50": 500.0})
    assert not [d for d in compare(within, baseline) if d.regressed]
    assert [d.metric for d in compare(beyond, baseline) if d.regressed] == [
        "answers.key_fact_accuracy",
        "latency_ms.total_p50",
    ]
    assert not [d for d in compare(better, baseline) if d.regressed]
    missing = _metrics(answers={}, latency_ms={"total_p50": 1000.0})
    assert [d.metric for d in compare(missing, baseline) if d.regressed] == ["answers.key_fact_accuracy"]


def test_gate_refuses_a_baseline_of_another_mode() -> None:
    with pytest.raises(GateError, match="mode"):
        compare({**_metrics(), "mode": "extractive"}, _metrics())
