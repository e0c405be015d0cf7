"""Collects an OpenAI-style chat reply, streamed chunk by chunk, into a GenerationResult.

Shared by the llama.cpp backend (chunks handed over in process) and the OpenAI-compatible
backend (chunks read from server-sent events).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from service.generators.base import GenerationRequest, GenerationResult, TokenCallback, TokenChoice


def streaming_chat_request(request: GenerationRequest, **extra: Any) -> dict[str, Any]:
    """The OpenAI chat-completions body for `request`, streamed with a final usage chunk."""
    payload: dict[str, Any] = {
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "stream": True,
        "stream_options": {"include_usage": True},
        **extra,
    }
    if request.stop:
        payload["stop"] = list(request.stop)
    if request.grammar:
        payload["grammar"] = request.grammar
    if request.json_schema:
        payload["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "reply", "schema": request.json_schema, "strict": True},
        }
    if request.top_logprobs:
        payload["logprobs"] = True
        payload["top_logprobs"] = request.top_logprobs
    return payload


@dataclass
class ReplyCollector:
    on_token: TokenCallback | None
    started: float = field(default_factory=time.perf_counter)
    parts: list[str] = field(default_factory=list)
    first_token_at: float | None = None
    last_token_at: float | None = None
    finish_reason: str | None = None
    cancelled: bool = False
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    engine_decode_tokens_per_s: float | None = None
    tokens: list[TokenChoice] = field(default_factory=list)

    def add(self, text: str) -> None:
        """One text delta: kept, timed and forwarded to the caller."""
        self.last_token_at = time.perf_counter()
        if self.first_token_at is None:
            self.first_token_at = self.last_token_at
        self.parts.append(text)
        if self.on_token is not None:
            self.on_token(text)

    def take_chunk(self, chunk: dict[str, Any]) -> None:
        """A `chat.completion.chunk`: content deltas, finish reason and (last) usage."""
        for choice in chunk.get("choices") or ():
            text = (choice.get("delta") or {}).get("content")
            if text:
                self.add(text)
            self.take_logprobs(choice.get("logprobs"))
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])
        self.take_usage(chunk)

    def take_logprobs(self, logprobs: Any) -> None:
        """`choice.logprobs.content`: each token with its log-probability and top alternatives."""
        if not isinstance(logprobs, dict):
            return
        for entry in logprobs.get("content") or ():
            alternatives = tuple(
                (str(alt.get("token", "")), float(alt.get("logprob", -1e9))) for alt in entry.get("top_logprobs") or ()
            )
            token, logprob = str(entry.get("token", "")), float(entry.get("logprob", -1e9))
            self.tokens.append(TokenChoice(token, logprob, alternatives))

    def take_usage(self, body: dict[str, Any]) -> None:
        timings = body.get("timings")  # llama.cpp's own measurements, beside the usage
        if isinstance(timings, dict) and timings.get("predicted_per_second"):
            self.engine_decode_tokens_per_s = float(timings["predicted_per_second"])
        usage = body.get("usage")
        if isinstance(usage, dict):
            self.prompt_tokens = usage.get("prompt_tokens", self.prompt_tokens)
            self.completion_tokens = usage.get("completion_tokens", self.completion_tokens)
            details = usage.get("prompt_tokens_details")
            if isinstance(details, dict):
                self.cached_tokens = details.get("cached_tokens", self.cached_tokens)

    def result(self) -> GenerationResult:
        return GenerationResult(
            text="".join(self.parts),
            finish_reason="cancelled" if self.cancelled else (self.finish_reason or "stop"),
            total_ms=(time.perf_counter() - self.started) * 1000,
            first_token_ms=self._ms(self.first_token_at),
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cached_tokens=self.cached_tokens,
            last_token_ms=self._ms(self.last_token_at),
            engine_decode_tokens_per_s=self.engine_decode_tokens_per_s,
            tokens=tuple(self.tokens),
        )

    def _ms(self, moment: float | None) -> float | None:
        return (moment - self.started) * 1000 if moment is not None else None
