"""Both documentation pages in a real browser, Debian's chromium headless, against a served instance: they render,
every operation and every pkg_id of the generated tables is visible, and no request leaves the machine.
A full-page screenshot of each is kept in the test output directory (TEST_OUTPUT_DIR, test-output/ by default).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, Page, Route, async_playwright

from app.main import create_app
from generated.rest.operations import OPERATIONS
from generated.ws.models import StatusCode
from generated.ws.protocol import MESSAGES, CloseCode
from tests.conftest import ROOT, empty_tables, settings_for
from tests.support.live import LiveServer

pytestmark = pytest.mark.slow

OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", ROOT / "test-output")) / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
INSTALLED = Path(CHROMIUM).exists()
# As the guide starts it: headless, and none of Chromium's own calls home (updates, sync, field trials).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Browser:
    context: BrowserContext
    origin: str
    requests: list[str] = field(default_factory=list)  # every URL the pages asked for
    elsewhere: list[str] = field(default_factory=list)  # those not on the served instance (refused)

    async def open(self, path: str) -> Page:
        page = await self.context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        response = await page.goto(self.origin + path, wait_until="networkidle")
        assert response is not None
        assert response.status == 200
        assert errors == [], errors
        return page


@pytest.fixture(scope="module")
def served(sqlite_url: str) -> Iterator[LiveServer]:
    asyncio.run(empty_tables(sqlite_url))
    server = LiveServer(create_app(settings_for(sqlite_url))).start()
    yield server
    server.stop()


@pytest.fixture
async def browser(served: LiveServer, tmp_path: Path) -> AsyncIterator[Browser]:
    if not INSTALLED:
        reason = "chromium is not installed (make browser installs Debian's package)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; required on CI")
        pytest.skip(reason)
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh profile for every test
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        watched = Browser(context, served.http_url)

        async def only_this_service(route: Route) -> None:
            url = route.request.url
            watched.requests.append(url)
            if urlsplit(url).netloc == urlsplit(watched.origin).netloc or url.startswith(("data:", "blob:")):
                await route.continue_()
            else:
                watched.elsewhere.append(url)
                await route.abort()

        await context.route("**/*", only_this_service)
        try:
            yield watched
        finally:
            await context.close()


async def _screenshot(page: Page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / name
    await page.screenshot(path=str(path), full_page=True)
    return path


async def test_swagger_ui_renders_every_operation_from_this_service_alone(browser: Browser) -> None:
    page = await browser.open("/docs")
    await page.wait_for_selector(".opblock", state="visible")

    shown = set()
    for block in await page.locator(".opblock-summary").all():
        method = (await block.locator(".opblock-summary-method").inner_text()).strip()
        path = await block.locator(".opblock-summary-path").get_attribute("data-path")
        assert await block.is_visible()
        shown.add((method, path))
    screenshot = await _screenshot(page, "docs.png")

    assert shown == {(operation.method, operation.path) for operation in OPERATIONS.values()}
    assert await page.get_by_role("link", name="WebSocket API (AsyncAPI)").is_visible()
    assert browser.elsewhere == []
    assert any(url.endswith("/openapi.json") for url in browser.requests)
    assert screenshot.stat().st_size > 0


async def test_the_websocket_reference_shows_every_message_status_and_close_code(browser: Browser) -> None:
    docs = await browser.open("/docs")
    await docs.get_by_role("link", name="WebSocket API (AsyncAPI)").click()
    await docs.wait_for_url("**/docs/ws")
    page = docs

    for pkg_id, message in MESSAGES.items():
        heading = page.locator(f"#pkg-{int(pkg_id)} h3")
        assert await heading.is_visible()
        assert " ".join((await heading.inner_text()).split()) == f"pkg_id {int(pkg_id)} {pkg_id.name} ({message.name})"
        example = page.locator(f"#pkg-{int(pkg_id)} pre.example").first
        assert f'"pkg_id": {int(pkg_id)}' in await example.inner_text()
    for status in StatusCode:
        assert await page.locator(f"#status-{int(status)}").is_visible()
    for close in CloseCode:
        assert await page.locator(f"#close-{int(close)}").is_visible()
    screenshot = await _screenshot(page, "docs-ws.png")

    assert browser.elsewhere == []
    assert screenshot.stat().st_size > 0
