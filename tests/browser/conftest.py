"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium`` (``apt-get install
chromium``), launched headless with a fresh profile. Set ``BROWSER_SCREENSHOTS=/some/dir`` to keep
screenshots of the pages the tests visit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_context(live_server: Any) -> Iterator[Any]:
    """One Chromium for the session, with a fresh profile directory.

    It asks for the live server so that it closes first: the server's request threads end with the
    browser's connections, before the server stops sharing the in-memory SQLite connection.
    """
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cw-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            locale="en-US",
            viewport={"width": 1280, "height": 800},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def browser_page(browser_context: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A new tab with no cookies, its default timeout short enough to fail fast."""
    browser_context.clear_cookies()
    page = browser_context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Any:
    """``screenshot(page, "name")`` saves a full-page PNG when ``BROWSER_SCREENSHOTS`` names a folder."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")

    def take(page: Any, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take
