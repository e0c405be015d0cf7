"""The issue's "done when": `citewire serve` on the seeds with the real models, a person asks
a question about Syria's chemical weapons in the widget, watches it stream, and checks a citation in one click."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from harness.loopback import ServeProcess
from tests.browser.conftest import screenshot
from tests.conftest import ROOT, SEEDS

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("default_model")]


def test_chemical_weapons_question_with_the_real_model(page: Page, tmp_path: Path) -> None:
    env = {"CITEWIRE_INDEX_DIR": str(tmp_path / "index"), "CITEWIRE_SEEDS_DIR": str(SEEDS)}
    process = ServeProcess(ROOT, env, tmp_path / "serve.log").start()
    try:
        page.goto(process.url + "/")
        page.locator(".launcher").click()
        page.locator("textarea").fill("What did Lavrov say was the biggest threat from Syria's chemical weapons?")
        page.locator("textarea").press("Enter")
        bot = page.locator(".msg.bot").last
        expect(bot.locator(".sources li").first).to_be_visible(timeout=30_000)
        cite = bot.locator("a.cite").first
        expect(cite).to_be_visible(timeout=120_000)
        assert "militants" in bot.locator("p.text").inner_text()
        cite.hover()
        quote = page.locator(".card blockquote").inner_text()
        assert "militants" in quote
        screenshot(page, "20-real-model-threat")
        with page.context.expect_page() as opened:
            cite.click()
        article = opened.value
        expect(article.locator("mark.cited")).to_have_text(quote)
        screenshot(article, "21-real-model-quote")
    finally:
        process.stop()
