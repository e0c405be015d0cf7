"""The HTTP API through the app factory, with the fakes injected (real FAISS, routes, queue)."""

from __future__ import annotations

import json
import threading

import pytest

LAVROV_Q = "What did Lavrov say was the biggest threat from Syria's chemical weapons?"
LAVROV_A = "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants [1]."
LAVROV_ID = "002_946358d19c61b6c0"
JSON = {"content-type": "application/json"}


def sse_events(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def test_ask_returns_a_cited_answer_whose_quote_is_in_the_article(make_client) -> None:
    client, _ = make_client(LAVROV_A)
    response = client.post("/api/ask", json={"question": LAVROV_Q})
    assert response.status_code == 200
    answer = response.json()
    assert answer["answered"] and "militants.” [1]" in answer["answer"] and answer["mode"] == "llm"
    [citation] = answer["citations"]
    article = client.get(f"/api/articles/{citation['article_id']}").json()
    assert article["text"][citation["start"] : citation["end"]] == citation["quote"]
    assert set(answer["timings_ms"]) == {"rewrite", "retrieve", "generate", "first_token", "total"}
    assert set(answer) == {
        "question",
        "standalone_question",
        "answer",
        "answered",
        "status",
        "citations",
        "passages",
        "timings_ms",
        "mode",
        "model",
        "notes",
        "usage",
        "confidence",
        "signals",
        "evidence",
    }
    assert set(answer["passages"][0]) == {"article_id", "chunk_id", "text", "score", "title", "source", "published"}
    assert citation["published"] == "2012-12-22" and answer["confidence"] == round(answer["confidence"], 4)
    assert all(v is None or v == round(v, 1) for v in answer["timings_ms"].values())


def test_stream_sends_passages_then_verified_sentences_then_the_answer(make_client) -> None:
    client, _ = make_client(LAVROV_A)
    with client.stream("POST", "/api/ask/stream", json={"question": LAVROV_Q}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer" and set(kinds[1:-1]) == {"sentence"}
    assert events[0][1]["passages"][0]["article_id"] == LAVROV_ID
    final = events[-1][1]
    # every streamed sentence is in the final answer as sent: nothing shown is taken back
    assert " ".join(data["text"] for kind, data in events if kind == "sentence") == final["answer"]
    assert final["answered"] and final["citations"][0]["article_id"] == LAVROV_ID


def test_declined_tentative_and_extractive_answers_say_which_they_are(make_client) -> None:
    client, _ = make_client("NONE")
    declined = client.post("/api/ask", json={"question": "What is the population of Damascus?"}).json()
    assert (declined["status"], declined["answered"], declined["citations"]) == ("declined", False, [])
    extractive = client.post("/api/ask", json={"question": LAVROV_Q, "mode": "extractive"}).json()
    assert extractive["mode"] == "extractive" and extractive["status"] == "tentative" and extractive["model"] is None
    assert not extractive["answered"] and extractive["answer"].startswith("The articles may not answer this directly")
    assert "militants" in extractive["citations"][0]["quote"]


def test_follow_up_is_rewritten_from_the_history(make_client) -> None:
    rewrite = "What did Lavrov say was the biggest threat from Syria's chemical weapons?"
    client, generator = make_client(rewrite, LAVROV_A)
    history = [
        {"role": "user", "content": "Where are Syria's chemical weapons, according to Lavrov?"},
        {"role": "assistant", "content": "They were concentrated in one or two areas [1]."},
    ]
    body = {"question": "And what did he say was the biggest threat from them?", "history": history}
    answer = client.post("/api/ask", json=body).json()
    assert answer["question"] == body["question"]
    assert answer["standalone_question"] == rewrite
    assert answer["answered"] and "militants" in answer["answer"]
    rewrite_prompt = generator.requests[0].messages[-1].content
    assert "concentrated in one or two areas" in rewrite_prompt and "[1]" not in rewrite_prompt
    assert rewrite in generator.requests[1].messages[-1].content  # the answer prompt asks the standalone form


def test_follow_up_without_a_model_carries_the_previous_question(make_client) -> None:
    client, generator = make_client()
    history = [{"role": "user", "content": LAVROV_Q}]
    body = {"question": "And where were they concentrated?", "history": history, "mode": "extractive"}
    answer = client.post("/api/ask", json=body).json()
    assert answer["standalone_question"] == f"And where were they concentrated? (follow-up to: {LAVROV_Q})"
    assert generator.requests == []


def test_search_returns_scored_passages_and_applies_filters(make_client) -> None:
    client, _ = make_client()
    found = client.get("/api/search", params={"q": "chemical weapons militants", "top_k": 3}).json()
    assert len(found["passages"]) == 3 and found["passages"][0]["article_id"] == LAVROV_ID
    assert all({"score", "title", "source", "published", "text"} <= set(p) for p in found["passages"])
    only = client.get("/api/search", params={"q": "chemical weapons", "source": "Star Tribune"}).json()
    assert only["passages"] and {p["source"] for p in only["passages"]} == {"Star Tribune"}
    assert client.get("/api/search", params={"q": " "}).status_code == 422


def test_articles_can_be_added_listed_read_and_deleted(make_client) -> None:
    client, _ = make_client()
    article = {
        "id": "harbour-2020",
        "title": "Harbour reopens",
        "text": "The harbour of Tartus reopened on Monday after repairs that lasted nine months.",
        "published": "2020-03-02",
        "source": "Coast Daily",
    }
    assert client.post("/api/articles", json=article).json()["created"] == ["harbour-2020"]
    assert client.post("/api/articles", json=[article]).json()["unchanged"] == ["harbour-2020"]
    page = client.get("/api/articles", params={"limit": 2, "offset": 0}).json()
    assert page["total"] == 6 and len(page["articles"]) == 2 and "text" not in page["articles"][0]
    stored = client.get("/api/articles/harbour-2020").json()
    assert stored["published"] == "2020-03-02" and "nine months" in stored["text"]
    question = {"question": "How long did the Tartus harbour repairs last?", "mode": "extractive"}
    answer = client.post("/api/ask", json=question)
    assert answer.json()["citations"][0]["article_id"] == "harbour-2020"
    assert client.delete("/api/articles/harbour-2020").json() == {"deleted": "harbour-2020"}
    assert client.get("/api/articles/harbour-2020").status_code == 404
    assert client.delete("/api/articles/harbour-2020").json()["error"]["type"] == "not_found"


def test_multipart_upload_of_text_html_and_jsonl(make_client) -> None:
    client, _ = make_client()
    html = (
        "<html><head><title>Port news</title></head><body><article><h1>Port news</h1>"
        "<p>The port of Latakia handled more ships in March than in any month before, officials said on Tuesday, "
        "citing new cranes and a longer quay that opened last year.</p></article></body></html>"
    )
    jsonl = json.dumps({"id": "j1", "title": "Bridge", "text": "A new bridge opened over the Orontes river."})
    files = [
        ("files", ("river-note.txt", b"River levels\n\nThe Euphrates rose by two metres in April.", "text/plain")),
        ("files", ("port.html", html.encode(), "text/html")),
        ("files", ("more.jsonl", jsonl.encode(), "application/octet-stream")),
    ]
    result = client.post("/api/articles", files=files).json()
    assert sorted(result["created"]) == ["j1", "port", "river-note"] and result["passages_embedded"] >= 3


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ([("files", ("scan.pdf", b"%PDF-1.4", "application/pdf"))], 415, "unsupported file type .pdf"),
        ([("files", ("latin1.txt", "Caf\xe9 news\n\nIt opened.".encode("latin-1"), "text/plain"))], 422, "not UTF-8"),
        ([("files", ("empty.txt", b"   ", "text/plain"))], 422, "empty"),
        ([("files", ("bad id!.txt", b"Title\n\nSome text here.", "text/plain"))], 422, "article id"),
        ([("files", ("rows.jsonl", b'{"id": "x"}', "application/json"))], 422, "missing or empty field"),
    ],
)
def test_bad_uploads_are_rejected_with_a_message(make_client, files, status: int, message: str) -> None:
    client, _ = make_client()
    response = client.post("/api/articles", files=files)
    assert response.status_code == status
    assert message in response.json()["error"]["message"]
    assert client.get("/api/articles").json()["total"] == 5  # nothing was stored


def test_an_unknown_or_mistyped_article_field_is_a_422_that_names_it(make_client) -> None:
    client, _ = make_client()
    article = {"id": "harbour-2020", "title": "Harbour reopens", "text": "The harbour of Tartus reopened on Monday."}
    unknown = client.post("/api/articles", json={**article, "colour": "red"})
    assert unknown.status_code == 422 and "article.colour" in unknown.json()["error"]["message"]
    in_list = client.post("/api/articles", json=[article, {**article, "id": "b", "publisher": "X"}])
    assert in_list.status_code == 422 and "articles[1].publisher" in in_list.json()["error"]["message"]
    mistyped = client.post("/api/articles", json={**article, "title": 7})
    assert mistyped.status_code == 422 and "article.title" in mistyped.json()["error"]["message"]
    assert client.get("/api/articles").json()["total"] == 5  # nothing was stored


def test_bad_bodies_are_4xx_with_messages(make_client) -> None:
    client, _ = make_client(max_body_bytes=4096, max_question_chars=50)
    cases = [
        (client.post("/api/articles", content=b"id,title", headers={"content-type": "text/csv"}), 415),
        (client.post("/api/articles", content=b"{not json", headers={"content-type": "application/json"}), 422),
        (client.post("/api/articles", json=[]), 422),
        (client.post("/api/articles", json={"id": "a", "title": "T", "text": "x" * 5000}), 413),
        (client.post("/api/articles", content=iter([b"[" + b" " * 3000, b" " * 3000 + b"]"]), headers=JSON), 413),
        (client.post("/api/ask", json={"question": "x" * 51}), 422),
        (client.post("/api/ask", json={"question": "Who?", "top_k": 0}), 422),
        (client.post("/api/ask", json={"question": "Who?", "colour": "red"}), 422),
        (client.post("/api/ask", content=b"[1,2", headers={"content-type": "application/json"}), 422),
        (client.post("/api/ask", json={"question": "Who?", "history": [{"role": "system", "content": "x"}]}), 422),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"]["message"]
    too_long = client.post("/api/ask", json={"question": "x" * 51}).json()["error"]["message"]
    assert "the limit is 50" in too_long


def test_api_keys_guard_api_and_v1_and_read_keys_cannot_write(make_client) -> None:
    client, _ = make_client(LAVROV_A, api_keys="w-key", read_api_keys="r-key")
    assert client.get("/healthz").status_code == 200
    missing = client.get("/api/articles")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/models").status_code == 401
    assert client.get("/api/articles", headers={"Authorization": "Bearer nope"}).status_code == 401
    read = {"Authorization": "Bearer r-key"}
    assert client.post("/api/ask", json={"question": LAVROV_Q}, headers=read).status_code == 200
    article = {"id": "k1", "title": "Key test", "text": "A test article about keys and locks."}
    denied = client.post("/api/articles", json=article, headers=read)
    assert denied.status_code == 403 and "read-only" in denied.json()["error"]["message"]
    assert client.delete(f"/api/articles/{LAVROV_ID}", headers=read).status_code == 403
    write = {"Authorization": "Bearer w-key"}
    assert client.post("/api/articles", json=article, headers=write).json()["created"] == ["k1"]


def test_cors_allow_list(make_client) -> None:
    client, _ = make_client(cors_origins="https://news.example")
    allowed = client.options(
        "/api/ask", headers={"Origin": "https://news.example", "Access-Control-Request-Method": "POST"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://news.example"
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_full_queue_is_a_503_with_retry_after_and_search_stays_available(make_client) -> None:
    client, generator = make_client(LAVROV_A, queue_size=0, max_model_wait_s=0)  # 0: always wait for the model
    generator.hold = threading.Event()
    results: list[int] = []

    def ask() -> None:
        results.append(client.post("/api/ask", json={"question": LAVROV_Q}).status_code)

    first = threading.Thread(target=ask)
    first.start()
    assert generator.started.wait(10)
    busy = client.post("/api/ask", json={"question": LAVROV_Q})
    assert busy.status_code == 503 and int(busy.headers["retry-after"]) >= 1
    assert busy.json()["error"]["type"] == "busy"
    assert client.post("/api/ask/stream", json={"question": LAVROV_Q}).status_code == 503
    # the question is checked before the queue: a bad one is a 422 even while the queue is full
    assert client.post("/api/ask/stream", json={"question": "   "}).status_code == 422
    assert client.post("/api/ask", json={"question": "   "}).status_code == 422
    # while the model is busy: search, reads, extractive answers and ingest all complete
    assert client.get("/api/search", params={"q": "Brahimi"}).status_code == 200
    quick = client.post("/api/ask", json={"question": LAVROV_Q, "mode": "extractive"}).json()
    assert quick["status"] == "tentative" and quick["citations"]
    article = {"id": "during", "title": "Written during an answer", "text": "Ingest works while the model talks."}
    assert client.post("/api/articles", json=article).json()["created"] == ["during"]
    assert first.is_alive()  # the answer is still being generated
    generator.hold.set()
    first.join(10)
    assert results == [200]
    metrics = client.get("/metrics").text
    assert 'citewire_http_requests_total{method="POST",route="/api/ask",status="503"} 1.0' in metrics


def test_the_question_is_checked_once_on_its_way_to_the_pipeline(make_client, monkeypatch) -> None:
    client, _ = make_client(LAVROV_A)
    pipeline = client.app.state.citewire.pipeline
    checked: list[str] = []
    check = pipeline.check_question

    def counting(question: str, what: str = "question") -> str:
        result = check(question, what)
        if result is not question:  # a check that did the work (not an already checked question)
            checked.append(question)
        return result

    monkeypatch.setattr(pipeline, "check_question", counting)
    assert client.post("/api/ask", json={"question": f"  {LAVROV_Q} "}).json()["question"] == LAVROV_Q
    with client.stream("POST", "/api/ask/stream", json={"question": LAVROV_Q}) as response:
        assert response.status_code == 200 and response.read()
    assert checked == [f"  {LAVROV_Q} ", LAVROV_Q]


def test_time_budget_falls_back_to_the_extractive_answer(make_client) -> None:
    client, generator = make_client(LAVROV_A, answer_budget_s=0.3)
    generator.hold = threading.Event()  # never released: the model is stuck
    answer = client.post("/api/ask", json={"question": LAVROV_Q}).json()
    assert answer["mode"] == "extractive" and answer["status"] == "tentative" and answer["citations"]
    assert any("exceeded its 0.3 s budget" in note for note in answer["notes"])
    assert generator.cancelled == 1


def test_health_readiness_and_metrics(make_client) -> None:
    client, _ = make_client(LAVROV_A)
    ready = client.get("/readyz").json()
    assert ready["ready"] and ready["articles"] == 5 and ready["chunks"] > 5 and ready["model"] == "scripted"
    client.post("/api/ask", json={"question": LAVROV_Q})
    metrics = client.get("/metrics").text
    for name in (
        "citewire_retrieval_seconds_count 1.0",
        "citewire_first_token_seconds_count 1.0",
        "citewire_generation_seconds_count 1.0",
        "citewire_generated_tokens_total",
        "citewire_queue_depth 0.0",
        'citewire_http_request_duration_seconds_count{method="POST",route="/api/ask"} 1.0',
    ):
        assert name in metrics


def test_openapi_docs_list_every_route(make_client) -> None:
    client, _ = make_client()
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {"/api/ask", "/api/ask/stream", "/api/search", "/api/articles", "/api/articles/{article_id}"} <= paths
    assert {"/v1/chat/completions", "/v1/responses", "/v1/models", "/healthz", "/readyz", "/metrics"} <= paths
    assert client.get("/docs").status_code == 200


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


def test_pages_and_widget_are_served_by_default_and_can_be_turned_off(make_client) -> None:
    client, _ = make_client()
    demo = client.get("/")
    assert demo.status_code == 200 and "text/html" in demo.headers["content-type"]
    assert f'href="/articles/{LAVROV_ID}"' in demo.text and 'src="/widget.js"' in demo.text
    assert client.get(f"/articles/{LAVROV_ID}").status_code == 200
    assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/article.js").status_code == 200
    off, _ = make_client(pages=False)
    for path in ("/", f"/articles/{LAVROV_ID}", "/widget.js", "/static/article.js"):
        assert off.get(path).status_code == 404, path
    assert off.get(f"/api/articles/{LAVROV_ID}").status_code == 200  # the API itself is unaffected
