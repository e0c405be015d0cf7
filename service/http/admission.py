"""The bounded queue in front of the model: `slots` answers generate (one, unless a remote
server batches them), `queue_size` wait, the rest are turned away at once (HTTP 503 with a
Retry-After estimated from recent answer times).

Admission happens before a response starts, so a streaming client gets a clean 503 rather
than a stream that fails later. The generation itself is serialised by the pipeline.
"""

from __future__ import annotations

import math
import threading
import time

from service.errors import ServiceBusyError

_SMOOTHING = 0.3  # weight of the newest answer time in the running estimate


class Ticket:
    """A place in the queue; `release()` is idempotent and records how long the answer took."""

    def __init__(self, admission: Admission | None) -> None:
        self._admission = admission
        self._started = time.perf_counter()
        self._released = False

    def __del__(self) -> None:  # a stream that never started must not keep its place
        self.release()

    def release(self) -> None:
        if self._admission is not None and not self._released:
            self._released = True
            self._admission.leave(time.perf_counter() - self._started)


class Admission:
    def __init__(self, queue_size: int, expected_answer_s: float = 8.0, slots: int = 1) -> None:
        self.capacity = slots + queue_size
        self._slots = slots
        self._admitted = 0
        self._lock = threading.Lock()
        self._answer_s = expected_answer_s

    def enter(self) -> Ticket:
        with self._lock:
            if self._admitted >= self.capacity:
                wait_s = max(1, math.ceil(self._answer_s * self._admitted / (2 * self._slots)))
                raise ServiceBusyError(
                    f"the model is busy ({self.waiting} question(s) already waiting); retry in about {wait_s} s",
                    retry_after_s=wait_s,
                )
            self._admitted += 1
        return Ticket(self)

    def leave(self, seconds: float) -> None:
        with self._lock:
            self._admitted -= 1
            self._answer_s = (1 - _SMOOTHING) * self._answer_s + _SMOOTHING * seconds

    def expected_wait_s(self) -> float:
        """How long a question admitted now would wait for the model: the answers ahead of it,
        `slots` at a time, at the running average answer time."""
        with self._lock:
            ahead = self._admitted - self._slots + 1
            return max(0.0, self._answer_s * ahead / self._slots)

    @property
    def waiting(self) -> int:
        """Admitted answers not yet generating (all but those in the generation slots)."""
        return max(0, self._admitted - self._slots)

    @property
    def admitted(self) -> int:
        return self._admitted


def free_ticket() -> Ticket:
    """For answers that do not need the model (extractive mode)."""
    return Ticket(None)
