"""A small real-model evaluation (the default 1.5B model), as `make eval` runs it, in CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from tests.conftest import SEEDS

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_eight_seed_questions_with_the_real_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITEWIRE_SEEDS_DIR", str(SEEDS))
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["eval", "--dataset", "seeds", "--limit", "8", "--out", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["overall"]
    assert metrics["questions"] == 8
    assert metrics["citations"]["verbatim"] == 1.0  # quotes are cut from the stored text, always
    assert metrics["answers"]["key_fact_accuracy"] >= 0.5
    assert metrics["crag"]["score"] > 0  # more right answers than wrong ones
    assert metrics["latency_ms"]["first_token_p50"] is not None
    assert (out / "report.html").stat().st_size > 2000
