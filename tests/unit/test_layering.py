"""The house's one-way arrows, read from every import statement (also those inside functions):

    retrieval  <-  prompts  <-  service  <-  eval  <-  bench, cli        (tests may import anything)

and inside service: errors, settings  <-  generators, model_files  <-  answer  <-  pipeline, web
<-  http. FastAPI and Starlette are imported only by the HTTP layer (service/http/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = {"retrieval": 0, "prompts": 1, "service": 2, "eval": 3, "bench": 4, "cli": 4}
SERVICE_ROOMS = {
    "errors": 0,
    "settings": 0,
    "generators": 1,
    "model_files": 1,
    "answer": 2,
    "pipeline": 3,
    "web": 3,
    "http": 4,
}
WEB_FRAMEWORKS = ("fastapi", "starlette")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def upward_imports(root: Path) -> list[str]:
    """Every import that points up a layer (or to a room above, inside service), as "file:line -> module"."""
    wrong = []
    for package, rank in PACKAGES.items():
        for path in sorted((root / package).rglob("*.py")):
            here = path.relative_to(root)
            for line, module in imports_of(path):
                top, *rest = module.split(".")
                if top == "tests" or PACKAGES.get(top, -1) > rank or _service_upward(here, top, rest):
                    wrong.append(f"{here}:{line} -> {module}")
                if top in WEB_FRAMEWORKS and here.parts[:2] != ("service", "http"):
                    wrong.append(f"{here}:{line} -> {module} (web framework outside service/http)")
    return wrong


def _service_upward(here: Path, top: str, rest: list[str]) -> bool:
    if here.parts[0] != "service" or top != "service" or not rest or len(here.parts) < 2:
        return False
    room = here.parts[1].removesuffix(".py")
    if room not in SERVICE_ROOMS or rest[0] not in SERVICE_ROOMS:
        return False
    return SERVICE_ROOMS[rest[0]] > SERVICE_ROOMS[room]


def test_no_package_imports_one_above_it() -> None:
    assert upward_imports(ROOT) == []


def test_every_top_level_module_of_service_has_a_room() -> None:
    rooms = {p.name.removesuffix(".py") for p in (ROOT / "service").iterdir() if p.suffix == ".py" or p.is_dir()}
    assert rooms - {"__init__", "__pycache__"} <= set(SERVICE_ROOMS)


@pytest.mark.parametrize(
    ("where", "source", "reason"),
    [
        ("retrieval/x.py", "from service.pipeline import Pipeline\n", "retrieval -> service"),
        ("service/x.py", "def f():\n    from eval.cli import eval_command\n", "an import inside a function"),
        ("bench/x.py", "from tests.fakes import FakeGenerator\n", "nothing imports tests"),
        ("service/answer/x.py", "from service.http.jobs import AnswerJobs\n", "answer -> http"),
        ("service/pipeline.py", "from fastapi import Request\n", "FastAPI outside the HTTP layer"),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path, where, source, reason) -> None:
    path = tmp_path / where
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert len(upward_imports(tmp_path)) == 1, reason
