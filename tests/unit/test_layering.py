"""The house's one-way arrows, read from every import statement (also those inside functions):

    retrieval  <-  prompts  <-  service  <-  eval  <-  bench, cli        (tests may import anything)
    harness  <-  bench                  (the loopback servers: imports nothing of the project)

and inside service: errors, settings  <-  generators, model_files  <-  claims  <-  answer  <-
pipeline, web  <-  http, mcp. FastAPI and Starlette are imported only by the HTTP layer (service/http/). No two modules
import each other, directly or round a longer circle (lazy imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = {"retrieval": 0, "prompts": 1, "service": 2, "eval": 3, "harness": 3, "bench": 4, "cli": 4}
SERVICE_ROOMS = {
    "errors": 0,
    "settings": 0,
    "generators": 1,
    "model_files": 1,
    "claims": 2,
    "answer": 3,
    "pipeline": 4,
    "web": 4,
    "mcp": 5,  # the MCP tools answer through the HTTP layer's queue; the HTTP layer mounts them at /mcp
    "http": 5,
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
                harness_imports = package == "harness" and top in PACKAGES
                if (
                    top == "tests"
                    or PACKAGES.get(top, -1) > rank
                    or _service_upward(here, top, rest)
                    or harness_imports
                ):
                    wrong.append(f"{here}:{line} -> {module}")
                if top in WEB_FRAMEWORKS and here.parts[:2] != ("service", "http"):
                    wrong.append(f"{here}:{line} -> {module} (web framework outside service/http)")
    return wrong


def import_cycles(root: Path) -> list[list[str]]:
    """Each circle of modules (files) that import each other, round any number of steps."""
    files = {_module_name(p.relative_to(root)): p for package in PACKAGES for p in (root / package).rglob("*.py")}
    graph = {name: sorted(_imported_modules(path, files) - {name}) for name, path in files.items()}
    return [sorted(group) for group in _strongly_connected(graph) if len(group) > 1]


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules this file imports (`from package import module` names the module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in known:
                    found.add(submodule)
                elif node.module in known:
                    found.add(node.module)
    return found


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(graph.get(successor, []))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _service_upward(here: Path, top: str, rest: list[str]) -> bool:
    if here.parts[0] != "service" or top != "service" or not rest or len(here.parts) < 2:
        return False
    room = here.parts[1].removesuffix(".py")
    if room not in SERVICE_ROOMS or rest[0] not in SERVICE_ROOMS:
        return False
    return SERVICE_ROOMS[rest[0]] > SERVICE_ROOMS[room]


def test_no_package_imports_one_above_it() -> None:
    assert upward_imports(ROOT) == []


def test_no_modules_import_each_other() -> None:
    assert import_cycles(ROOT) == []


def test_the_check_catches_a_circle_of_three_and_a_lazy_import(tmp_path: Path) -> None:
    (tmp_path / "retrieval").mkdir()
    (tmp_path / "retrieval" / "a.py").write_text("from retrieval import b\n", encoding="utf-8")
    (tmp_path / "retrieval" / "b.py").write_text("from retrieval.c import x\n", encoding="utf-8")
    (tmp_path / "retrieval" / "c.py").write_text("def f():\n    import retrieval.a\n", encoding="utf-8")
    (tmp_path / "retrieval" / "d.py").write_text("from retrieval import a\n", encoding="utf-8")
    assert import_cycles(tmp_path) == [["retrieval.a", "retrieval.b", "retrieval.c"]]


def test_every_top_level_module_of_service_has_a_room() -> None:
    rooms = {p.name.removesuffix(".py") for p in (ROOT / "service").iterdir() if p.suffix == ".py" or p.is_dir()}
    assert rooms - {"__init__", "__pycache__"} <= set(SERVICE_ROOMS)


@pytest.mark.parametrize(
    ("where", "source", "reason"),
    [
        ("retrieval/x.py", "from service.pipeline import Pipeline\n", "retrieval -> service"),
        ("service/x.py", "def f():\n    from eval.cli import eval_command\n", "an import inside a function"),
        ("bench/x.py", "from tests.fakes import FakeGenerator\n", "nothing imports tests"),
        ("service/x.py", "from harness.loopback import free_port\n", "service -> harness"),
        ("harness/x.py", "from retrieval.store import fuse\n", "harness imports nothing of the project"),
        ("service/answer/x.py", "from service.http.jobs import AnswerJobs\n", "answer -> http"),
        ("service/claims/x.py", "from service.answer.result import Answer\n", "claims -> answer"),
        ("service/pipeline.py", "from fastapi import Request\n", "FastAPI outside the HTTP layer"),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path, where, source, reason) -> None:
    path = tmp_path / where
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert len(upward_imports(tmp_path)) == 1, reason
