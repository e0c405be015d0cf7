from __future__ import annotations

import pytest

from service.errors import InvalidRequestError, ModelUnavailableError
from service.pipeline import DECLINE_TEXT, UNVERIFIED_TEXT

LAVROV_Q = "What did Lavrov say was the biggest threat from Syria's chemical weapons?"
LAVROV_A = "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants [1]."


def _assert_quotes_verbatim(pipeline, answer) -> None:
    for citation in answer.citations:
        stored = pipeline.get_article(citation.article_id).text
        assert stored[citation.start : citation.end] == citation.quote


def test_answer_is_verified_cited_and_quoted(make_pipeline) -> None:
    pipeline, _generator = make_pipeline(LAVROV_A)
    streamed: list[str] = []
    seen: list[list] = []
    answer = pipeline.ask(LAVROV_Q, on_token=streamed.append, on_passages=seen.append)
    assert answer.answered and answer.mode == "llm"
    assert "militants" in answer.answer and answer.answer.endswith("[1].")
    (citation,) = answer.citations
    assert citation.article_id.startswith("002") and citation.published.isoformat() == "2012-12-22"
    _assert_quotes_verbatim(pipeline, answer)
    assert "".join(streamed) == LAVROV_A
    assert seen == [answer.passages] and len(answer.passages) == pipeline.settings.top_k
    assert answer.timings.total >= answer.timings.retrieve > 0 and answer.timings.first_token is not None


def test_prompt_holds_question_and_numbered_evidence(make_pipeline) -> None:
    pipeline, generator = make_pipeline(LAVROV_A)
    answer = pipeline.ask(LAVROV_Q)
    system, user = generator.requests[0].messages
    assert system.role == "system" and "NOT FOUND" in system.content
    assert LAVROV_Q in user.content
    assert '[1] "Al Assad has no intention of quitting — Lavrov" (Gulf News, 2012-12-22)' in user.content
    assert user.content.count("fall into the hands of militants") == 1  # overlapping chunks: shown once
    shown = [line for line in user.content.splitlines() if line.startswith("[")]
    assert 1 <= len(shown) <= len(answer.passages)
    assert [line.split("]")[0] for line in shown] == [f"[{n}" for n in range(1, len(shown) + 1)]


def test_model_decline_gives_answered_false(make_pipeline) -> None:
    pipeline, _ = make_pipeline("NOT FOUND")
    answer = pipeline.ask(LAVROV_Q)
    assert (answer.answered, answer.answer, answer.citations) == (False, DECLINE_TEXT, [])


def test_hallucinated_answer_is_removed_and_declined(make_pipeline) -> None:
    pipeline, _ = make_pipeline("Lavrov said Syria holds 1,300 tonnes of sarin and VX stored near Aleppo [1].")
    answer = pipeline.ask(LAVROV_Q)
    assert not answer.answered and answer.citations == []
    assert answer.answer == UNVERIFIED_TEXT  # not "the articles don't say": they may; the model failed
    assert any("removed unsupported sentence" in note for note in answer.notes)


def test_marker_only_output_falls_back_to_extractive(make_pipeline) -> None:
    pipeline, _ = make_pipeline("[1] [2] [3]")
    answer = pipeline.ask(LAVROV_Q)
    assert answer.answered and answer.mode == "extractive"
    assert any("extractive fallback" in note for note in answer.notes)
    _assert_quotes_verbatim(pipeline, answer)


def test_time_budget_falls_back_to_extractive(make_pipeline) -> None:
    pipeline, generator = make_pipeline(LAVROV_A + " " + "more words " * 50, answer_budget_s=0.05)
    generator.delay_s = 0.01
    answer = pipeline.ask(LAVROV_Q)
    assert answer.mode == "extractive" and answer.answered
    assert any("budget" in note for note in answer.notes)


def test_missing_model_falls_back_to_extractive(make_pipeline) -> None:
    pipeline, generator = make_pipeline()

    def unavailable(*args, **kwargs):
        raise ModelUnavailableError("model file missing; run `make install`")

    generator.generate = unavailable
    answer = pipeline.ask(LAVROV_Q)
    assert answer.mode == "extractive" and answer.answered
    assert any("model file missing" in note for note in answer.notes)


def test_unanswerable_question_declines_without_calling_the_model(make_pipeline) -> None:
    pipeline, generator = make_pipeline("Assad was born on 11 September 1965 [1].")
    answer = pipeline.ask("Who won the football world cup final in Brazil?")
    assert not answer.answered and generator.requests == []


def test_extractive_mode_does_not_use_the_model(make_pipeline) -> None:
    pipeline, generator = make_pipeline()
    answer = pipeline.ask(LAVROV_Q, mode="extractive")
    assert answer.answered and answer.mode == "extractive" and generator.requests == []
    assert "fall into the hands of militants" in answer.citations[0].quote
    _assert_quotes_verbatim(pipeline, answer)


def test_figures_from_different_dates_say_when(make_pipeline) -> None:
    reply = (
        "The 20-month conflict has killed over 40,000 people [1]. "
        "Assad regime actions turned a peaceful uprising in Syria to a crisis that resulted in killing more than "
        "450.000 Syrians [2]."
    )
    # the hash embedder's scores are not semantic: this test is about dates, not relevance
    pipeline, _ = make_pipeline(reply, top_k=8, min_relevance_ratio=0.0)
    answer = pipeline.ask("How many people has the Syrian conflict killed?")
    assert answer.answered and len(answer.citations) == 2
    assert "(Gulf News, 22 December 2012)" in answer.answer
    assert "(date not stated)" in answer.answer
    assert {c.published.isoformat() if c.published else None for c in answer.citations} == {"2012-12-22", None}


def test_deleted_article_never_appears_again(make_pipeline) -> None:
    pipeline, _ = make_pipeline(LAVROV_A)
    pipeline.delete("002_946358d19c61b6c0")
    answer = pipeline.ask(LAVROV_Q)
    assert all(p.article_id != "002_946358d19c61b6c0" for p in answer.passages)
    assert all(c.article_id != "002_946358d19c61b6c0" for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "mode", "message"),
    [("   ", None, "empty"), ("x" * 2000, None, "limit is 1000"), ("Who?", "poetry", "mode must be")],
)
def test_bad_requests_are_clear_errors(make_pipeline, question: str, mode: str | None, message: str) -> None:
    pipeline, _ = make_pipeline()
    with pytest.raises(InvalidRequestError, match=message):
        pipeline.ask(question, mode=mode)


def test_answer_schema(make_pipeline) -> None:
    pipeline, _ = make_pipeline(LAVROV_A)
    data = pipeline.ask(LAVROV_Q).to_dict()
    assert set(data) >= {"question", "answer", "answered", "citations", "passages", "timings_ms"}
    assert set(data["citations"][0]) >= {
        "n",
        "article_id",
        "title",
        "source",
        "published",
        "url",
        "quote",
        "start",
        "end",
    }
    assert set(data["passages"][0]) >= {"article_id", "chunk_id", "text", "score"}
    assert set(data["timings_ms"]) == {"rewrite", "retrieve", "generate", "first_token", "total"}
    assert data["standalone_question"] is None
    assert data["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": len(LAVROV_A.split(" ")),
        "cached_prompt_tokens": None,
    }


def test_supported_but_off_topic_sentence_is_removed(make_pipeline) -> None:
    off_topic = "Lavrov said that neither side would win the civil war in Syria [1]."
    pipeline, _ = make_pipeline(f"{LAVROV_A} {off_topic}")
    answer = pipeline.ask(LAVROV_Q)
    assert answer.answered and "militants" in answer.answer and "neither side" not in answer.answer
    assert any(note.startswith("removed off-topic sentence: Lavrov said that neither side") for note in answer.notes)
    only_off_topic, _ = make_pipeline(off_topic)
    declined = only_off_topic.ask(LAVROV_Q)
    assert not declined.answered and declined.citations == []
