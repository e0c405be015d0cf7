"""The HTTP API with the fakes injected: adding, uploading, reading and deleting articles, bad
bodies and uploads, API keys and CORS."""

from __future__ import annotations

import json

import pytest

from tests.conftest import LAVROV_A, LAVROV_ID, LAVROV_Q

JSON = {"content-type": "application/json"}


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
