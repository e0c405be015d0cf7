"""The pipeline a command runs on, and the progress bar shown while passages are embedded."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from service.settings import Settings


def load_pipeline(settings: Settings, warm: bool = True) -> Any:
    """A pipeline on the configured index; a missing index is built from CITEWIRE_SEEDS_DIR first, if set."""
    from service.pipeline import Pipeline

    pipeline = Pipeline.from_settings(settings)
    if warm:
        pipeline.warm_up(progress=progress_bar)
    elif not pipeline.store.exists():
        pipeline.embedder.warm_up()
        pipeline.ensure_index(progress=progress_bar)
    return pipeline


def progress_bar(total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, disable=total < 64)

    def advance(done: int) -> None:
        bar.update(done)
        if bar.n >= total:
            bar.close()

    return advance


@contextmanager
def article_bar(total: int) -> Iterator[Callable[[int, Any], None]]:
    """Articles committed so far, with the rate and ETA; the callback takes (done, batch report)."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit="article", desc="ingest", file=sys.stderr, disable=total < 2)
    counts = {"created": 0, "updated": 0, "unchanged": 0}

    def advance(done: int, report: Any) -> None:
        for name in counts:
            counts[name] += len(getattr(report, name))
        bar.set_postfix(counts, refresh=False)
        bar.update(done - bar.n)

    try:
        yield advance
    finally:
        bar.close()
