"""Playwright in Debian's Chromium (never `playwright install`) against pytest-django's live_server."""
import os
from pathlib import Path

import pytest

# The Playwright sync API runs an event loop in this thread; Django's ORM calls made
# here (building test data, the live server's shared connection) must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def scenario(transactional_db):
    """The test data, built before the browser starts.

    ORM calls made while Playwright's event loop runs happen in another context
    (asgiref's Local), so their connection would outlive the test and block the
    test database's teardown; list this fixture before `page`.
    """
    from .scenario import build

    return build()


@pytest.fixture
def browser(chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """A Chinese-locale page that records script errors and failed API calls."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"脚本错误：{error}"))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"控制台错误：{msg.text}"))
    yield page
    page.wait_for_load_state("networkidle")  # no request left running in the live server when the test ends
    context.close()


@pytest.fixture
def screenshot(request):
    RESULTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = RESULTS / f"{request.node.name}-{name}.png"
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(400)  # loading masks fade out
        # only the content pane scrolls: grow the window to its height so the picture shows the whole page
        height = page.evaluate("() => { const m = document.querySelector('.pf-main'); return m ? m.scrollHeight + 56 : 0; }")
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        page.set_viewport_size(size)
        return path

    return take
