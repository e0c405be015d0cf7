"""Builds the container image with podman (`scripts/build-image.sh`) and starts `citewire serve`
from the built image's own filesystem (`podman image mount` + `chroot`: `podman run` is not
permitted on the development machine) until `/readyz` answers. Needs root. Not part of the tests.

    .venv/bin/python -m bench.image [--tag citewire:latest] [--skip-build] [--out runs/bench/image.json]

Prints the build time, the image size and the time from start to ready, and the /readyz body.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", default="citewire:latest")
    parser.add_argument("--skip-build", action="store_true", help="measure an image built already")
    parser.add_argument("--port", type=int, default=18000)
    parser.add_argument("--out", type=Path, default=Path("runs/bench/image.json"))
    args = parser.parse_args()
    result: dict[str, Any] = {"tag": args.tag}
    if not args.skip_build:
        started = time.perf_counter()
        subprocess.run([str(ROOT / "scripts/build-image.sh"), args.tag], check=True)
        result["build_s"] = round(time.perf_counter() - started)
    size = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Size}}", args.tag], check=True, capture_output=True, text=True
    )
    result["size_mb"] = round(int(size.stdout.strip()) / 1e6)
    result |= _serve_from_image(args.tag, args.port)
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _serve_from_image(tag: str, port: int) -> dict[str, Any]:
    root = subprocess.run(["podman", "image", "mount", tag], check=True, capture_output=True, text=True).stdout.strip()
    mounted: list[str] = []
    try:
        for name in ("proc", "dev", "sys"):
            target = f"{root}/{name}"
            subprocess.run(["mount", "--bind", f"/{name}", target], check=True)
            mounted.append(target)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", f"{root}/tmp"], check=True)
        mounted.append(f"{root}/tmp")  # the mounted image is read-only: the index is copied here
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/home/citewire",
            "CITEWIRE_CACHE_DIR": "/app/models",
            "CITEWIRE_INDEX_DIR": "/tmp/citewire-index",  # the image's own index is read-only here: a copy
            "CITEWIRE_SEEDS_DIR": "/app/seeds",
            "CITEWIRE_HOST": "127.0.0.1",
            "CITEWIRE_PORT": str(port),
            "HF_HUB_OFFLINE": "1",
        }
        subprocess.run(
            ["chroot", root, "/bin/sh", "-c", "rm -rf /tmp/citewire-index && cp -r /app/var/index /tmp/citewire-index"],
            check=True,
        )
        started = time.perf_counter()
        log = open(ROOT / "runs" / "bench-image-serve.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [
                shutil.which("chroot") or "/usr/sbin/chroot",
                "--userspec=10001:10001",
                root,
                "/app/.venv/bin/citewire",
                "serve",
            ],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            ready = _wait_ready(f"http://127.0.0.1:{port}", process, timeout_s=600)
            return {"ready_s": round(time.perf_counter() - started, 1), "readyz": ready}
        finally:
            process.terminate()
            process.wait(30)
            log.close()
    finally:
        for target in reversed(mounted):
            subprocess.run(["umount", target], check=False)
        subprocess.run(["podman", "image", "unmount", tag], check=False, capture_output=True)


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"citewire serve exited with code {process.returncode}: see runs/bench-image-serve.log")
        try:
            response = httpx.get(f"{url}/readyz", timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"{url}/readyz did not answer within {timeout_s} s")


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("bench.image needs root (podman image mount, mount --bind, chroot)")
    main()
