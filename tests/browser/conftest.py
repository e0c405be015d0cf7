"""Headless Chromium (Debian's package) driven by Playwright, and citewire servers on loopback.

No browser is downloaded: Playwright launches /usr/bin/chromium, which `scripts/install.sh --dev`
installs. Screenshots of the main states go to test-artifacts/widget/ (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from harness.loopback import ThreadedServer
from service.http.app import create_app
from service.pipeline import Pipeline
from service.settings import Settings
from tests.conftest import ROOT
from tests.fakes import HashEmbedder, ScriptedGenerator

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = ROOT / "test-artifacts" / "widget"

CITES = 2  # an answer cites [1] twice: after the model's proven sentence and after the quote that proves it


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `scripts/install.sh --dev` (it installs Debian's chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


class FakeServer:
    """A real uvicorn with the real app and pipeline; the models are the deterministic fakes."""

    def __init__(self, settings: Settings, generator: ScriptedGenerator, port: int | None = None) -> None:
        self.settings = settings
        self.generator = generator
        self._server = ThreadedServer(create_app(settings, pipeline=self._pipeline()), port=port)
        self.port = self._server.port

    def _pipeline(self) -> Pipeline:
        return Pipeline.from_settings(self.settings, embedder=HashEmbedder(), generator=self.generator)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> FakeServer:
        self._server.__enter__()
        return self

    def stop(self) -> None:
        self._server.__exit__()

    def restart(self) -> None:
        """A new server process-state on the same port (the index on disk is reused)."""
        self._server = ThreadedServer(create_app(self.settings, pipeline=self._pipeline()), port=self.port)
        self._server.__enter__()


@pytest.fixture
def serve(settings: Settings) -> Iterator[Callable[..., FakeServer]]:
    servers: list[FakeServer] = []

    def start(*replies: str, delay_s: float = 0.0, **overrides: object) -> FakeServer:
        server = FakeServer(settings.model_copy(update=overrides), ScriptedGenerator(replies, delay_s)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


def open_chat(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.locator(".launcher").click()
    expect(page.locator(".panel")).to_be_visible()


def ask(page: Page, question: str) -> None:
    page.locator("textarea").fill(question)
    page.locator("textarea").press("Enter")


def last_answer(page: Page) -> Locator:
    return page.locator(".msg.bot").last
