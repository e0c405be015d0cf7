"""The writer of bench.faults, run as its own process so that it can be killed mid-batch: it POSTs
`--count` generated articles in batches of `--batch` to `/api/articles`, retrying a batch until the
service acknowledges it (HTTP 200), and appends each acknowledged batch's ids to `--acks` (flushed
and fsynced) only then. Before sending a batch it writes the batch's ids to `ACKS.pending`, so that
bench.faults can kill it while a batch is on its way. Rerun, it skips what was acknowledged before.

    .venv/bin/python -m bench.fault_writer --url http://127.0.0.1:8080 --acks acks.txt [--count 200]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

TOWNS = ("Aleppo", "Homs", "Hama", "Latakia", "Tartus", "Idlib", "Raqqa", "Daraa", "Deir ez-Zor", "Qamishli")
FIRST_DAY = date(2013, 1, 1)  # after the seeds' newest article: each write moves the newest date on


def article(number: int) -> dict[str, str]:
    town = TOWNS[number % len(TOWNS)]
    day = FIRST_DAY + timedelta(days=number)
    return {
        "id": f"fault-{number:05d}",
        "title": f"Water station {number} back in service in {town}",
        "source": "Fault Wire",
        "published": day.isoformat(),
        "text": (
            f"Engineers restored water station number {number} in {town} on {day:%d %B %Y}, the local council said. "
            f"They replaced {number % 7 + 2} damaged pumps and the station now serves {number * 10 + 500} homes."
        ),
    }


def pending(acks: Path) -> Path:
    """The file holding the ids of the batch being sent."""
    return acks.with_name(acks.name + ".pending")


def acknowledged(acks: Path) -> set[str]:
    return set(acks.read_text(encoding="utf-8").split()) if acks.exists() else set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--acks", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--pause-s", type=float, default=0.2, help="between two batches")
    args = parser.parse_args()
    done = acknowledged(args.acks)
    todo = [article(n) for n in range(args.count) if f"fault-{n:05d}" not in done]
    with httpx.Client(timeout=120) as client:
        for start in range(0, len(todo), args.batch):
            batch = todo[start : start + args.batch]
            pending(args.acks).write_text("".join(f"{a['id']}\n" for a in batch), encoding="utf-8")
            _post_until_acknowledged(client, args.url, batch)
            with args.acks.open("a", encoding="utf-8") as handle:
                handle.write("".join(f"{a['id']}\n" for a in batch))
                handle.flush()
                os.fsync(handle.fileno())
            time.sleep(args.pause_s)


def _post_until_acknowledged(client: httpx.Client, url: str, batch: list[dict[str, str]]) -> None:
    """Send the batch until it is acknowledged; a refusal that sending again cannot change (a 4xx other
    than 408 and 429) stops the writer with the service's message instead of retrying forever."""
    while True:
        try:
            response = client.post(f"{url}/api/articles", json=batch)
            if response.status_code == 200:
                return
            if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                raise SystemExit(f"the service refused the batch ({response.status_code}): {response.text[:500]}")
        except httpx.HTTPError:
            pass  # the replica or the proxy went away: the write is idempotent by id, so send it again
        time.sleep(0.5)


if __name__ == "__main__":
    main()
