"""The generator a pipeline uses, built on first use (loading a GGUF model takes seconds and most
commands never need it) and warmed up before each use."""

from __future__ import annotations

import threading
from collections.abc import Callable

from service.errors import ModelUnavailableError
from service.generators.base import Generator


class LazyGenerator:
    def __init__(self, generator: Generator | None, load: Callable[[], Generator] | None) -> None:
        """`generator` when it is built already, else `load()` builds it on first use."""
        self.built = generator
        self._load = load
        self._lock = threading.Lock()

    def __call__(self) -> Generator:
        with self._lock:
            if self.built is None:
                if self._load is None:
                    raise ModelUnavailableError("this pipeline was built without a generator")
                self.built = self._load()
            self.built.warm_up()
            return self.built

    @property
    def name(self) -> str | None:
        """The loaded generator's name (None before it is loaded)."""
        return self.built.name if self.built is not None else None

    def close(self) -> None:
        """Release the model (llama.cpp's server thread and port), if it was loaded."""
        if self.built is not None:
            self.built.close()
