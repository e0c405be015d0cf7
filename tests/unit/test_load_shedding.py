"""A question that would wait too long for the model is answered at once without it, and says so."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from service.answer.result import Answer
from service.http.admission import Admission
from service.http.jobs import Answering, AskParams
from service.http.metrics import Metrics
from service.pipeline import Pipeline
from tests.conftest import run_async
from tests.fakes import ScriptedGenerator

QUESTION = "What did Lavrov say was the biggest threat from Syria's chemical weapons?"


async def _connected() -> bool:
    return False


def test_expected_wait_counts_the_answers_ahead_per_slot() -> None:
    admission = Admission(queue_size=8, expected_answer_s=6, slots=1)
    assert admission.expected_wait_s() == 0  # the model is free
    held = [admission.enter()]
    assert admission.expected_wait_s() == 6  # one answer ahead
    held.append(admission.enter())
    assert admission.expected_wait_s() == 12
    two_slots = Admission(queue_size=8, expected_answer_s=6, slots=2)
    held += [two_slots.enter(), two_slots.enter()]
    assert two_slots.expected_wait_s() == 3  # one of two slots frees up after half an answer on average


def test_a_long_queue_sends_the_question_down_the_extractive_path(
    make_pipeline: Callable[..., tuple[Pipeline, ScriptedGenerator]],
) -> None:
    pipeline, generator = make_pipeline()
    pipeline.warm_up()
    admission = Admission(queue_size=8, expected_answer_s=8)
    metrics = Metrics(queue_depth=lambda: admission.waiting)
    answering = Answering(pipeline, admission, metrics, max_wait_s=10)
    held = [admission.enter(), admission.enter()]  # one generating, one waiting: 16 s ahead
    answer = run_async(answering.answer(AskParams(QUESTION, mode="llm"), _connected))
    assert answer.mode == "extractive" and generator.requests == []
    assert answer.notes[0].startswith("the model was busy (expected wait 16 s > 10 s)")
    assert admission.admitted == 2  # it took no place in the queue
    assert b"citewire_answers_shed_total 1.0" in metrics.render()
    for ticket in held:
        ticket.release()
    params, ticket = answering._admit(AskParams(QUESTION, mode="llm"))
    assert params.mode == "llm" and params.shed is None and admission.admitted == 1
    ticket.release()


def test_a_full_queue_sends_the_question_down_the_extractive_path_instead_of_a_503(
    make_pipeline: Callable[..., tuple[Pipeline, ScriptedGenerator]],
) -> None:
    pipeline, _ = make_pipeline()
    admission = Admission(queue_size=1, expected_answer_s=1)  # room for 2; waits stay short
    metrics = Metrics(queue_depth=lambda: admission.waiting)
    answering = Answering(pipeline, admission, metrics, max_wait_s=10)
    held = [admission.enter(), admission.enter()]
    params, ticket = answering._admit(AskParams(QUESTION, mode="llm"))
    assert params.mode == "extractive" and params.shed == "the model was busy (its queue is full): answered without it"
    assert admission.admitted == 2 and b"citewire_answers_shed_total 1.0" in metrics.render()
    ticket.release()
    del held


@pytest.mark.parametrize("max_wait_s", [0.0])
def test_zero_always_waits_for_the_model(
    make_pipeline: Callable[..., tuple[Pipeline, ScriptedGenerator]], max_wait_s: float
) -> None:
    pipeline, _ = make_pipeline()
    admission = Admission(queue_size=8, expected_answer_s=30)
    answering = Answering(pipeline, admission, Metrics(queue_depth=lambda: 0), max_wait_s=max_wait_s)
    held = [admission.enter(), admission.enter()]
    params, ticket = answering._admit(AskParams(QUESTION, mode="llm"))
    assert params.mode == "llm" and admission.admitted == 3
    ticket.release()
    del held


@pytest.mark.parametrize("max_wait_s", [0.3, 0.0])
def test_an_admitted_answer_stops_waiting_for_the_model_after_the_longest_wait(
    make_pipeline: Callable[..., tuple[Pipeline, ScriptedGenerator]], max_wait_s: float
) -> None:
    """The answers ahead can take longer than the admission expected (a cold start, a busy
    machine): past `max_model_wait_s` without a turn, the answer goes on without the model."""
    pipeline, generator = make_pipeline(max_model_wait_s=max_wait_s)
    generator.hold = threading.Event()  # the first answer keeps the model busy until released
    first = threading.Thread(target=pipeline.ask, args=(QUESTION,), kwargs={"mode": "llm"})
    first.start()
    assert generator.started.wait(5)
    second: list[Answer] = []
    waiting = threading.Thread(target=lambda: second.append(pipeline.ask(QUESTION, mode="llm")))
    waiting.start()
    waiting.join(timeout=3)
    if max_wait_s:
        assert second and second[0].mode == "extractive"
        assert "extractive fallback: the model was busy (no turn within 0.3 s)" in second[0].notes
        assert len(generator.requests) == 1  # it never reached the model
    else:  # 0: it waits for the model
        assert not second and waiting.is_alive()
    generator.hold.set()
    first.join(timeout=10)
    waiting.join(timeout=10)
    assert second and not first.is_alive()
