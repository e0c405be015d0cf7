"""A small real-model evaluation (the default 1.5B model), as `make eval` runs it, in CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import SEEDS

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.usefixtures("default_model")]


def test_eight_seed_questions_with_the_real_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITEWIRE_SEEDS_DIR", str(SEEDS))
    out = tmp_path / "run"
    args = ["eval", "--dataset", "seeds", "--split", "test", "--limit", "8", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["overall"]
    assert metrics["questions"] == 8
    assert metrics["answers"]["confidently_wrong"] <= 0.125  # at most one of eight answered wrongly
    assert metrics["crag"]["score"] >= 0  # no more wrong answers than right ones
    assert metrics["citations"]["verbatim"] in (1.0, None)  # quotes are cut from the stored text, always
    assert metrics["latency_ms"]["first_token_p50"] is not None  # the model read every answered question
    assert (out / "report.html").stat().st_size > 2000
