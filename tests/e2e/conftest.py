"""Playwright in Debian's Chromium (never `playwright install`) against pytest-django's live_server."""
import pytest

from tests.browser import chromium, close_page, open_page
from tests.browser import screenshot as take_screenshot


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
    with chromium(chromium_path) as browser:
        yield browser


@pytest.fixture
def page(browser):
    """A Chinese-locale page that records script errors and failed API calls."""
    page = open_page(browser)
    yield page
    close_page(page)


@pytest.fixture
def screenshot(request):
    return lambda page, name: take_screenshot(page, f"{request.node.name}-{name}")
