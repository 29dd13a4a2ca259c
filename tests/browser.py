"""Playwright in Debian's Chromium (never `playwright install`): one way to start it, open a page, take a picture.

Every browser test's pages record script errors and failed console calls in ``page.problems``; a test
asserts that list is empty.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

# The Playwright sync API runs an event loop in this thread; Django's ORM calls made
# here (building test data, the live server's shared connection) must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

RESULTS = Path(__file__).resolve().parent.parent / "test-results"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@contextlib.contextmanager
def chromium(executable_path: str):
    """A headless Chromium for the length of the block."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, **options):
    """A new Chinese-locale page in its own context (``options``: DESKTOP, PHONE or other context options)."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **(options or DESKTOP))
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"脚本错误：{error} {error.stack}"))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"控制台错误：{msg.text}"))
    return page


def close_page(page) -> None:
    """Let the page's requests finish (no request left running in the live server), then close its context."""
    for each in page.context.pages:
        each.wait_for_load_state("networkidle")
    page.context.close()


def screenshot(page, name: str) -> Path:
    """A PNG of the whole page under test-results/ (the content pane scrolls: the window grows to its height)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)  # loading masks fade out
    height = page.evaluate("() => { const m = document.querySelector('.pf-main'); return m ? m.scrollHeight + 56 : 0; }")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    page.set_viewport_size(size)
    return path


AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page as it is (GB/T 37668 follows WCAG 2): one line each, with
    up to three of the elements at fault. axe-core comes from package.json (`make assets`)."""
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed (make assets)")
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })",
        list(tags),
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) + " " + node["html"][:120] + " " + node.get("failureSummary", "").replace("\n", " ")[:160]
                    for node in v["nodes"][:3])
        for v in result["violations"]
    ]
