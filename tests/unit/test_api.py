"""The HTTP API through the app factory, with the fakes injected (real FAISS, routes, queue): questions,
streaming, follow-ups, search, the queue and the answer budget, health, docs and pages."""

from __future__ import annotations

import threading

from tests.conftest import LAVROV_A, LAVROV_ID, LAVROV_Q, sse_events

JSON = {"content-type": "application/json"}


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
