"""RefreshedValue: readers never wait for a recomputation after the first, and end up with the new value."""

from __future__ import annotations

import threading
import time

from retrieval.background_refresh import RefreshedValue
from tests.conftest import eventually


class _Scan:
    """A computation that returns the next number each time; can be held until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()
        self.release.set()
        self.fail = False

    def __call__(self) -> int:
        self.release.wait(timeout=10)
        if self.fail:
            raise RuntimeError("scan failed")
        self.calls += 1
        return self.calls


def test_the_first_read_computes_and_the_same_revision_reuses_it() -> None:
    scan = _Scan()
    value = RefreshedValue("n", scan)
    assert value.get("r1") == 1 and value.get("r1") == 1
    assert scan.calls == 1


def test_a_new_revision_returns_the_old_value_at_once_then_the_new_one() -> None:
    scan = _Scan()
    value = RefreshedValue("n", scan)
    value.get("r1")
    scan.release.clear()  # the recomputation is held
    started = time.monotonic()
    assert value.get("r2") == 1
    assert value.get("r2") == 1  # still the old value, and no second thread
    assert time.monotonic() - started < 1.0
    scan.release.set()
    assert eventually(lambda: value.get("r2") == 2)
    time.sleep(0.05)
    assert scan.calls == 2  # one recomputation for r2, however many reads


def test_recomputations_are_spaced_by_the_minimum_age() -> None:
    scan = _Scan()
    value = RefreshedValue("n", scan, min_age_s=60)
    value.get("r1")
    assert value.get("r2") == 1
    time.sleep(0.05)
    assert scan.calls == 1


def test_a_failed_recomputation_keeps_the_last_value() -> None:
    scan = _Scan()
    value = RefreshedValue("n", scan)
    value.get("r1")
    scan.fail = True
    assert value.get("r2") == 1
    assert eventually(lambda: not value._running)
    scan.fail = False
    assert eventually(lambda: value.get("r2") == 2)


def test_an_amendment_shows_at_once_and_a_recomputation_still_follows() -> None:
    scan = _Scan()
    value = RefreshedValue("n", scan)
    value.get("r1")
    scan.release.clear()
    value.amend(lambda n: n + 100)
    assert value.get("r2") == 101
    scan.release.set()
    assert eventually(lambda: value.get("r2") == 2)


def test_a_recomputation_started_before_clear_does_not_bring_the_old_value_back() -> None:
    scan = _Scan()
    value = RefreshedValue("n", scan)
    value.get("r1")
    scan.release.clear()
    value.get("r2")  # a recomputation over the old collection starts and is held
    value.clear()  # the collection is dropped and rebuilt meanwhile
    scan.release.set()
    time.sleep(0.1)  # the held recomputation finishes after the clear
    assert value.get("r3") == 3  # computed afresh for the new collection, not the held scan's 2
    assert scan.calls == 3
