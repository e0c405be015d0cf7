"""Small deterministic stand-ins for the models.

Each fake subclasses the protocol it stands in for, so mypy checks its signatures against the
protocol's (and a fake missing a protocol method cannot be instantiated under mypy);
tests/unit/test_fakes.py checks the same at run time with `inspect.signature`."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Sequence

import numpy as np

from retrieval.embedding import Embedder, ProgressCallback
from retrieval.terms import terms
from service.generators.base import (
    GenerationRequest,
    GenerationResult,
    Generator,
    StopCheck,
    TokenCallback,
)


class HashEmbedder(Embedder):
    """Bag of hashed content terms, L2-normalised: texts sharing words are similar."""

    def __init__(self, dimension: int = 256, name: str = "hash-embedder") -> None:
        self._dimension = dimension
        self._name = name
        self.calls = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def warm_up(self) -> None:
        return None

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        self.calls += 1
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text):
                digest = hashlib.blake2b(term.encode(), digest_size=4).digest()
                vectors[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms == 0, 1.0, norms)
        if progress:
            progress(len(texts))
        return vectors


class ScriptedGenerator(Generator):
    """Replays queued replies word by word; records every request it receives."""

    def __init__(self, replies: Sequence[str] = (), delay_s: float = 0.0) -> None:
        self.replies = list(replies)
        self.requests: list[GenerationRequest] = []
        self.delay_s = delay_s
        self.warmed = 0
        self.closed = 0
        self.cancelled = 0
        self.started = threading.Event()  # set when a generation begins
        self.hold: threading.Event | None = None  # when set to an Event, generation waits for it first

    @property
    def name(self) -> str:
        return "scripted"

    def enqueue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def warm_up(self) -> None:
        self.warmed += 1

    def close(self) -> None:
        self.closed += 1

    def generate(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> GenerationResult:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else "NOT FOUND"
        started = time.perf_counter()
        self.started.set()
        produced: list[str] = []
        first_token_ms: float | None = None  # measured, as the real backends do: never after the end
        while self.hold is not None and not self.hold.wait(0.01):
            if should_stop and should_stop():
                self.cancelled += 1
                return GenerationResult("", "cancelled", _ms(started), None, 10, 0)
        for index, piece in enumerate(reply.split(" ")):
            if should_stop and should_stop():
                self.cancelled += 1
                return GenerationResult("".join(produced), "cancelled", _ms(started), first_token_ms, 10, len(produced))
            delta = piece if index == 0 else " " + piece
            produced.append(delta)
            if first_token_ms is None:
                first_token_ms = _ms(started)
            if on_token:
                on_token(delta)
            if self.delay_s:
                time.sleep(self.delay_s)
        return GenerationResult("".join(produced), "stop", _ms(started), first_token_ms, 10, len(produced))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


class WritingGenerator(ScriptedGenerator):
    """Writes answers like a reader who looks for given phrases. To the answer prompt (numbered
    sentences "[n] ...") it replies "[n] TEXT" for the first numbered sentence that holds one of
    `answers`' phrases, TEXT being that phrase's answer (None: the sentence as it stands), or NONE.
    Other prompts (the paraphrase judge, the follow-up rewrite) get `other_reply`."""

    def __init__(
        self, answers: dict[str, str | None] | None = None, other_reply: str = "yes", wrong_number: bool = False
    ) -> None:
        super().__init__()
        self.answers = dict(answers or {})
        self.other_reply = other_reply
        self.wrong_number = wrong_number  # cite the next sentence's number, as the model sometimes does

    def generate(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> GenerationResult:
        prompt = request.messages[-1].content
        lines = re.findall(r"^\[(\d+)\] (?:\([^)]*\) )?(.*)$", prompt, flags=re.MULTILINE)
        reply = self.other_reply
        if lines:
            found = [(n, text, said) for phrase, said in self.answers.items() for n, text in lines if phrase in text]
            number = int(found[0][0]) % len(lines) + 1 if found and self.wrong_number else found[0][0] if found else 0
            reply = f"[{number}] {found[0][2] or found[0][1]}" if found else "NONE"
        self.enqueue(reply)
        return super().generate(request, on_token, should_stop)
