"""The `[n]` (or `[1, 2]`) citation markers of an answer's text, as clients, follow-ups and the
evaluation read them."""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")  # group 1: the numbers, "1" or "1, 2"
_SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern)


def strip_markers(text: str) -> str:
    """The text without its markers or the space before each ("moved [1]." -> "moved.")."""
    return _SPACED_MARKER.sub("", text)


def marker_numbers(text: str) -> list[int]:
    """The numbers of every marker in `text`, in order."""
    return [int(n) for group in MARKER.findall(text) for n in group.split(",")]
