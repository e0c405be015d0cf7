"""The chat widget in a real headless Chromium against a real server on loopback (fake models):
answers as they stream, citations, follow-ups, declined and tentative answers, copy and stop."""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CITES, ask, last_answer, open_chat, screenshot
from tests.conftest import LAVROV_A, LAVROV_ID, LAVROV_Q, eventually

pytestmark = [pytest.mark.integration, pytest.mark.browser]

FOLLOW_UP_Q = "And what did he say about Assad leaving?"
FOLLOW_UP_REWRITE = "What did Lavrov say about persuading Assad to leave Syria?"
FOLLOW_UP_A = 'Lavrov said there was "no possibility" of persuading President Bashar Assad to leave Syria [1].'


def test_sources_then_verified_sentences_then_the_answer_with_citation_cards(page: Page, serve) -> None:
    server = serve(LAVROV_A, LAVROV_A, delay_s=0.15)
    server.generator.hold = threading.Event()
    open_chat(page, server.url)
    screenshot(page, "01-open")
    ask(page, LAVROV_Q)

    bot = last_answer(page)
    expect(bot.locator(".sources li").first).to_be_visible()  # sources before the model writes
    expect(page.locator("textarea")).to_be_disabled()
    expect(page.locator("button.stop")).to_be_visible()
    assert "Lavrov" in bot.locator(".sources").inner_text()
    assert bot.locator("a.cite").count() == 0
    screenshot(page, "02-sources")

    server.generator.hold.set()
    expect(bot.locator(".text")).to_contain_text("Lavrov said the biggest threat")  # a verified sentence
    assert "draft" not in (bot.get_attribute("class") or "")  # nothing shown is taken back later
    screenshot(page, "03-streaming")

    cite = bot.locator("a.cite").first
    expect(cite).to_have_text("[1]")
    expect(page.locator("textarea")).to_be_enabled()
    answer = httpx.post(f"{server.url}/api/ask", json={"question": LAVROV_Q}, timeout=30).json()
    citation = answer["citations"][0]
    assert bot.locator("p.text").inner_text() == answer["answer"]

    cite.hover()
    card = page.locator(".card")
    expect(card).to_be_visible()
    expect(card.locator("blockquote")).to_have_text(citation["quote"])
    expect(card.locator("strong")).to_have_text(citation["title"])
    screenshot(page, "04-citation-card")

    with page.context.expect_page() as opened:
        cite.click()
    article = opened.value
    article.wait_for_load_state()
    assert unquote(article.url).endswith(f"/articles/{citation['article_id']}#q={citation['start']}-{citation['end']}")
    mark = article.locator("mark.cited")
    expect(mark).to_have_text(citation["quote"])
    expect(mark).to_be_in_viewport()
    screenshot(article, "05-article-highlight")


def test_follow_up_carries_history_and_the_chat_survives_a_reload(page: Page, serve) -> None:
    server = serve(LAVROV_A, FOLLOW_UP_REWRITE, FOLLOW_UP_A)
    open_chat(page, server.url)
    ask(page, LAVROV_Q)
    expect(last_answer(page).locator("a.cite")).to_have_count(CITES)
    ask(page, FOLLOW_UP_Q)
    expect(page.locator(".msg.bot")).to_have_count(2)
    expect(last_answer(page).locator("a.cite")).to_have_count(CITES)

    rewrite_prompt = server.generator.requests[1].messages[-1].content
    assert LAVROV_Q in rewrite_prompt and FOLLOW_UP_Q in rewrite_prompt  # the history reached the server
    assert "persuading" in last_answer(page).locator("p.text").inner_text()

    page.reload()
    expect(page.locator(".panel")).to_be_visible()  # it was open: it opens again
    expect(page.locator(".msg.user")).to_contain_text([LAVROV_Q, FOLLOW_UP_Q])
    expect(page.locator(".msg.bot a.cite")).to_have_count(2 * CITES)
    last_answer(page).locator("a.cite").first.hover()
    expect(page.locator(".card blockquote")).to_contain_text("no possibility")
    screenshot(page, "06-restored-after-reload")

    page.locator("button.new").click()
    expect(page.locator(".msg")).to_have_count(0)
    page.reload()
    expect(page.locator(".msg")).to_have_count(0)


def test_declined_answer_reads_as_such(page: Page, serve) -> None:
    server = serve("NONE", tentative_min_evidence_score=1.0)  # the model finds no answer; the evidence is weak
    open_chat(page, server.url)
    ask(page, "What did Lavrov say about the price of wheat in Kansas?")
    bot = last_answer(page)
    expect(bot).to_have_class(re.compile(r"\bdeclined\b"))
    expect(bot.locator("p.text")).to_have_text(re.compile(r"^The articles don't say"))
    expect(bot.locator("a.cite")).to_have_count(0)


def test_a_tentative_answer_is_marked_and_not_styled_as_an_answer(page: Page, serve) -> None:
    server = serve("NONE", tentative_min_evidence_score=0.0)  # no answer proven, but the evidence is relevant
    open_chat(page, server.url)
    ask(page, LAVROV_Q)
    bot = last_answer(page)
    expect(bot).to_have_class(re.compile(r"\btentative\b"))
    expect(bot.locator(".badge")).to_have_text("Not a direct answer")
    expect(bot.locator("p.text")).to_have_text(re.compile(r"^The articles may not answer this directly"))
    expect(bot.locator("a.cite").first).to_be_visible()  # the closest quote, cited
    expect(page.locator(".status")).to_contain_text("No direct answer was proven")
    styles = bot.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).borderTopStyle]")
    assert styles == ["rgb(255, 248, 230)", "dashed"]  # an answer's bubble is plain grey (#f1f3f6), no border
    screenshot(page, "05-tentative")


def test_copy_puts_the_answer_and_its_sources_on_the_clipboard(page: Page, serve) -> None:
    server = serve(LAVROV_A)
    open_chat(page, server.url)
    ask(page, LAVROV_Q)
    last_answer(page).locator("button.copy").click()
    expect(last_answer(page).locator("button.copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Lavrov said the biggest threat was that the chemical weapons")
    assert "Gulf News, 22 December 2012: “Lavrov said the biggest threat" in copied
    assert "Sources:" in copied and "[1] " in copied and f"/articles/{LAVROV_ID}#q=" in copied


def test_stop_cancels_the_answer_and_frees_the_input(page: Page, serve) -> None:
    server = serve(LAVROV_A)
    server.generator.hold = threading.Event()
    open_chat(page, server.url)
    ask(page, LAVROV_Q)
    expect(page.locator(".msg.bot .sources")).to_be_visible()
    assert server.generator.started.wait(10)  # the model is writing (held): the stop must cancel it, not pre-empt it
    page.locator("button.stop").click()
    expect(page.locator(".status")).to_have_text(re.compile("Stopped"))
    expect(page.locator("textarea")).to_be_enabled()
    expect(page.locator("textarea")).to_have_value(LAVROV_Q)  # ready to edit and resend
    expect(page.locator(".msg")).to_have_count(0)
    try:  # the held model sees the stop while it waits: released first, it could finish before the server noticed
        assert eventually(lambda: server.generator.cancelled == 1)
    finally:
        server.generator.hold.set()
