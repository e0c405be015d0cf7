"""The chat widget in a real headless Chromium against a real server on loopback (fake models):
errors and retries, embedding on another site, keyboard and screen readers, a phone viewport,
untrusted text."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from harness.loopback import free_port
from tests.browser.conftest import CITES, ask, last_answer, open_chat, screenshot
from tests.conftest import LAVROV_A, LAVROV_ID, LAVROV_Q

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_server_down_shows_the_error_and_retry_works_after_restart(page: Page, serve) -> None:
    server = serve(LAVROV_A, LAVROV_A)
    open_chat(page, server.url)
    server.stop()
    ask(page, LAVROV_Q)
    error = page.locator(".msg.error")
    expect(error).to_contain_text("Can't reach the server")
    expect(page.locator("textarea")).to_be_enabled()
    screenshot(page, "07-server-down")

    server.restart()
    error.locator("button.retry").click()
    expect(page.locator(".msg.error")).to_have_count(0)
    expect(last_answer(page).locator("a.cite")).to_have_count(CITES)
    expect(page.locator(".msg.user")).to_have_count(1)  # the retried question is not shown twice


def test_busy_server_503_waits_for_retry_after_then_retry_works(page: Page, serve) -> None:
    server = serve(LAVROV_A, LAVROV_A, queue_size=0, max_model_wait_s=0)  # 0: wait for the model, 503 when full
    server.generator.hold = threading.Event()
    blocker = threading.Thread(
        target=httpx.post, args=(f"{server.url}/api/ask",), kwargs={"json": {"question": LAVROV_Q}, "timeout": 60}
    )
    blocker.start()
    assert server.generator.started.wait(10)
    open_chat(page, server.url)
    ask(page, LAVROV_Q)
    error = page.locator(".msg.error")
    expect(error).to_contain_text(re.compile(r"busy \(503\)\. Try again in \d+ s"))
    expect(error.locator("button.retry")).to_be_disabled()  # until Retry-After has passed
    screenshot(page, "08-busy")
    server.generator.hold.set()
    blocker.join(30)
    expect(error.locator("button.retry")).to_be_enabled(timeout=30_000)
    error.locator("button.retry").click()
    expect(last_answer(page).locator("a.cite")).to_have_count(CITES)


def test_a_refused_key_is_explained(page: Page, serve, other_site: OtherSite) -> None:
    server = serve(LAVROV_A, read_api_keys="reader-key", cors_origins=other_site.url)
    page.goto(server.url + "/")  # the demo page embeds the read key ...
    assert page.locator("script[src='/widget.js']").get_attribute("data-key") == "reader-key"
    page.locator(".launcher").click()
    ask(page, LAVROV_Q)
    expect(last_answer(page).locator("a.cite")).to_have_count(CITES)
    embed_on_other_site(page, other_site, server.url, 'data-key="wrong"')  # ... a wrong key gets a 401, told in words
    page.locator(".launcher").click()
    ask(page, LAVROV_Q)
    expect(page.locator(".msg.error")).to_contain_text("refused this widget's key (401)")


HOSTILE_CSS = "* { color: red !important; font-size: 40px !important; } button { display: none !important; }"


class OtherSite:
    """A real HTTP server on another loopback port: another origin, serving one page."""

    def __init__(self) -> None:
        self.html = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self._httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    yield site
    site.close()


def embed_on_other_site(page: Page, site: OtherSite, api: str, attributes: str = "") -> None:
    """A page of another origin that embeds the widget with one script tag, under hostile CSS."""
    site.html = (
        f"<!doctype html><html><head><style>{HOSTILE_CSS}</style></head><body><h1>Other site</h1>"
        f'<script src="{api}/widget.js" data-api="{api}" {attributes} defer></script></body></html>'
    )
    page.goto(f"{site.url}/story.html")


def test_one_script_tag_on_another_site_with_hostile_css(page: Page, serve, other_site: OtherSite) -> None:
    server = serve(LAVROV_A, cors_origins=other_site.url)
    embed_on_other_site(page, other_site, server.url, 'data-title="Ask the Example archive" data-color="#0a7d32"')
    launcher = page.locator(".launcher")
    expect(launcher).to_be_visible()  # the page's `button { display: none }` does not reach it
    launcher.click()
    expect(page.locator(".panel h2")).to_have_text("Ask the Example archive")
    assert page.locator(".panel header").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 125, 50)"
    assert page.locator(".panel h2").evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    assert page.locator("h1").evaluate("e => getComputedStyle(e).color") == "rgb(255, 0, 0)"  # page untouched
    ask(page, LAVROV_Q)
    expect(last_answer(page).locator("a.cite")).to_have_count(CITES)  # CORS lets the page's origin ask
    href = last_answer(page).locator("a.cite").first.get_attribute("href")
    assert href is not None and href.startswith(f"{server.url}/articles/{LAVROV_ID}#q=")
    screenshot(page, "09-embedded-other-site")


def test_other_origin_not_allowed_by_cors_gets_a_clear_error(page: Page, serve, other_site: OtherSite) -> None:
    server = serve(LAVROV_A)  # CITEWIRE_CORS_ORIGINS not set
    embed_on_other_site(page, other_site, server.url)
    page.locator(".launcher").click()
    ask(page, LAVROV_Q)
    expect(page.locator(".msg.error")).to_contain_text("Can't reach the server")


def test_keyboard_only(page: Page, serve) -> None:
    server = serve(LAVROV_A)
    page.goto(server.url + "/")
    launcher = page.locator(".launcher")
    for _ in range(40):  # Tab through the page until the chat button has the focus
        page.keyboard.press("Tab")
        if launcher.evaluate("e => e.getRootNode().activeElement === e"):
            break
    else:
        pytest.fail("Tab never reached the chat button")
    page.keyboard.press("Enter")
    expect(page.locator(".panel")).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator("textarea")).to_be_focused()
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    page.keyboard.type("second line")
    expect(page.locator("textarea")).to_have_value("first line\nsecond line")
    expect(page.locator(".msg")).to_have_count(0)
    page.locator("textarea").fill(LAVROV_Q)
    page.keyboard.press("Enter")
    expect(last_answer(page).locator("a.cite")).to_have_count(CITES)
    expect(page.locator("textarea")).to_be_focused()  # back to the input once answered
    page.keyboard.press("Shift+Tab")  # back to the answer's Copy button
    page.keyboard.press("Shift+Tab")  # ... then the citation list's link
    page.keyboard.press("Shift+Tab")  # ... then the [1] marker: focus shows its source card
    expect(last_answer(page).locator("a.cite").last).to_be_focused()
    expect(page.locator(".card")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_aria_roles_and_live_regions(page: Page, serve) -> None:
    server = serve(LAVROV_A)
    open_chat(page, server.url)
    expect(page.locator(".panel")).to_have_attribute("role", "dialog")
    expect(page.locator(".log")).to_have_attribute("role", "log")
    expect(page.locator(".log")).to_have_attribute("aria-live", "polite")
    expect(page.locator(".status")).to_have_attribute("role", "status")
    expect(page.locator("textarea")).to_have_attribute("aria-label", "Your question")


def test_narrow_viewport_gets_a_full_screen_panel(browser, serve) -> None:
    server = serve(LAVROV_A)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_chat(page, server.url)
        box = page.locator(".panel").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
        ask(page, LAVROV_Q)
        expect(last_answer(page).locator("a.cite")).to_have_count(CITES)
        screenshot(page, "10-mobile-390px")
    finally:
        context.close()


EVIL_TITLE = (
    "<img src=x onerror=\"window.__pwned='title'\"> Springfield bridge <script>window.__pwned='title2'</script>"
)
EVIL_TEXT = (
    "The mayor of Springfield said the new river bridge opens in May. "
    "<img src=x onerror=\"window.__pwned='text'\"> <script>window.__pwned='script'</script> "
    "Officials said the bridge cost 40 million dollars."
)
EVIL_ANSWER = "The new Springfield river bridge opens in May [1]."


def test_untrusted_text_is_shown_as_text_and_never_runs(page: Page, serve) -> None:
    server = serve(EVIL_ANSWER)
    server.generator.hold = threading.Event()
    added = httpx.post(
        f"{server.url}/api/articles",
        json={"id": "evil-1", "title": EVIL_TITLE, "text": EVIL_TEXT, "source": "<b>Evil</b> Gazette"},
        timeout=30,
    )
    assert added.status_code == 200, added.text
    dialogs: list[str] = []

    def record_and_dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_and_dismiss)
    open_chat(page, server.url)
    question = "<img src=x onerror=\"window.__pwned='question'\"> When does the Springfield river bridge open?"
    ask(page, question)
    bot = last_answer(page)
    expect(bot.locator(".sources")).to_contain_text(EVIL_TITLE)  # the retrieved sources, before the answer
    server.generator.hold.set()
    expect(bot.locator("a.cite").first).to_be_visible()
    expect(page.locator(".msg.user")).to_contain_text(question)
    expect(bot.locator(".cites")).to_contain_text("<b>Evil</b> Gazette")
    bot.locator("a.cite").first.hover()
    expect(page.locator(".card strong")).to_have_text(EVIL_TITLE)

    with page.context.expect_page() as opened:
        bot.locator("a.cite").first.click()
    article = opened.value
    article.wait_for_load_state()
    expect(article.locator("h1")).to_have_text(EVIL_TITLE)
    expect(article.locator("#article-text")).to_contain_text("<script>window.__pwned='script'</script>")
    expect(article.locator("mark.cited")).to_contain_text("opens in May")
    screenshot(article, "11-untrusted-article")

    page.goto(server.url + "/")  # the demo page lists the title too
    expect(page.locator(".articles")).to_contain_text(EVIL_TITLE)
    for shown in (page, article):
        assert shown.evaluate("window.__pwned === undefined")
        assert shown.locator("img").count() == 0
    assert page.locator("[data-citewire]").evaluate("h => h.shadowRoot.querySelectorAll('img, script').length") == 0
    assert dialogs == []


def test_article_page_escapes_and_sends_a_strict_content_security_policy(serve) -> None:
    server = serve()
    response = httpx.get(f"{server.url}/articles/{LAVROV_ID}", timeout=10)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    missing = httpx.get(f"{server.url}/articles/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", timeout=10)
    assert missing.status_code == 404
    assert "<img" not in missing.text and "&lt;img src=x onerror=alert(1)&gt;" in missing.text
    widget = httpx.get(f"{server.url}/widget.js", timeout=10)
    assert widget.headers["content-type"].startswith("text/javascript")
    assert len(widget.content) < 30_000  # the size budget: unminified, no dependencies
    assert "innerHTML" not in widget.text and "insertAdjacentHTML" not in widget.text
