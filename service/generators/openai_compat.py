"""Any OpenAI-compatible chat-completions server (llama-server, vLLM, Ollama, ...) over HTTP.

Streams with `stream: true` and reads the SSE `data:` lines until `[DONE]`. Stopping early
closes the response, which servers such as llama-server take as a cancellation. One
attempt per request: a failure is a `GenerationError` naming the URL and, for a non-2xx
reply, the status and the start of the body.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx

from service.errors import GenerationError
from service.generators.base import GenerationRequest, GenerationResult, StopCheck, TokenCallback
from service.generators.replies import ReplyCollector, streaming_chat_request

logger = logging.getLogger(__name__)

_BODY_EXCERPT = 300


class OpenAICompatibleGenerator:
    """Generator that calls `POST {base_url}/chat/completions` with streaming."""

    def __init__(self, base_url: str, api_key: str, model: str, timeout_s: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._model = model
        self._timeout_s = timeout_s
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"openai:{self._model or 'default'}@{self._base_url}"

    def warm_up(self) -> None:
        """Open the client and check `GET /models` (only logged: not every server has it)."""
        client = self._http()
        try:
            response = client.get(f"{self._base_url}/models")
        except httpx.HTTPError as exc:
            logger.warning("OpenAI-compatible server at %s is not reachable yet: %s", self._base_url, exc)
            return
        if response.status_code != 200:
            logger.info("%s/models answered %d; skipping the model check", self._base_url, response.status_code)
            return
        ids = _model_ids(response)
        logger.info("OpenAI-compatible server at %s offers %s", self._base_url, ids or "no listed models")
        if self._model and ids and self._model not in ids:
            logger.warning("Model %r is not among those listed by %s: %s", self._model, self._base_url, ids)

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
                timeout = httpx.Timeout(self._timeout_s, connect=min(10.0, self._timeout_s))
                self._client = httpx.Client(timeout=timeout, headers=headers)
            return self._client

    def generate(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> GenerationResult:
        url = f"{self._base_url}/chat/completions"
        reply = ReplyCollector(on_token)
        try:
            with self._http().stream("POST", url, json=self._payload(request)) as response:
                _raise_for_status(response, url)
                if response.headers.get("content-type", "").startswith("application/json"):
                    _read_whole(response, reply)  # the server ignored stream=true
                else:
                    _read_stream(response, reply, should_stop)
        except httpx.TimeoutException as exc:
            raise GenerationError(f"{url} timed out after {self._timeout_s:g} s ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise GenerationError(f"Could not reach {url}: {type(exc).__name__}: {exc}") from exc
        return reply.result()

    def _payload(self, request: GenerationRequest) -> dict[str, Any]:
        return streaming_chat_request(request, **({"model": self._model} if self._model else {}))


def _raise_for_status(response: httpx.Response, url: str) -> None:
    if response.is_success:
        return
    body = response.read().decode("utf-8", errors="replace").strip()
    excerpt = body[:_BODY_EXCERPT] + ("..." if len(body) > _BODY_EXCERPT else "")
    raise GenerationError(f"{url} answered HTTP {response.status_code}: {excerpt or '(empty body)'}")


def _sse_chunks(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """JSON objects from SSE `data:` lines, up to `data: [DONE]`; other lines are skipped."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            raise GenerationError(f"Malformed event from the server: {data[:_BODY_EXCERPT]!r}") from exc
        if isinstance(chunk, dict) and "error" in chunk:
            raise GenerationError(f"The server reported an error mid-stream: {chunk['error']}")
        if isinstance(chunk, dict):
            yield chunk


def _read_stream(response: httpx.Response, reply: ReplyCollector, should_stop: StopCheck | None) -> None:
    for chunk in _sse_chunks(response.iter_lines()):
        if should_stop is not None and should_stop():
            reply.cancelled = True
            return  # the caller's `with` closes the connection
        reply.take_chunk(chunk)


def _read_whole(response: httpx.Response, reply: ReplyCollector) -> None:
    try:
        body = json.loads(response.read())
        choice = body["choices"][0]
        text = choice["message"]["content"] or ""
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise GenerationError(f"Unexpected reply from the server: {response.text[:_BODY_EXCERPT]!r}") from exc
    if text:
        reply.add(text)
    reply.finish_reason = choice.get("finish_reason")
    reply.take_usage(body)


def _model_ids(response: httpx.Response) -> list[str]:
    try:
        data = response.json().get("data") or []
    except (ValueError, AttributeError):
        return []
    return [str(item.get("id")) for item in data if isinstance(item, dict)]
