"""The OpenAI-compatible generation backend against two real servers on loopback: llama-server's
own HTTP endpoints, which xllamacpp starts next to the in-process SmolLM2 model, and a small
FastAPI app run by uvicorn that serves the same LlamaCppGenerator (non-streamed) and a failing
route; and the backend factory's choices and errors."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xllamacpp

from service.errors import GenerationError, ModelUnavailableError
from service.generators import (
    LlamaCppGenerator,
    OpenAICompatibleGenerator,
    build_generator,
)
from service.generators.base import ChatMessage, GenerationRequest
from service.settings import Settings
from tests.integration.conftest import collect_deltas, smollm2_path

pytestmark = pytest.mark.integration

CAPITAL = GenerationRequest(messages=(ChatMessage("user", "What is the capital of France?"),), max_tokens=32)
STORY = GenerationRequest(messages=(ChatMessage("user", "Write a long story about a dragon."),), max_tokens=300)


# ---- OpenAI-compatible over HTTP ---------------------------------------------------------


def _client(base_url: str, api_key: str = "", timeout_s: float = 60.0) -> OpenAICompatibleGenerator:
    return OpenAICompatibleGenerator(base_url, api_key=api_key, model="smollm2", timeout_s=timeout_s)


@pytest.mark.slow
def test_openai_backend_streams_from_llama_server(smol: LlamaCppGenerator) -> None:
    assert smol.server_url is not None
    client = _client(f"{smol.server_url}/v1", api_key=smol.api_key)
    client.warm_up()
    smol.generate(CAPITAL)  # so that both requests below find the prompt cached
    result, deltas = collect_deltas(client.generate, CAPITAL)
    client.close()
    assert result.text.strip() and "".join(deltas) == result.text and len(deltas) > 1
    assert result.prompt_tokens and result.completion_tokens and result.first_token_ms
    assert result.text == smol.generate(CAPITAL).text  # same model and cache state, greedy


@pytest.mark.slow
def test_openai_backend_cancels_by_closing_the_stream(smol: LlamaCppGenerator) -> None:
    client = _client(f"{smol.server_url}/v1", api_key=smol.api_key)
    result, deltas = collect_deltas(client.generate, STORY, stop_after=3)
    assert result.finish_reason == "cancelled" and len(deltas) == 3
    assert client.generate(CAPITAL).text.strip()  # the server moved on
    client.close()


@pytest.mark.slow
def test_openai_backend_reports_http_errors_with_status_and_body(smol: LlamaCppGenerator) -> None:
    client = _client(f"{smol.server_url}/v1", api_key="wrong-key")
    with pytest.raises(GenerationError, match=r"answered HTTP 401: .*[Ii]nvalid API [Kk]ey"):
        client.generate(CAPITAL)


def test_openai_backend_connection_refused_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = _client(f"http://127.0.0.1:{port}/v1", timeout_s=5)
    client.warm_up()  # logs, does not fail
    with pytest.raises(GenerationError, match=rf"Could not reach http://127.0.0.1:{port}/v1/chat/completions: Connect"):
        client.generate(CAPITAL)


def _openai_app(generator: LlamaCppGenerator) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.post("/plain/v1/chat/completions")
    def plain(body: dict[str, Any]) -> dict[str, Any]:  # answers without streaming whatever was asked
        messages = tuple(ChatMessage(m["role"], m["content"]) for m in body["messages"])
        result = generator.generate(GenerationRequest(messages=messages, max_tokens=body.get("max_tokens", 32)))
        usage = {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens}
        message = {"role": "assistant", "content": result.text}
        return {"choices": [{"index": 0, "message": message, "finish_reason": result.finish_reason}], "usage": usage}

    @app.post("/broken/v1/chat/completions")
    def broken() -> JSONResponse:
        return JSONResponse({"error": {"message": "model crashed: out of memory"}}, status_code=500)

    @app.post("/slow/v1/chat/completions")
    def slow() -> dict[str, Any]:
        time.sleep(1.5)
        return {}

    return app


@pytest.fixture(scope="module")
def fastapi_url(smol: LlamaCppGenerator) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(_openai_app(smol), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="test-openai-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_openai_backend_reads_a_non_streamed_reply(fastapi_url: str, smol: LlamaCppGenerator) -> None:
    client = _client(f"{fastapi_url}/plain/v1")
    client.warm_up()  # /models is missing there: logged, not fatal
    smol.generate(CAPITAL)
    result, deltas = collect_deltas(client.generate, CAPITAL)
    assert result.text == smol.generate(CAPITAL).text and deltas == [result.text]
    assert result.completion_tokens


@pytest.mark.slow
def test_openai_backend_500_and_timeout_errors(fastapi_url: str) -> None:
    with pytest.raises(GenerationError, match=r"answered HTTP 500: .*model crashed: out of memory"):
        _client(f"{fastapi_url}/broken/v1").generate(CAPITAL)
    with pytest.raises(GenerationError, match=r"timed out after 0.5 s"):
        _client(f"{fastapi_url}/slow/v1", timeout_s=0.5).generate(CAPITAL)


# ---- factory -----------------------------------------------------------------------------


def test_build_generator_picks_backends_and_explains_missing_settings(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="CITEWIRE_OPENAI_BASE_URL"):
        build_generator(Settings(generator="openai", openai_base_url=""))
    with pytest.raises(ModelUnavailableError, match="CITEWIRE_TRANSFORMERS_MODEL"):
        build_generator(Settings(generator="transformers", transformers_model=""))
    with pytest.raises(ModelUnavailableError, match="Unknown model"):
        build_generator(Settings(generator="llamacpp", model="gpt-9", cache_dir=tmp_path))
    openai = build_generator(Settings(generator="openai", openai_base_url="http://127.0.0.1:9/v1/", openai_model="m"))
    assert isinstance(openai, OpenAICompatibleGenerator) and openai.name == "openai:m@http://127.0.0.1:9/v1"
    llama = build_generator(Settings(generator="llamacpp", model=str(smollm2_path()), threads=1))
    assert isinstance(llama, LlamaCppGenerator) and llama.server_url is None  # nothing loaded yet
    # llama.cpp's RAM cache of earlier prompts holds the writer's and the judge's prefixes (64 MB by default,
    # not llama-server's 8 GB, which grows a replica's memory); 0 turns it off
    assert llama._params(xllamacpp).cache_ram_mib == 64
    uncached = build_generator(Settings(generator="llamacpp", model=str(smollm2_path()), llamacpp_cache_ram_mb=0))
    assert isinstance(uncached, LlamaCppGenerator) and uncached._params(xllamacpp).cache_ram_mib == 0
    transformers = build_generator(Settings(generator="transformers", transformers_model="smollm2-135m"))
    assert transformers.name == "transformers:SmolLM2-135M-Instruct.Q4_1.gguf"
