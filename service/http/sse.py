"""Server-sent events framing: one JSON object per event, on one `data:` line."""

from __future__ import annotations

import json
from typing import Any


def sse_event(event: str | None, data: Any) -> str:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"
