"""Real MiniLM embeddings, real FAISS and BM25 over the shipped seeds (extractive mode: no LLM)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.faiss_store import FaissStore
from service.answer.outcome import DECLINE_TEXT
from service.pipeline import Pipeline

pytestmark = pytest.mark.integration
QUESTIONS = [
    json.loads(line)
    for line in (Path(__file__).resolve().parents[2] / "eval/datasets/seeds_smoke.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.mark.parametrize("item", [q for q in QUESTIONS if q["answerable"]], ids=lambda q: q["id"])
def test_retrieval_finds_a_gold_article_in_the_top_passages(real_pipeline: Pipeline, item: dict) -> None:
    passages = real_pipeline.search(item["question"], top_k=4)
    assert {p.article_id for p in passages} & set(item["articles"])


def test_extractive_answer_to_the_lavrov_question(real_pipeline: Pipeline) -> None:
    answer = real_pipeline.ask(
        "What did Lavrov say was the biggest threat from Syria's chemical weapons?", mode="extractive"
    )
    assert answer.status == "tentative" and "militants" in answer.answer  # no model: the closest quotes
    citation = answer.citations[0]
    assert citation.article_id == "002_946358d19c61b6c0" and citation.source == "Gulf News"
    assert real_pipeline.get_article(citation.article_id).text[citation.start : citation.end] == citation.quote


@pytest.mark.parametrize(
    "question", ["What is Bashar al-Assad's date of birth?", "Who won the 2016 US presidential election?"]
)
def test_unanswerable_questions_decline(real_pipeline: Pipeline, question: str) -> None:
    for mode in ("extractive", "llm"):  # the relevance gate declines before any model is needed
        answer = real_pipeline.ask(question, mode=mode)
        assert (answer.status, answer.answer, answer.citations) == ("declined", DECLINE_TEXT, [])


def test_every_extractive_quote_is_verbatim(real_pipeline: Pipeline) -> None:
    for item in QUESTIONS:
        answer = real_pipeline.ask(item["question"], mode="extractive")
        for citation in answer.citations:
            stored = real_pipeline.get_article(citation.article_id)
            assert stored.text[citation.start : citation.end] == citation.quote
            assert citation.published == stored.published and citation.title == stored.title


def test_reingest_adds_nothing_and_delete_is_final(real_pipeline: Pipeline, seeds_copy: Path) -> None:
    store = real_pipeline.store
    assert isinstance(store, FaissStore)
    before = store.snapshot.manifest["corpus_hash"]
    report = real_pipeline.ingest([seeds_copy]).report
    assert report.created == [] and report.updated == [] and len(report.unchanged) == 5
    assert store.snapshot.manifest["corpus_hash"] == before


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    from tests.conftest import SEEDS

    target = tmp_path / "seeds"
    target.mkdir()
    for path in SEEDS.glob("*.txt"):
        (target / path.name).write_bytes(path.read_bytes())
    return target
