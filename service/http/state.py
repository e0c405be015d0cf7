"""What the routes share: settings, the pipeline, the answer runner, metrics, readiness."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from service.http.admission import Admission
from service.http.jobs import Answering
from service.http.metrics import Metrics
from service.pipeline import Pipeline
from service.settings import Settings


class Readiness:
    def __init__(self) -> None:
        self._status = "loading"
        self._gave_up = False
        self._lock = threading.Lock()

    @property
    def status(self) -> str:
        return self._status

    @property
    def is_ready(self) -> bool:
        return self._status == "ready"

    def ready(self) -> None:
        with self._lock:
            self._status = "ready"
            self._gave_up = False

    @property
    def gave_up(self) -> bool:
        """Start-up failed on its last try: the process should exit."""
        return self._gave_up

    def failed(self, reason: str, gave_up: bool = True) -> None:
        with self._lock:
            self._status = f"failed: {reason}"
            self._gave_up = gave_up


@dataclass(frozen=True)
class ServiceState:
    settings: Settings
    pipeline: Pipeline
    answering: Answering
    metrics: Metrics
    admission: Admission
    readiness: Readiness
