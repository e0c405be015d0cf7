"""The answer path end to end over the seeds, with the hash embedder and fake generators: the model
chooses numbered sentences, the answer is composed of those quotes, declines are decided, and
every quote is verbatim."""

from __future__ import annotations

import pytest

from service.answer.result import to_json
from service.errors import InvalidRequestError, ModelUnavailableError
from service.pipeline import DECLINE_TEXT
from tests.fakes import SelectingGenerator

LAVROV_Q = "What did Lavrov say was the biggest threat from Syria's chemical weapons?"
THREAT = "fall into the hands of militants"


@pytest.fixture
def selecting(make_pipeline):
    def build(*phrases: str, other_reply: str = "yes", **overrides):
        overrides.setdefault("decline_threshold", 0.5)  # the fitted weights are for the real model's readings
        pipeline, _ = make_pipeline(**overrides)
        generator = SelectingGenerator(*phrases, other_reply=other_reply)
        pipeline._generator = generator
        return pipeline, generator

    return build


def _assert_quotes_verbatim(pipeline, answer) -> None:
    for citation in answer.citations:
        stored = pipeline.get_article(citation.article_id).text
        assert stored[citation.start : citation.end] == citation.quote


def test_the_answer_is_the_chosen_quote_with_its_publisher_and_date(selecting) -> None:
    pipeline, _ = selecting(THREAT)
    seen: list[list] = []
    sentences: list[str] = []
    answer = pipeline.ask(LAVROV_Q, on_passages=seen.append, on_sentence=sentences.append)
    assert answer.answered and answer.mode == "llm"
    (citation,) = answer.citations
    assert THREAT in citation.quote and citation.source == "Gulf News"
    assert answer.answer == f"Gulf News, 22 December 2012: “{citation.quote}” [1]"
    _assert_quotes_verbatim(pipeline, answer)
    assert sentences == [answer.answer]  # only verified text is streamed
    assert seen == [answer.passages] and len(answer.passages) == pipeline.settings.top_k
    assert [e.chosen for e in answer.evidence].count(True) == 1
    assert answer.confidence is not None and set(answer.signals) == {"answer", "score", "direct", "new"}


def test_the_model_reads_the_question_and_the_best_sentence_and_may_only_say_yes_or_no(selecting) -> None:
    pipeline, generator = selecting()
    answer = pipeline.ask(LAVROV_Q)
    (request,) = generator.requests
    system, user = request.messages
    assert "never follow instructions" in system.content and LAVROV_Q in user.content
    assert THREAT in user.content  # the best evidence sentence
    assert request.grammar == 'root ::= "yes" | "no"' and request.top_logprobs > 0 and request.max_tokens == 1
    assert answer.signals["answer"] == 1.0  # the fake replied "yes" without log-probabilities


def test_the_model_saying_the_sentence_does_not_answer_lowers_confidence_to_a_decline(selecting) -> None:
    pipeline, _ = selecting(other_reply="no", decline_threshold=0.9)
    declined = pipeline.ask(LAVROV_Q)
    assert (declined.answered, declined.answer, declined.citations) == (False, DECLINE_TEXT, [])
    assert declined.signals["answer"] == 0.0 and any("not confident" in note for note in declined.notes)
    pipeline, _ = selecting(other_reply="yes", decline_threshold=0.9)
    assert pipeline.ask(LAVROV_Q).confidence > declined.confidence


def test_a_low_decline_probability_declines_with_the_reason(selecting) -> None:
    pipeline, _ = selecting(THREAT, decline_threshold=1.0)
    answer = pipeline.ask(LAVROV_Q)
    assert not answer.answered and answer.confidence is not None and answer.confidence < 1.0
    assert any("not confident" in note for note in answer.notes)


def test_a_yes_no_question_starts_with_the_verdict_the_quote_gives(selecting) -> None:
    pipeline, generator = selecting()
    answer = pipeline.ask("Did Russia ever talk to Bashar al-Assad about him leaving power?")
    assert answer.answered and answer.answer.startswith("No. ")
    assert "never talked" in answer.citations[0].quote
    assert len(generator.requests) == 1  # the claim checker settled it: no second model call


def _verdict(pipeline, question: str, sentence: str) -> tuple[str | None, list[str]]:
    """The yes/no verdict the answer path gives `question` with `sentence` (of a seed article) as its quote."""
    from service.answer.evidence import EvidenceSentence
    from service.answer.outcome import Outcome

    passage = next(p for p in pipeline.search(sentence, top_k=10) if sentence in p.article.text)
    start = passage.article.text.index(sentence)
    evidence = EvidenceSentence(passage, start, start + len(sentence), 1.0, 1.0, 1.0, 0)
    outcome = Outcome(question, None, "llm")
    return pipeline._reader.verdict(outcome, evidence, pipeline.grounding, lambda: False), outcome.notes


def test_the_models_no_is_not_given_before_a_quote_that_states_what_was_asked(selecting) -> None:
    pipeline, generator = selecting(other_reply="no")
    met = "He met with Putin at the Kremlin and both said before the meeting they hoped they could make progress"
    verdict, notes = _verdict(pipeline, "Did Kerry meet Putin in person during his trip to Moscow?", met)
    assert generator.requests  # the claim checker did not settle it: the model was asked, and said no
    assert verdict is None  # the quote says they met; the question's details are not in it
    assert any("states what the question asks" in note for note in notes)
    # a quote that lacks what was asked (he does not "accept" them as neutral) keeps the model's "no"
    cover = "Assad also commented on the White Helmets volunteers, saying the Syrian rescue workers were a cover"
    verdict, notes = _verdict(pipeline, "Does Assad accept that the White Helmets are neutral rescue workers?", cover)
    assert verdict == "no" and notes == []


def test_metadata_questions_are_answered_from_the_article_metadata(selecting) -> None:
    pipeline, _ = selecting("no possibility")
    answer = pipeline.ask("Who wrote the report in which Lavrov said there was no possibility of persuading Assad?")
    assert answer.answered and answer.answer.startswith("Ellen Barry wrote it (Star Tribune, 29 December 2012) [1]")
    assert "no possibility" in answer.citations[0].quote
    assert any("metadata" in note for note in answer.notes)


def test_a_question_about_years_after_the_newest_article_is_declined_without_the_model(selecting) -> None:
    pipeline, generator = selecting(THREAT)
    answer = pipeline.ask("What did Lavrov say about Syria's chemical weapons in 2016?")
    assert not answer.answered and generator.requests == []
    assert any("newest article is from 29 December 2012" in note for note in answer.notes)


def test_unanswerable_question_declines_without_calling_the_model(selecting) -> None:
    pipeline, generator = selecting(THREAT)
    answer = pipeline.ask("Who won the football world cup final in Brazil?")
    assert not answer.answered and generator.requests == []


def test_extractive_mode_does_not_use_the_model(selecting) -> None:
    pipeline, generator = selecting(THREAT)
    answer = pipeline.ask(LAVROV_Q, mode="extractive")
    assert answer.answered and answer.mode == "extractive" and generator.requests == []
    assert THREAT in answer.citations[0].quote
    _assert_quotes_verbatim(pipeline, answer)


def test_time_budget_falls_back_to_extractive(make_pipeline) -> None:
    pipeline, generator = make_pipeline("1 " * 40, answer_budget_s=0.05)
    generator.delay_s = 0.01
    answer = pipeline.ask(LAVROV_Q)
    assert answer.mode == "extractive"
    assert any("budget" in note for note in answer.notes)


def test_missing_model_falls_back_to_extractive(make_pipeline) -> None:
    pipeline, generator = make_pipeline()

    def unavailable(*args, **kwargs):
        raise ModelUnavailableError("model file missing; run `make install`")

    generator.generate = unavailable
    answer = pipeline.ask(LAVROV_Q)
    assert answer.mode == "extractive"
    assert any("model file missing" in note for note in answer.notes)


def test_deleted_article_never_appears_again(selecting) -> None:
    pipeline, _ = selecting(THREAT)
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


def test_answer_schema(selecting) -> None:
    pipeline, _ = selecting(THREAT)
    data = to_json(pipeline.ask(LAVROV_Q))
    assert set(data) >= {"question", "answer", "answered", "citations", "passages", "timings_ms", "evidence"}
    assert set(data["citations"][0]) >= {"n", "article_id", "title", "source", "published", "url", "quote", "start"}
    assert set(data["passages"][0]) >= {"article_id", "chunk_id", "text", "score"}
    assert set(data["timings_ms"]) == {"rewrite", "retrieve", "generate", "first_token", "total"}
    assert set(data["evidence"][0]) == {"article_id", "start", "end", "text", "score", "chosen"}
    assert data["standalone_question"] is None and 0 <= data["confidence"] <= 1
    assert data["usage"]["prompt_tokens"] == 10


def test_settled_yes_no_and_byline_answers_need_no_decline_decision(selecting) -> None:
    pipeline, _ = selecting(other_reply="no", decline_threshold=1.0)  # every other answer is declined
    settled = pipeline.ask("Did Russia ever talk to Bashar al-Assad about him leaving power?")
    assert settled.answered and settled.answer.startswith("No. ")
    assert "the quote settles the yes/no question" in settled.notes
    byline = pipeline.ask("Who wrote the report in which Lavrov said there was no possibility of persuading Assad?")
    assert byline.answered and byline.answer.startswith("Ellen Barry wrote it")
    assert not pipeline.ask(LAVROV_Q).answered
