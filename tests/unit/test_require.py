"""`require()` in tests/conftest.py: a missing model or browser skips a test locally and fails it
under CI=true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import in_ci, require, require_model


@pytest.mark.parametrize("value", [None, "", "false", "0", "yes"])
def test_outside_ci_a_missing_requirement_skips(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match=r"^the frobnicator is not installed$"):
        require(False, "the frobnicator is not installed")


@pytest.mark.parametrize("value", ["true", "True", " TRUE "])
def test_under_ci_a_missing_requirement_fails_with_the_reason(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match=r"^the frobnicator is not installed \(CI=true: .*failure"):
        require(False, "the frobnicator is not installed")


@pytest.mark.parametrize("value", [None, "true"])
def test_a_met_requirement_neither_skips_nor_fails(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    require(True, "unused")  # returns: no skip or fail raised


def test_a_missing_model_file_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    gone = tmp_path / "gone.gguf"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=re.escape(f"Model file {gone} does not exist")):
        require_model(str(gone), tmp_path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=re.escape(f"Model file {gone} does not exist") + ".*CI=true"):
        require_model(str(gone), tmp_path)


def test_an_existing_model_file_is_returned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI", "true")
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    assert require_model(str(model), tmp_path) == model
