"""The `citewire` CLI end to end with the real embedder (extractive mode, so no LLM needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import SEEDS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CITEWIRE_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("CITEWIRE_SEEDS_DIR", str(SEEDS))
    from service.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def test_ingest_ask_show_delete_round_trip(cli, tmp_path: Path) -> None:
    first = cli("ingest", str(SEEDS))
    assert first.exit_code == 0 and "5 created" in first.output
    again = cli("ingest", str(SEEDS))
    assert again.exit_code == 0 and "0 created, 0 updated, 5 unchanged (0 passages embedded)" in again.output

    asked = cli(
        "ask",
        "What did Lavrov say was the biggest threat from Syria's chemical weapons?",
        "--json",
        "--mode",
        "extractive",
    )
    assert asked.exit_code == 0
    answer = json.loads(asked.stdout)
    assert answer["status"] == "tentative" and answer["citations"][0]["article_id"] == "002_946358d19c61b6c0"

    shown = json.loads(cli("show", "002_946358d19c61b6c0", "--json").stdout)
    citation = answer["citations"][0]
    assert shown["text"][citation["start"] : citation["end"]] == citation["quote"]

    listed = cli("articles")
    assert listed.exit_code == 0 and "5 articles" in listed.output and "Gulf News" in listed.output

    assert cli("delete", "002_946358d19c61b6c0").exit_code == 0
    after = json.loads(
        cli(
            "ask",
            "What did Lavrov say was the biggest threat from Syria's chemical weapons?",
            "--json",
            "--mode",
            "extractive",
        ).stdout
    )
    assert all(c["article_id"] != "002_946358d19c61b6c0" for c in after["citations"])
    assert all(p["article_id"] != "002_946358d19c61b6c0" for p in after["passages"])


def test_friendly_errors_and_exit_codes(cli, tmp_path: Path) -> None:
    missing = cli("ingest", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 1 and "error:" in missing.stderr and "no such file" in missing.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{broken\n", encoding="utf-8")
    parsed = cli("ingest", str(bad))
    assert parsed.exit_code == 1 and f"{bad}:1: invalid JSON" in parsed.stderr
    unknown = cli("show", "no-such-article")
    assert unknown.exit_code == 1 and "no article with id 'no-such-article'" in unknown.stderr
    empty = cli("ask", "   ")
    assert empty.exit_code == 1 and "the question is empty" in empty.stderr
    assert "Traceback" not in missing.output + parsed.output + unknown.output + empty.output


def test_changed_chunk_settings_name_the_fix(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("ingest", str(SEEDS)).exit_code == 0
    monkeypatch.setenv("CITEWIRE_CHUNK_WORDS", "80")
    mismatch = cli("ask", "Who is Lakhdar Brahimi?", "--mode", "extractive")
    assert mismatch.exit_code == 1 and "--rebuild" in mismatch.stderr
    rebuilt = cli("ingest", "--rebuild", str(SEEDS))
    assert rebuilt.exit_code == 0 and "5 created" in rebuilt.output


def test_invalid_setting_is_reported(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEWIRE_TOP_K", "zero")
    result = cli("articles")
    assert result.exit_code == 2 and "CITEWIRE_TOP_K" in result.stderr
