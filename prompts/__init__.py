"""Prompt templates (`*.j2` in this folder) and their renderer.

Each template starts with `{# variables: a, b #}`; rendering checks that exactly those
variables are given. Rendering is sandboxed with StrictUndefined; values (article text,
questions) are inserted as data and never evaluated as template code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

PROMPTS_DIR = Path(__file__).parent
_DECLARATION = re.compile(r"^\{#\s*variables:\s*(?P<names>[\w\s,]*?)\s*#\}\n")


class PromptError(Exception):
    """A template is missing, undeclared, or rendered with the wrong variables."""


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=32)
def _load(name: str) -> tuple[frozenset[str], str]:
    path = PROMPTS_DIR / f"{name}.j2"
    if not path.is_file():
        raise PromptError(f"no prompt template {path}")
    source = path.read_text(encoding="utf-8")
    match = _DECLARATION.match(source)
    if not match:
        raise PromptError(f"{path} must start with '{{# variables: ... #}}'")
    names = frozenset(n.strip() for n in match.group("names").split(",") if n.strip())
    return names, source[match.end() :]


def required_variables(name: str) -> frozenset[str]:
    return _load(name)[0]


def render(name: str, **variables: Any) -> str:
    """Render template `name` (file `<name>.j2`) with exactly its declared variables."""
    declared, body = _load(name)
    given = frozenset(variables)
    if given != declared:
        raise PromptError(f"prompt {name!r} takes {sorted(declared)}; got {sorted(given)}")
    return _environment().from_string(body).render(**variables).strip()
