"""95% intervals for rates measured on small sets (Wilson score interval)."""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of `successes / total`; None when nothing was counted."""
    if total <= 0:
        return None
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def rate(successes: int, total: int) -> dict[str, float | int | list[float] | None]:
    """{"rate", "ci95": [low, high], "n"}: a rate with its interval, for metrics.json."""
    interval = wilson(successes, total)
    return {
        "rate": round(successes / total, 4) if total else None,
        "ci95": list(interval) if interval else None,
        "n": total,
    }
