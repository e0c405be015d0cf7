"""llama.cpp in-process through xllamacpp (the llama-server code, called without HTTP).

What the xllamacpp API does (2026.10.11549), found by reading the binding and trying it:

- `Server(CommonParams)` loads the model and starts llama-server's task loop in a C++
  thread. It *also* starts llama-server's HTTP endpoints on a random loopback port
  (`port` 0; `server.listening_address`); there is no switch to turn that off (an empty
  `hostnames` list segfaults), so we lock it with a random API key and disable the web UI.
- `handle_chat_completions(dict, callback)` takes an OpenAI request. With `"stream": True`
  the callback gets each SSE chunk as a dict. The callback's return value means "stop":
  returning True ends the read loop, the response object is destroyed and llama-server
  cancels the task (its log says `cancel task`). An exception raised in the callback is
  swallowed by the binding and also counts as True, so errors are recorded and re-raised.
- Chunks only flow once a token exists. `"return_progress": True` adds `prompt_progress`
  chunks after every `n_batch` prompt tokens, so a small `n_batch` lets should_stop cancel
  during prompt processing too (128 costs no measurable prefill speed on 2 cores).
- `"stream_options": {"include_usage": True}` adds a last chunk with `usage`
  (prompt/completion tokens, cached tokens) and `timings` (prefill and decode speed).
- Errors (bad request, context overflow) come to the same callback as `{"error": {...}}`.
- `CommonParams.verbosity = 0` silences llama.cpp's stderr log (default 3 logs each request).
- `cache_prompt` (default on, per request too) keeps the slot's KV cache, so a request that
  shares a prefix with the previous one only reads the new tokens (`usage.prompt_tokens_details`).
- `cache_ram_mib` (llama-server's default 8192) also keeps earlier prompts' KV states in host
  memory; every distinct prompt adds its KV state (28 KB per token for the 1.5B's f16 cache)
  until the cache is full, so resident memory keeps growing under load (measured: +212 MB in
  4 minutes of ten askers at 1024 MB, +5 MB with it off). Off by default here
  (`CITEWIRE_LLAMACPP_CACHE_RAM_MB`): the slot's own cache already keeps the shared prefix.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import GenerationError, ModelUnavailableError
from service.generators.base import GenerationRequest, GenerationResult, StopCheck, TokenCallback
from service.generators.replies import ReplyCollector, streaming_chat_request

if TYPE_CHECKING:
    import xllamacpp

logger = logging.getLogger(__name__)


@dataclass
class _Stream:
    """Feeds llama.cpp's chunks to a ReplyCollector; returning True makes llama.cpp stop."""

    reply: ReplyCollector
    should_stop: StopCheck | None
    error: str | None = None
    callback_error: Exception | None = None

    def __call__(self, chunk: dict[str, Any]) -> bool:
        try:
            return self.feed(chunk)
        except Exception as exc:  # the binding would swallow it; re-raised by the caller
            self.callback_error = exc
            return True

    def feed(self, chunk: dict[str, Any]) -> bool:
        if self.should_stop is not None and self.should_stop():
            self.reply.cancelled = True
            return True
        if "error" in chunk:
            error = chunk["error"]
            self.error = str(error.get("message", error) if isinstance(error, dict) else error)
            return True
        progress = chunk.get("prompt_progress")
        if isinstance(progress, dict):
            self.reply.prompt_tokens = progress.get("total", self.reply.prompt_tokens)
        self.reply.take_chunk(chunk)
        if isinstance(chunk.get("usage"), dict):
            logger.debug("llama.cpp usage %s timings %s", chunk["usage"], chunk.get("timings"))
        return False


class LlamaCppGenerator:
    """Generator backed by a GGUF file run by llama.cpp (xllamacpp), one request at a time."""

    def __init__(
        self,
        model_path: Path,
        threads: int,
        n_ctx: int,
        *,
        n_batch: int = 128,
        cache_ram_mib: int = 0,
        log_verbosity: int = 0,
    ) -> None:
        self._model_path = Path(model_path)
        self._threads = threads
        self._n_ctx = n_ctx
        self._n_batch = n_batch
        self._cache_ram_mib = cache_ram_mib
        self._log_verbosity = log_verbosity
        self._api_key = secrets.token_urlsafe(24)
        self._server: xllamacpp.Server | None = None
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"llamacpp:{self._model_path.name}"

    @property
    def server_url(self) -> str | None:
        """llama-server's own OpenAI-compatible HTTP address (loopback; needs `api_key`)."""
        return self._server.listening_address if self._server is not None else None

    @property
    def api_key(self) -> str:
        return self._api_key

    def warm_up(self) -> None:
        with self._load_lock:
            if self._server is not None:
                return
            if not self._model_path.is_file():
                raise ModelUnavailableError(f"Model file {self._model_path} does not exist.")
            import xllamacpp

            started = time.perf_counter()
            try:
                self._server = xllamacpp.Server(self._params(xllamacpp))
            except RuntimeError as exc:
                raise ModelUnavailableError(
                    f"llama.cpp could not load {self._model_path} (is it a valid GGUF?): {exc}"
                ) from exc
            logger.info(
                "Loaded %s in %.1f s (threads=%d, n_ctx=%d)",
                self._model_path.name,
                time.perf_counter() - started,
                self._threads,
                self._n_ctx,
            )

    def _params(self, xllamacpp: Any) -> Any:
        params = xllamacpp.CommonParams()
        params.model.path = str(self._model_path)
        params.n_ctx = self._n_ctx
        params.n_batch = self._n_batch
        params.n_ubatch = self._n_batch
        params.n_parallel = 1
        params.cpuparams.n_threads = self._threads
        params.cpuparams_batch.n_threads = self._threads
        params.cache_prompt = True
        params.cache_ram_mib = self._cache_ram_mib
        params.verbosity = self._log_verbosity
        params.ui = False
        params.api_keys = [self._api_key]
        return params

    def close(self) -> None:
        """Stop llama.cpp's threads and free the model."""
        with self._generate_lock, self._load_lock:
            self._server = None

    def generate(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> GenerationResult:
        self.warm_up()
        with self._generate_lock:
            server = self._server
            if server is None:
                raise GenerationError("The llama.cpp generator was closed.")
            stream = _Stream(ReplyCollector(on_token), should_stop)
            try:
                server.handle_chat_completions(_payload(request), stream)
            except (RuntimeError, ValueError) as exc:
                raise GenerationError(f"llama.cpp failed: {exc}") from exc
            return _result(stream)


def _payload(request: GenerationRequest) -> dict[str, Any]:
    # progress chunks let should_stop cancel while the prompt is read; the prompt cache keeps
    # the fixed system prompt's KV state between requests
    return streaming_chat_request(request, return_progress=True, cache_prompt=True)


def _result(stream: _Stream) -> GenerationResult:
    if stream.callback_error is not None:
        raise stream.callback_error
    if stream.error is not None:
        raise GenerationError(f"llama.cpp rejected the request: {stream.error}")
    return stream.reply.result()
