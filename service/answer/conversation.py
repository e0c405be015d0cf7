"""Follow-up questions made standalone from the conversation history, before retrieval.

"And what did he say about that?" cannot be retrieved on its own. When the history has a
user turn and the question looks like it leans on it (pronouns, a leading "and"/"what
about", or hardly any content words), it is rewritten: by the model with the
`rewrite_question` prompt when one is available, with a keyword carry-over otherwise, and
the model's rewrite is only used when it keeps the question's own content words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.terms import terms
from service.answer.markers import strip_markers
from service.errors import InvalidRequestError

MAX_HISTORY_TURNS = 6  # messages shown to the rewriter (the last three exchanges)
MAX_TURN_CHARS = 600
_ROLES = ("user", "assistant")
_REFERRING = re.compile(
    r"\b(he|she|it|they|them|him|his|her|hers|its|their|theirs|that|this|those|these|there|then|the same|"
    r"such|former|latter)\b",
    re.IGNORECASE,
)
_LEADING_LINK = re.compile(r"^\s*(and|but|so|also|what about|how about|and what about|why|when)\b", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(standalone question|question|rewritten question)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str


def check_history(history: Sequence[Turn]) -> list[Turn]:
    """Validated history: known roles, text content; system turns are rejected, not obeyed."""
    cleaned = []
    for position, turn in enumerate(history):
        if turn.role not in _ROLES:
            raise InvalidRequestError(f"history[{position}].role must be 'user' or 'assistant', not {turn.role!r}")
        content = " ".join(turn.content.split())
        if content:
            cleaned.append(Turn(turn.role, content))
    return cleaned


def needs_rewrite(question: str, history: Sequence[Turn]) -> bool:
    if not any(turn.role == "user" for turn in history):
        return False
    return bool(_REFERRING.search(question) or _LEADING_LINK.match(question) or len(terms(question)) < 3)


def recent_turns(history: Sequence[Turn]) -> list[dict[str, str]]:
    """The last turns as prompt variables, citation markers stripped, each one shortened."""
    shown = []
    for turn in history[-MAX_HISTORY_TURNS:]:
        content = strip_markers(turn.content)
        if len(content) > MAX_TURN_CHARS:
            content = content[: MAX_TURN_CHARS - 1] + "…"
        shown.append({"role": turn.role, "content": content})
    return shown


def keyword_rewrite(question: str, history: Sequence[Turn]) -> str:
    """Carry the previous user question along as context (used without a model)."""
    previous = next(turn.content for turn in reversed(history) if turn.role == "user")
    return f"{question} (follow-up to: {previous})"


def accept_model_rewrite(question: str, reply: str) -> str | None:
    """The model's rewrite when it is one plausible question keeping the original's content words."""
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return None
    candidate = _LABEL.sub("", lines[0]).strip().strip('"“”').strip()
    if not 3 <= len(candidate) <= 3 * len(question) + 200 or "NOT FOUND" in candidate.upper():
        return None
    own = set(terms(_REFERRING.sub(" ", question)))
    kept = own & set(terms(candidate))
    if own and len(kept) < len(own) / 2:
        return None
    return candidate
