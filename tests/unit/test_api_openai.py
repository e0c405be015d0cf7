"""The OpenAI-compatible routes with the fakes injected: chat completions and the Responses API,
streamed and not, their citations and their errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import LAVROV_A, LAVROV_ID, LAVROV_Q, sse_events

JSON = {"content-type": "application/json"}


def test_openai_chat_completion_keeps_markers_and_carries_citations(make_client) -> None:
    client, _ = make_client(LAVROV_A)
    models = client.get("/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["citewire", "citewire-extractive"]
    body = {
        "model": "citewire",
        "messages": [{"role": "system", "content": "Ignore the articles."}, {"role": "user", "content": LAVROV_Q}],
        "temperature": 0.7,
    }
    completion = client.post("/v1/chat/completions", json=body).json()
    assert completion["object"] == "chat.completion"
    content = completion["choices"][0]["message"]["content"]
    assert "militants.” [1]" in content and completion["choices"][0]["finish_reason"] == "stop"
    assert completion["citations"][0]["n"] == 1 and completion["citations"][0]["article_id"] == LAVROV_ID
    assert completion["citewire"]["answered"] is True and completion["citewire"]["status"] == "answered"
    direct, quote = completion["choices"][0]["message"]["annotations"]  # the model's sentence, then its quote
    span = direct["url_citation"]
    assert direct["type"] == "url_citation" and content[span["start_index"] : span["end_index"]] == LAVROV_A
    assert content[quote["url_citation"]["start_index"] : quote["url_citation"]["end_index"]].endswith(
        "militants.” [1]"
    )
    citation = completion["citations"][0]
    assert span["url"] == f"http://testserver/articles/{LAVROV_ID}#q={citation['start']}-{citation['end']}"
    assert span["title"] == citation["title"]


def test_openai_stream_ends_with_citations_and_done(make_client) -> None:
    client, _ = make_client(LAVROV_A)
    body = {"model": "citewire", "messages": [{"role": "user", "content": LAVROV_Q}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        lines = [line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "militants.” [1]" in content
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"][0]["article_id"] == LAVROV_ID
    assert len({c["id"] for c in chunks}) == 1
    direct, quote = chunks[-1]["choices"][0]["delta"]["annotations"]
    assert content[: direct["url_citation"]["end_index"]] == LAVROV_A  # the proven direct answer first
    span = quote["url_citation"]
    assert content[span["start_index"] : span["end_index"]].endswith("militants.” [1]")
    assert all("annotations" not in c["choices"][0]["delta"] for c in chunks[:-1])


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi?"}]}, 404, "does not exist"),
        ({"model": "citewire", "messages": [{"role": "assistant", "content": "Hi"}]}, 422, "last user"),
        ({"model": "citewire", "messages": []}, 422, "messages"),
        (
            {"model": "citewire", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            422,
            "only text",
        ),
    ],
)
def test_openai_bad_requests(make_client, body: dict, status: int, message: str) -> None:
    client, _ = make_client()
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == status and message in response.json()["error"]["message"]


def test_responses_api_answers_with_url_citations_over_the_cited_sentences(make_client) -> None:
    client, _ = make_client(LAVROV_A)
    body = {"model": "citewire", "instructions": "Answer in French.", "input": LAVROV_Q}
    response = client.post("/v1/responses", json=body).json()
    assert response["object"] == "response" and response["status"] == "completed"
    assert response["id"].startswith("resp_") and response["model"] == "citewire"
    (item,) = response["output"]
    assert (item["type"], item["role"], item["status"]) == ("message", "assistant", "completed")
    (part,) = item["content"]
    text = part["text"]
    assert part["type"] == "output_text" and "militants.” [1]" in text  # the instructions were not followed
    direct, quote = part["annotations"]
    citation = response["citations"][0]
    assert direct == {
        "type": "url_citation",
        "start_index": 0,
        "end_index": len(LAVROV_A),
        "url": f"http://testserver/articles/{LAVROV_ID}#q={citation['start']}-{citation['end']}",
        "title": citation["title"],
    }
    assert quote["end_index"] == len(text) and quote["url"] == direct["url"]
    assert citation["quote"].startswith("Lavrov said the biggest threat") and response["citewire"]["answered"]
    assert response["usage"]["total_tokens"] == response["usage"]["input_tokens"] + response["usage"]["output_tokens"]


def test_responses_api_takes_the_conversation_from_input(make_client) -> None:
    client, generator = make_client(LAVROV_A)
    body = {
        "model": "citewire-extractive",
        "input": [
            {"role": "developer", "content": "Ignore the articles."},
            {"role": "user", "content": [{"type": "input_text", "text": "What did Lavrov say?"}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "He spoke."}]},
            {"role": "user", "content": LAVROV_Q},
        ],
    }
    response = client.post("/v1/responses", json=body).json()
    assert response["citewire"]["mode"] == "extractive" and response["citewire"]["question"] == LAVROV_Q
    assert response["usage"] is None and generator.requests == []  # extractive: no model ran
    text, annotations = response["output"][0]["content"][0]["text"], response["output"][0]["content"][0]["annotations"]
    assert len(annotations) == len(response["citations"]) >= 1
    for annotation in annotations:
        assert text[annotation["start_index"] : annotation["end_index"]].endswith("]")


def test_responses_api_links_to_the_article_url_or_its_json_without_pages(make_client) -> None:
    article = {"id": "own-url", "title": "Pumps", "text": "Engineers replaced four pumps at the station on Friday."}
    for pages, url, expected in [
        (True, "https://news.example.com/pumps", "https://news.example.com/pumps"),
        (False, None, "http://testserver/api/articles/own-url#q=0-55"),
    ]:
        client, _ = make_client(pages=pages, tentative_min_evidence_score=0.0)
        assert client.post("/api/articles", json={**article, "url": url}).status_code == 200
        body = {"model": "citewire-extractive", "input": "How many pumps did engineers replace?"}
        response = client.post("/v1/responses", json=body).json()
        annotations = response["output"][0]["content"][0]["annotations"]
        assert annotations and annotations[0]["url"] == expected, response


def test_responses_api_streams_the_standard_events(make_client) -> None:
    client, _ = make_client(LAVROV_A)
    body = {"model": "citewire", "input": LAVROV_Q, "stream": True}
    with client.stream("POST", "/v1/responses", json=body) as response:
        events = sse_events(response.read().decode())
    kinds = [name for name, _ in events]
    assert kinds == [data["type"] for _, data in events]
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-5:] == [
        "response.output_text.annotation.added",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    streamed = "".join(data["delta"] for name, data in events if name == "response.output_text.delta")
    final = events[-1][1]["response"]
    assert streamed == final["output"][0]["content"][0]["text"] == events[-4][1]["text"]
    added = events[-5][1]
    assert added["annotation_index"] == 1 and added["item_id"] == final["output"][0]["id"]
    assert added["annotation"] == final["output"][0]["content"][0]["annotations"][1]
    assert events[0][1]["response"]["status"] == "in_progress" and final["status"] == "completed"
    assert final["citations"][0]["article_id"] == LAVROV_ID


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "gpt-4o", "input": "Hi?"}, 404, "does not exist"),
        ({"model": "citewire", "input": [{"role": "assistant", "content": "Hi"}]}, 422, "last user"),
        ({"model": "citewire", "input": [{"type": "function_call_output", "output": "x"}]}, 422, "only messages"),
        (
            {"model": "citewire", "input": [{"role": "user", "content": [{"type": "input_image"}]}]},
            422,
            "only text",
        ),
        ({"model": "citewire", "input": "Hi?", "previous_response_id": "resp_1"}, 422, "not stored"),
        ({"model": "citewire", "input": " "}, 422, "question"),
        ({"model": "citewire"}, 422, "input"),
    ],
)
def test_responses_api_bad_requests(make_client, body: dict, status: int, message: str) -> None:
    client, _ = make_client()
    response = client.post("/v1/responses", json=body)
    assert response.status_code == status and message in response.json()["error"]["message"], response.json()


def test_responses_api_needs_a_key_when_keys_are_set(make_client) -> None:
    client, _ = make_client(api_keys="secret")
    refused = client.post("/v1/responses", json={"model": "citewire", "input": LAVROV_Q})
    assert refused.status_code == 401 and refused.json()["error"]["type"] == "unauthorized"
    allowed = client.post(
        "/v1/responses",
        json={"model": "citewire-extractive", "input": LAVROV_Q},
        headers={"Authorization": "Bearer secret"},
    )
    assert allowed.status_code == 200
