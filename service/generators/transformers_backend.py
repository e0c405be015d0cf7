"""Hugging Face transformers backend: a local model folder, or a GGUF dequantized to fp32.

Slow next to llama.cpp (see ../shared/MODELS.md); it exists for models llama.cpp cannot run
and as a second, independent implementation for tests. Never touches the hub
(`local_files_only=True`). Generation runs in a worker thread feeding a
`TextIteratorStreamer`; a `StoppingCriteria` ends it on `should_stop()` or a stop string.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import GenerationError, ModelUnavailableError
from service.generators.base import GenerationRequest, GenerationResult, StopCheck, TokenCallback

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)


@dataclass
class StopText:
    """Streams text while holding back anything that may start a stop string.

    `feed` returns the part of a delta that is safe to show; once a stop string appears the
    text before it is returned, `stopped` turns true and later deltas are dropped.
    """

    stops: tuple[str, ...]
    emitted: str = ""
    pending: str = ""
    stopped: bool = False

    def feed(self, delta: str) -> str:
        if self.stopped:
            return ""
        self.pending += delta
        full = self.emitted + self.pending
        start = max(0, len(self.emitted) - max((len(s) for s in self.stops), default=0))
        hits = [i for i in (full.find(s, start) for s in self.stops if s) if i >= 0]
        if hits:
            self.stopped = True
            return self._emit(full[len(self.emitted) : min(hits)])
        held = max((n for n in range(1, len(self.pending) + 1) if self._starts_stop(full[-n:])), default=0)
        return self._emit(self.pending[: len(self.pending) - held])

    def flush(self) -> str:
        return "" if self.stopped else self._emit(self.pending)

    def _starts_stop(self, tail: str) -> bool:
        return any(s.startswith(tail) for s in self.stops)

    def _emit(self, text: str) -> str:
        self.emitted += text
        self.pending = self.pending[len(text) :] if not self.stopped else ""
        return text


@dataclass
class _Run:
    """State shared between the caller's thread and the generation thread."""

    should_stop: StopCheck | None
    halt: threading.Event = field(default_factory=threading.Event)
    cancelled: bool = False
    output: Any = None
    error: BaseException | None = None

    def check(self) -> bool:
        if not self.halt.is_set() and self.should_stop is not None and self.should_stop():
            self.cancelled = True
            self.halt.set()
        return self.halt.is_set()


class TransformersGenerator:
    """Generator backed by `AutoModelForCausalLM` on CPU, greedy unless a temperature is given."""

    def __init__(self, model_dir: str, gguf_file: str | None, threads: int) -> None:
        self._model_dir = model_dir
        self._gguf_file = gguf_file or None
        self._threads = threads
        self._tokenizer: Any = None
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"transformers:{self._gguf_file or Path(self._model_dir).name}"

    def warm_up(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            torch.set_num_threads(self._threads)
            kwargs: dict[str, Any] = {"local_files_only": True}
            if self._gguf_file:
                kwargs["gguf_file"] = self._gguf_file
            started = time.perf_counter()
            try:
                tokenizer = AutoTokenizer.from_pretrained(self._model_dir, **kwargs)
                model = AutoModelForCausalLM.from_pretrained(self._model_dir, dtype=torch.float32, **kwargs)
            except (OSError, ValueError) as exc:
                message = f"transformers could not load {self.name} from {self._model_dir}: {exc}"
                raise ModelUnavailableError(message) from exc
            model.eval()
            self._tokenizer, self._model = tokenizer, model
            logger.info("Loaded %s in %.1f s (threads=%d)", self.name, time.perf_counter() - started, self._threads)

    def close(self) -> None:
        """Drop the model and tokenizer (their memory is freed once no generation holds them)."""
        with self._generate_lock, self._load_lock:
            self._tokenizer, self._model = None, None

    def generate(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> GenerationResult:
        self.warm_up()
        with self._generate_lock:
            if self._model is None:  # closed between warm_up() and here
                raise GenerationError("The transformers generator was closed.")
            return self._generate(request, on_token, should_stop)

    def _generate(
        self, request: GenerationRequest, on_token: TokenCallback | None, should_stop: StopCheck | None
    ) -> GenerationResult:
        from transformers import TextIteratorStreamer

        started = time.perf_counter()
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        try:
            inputs = self._tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
        except ValueError as exc:  # e.g. a tokenizer without a chat template
            raise GenerationError(f"{self.name} cannot format the chat: {exc}") from exc
        prompt_tokens = int(inputs["input_ids"].shape[1])
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        run = _Run(should_stop=should_stop)
        worker = threading.Thread(
            target=self._work, args=(run, streamer, dict(inputs), request), name="transformers-generate", daemon=True
        )
        worker.start()
        stop_text = StopText(request.stop)
        parts: list[str] = []
        first_token_at: float | None = None
        try:
            for delta in streamer:
                if run.check():
                    break
                text = stop_text.feed(delta)
                if text:
                    first_token_at = first_token_at or time.perf_counter()
                    parts.append(text)
                    if on_token is not None:
                        on_token(text)
                if stop_text.stopped:
                    break
        finally:
            run.halt.set()  # ends the worker at its next token if we left early
            worker.join()
        if run.error is not None:
            raise GenerationError(f"transformers generation failed: {run.error}") from run.error
        tail = "" if run.cancelled else stop_text.flush()
        if tail:
            first_token_at = first_token_at or time.perf_counter()
            parts.append(tail)
            if on_token is not None:
                on_token(tail)
        completion = int(run.output.shape[1]) - prompt_tokens if run.output is not None else None
        now = time.perf_counter()
        return GenerationResult(
            text="".join(parts),
            finish_reason=self._finish_reason(run, stop_text, completion, request.max_tokens),
            total_ms=(now - started) * 1000,
            first_token_ms=(first_token_at - started) * 1000 if first_token_at is not None else None,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion,
        )

    def _work(self, run: _Run, streamer: Any, inputs: dict[str, Any], request: GenerationRequest) -> None:
        from transformers import StoppingCriteria, StoppingCriteriaList

        class _Halt(StoppingCriteria):  # type: ignore[misc]
            def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
                import torch

                return torch.full((input_ids.shape[0],), run.check(), dtype=torch.bool, device=input_ids.device)

        sampling: dict[str, Any] = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        if request.temperature > 0:
            sampling = {"do_sample": True, "temperature": request.temperature}
        tokenizer = self._tokenizer
        try:
            run.output = self._model.generate(
                **inputs,
                max_new_tokens=request.max_tokens,
                streamer=streamer,
                stopping_criteria=StoppingCriteriaList([_Halt()]),
                pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
                **sampling,
            )
        except Exception as exc:  # re-raised as GenerationError by the caller's thread
            run.error = exc
            streamer.end()

    def _finish_reason(self, run: _Run, stop_text: StopText, completion: int | None, max_tokens: int) -> str:
        if run.cancelled:
            return "cancelled"
        if stop_text.stopped:
            return "stop"
        last = int(run.output[0, -1]) if run.output is not None else None
        eos = self._model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        if last not in eos_ids and completion is not None and completion >= max_tokens:
            return "length"
        return "stop"
