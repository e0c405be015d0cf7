"""A real uvicorn on a loopback port, driven by httpx and the official `openai` client.

The pipeline is real (FAISS, BM25, routes, queue) with the fakes for the models, so these
run in seconds; tests/integration/test_server_real.py covers the real models.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.conftest import LAVROV_A, LAVROV_Q

pytestmark = pytest.mark.integration


def read_sse(response: httpx.Response) -> Iterator[tuple[str, dict]]:
    event = "message"
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: "):
            yield event, json.loads(line[len("data: ") :])
            event = "message"


def test_sse_stream_over_a_real_socket(serve) -> None:
    url, _ = serve(LAVROV_A)
    with httpx.stream("POST", f"{url}/api/ask/stream", json={"question": LAVROV_Q}, timeout=30) as response:
        events = list(read_sse(response))
    assert next(kind for kind, _ in events) == "passages" and events[-1][0] == "answer"
    streamed = " ".join(data["text"] for kind, data in events if kind == "sentence")
    assert streamed and streamed == events[-1][1]["answer"]  # only verified sentences, exactly the answer
    assert events[-1][1]["citations"][0]["quote"].startswith("Lavrov said the biggest threat")


def test_client_that_disconnects_cancels_its_generation(serve) -> None:
    url, generator = serve(LAVROV_A)
    generator.hold = threading.Event()  # the model "thinks" until cancelled
    with httpx.stream("POST", f"{url}/api/ask/stream", json={"question": LAVROV_Q}, timeout=30) as response:
        first = next(read_sse(response))
        assert first[0] == "passages"
        assert generator.started.wait(10)
    # the connection is closed: the server must stop the generation on its own
    for _ in range(100):
        if generator.cancelled:
            break
        threading.Event().wait(0.05)
    assert generator.cancelled == 1
    ready = httpx.get(f"{url}/readyz").json()
    assert ready["queue_waiting"] == 0
    follow = httpx.post(f"{url}/api/ask", json={"question": LAVROV_Q, "mode": "extractive"}, timeout=30)
    assert follow.status_code == 200


def test_official_openai_client_with_and_without_streaming(serve) -> None:
    url, _ = serve(LAVROV_A, LAVROV_A)
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    completion = client.chat.completions.create(model="citewire", messages=[{"role": "user", "content": LAVROV_Q}])
    assert "militants.” [1]" in (completion.choices[0].message.content or "")
    citations = completion.model_extra["citations"]  # type: ignore[index]
    assert citations[0]["quote"].startswith("Lavrov said the biggest threat")
    stream = client.chat.completions.create(
        model="citewire", messages=[{"role": "user", "content": LAVROV_Q}], stream=True
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert "militants.” [1]" in text
    assert chunks[-1].model_extra["citations"][0]["article_id"] == citations[0]["article_id"]  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi?"}])


def test_official_openai_client_sees_keys_and_busy_errors(serve) -> None:
    url, _ = serve(LAVROV_A, api_keys="secret")
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()
    models = openai.OpenAI(base_url=f"{url}/v1", api_key="secret", max_retries=0).models.list()
    assert [m.id for m in models.data] == ["citewire", "citewire-extractive"]


def test_ten_concurrent_askers_get_answers_or_clean_503s(serve) -> None:
    url, generator = serve(*([LAVROV_A] * 10), queue_size=3, max_model_wait_s=0)  # 0: always wait for the model
    generator.delay_s = 0.01

    def ask(_: int) -> httpx.Response:
        return httpx.post(f"{url}/api/ask", json={"question": LAVROV_Q}, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(ask, range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 503} and statuses.count(200) >= 4
    for response in responses:
        if response.status_code == 503:
            assert int(response.headers["retry-after"]) >= 1 and response.json()["error"]["type"] == "busy"
        else:
            assert response.json()["status"] in ("answered", "tentative") and response.json()["citations"]
