"""The `Generator` protocol: chat messages in, text (optionally streamed) out.

Backends live in `service/generators/`; `build_generator` picks one from the settings.
Constructors are cheap; `warm_up()` loads the model once; `close()` releases it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

TokenCallback = Callable[[str], None]
StopCheck = Callable[[], bool]


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    messages: tuple[ChatMessage, ...]
    max_tokens: int = 256
    temperature: float = 0.0
    stop: tuple[str, ...] = ()
    grammar: str | None = None  # a GBNF grammar the reply must follow (llama.cpp; others ignore it)
    json_schema: dict[str, Any] | None = None  # a JSON schema the reply must match (response_format)
    top_logprobs: int = 0  # >0: return that many alternatives (raw distribution) for each token


@dataclass(frozen=True)
class TokenChoice:
    """One generated token with its log-probability and the most likely alternatives, as the
    model's raw distribution gave them (before any grammar restricted the choice)."""

    token: str
    logprob: float
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class GenerationResult:
    text: str
    finish_reason: str  # "stop" | "length" | "cancelled"
    total_ms: float
    first_token_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None  # prompt tokens whose KV state was reused, not read again
    last_token_ms: float | None = None  # with first_token_ms: the decode speed as the caller saw it
    engine_decode_tokens_per_s: float | None = None  # as the backend measured it, where it says (llama.cpp)
    tokens: tuple[TokenChoice, ...] = ()  # with request.top_logprobs, where the backend gives them


class Generator(Protocol):
    """Anything that turns chat messages into text."""

    @property
    def name(self) -> str:
        """A short description of backend and model, recorded with answers."""
        ...

    def warm_up(self) -> None:
        """Load the model. Called once at start-up; must be idempotent."""
        ...

    def generate(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> GenerationResult:
        """Generate a reply. `on_token` receives text deltas as they are produced;
        when `should_stop()` turns true the backend stops early (finish_reason "cancelled")."""
        ...

    def close(self) -> None:
        """Release the model and anything it holds (threads, ports, connections); idempotent.
        A later `warm_up()` or `generate()` loads it again. A no-op where nothing needs releasing."""
        ...
