"""`citewire serve` as users run it: real embedder, real FAISS, the default 1.5B model, HTTP on
loopback; restarts to show that added and deleted articles persist."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openai
import pytest
from openai.types.responses import ResponseCompletedEvent, ResponseOutputMessage, ResponseOutputText
from openai.types.responses.response_output_text import AnnotationURLCitation

from harness.loopback import ServeProcess
from tests.conftest import ROOT, SEEDS, WATER, WATER_Q

pytestmark = [pytest.mark.integration, pytest.mark.slow]
THREAT_Q = "What did Lavrov say was the biggest threat from Syria's chemical weapons?"


def server(tmp_path: Path, **env: str) -> ServeProcess:
    base = {"CITEWIRE_INDEX_DIR": str(tmp_path / "index"), "CITEWIRE_SEEDS_DIR": str(SEEDS)}
    return ServeProcess(ROOT, {**base, **env}, tmp_path / "serve.log")


@pytest.mark.usefixtures("default_model")  # the server would otherwise fall back to extractive answers
def test_real_server_answers_streams_and_speaks_openai(tmp_path: Path) -> None:
    process = server(tmp_path).start()
    try:
        answer = httpx.post(f"{process.url}/api/ask", json={"question": THREAT_Q}, timeout=120).json()
        assert answer["answered"] and "militants" in answer["answer"], answer
        for citation in answer["citations"]:
            article = httpx.get(f"{process.url}/api/articles/{citation['article_id']}").json()
            assert article["text"][citation["start"] : citation["end"]] == citation["quote"]

        events = []
        body = {"question": THREAT_Q}
        with httpx.stream("POST", f"{process.url}/api/ask/stream", json=body, timeout=120) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    events.append(line[len("event: ") :])
                elif line.startswith("data: ") and events[-1] == "answer":
                    final = json.loads(line[len("data: ") :])
        assert events[0] == "passages" and "sentence" in events and events[-1] == "answer"
        assert final["answered"] and final["citations"]

        client = openai.OpenAI(base_url=f"{process.url}/v1", api_key="none", max_retries=0, timeout=120)
        completion = client.chat.completions.create(model="citewire", messages=[{"role": "user", "content": THREAT_Q}])
        assert "militants" in (completion.choices[0].message.content or "")
        assert completion.model_extra and completion.model_extra["citations"]
        chunks = list(
            client.chat.completions.create(
                model="citewire", messages=[{"role": "user", "content": THREAT_Q}], stream=True
            )
        )
        assert "militants" in "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert chunks[-1].model_extra and chunks[-1].model_extra["citations"]
        metrics = httpx.get(f"{process.url}/metrics").text
        assert "citewire_first_token_seconds_count 4.0" in metrics
    finally:
        process.stop()


@pytest.mark.usefixtures("default_model")  # without it the answer would quietly be extractive
def test_real_model_answers_the_responses_api_with_url_citations(tmp_path: Path) -> None:
    process = server(tmp_path).start()
    try:
        client = openai.OpenAI(base_url=f"{process.url}/v1", api_key="none", max_retries=0, timeout=180)
        response = client.responses.create(model="citewire", input=THREAT_Q)
        assert "militants" in response.output_text and response.usage and response.usage.output_tokens > 0
        message = response.output[0]
        assert isinstance(message, ResponseOutputMessage) and isinstance(message.content[0], ResponseOutputText)
        annotations = message.content[0].annotations
        citations = (response.model_extra or {})["citations"]
        assert annotations and len(annotations) >= len(citations)
        for annotation in annotations:
            assert isinstance(annotation, AnnotationURLCitation)
            sentence = response.output_text[annotation.start_index : annotation.end_index]
            cited = next(c for c in citations if sentence.endswith((f"[{c['n']}]", f"[{c['n']}].")))
            # a quote sentence holds its quote; the model's proven sentence comes before the quote that proves it
            assert cited["quote"] in response.output_text[annotation.start_index :]
            assert annotation.title == cited["title"]
            assert annotation.url.endswith(f"/articles/{cited['article_id']}#q={cited['start']}-{cited['end']}")

        events = list(client.responses.create(model="citewire", input=THREAT_Q, stream=True))
        final = events[-1]
        assert isinstance(final, ResponseCompletedEvent)
        streamed = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        assert streamed == final.response.output_text and "militants" in streamed
        added = [e.annotation for e in events if e.type == "response.output_text.annotation.added"]
        done = final.response.output[0]
        assert isinstance(done, ResponseOutputMessage) and isinstance(done.content[0], ResponseOutputText)
        assert [a.model_dump() for a in done.content[0].annotations] == [a and a.model_dump() for a in added] != []
    finally:
        process.stop()


def test_added_and_deleted_articles_survive_a_restart(tmp_path: Path) -> None:
    search: dict[str, str | int] = {"q": WATER_Q, "top_k": 3}
    first = server(tmp_path, CITEWIRE_DEFAULT_MODE="extractive").start()
    try:
        assert httpx.post(f"{first.url}/api/articles", json=WATER).json()["created"] == [WATER["id"]]
        now = httpx.get(f"{first.url}/api/search", params=search, timeout=60).json()["passages"]
        assert now[0]["article_id"] == WATER["id"] and "four damaged pumps" in now[0]["text"]
    finally:
        first.stop()
    second = server(tmp_path, CITEWIRE_DEFAULT_MODE="extractive").start()
    try:
        assert httpx.get(f"{second.url}/readyz").json()["articles"] == 6
        later = httpx.get(f"{second.url}/api/search", params=search, timeout=60).json()["passages"]
        assert later[0]["article_id"] == WATER["id"]
        assert httpx.delete(f"{second.url}/api/articles/{WATER['id']}").status_code == 200
        gone = httpx.get(f"{second.url}/api/search", params=search, timeout=60).json()["passages"]
        assert WATER["id"] not in {p["article_id"] for p in gone}
    finally:
        second.stop()
    third = server(tmp_path, CITEWIRE_DEFAULT_MODE="extractive").start()
    try:
        assert httpx.get(f"{third.url}/api/articles/{WATER['id']}").status_code == 404
        assert httpx.get(f"{third.url}/readyz").json()["articles"] == 5
    finally:
        third.stop()
