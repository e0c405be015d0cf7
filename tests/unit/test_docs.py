"""The README and docs/ stay true: the two set-up commands, every command shown names something
that exists, every setting is documented, the README stays short and its links resolve."""

from __future__ import annotations

import importlib.util
import re
import shlex

from cli.main import main as citewire
from service.settings import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKE_TARGETS = set(re.findall(r"^([a-z][a-z0-9-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))


def shown_commands(markdown: str) -> list[list[str]]:
    """Each command line in the fenced code blocks (continuation lines joined, comments dropped)."""
    commands = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", markdown, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith(("make ", "citewire ", "python -m ", ".venv/bin/python -m ")):
                commands.append(shlex.split(line))
    return commands


def missing(command: list[str]) -> str | None:
    """Why this command names nothing that exists, or None."""
    if command[0] == "make":
        return None if set(command[1:]) <= MAKE_TARGETS else f"no make target {command[1:]}"
    if command[0] == "citewire":
        return None if command[1] in citewire.commands else f"no citewire command {command[1]!r}"
    module = command[command.index("-m") + 1]
    return None if importlib.util.find_spec(module) else f"no module {module}"


def test_the_readme_starts_with_exactly_the_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in quickstart.splitlines() if line.strip().startswith("make ")]
    assert commands == ["make serve", "make test"]


def test_every_command_in_the_readme_names_a_make_target_cli_command_or_module() -> None:
    commands = shown_commands(README)
    assert len(commands) >= 15  # the quickstart and the CLI block at least
    assert [(" ".join(c), why) for c in commands if (why := missing(c))] == []


def test_the_check_catches_a_command_that_does_not_exist() -> None:
    shown = shown_commands("```\ncitewire frobnicate x\nmake nope\npython -m bench.nope  # no\n```\n")
    assert [missing(c) is not None for c in shown] == [True, True, True]


def test_the_readme_is_short_and_its_doc_links_resolve() -> None:
    assert len(README.splitlines()) <= 300
    for page in ("README.md", *(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))):
        text = (ROOT / page).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text):
            assert (ROOT / page).parent.joinpath(target).is_file(), f"{page} links to a missing {target}"


def test_every_setting_is_documented() -> None:
    settings = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert [name for name in Settings.model_fields if f"`CITEWIRE_{name.upper()}`" not in settings] == []
