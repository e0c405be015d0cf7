"""The generation backends on real models and a real HTTP server.

The llama.cpp tests use the 93 MB SmolLM2 GGUF (fast; it invents facts, so only plumbing is
checked) and one test asks the real Qwen2.5-0.5B something trivial. The OpenAI-compatible
backend is driven against two real servers on loopback: llama-server's own HTTP endpoints,
which xllamacpp starts next to the in-process model, and a small FastAPI app run by uvicorn
that serves the same LlamaCppGenerator (non-streamed) and a failing route.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import xllamacpp

from service.errors import GenerationError, ModelUnavailableError
from service.generators import (
    LlamaCppGenerator,
    OpenAICompatibleGenerator,
    TransformersGenerator,
    build_generator,
)
from service.generators.base import ChatMessage, GenerationRequest, GenerationResult
from service.generators.transformers_backend import StopText
from service.settings import Settings
from tests.conftest import require_model

pytestmark = pytest.mark.integration

CAPITAL = GenerationRequest(messages=(ChatMessage("user", "What is the capital of France?"),), max_tokens=32)
STORY = GenerationRequest(messages=(ChatMessage("user", "Write a long story about a dragon."),), max_tokens=300)


def _smollm2() -> Path:
    return require_model("smollm2-135m", Path("unused"))  # a package's file: no cache needed


def _collect(
    generate: Callable[..., GenerationResult], request: GenerationRequest, stop_after: int | None = None
) -> tuple[GenerationResult, list[str]]:
    deltas: list[str] = []
    should_stop = (lambda: len(deltas) >= stop_after) if stop_after is not None else None
    return generate(request, on_token=deltas.append, should_stop=should_stop), deltas


@pytest.fixture(scope="module")
def smol() -> Iterator[LlamaCppGenerator]:
    generator = LlamaCppGenerator(_smollm2(), threads=2, n_ctx=2048)
    generator.warm_up()
    yield generator
    generator.close()


# ---- llama.cpp ---------------------------------------------------------------------------


@pytest.mark.slow
def test_llamacpp_streams_deltas_that_add_up_to_the_text(smol: LlamaCppGenerator) -> None:
    result, deltas = _collect(smol.generate, CAPITAL)
    assert result.text.strip()
    assert "".join(deltas) == result.text and len(deltas) > 1
    assert result.finish_reason in {"stop", "length"}
    assert result.first_token_ms is not None and 0 < result.first_token_ms <= result.total_ms
    assert result.prompt_tokens and result.prompt_tokens > 10
    assert result.completion_tokens and result.completion_tokens >= len(deltas)
    assert smol.name == "llamacpp:SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.mark.slow
def test_llamacpp_is_greedy_given_the_same_cache_state(smol: LlamaCppGenerator) -> None:
    # llama.cpp is not batch-invariant: a prompt read whole and one served from the prompt
    # cache (only its last token re-read) can continue differently on a model this small.
    # Two requests that both hit the cache must agree.
    smol.generate(CAPITAL)
    assert smol.generate(CAPITAL).text == smol.generate(CAPITAL).text


@pytest.mark.slow
def test_llamacpp_should_stop_cancels_and_the_model_stays_usable(smol: LlamaCppGenerator) -> None:
    result, deltas = _collect(smol.generate, STORY, stop_after=3)
    assert result.finish_reason == "cancelled"
    assert len(deltas) == 3 and result.text == "".join(deltas)
    assert smol.generate(CAPITAL).text.strip()


@pytest.mark.slow
def test_llamacpp_can_cancel_while_reading_the_prompt(smol: LlamaCppGenerator) -> None:
    long_prompt = "The quick brown fox jumps over the lazy dog. " * 120  # ~1,200 tokens, 10 batches
    request = GenerationRequest(messages=(ChatMessage("user", long_prompt + "Summarise."),), max_tokens=50)
    result, deltas = _collect(smol.generate, request, stop_after=0)
    assert result.finish_reason == "cancelled"
    assert deltas == [] and result.first_token_ms is None


@pytest.mark.slow
def test_llamacpp_honours_stop_strings_and_max_tokens(smol: LlamaCppGenerator) -> None:
    smol.generate(CAPITAL)
    free = smol.generate(CAPITAL).text  # same cache state as the next call
    stop = free.split()[3]
    stopped = smol.generate(GenerationRequest(messages=CAPITAL.messages, max_tokens=32, stop=(stop,)))
    assert stopped.finish_reason == "stop"
    assert stopped.text == free[: free.index(stop)]
    short = smol.generate(GenerationRequest(messages=STORY.messages, max_tokens=5))
    assert short.finish_reason == "length" and short.completion_tokens == 5


@pytest.mark.slow
def test_llamacpp_errors_surface_as_generation_errors(smol: LlamaCppGenerator) -> None:
    too_long = GenerationRequest(messages=(ChatMessage("user", "word " * 3000),), max_tokens=10)
    with pytest.raises(GenerationError, match=r"llama\.cpp rejected the request: .*exceeds the available context size"):
        smol.generate(too_long)

    def explode(text: str) -> None:
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError, match="client went away"):
        smol.generate(STORY, on_token=explode)
    assert smol.generate(CAPITAL).text.strip()


def test_llamacpp_missing_or_invalid_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        LlamaCppGenerator(tmp_path / "nope.gguf", threads=1, n_ctx=512).warm_up()
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf at all")
    with pytest.raises(ModelUnavailableError, match="could not load"):
        LlamaCppGenerator(junk, threads=1, n_ctx=512).warm_up()


@pytest.mark.slow
def test_qwen_05b_answers_a_trivial_instruction() -> None:
    path = require_model("qwen2.5-0.5b")  # assembled once into the cache directory, then reused
    generator = LlamaCppGenerator(path, threads=2, n_ctx=1024)
    try:
        question = "What is 2 + 3? Reply with the number only."
        result = generator.generate(GenerationRequest(messages=(ChatMessage("user", question),), max_tokens=8))
    finally:
        generator.close()
    assert "5" in result.text
    assert result.finish_reason == "stop"


# ---- transformers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smol_transformers() -> TransformersGenerator:
    path = _smollm2()
    generator = TransformersGenerator(str(path.parent), path.name, threads=2)
    generator.warm_up()  # dequantizes the Q4_1 GGUF to fp32 (~20 s)
    return generator


@pytest.mark.slow
def test_transformers_generates_and_streams(smol_transformers: TransformersGenerator) -> None:
    result, deltas = _collect(smol_transformers.generate, CAPITAL)
    assert "Paris" in result.text
    assert "".join(deltas) == result.text
    assert result.finish_reason == "stop" and result.first_token_ms is not None
    assert result.prompt_tokens and result.completion_tokens
    assert smol_transformers.name == "transformers:SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.mark.slow
def test_transformers_cancel_stop_strings_and_length(smol_transformers: TransformersGenerator) -> None:
    cancelled, deltas = _collect(smol_transformers.generate, STORY, stop_after=2)
    assert cancelled.finish_reason == "cancelled" and len(deltas) == 2
    assert cancelled.completion_tokens is not None and cancelled.completion_tokens < 20
    stopped, deltas = _collect(
        smol_transformers.generate, GenerationRequest(messages=CAPITAL.messages, max_tokens=32, stop=("Paris",))
    )
    assert "Paris" not in stopped.text and stopped.finish_reason == "stop" and "".join(deltas) == stopped.text
    short = smol_transformers.generate(GenerationRequest(messages=STORY.messages, max_tokens=5))
    assert short.finish_reason == "length" and short.completion_tokens == 5


@pytest.mark.parametrize(
    ("deltas", "stops", "shown"),
    [
        (["The capital ", "is Par", "is."], ("Paris",), "The capital is "),
        (["a<", "/s", "> tail"], ("</s>",), "a"),
        (["a<", "b"], ("</s>",), "a<b"),
        (["no stops here"], (), "no stops here"),
    ],
)
def test_stop_text_holds_back_possible_stop_prefixes(deltas: list[str], stops: tuple[str, ...], shown: str) -> None:
    stop_text = StopText(stops)
    out = "".join(stop_text.feed(d) for d in deltas) + stop_text.flush()
    assert out == shown


# ---- OpenAI-compatible over HTTP ---------------------------------------------------------


def _client(base_url: str, api_key: str = "", timeout_s: float = 60.0) -> OpenAICompatibleGenerator:
    return OpenAICompatibleGenerator(base_url, api_key=api_key, model="smollm2", timeout_s=timeout_s)


@pytest.mark.slow
def test_openai_backend_streams_from_llama_server(smol: LlamaCppGenerator) -> None:
    assert smol.server_url is not None
    client = _client(f"{smol.server_url}/v1", api_key=smol.api_key)
    client.warm_up()
    smol.generate(CAPITAL)  # so that both requests below find the prompt cached
    result, deltas = _collect(client.generate, CAPITAL)
    client.close()
    assert result.text.strip() and "".join(deltas) == result.text and len(deltas) > 1
    assert result.prompt_tokens and result.completion_tokens and result.first_token_ms
    assert result.text == smol.generate(CAPITAL).text  # same model and cache state, greedy


@pytest.mark.slow
def test_openai_backend_cancels_by_closing_the_stream(smol: LlamaCppGenerator) -> None:
    client = _client(f"{smol.server_url}/v1", api_key=smol.api_key)
    result, deltas = _collect(client.generate, STORY, stop_after=3)
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
    result, deltas = _collect(client.generate, CAPITAL)
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
    llama = build_generator(Settings(generator="llamacpp", model=str(_smollm2()), threads=1))
    assert isinstance(llama, LlamaCppGenerator) and llama.server_url is None  # nothing loaded yet
    # llama.cpp's RAM cache of earlier prompts holds the writer's and the judge's prefixes (64 MB by default,
    # not llama-server's 8 GB, which grows a replica's memory); 0 turns it off
    assert llama._params(xllamacpp).cache_ram_mib == 64
    uncached = build_generator(Settings(generator="llamacpp", model=str(_smollm2()), llamacpp_cache_ram_mb=0))
    assert isinstance(uncached, LlamaCppGenerator) and uncached._params(xllamacpp).cache_ram_mib == 0
    transformers = build_generator(Settings(generator="transformers", transformers_model="smollm2-135m"))
    assert transformers.name == "transformers:SmolLM2-135M-Instruct.Q4_1.gguf"
