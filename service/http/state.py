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

    def failed(self, reason: str) -> None:
        with self._lock:
            self._status = f"failed: {reason}"


@dataclass(frozen=True)
class ServiceState:
    settings: Settings
    pipeline: Pipeline
    answering: Answering
    metrics: Metrics
    admission: Admission
    readiness: Readiness
