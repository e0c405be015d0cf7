"""The default generator (Qwen2.5-Coder-1.5B via llama.cpp) end to end on seed questions."""

from __future__ import annotations

import pytest

from service.pipeline import Pipeline

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("default_model")]


def _assert_verifiable(pipeline: Pipeline, answer) -> None:
    assert answer.citations, answer
    for citation in answer.citations:
        stored = pipeline.get_article(citation.article_id)
        assert stored.text[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.answer


def test_lavrov_question_is_answered_from_the_gulf_news_article(real_pipeline: Pipeline) -> None:
    streamed: list[str] = []
    answer = real_pipeline.ask(
        "What did Lavrov say was the biggest threat from Syria's chemical weapons?", on_sentence=streamed.append
    )
    assert answer.answered, answer.notes
    assert "militants" in answer.answer.casefold()
    assert any(c.article_id == "002_946358d19c61b6c0" and "militants" in c.quote for c in answer.citations)
    _assert_verifiable(real_pipeline, answer)
    if answer.mode == "llm":
        assert streamed and answer.timings.first_token is not None
        assert answer.model is not None and answer.model.startswith("llamacpp:")


def test_birth_date_question_is_declined(real_pipeline: Pipeline) -> None:
    answer = real_pipeline.ask("What is Bashar al-Assad's date of birth?")
    assert not answer.answered and answer.citations == []


def test_answer_about_the_hmeimim_base(real_pipeline: Pipeline) -> None:
    answer = real_pipeline.ask("How long is Syria's agreement with Russia over the Hmeimim military base signed for?")
    assert answer.answered, answer.notes
    assert "40 years" in answer.answer
    assert {c.article_id for c in answer.citations} == {"003_e3fde3cb1ec42ca2"}
    _assert_verifiable(real_pipeline, answer)
