"""Servers on loopback for tests and benchmarks: uvicorn in a thread, `citewire serve` (alone or as a
Milvus replica), `milvus-lite server` and nginx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedServer:
    """uvicorn serving `app` on a free loopback port, in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        wait_ready(self.url, timeout_s=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)


class _ChildServer:
    """A server process on a free loopback port, its output in `log`; `stop()` ends it."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit code once the process has ended; None while it runs (or before it started)."""
        return self._process.poll() if self._process is not None else None

    def kill(self) -> None:
        """kill -9, as a crash would: no chance to flush or close."""
        if self._process and self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)

    def log(self) -> str:
        return self._log.read_text(errors="replace")

    def _launch_listening(self, command: list[str], what: str, timeout_s: float) -> None:
        """Start `command` (output to the log) and wait until it listens on the port; stopped, with
        the log's tail in the error, when it exits or does not listen in time."""
        with self._log.open("ab") as handle:
            self._process = subprocess.Popen(command, stdout=handle, stderr=handle)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{what} exited with code {self._process.returncode}: {self.log()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"{what} did not listen on {self.port} within {timeout_s:.0f} s: {self.log()[-2000:]}")


class ServeProcess(_ChildServer):
    """`citewire serve` as a subprocess with the given CITEWIRE_* environment."""

    def __init__(self, root: Path, env: dict[str, str], log: Path) -> None:
        super().__init__(log)
        self._root = root
        self._env = {**os.environ, **env, "CITEWIRE_PORT": str(self.port)}

    def launch(self) -> ServeProcess:
        """Start the process without waiting for it to be ready."""
        with self._log.open("ab") as handle:
            command = [sys.executable, "-m", "cli.main", "serve"]
            self._process = subprocess.Popen(command, cwd=self._root, env=self._env, stdout=handle, stderr=handle)
        return self

    def start(self, timeout_s: float = 180) -> ServeProcess:
        """Start the process and wait until /readyz says ready."""
        self.launch()
        try:
            wait_ready(self.url, timeout_s, self._process)
        except Exception:
            self.stop()
            raise
        return self


def milvus_replica(root: Path, folder: Path, uri: str, name: str, **settings: str) -> ServeProcess:
    """`citewire serve` as one replica of a shared Milvus store at `uri` (an empty store gets the
    seeds), logging to folder/NAME.log; `settings`: further CITEWIRE_* variables."""
    env = {
        "CITEWIRE_STORE": "milvus",
        "CITEWIRE_MILVUS_URI": uri,
        "CITEWIRE_SEEDS_DIR": str(root / "seeds"),
        "CITEWIRE_INDEX_DIR": str(folder / f"unused-{name}"),  # a Milvus replica writes no index of its own
        **settings,
    }
    return ServeProcess(root, env, folder / f"{name}.log")


def wait_ready(url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} was not ready within {timeout_s} s")


class MilvusLiteServer(_ChildServer):
    """`milvus-lite server` on a free loopback port (a Milvus that several processes share), for
    tests and benchmarks of the Milvus store."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        super().__init__(log)
        self._data_dir = data_dir

    @property
    def uri(self) -> str:
        return self.url

    def __enter__(self) -> MilvusLiteServer:
        return self.start()

    def start(self) -> MilvusLiteServer:
        """Start (or, after `kill`, restart) the server on its port and data folder; wait until it listens."""
        command = [
            str(Path(sys.executable).with_name("milvus-lite")),
            "server",
            "--data-dir",
            str(self._data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self._launch_listening(command, "milvus-lite server", 60)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


NGINX = Path("/usr/sbin/nginx")  # Debian's nginx-light (scripts/install.sh --dev installs it)


class NginxProxy(_ChildServer):
    """nginx on a free loopback port running a deploy/nginx.conf server block as it is, with the
    upstream replicas' addresses (`citewire-1:8000` -> `127.0.0.1:PORT`) and its `listen` port
    substituted; temp files, pid and logs in `workdir`."""

    def __init__(self, config: Path, upstreams: dict[str, str], workdir: Path) -> None:
        super().__init__(workdir / "nginx.log")
        self._config = config
        self._upstreams = upstreams
        self._workdir = workdir

    def render(self) -> str:
        """The whole nginx.conf: the deploy file's blocks inside an `http` block of loopback paths."""
        text = self._config.read_text(encoding="utf-8")
        replacements = {"listen 80;": f"listen 127.0.0.1:{self.port};", **self._upstreams}
        for old, new in replacements.items():
            if old not in text:
                raise ValueError(f"{self._config} no longer holds {old!r}: the proxy harness needs updating")
            text = text.replace(old, new)
        work = self._workdir
        temp = "\n".join(
            f"    {kind}_temp_path {work}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return (
            f"worker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/error.log warn;\n"
            f"events {{ worker_connections 512; }}\n"
            f"http {{\n    access_log {work}/access.log;\n{temp}\n{text}\n}}\n"
        )

    def __enter__(self) -> NginxProxy:
        if not NGINX.is_file():
            raise FileNotFoundError(f"{NGINX} is missing: install Debian's nginx-light (make install-dev does)")
        self._workdir.mkdir(parents=True, exist_ok=True)
        conf = self._workdir / "nginx.conf"
        conf.write_text(self.render(), encoding="utf-8")
        command = [str(NGINX), "-p", str(self._workdir), "-c", str(conf), "-g", "daemon off;"]
        self._launch_listening(command, "nginx", 20)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
