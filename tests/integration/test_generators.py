"""The llama.cpp and transformers generation backends on real models: the 93 MB SmolLM2 GGUF
(fast; it invents facts, so only plumbing is checked), and one test asks the real Qwen2.5-0.5B
something trivial. The OpenAI-compatible backend: test_openai_backend.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import GenerationError, ModelUnavailableError
from service.generators import (
    LlamaCppGenerator,
    TransformersGenerator,
)
from service.generators.base import ChatMessage, GenerationRequest
from service.generators.transformers_backend import StopText
from tests.conftest import require_model
from tests.integration.conftest import collect_deltas, smollm2_path

pytestmark = pytest.mark.integration

CAPITAL = GenerationRequest(messages=(ChatMessage("user", "What is the capital of France?"),), max_tokens=32)
STORY = GenerationRequest(messages=(ChatMessage("user", "Write a long story about a dragon."),), max_tokens=300)


# ---- llama.cpp ---------------------------------------------------------------------------


@pytest.mark.slow
def test_llamacpp_streams_deltas_that_add_up_to_the_text(smol: LlamaCppGenerator) -> None:
    result, deltas = collect_deltas(smol.generate, CAPITAL)
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
    result, deltas = collect_deltas(smol.generate, STORY, stop_after=3)
    assert result.finish_reason == "cancelled"
    assert len(deltas) == 3 and result.text == "".join(deltas)
    assert smol.generate(CAPITAL).text.strip()


@pytest.mark.slow
def test_llamacpp_can_cancel_while_reading_the_prompt(smol: LlamaCppGenerator) -> None:
    long_prompt = "The quick brown fox jumps over the lazy dog. " * 120  # ~1,200 tokens, 10 batches
    request = GenerationRequest(messages=(ChatMessage("user", long_prompt + "Summarise."),), max_tokens=50)
    result, deltas = collect_deltas(smol.generate, request, stop_after=0)
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
    path = smollm2_path()
    generator = TransformersGenerator(str(path.parent), path.name, threads=2)
    generator.warm_up()  # dequantizes the Q4_1 GGUF to fp32 (~20 s)
    return generator


@pytest.mark.slow
def test_transformers_generates_and_streams(smol_transformers: TransformersGenerator) -> None:
    result, deltas = collect_deltas(smol_transformers.generate, CAPITAL)
    assert "Paris" in result.text
    assert "".join(deltas) == result.text
    assert result.finish_reason == "stop" and result.first_token_ms is not None
    assert result.prompt_tokens and result.completion_tokens
    assert smol_transformers.name == "transformers:SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.mark.slow
def test_transformers_cancel_stop_strings_and_length(smol_transformers: TransformersGenerator) -> None:
    cancelled, deltas = collect_deltas(smol_transformers.generate, STORY, stop_after=2)
    assert cancelled.finish_reason == "cancelled" and len(deltas) == 2
    assert cancelled.completion_tokens is not None and cancelled.completion_tokens < 20
    stopped, deltas = collect_deltas(
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
