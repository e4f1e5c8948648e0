"""The retriever of ``render: browser`` sources: the page as headless Chromium shows it.

For pages that build their list with JavaScript. Playwright (the optional extra
``publisher[browser]``) drives the system's Chromium (Debian's ``chromium`` package, or
``PUBLISHER_CHROMIUM``); Playwright's own browser downloads are never used. The same rules
as a plain fetch apply: robots.txt is asked first, the request waits for the host's
gate (one at a time, ``min_delay`` apart) and carries the source's User-Agent. The page is
read when the item selector appears, or when the network is idle, within the source's
timeout. The source's ``headers`` are not sent: a browser would send them to every host
the page loads from.

One browser serves the whole run, started on first use and closed by
:func:`publisher.retrieve.close_retrievers` at the end. Playwright's sync API must be used
from the thread that started it, so every call runs on one thread of its own.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .errors import FetchError
from .extract import is_xpath
from .hosts import host_key
from .model import Page, Source
from .retrieve import Context
from .transport import user_agent

log = logging.getLogger(__name__)

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendered:
    url: str
    html: str
    status: int


def retrieve(source: Source, context: Context) -> Page:
    """The source's page after its scripts ran."""
    agent = source.user_agent or str(context.session.headers.get("User-Agent") or user_agent(None))
    timeout = (source.timeout.connect, source.timeout.read)
    web = source.url.startswith(("http://", "https://"))
    if (
        web
        and context.robots is not None
        and not context.robots.allowed(
            source.url, user_agent=agent, timeout=timeout, min_delay=source.min_delay
        )
    ):
        raise FetchError(
            source.url,
            f"robots.txt of {host_key(source.url)} disallows {source.url} for this user "
            "agent; ask the site for a feed, or set 'respect_robots: false' only with the "
            "site's permission",
        )
    if source.headers:
        log.warning("%s: 'headers' are not sent with render: browser", source.id)
    delay = source.min_delay
    if context.robots is not None:
        delay = max(delay, context.robots.crawl_delay(source.url, user_agent=agent) or 0.0)
    wait_for = source.select.item if source.select else None
    with context.gate.slot(source.url, min_delay=delay):
        rendered = _shared().render(
            source.url, user_agent=agent, wait_for=wait_for, seconds=sum(timeout)
        )
    if rendered.status >= 400:
        raise FetchError(
            source.url, f"HTTP {rendered.status} (in the browser)", status=rendered.status
        )
    return Page(url=rendered.url, text=rendered.html, status=200, content_type="text/html")


def close() -> None:
    """Close the run's browser, if one was started."""
    global _browser
    with _lock:
        browser, _browser = _browser, None
    if browser is not None:
        browser.close()


def chromium_path() -> str | None:
    """The Chromium to launch: ``PUBLISHER_CHROMIUM``, else the first one on PATH."""
    configured = os.environ.get("PUBLISHER_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


class Browser:
    """Headless Chromium on a thread of its own (Playwright's sync API is thread-bound)."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publisher-browser")
        self._playwright: Any = None
        self._chromium: Any = None
        try:
            self._thread.submit(self._start).result()
        except BaseException:
            self._thread.shutdown(wait=True)
            raise

    def _start(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise FetchError(
                "render: browser",
                "Playwright is not installed: install the extra with "
                "pip install 'publisher[browser]'",
            ) from None
        executable = chromium_path()
        if executable is None:
            raise FetchError(
                "render: browser",
                "no Chromium found: install it (Debian: apt-get install chromium) or set "
                "PUBLISHER_CHROMIUM to its path",
            )
        self._playwright = sync_playwright().start()
        try:
            self._chromium = self._playwright.chromium.launch(
                executable_path=executable, headless=True, args=list(CHROMIUM_FLAGS)
            )
        except Exception as exc:
            self._playwright.stop()
            raise FetchError(
                "render: browser", f"cannot start Chromium ({executable}): {exc}"
            ) from None

    def render(
        self, url: str, *, user_agent: str, wait_for: str | None, seconds: float
    ) -> Rendered:
        return self._thread.submit(self._render, url, user_agent, wait_for, seconds).result()

    def _render(self, url: str, agent: str, wait_for: str | None, seconds: float) -> Rendered:
        from playwright.sync_api import Error as PlaywrightError

        context = self._chromium.new_context(user_agent=agent, service_workers="block")
        try:
            page = context.new_page()
            page.set_default_timeout(seconds * 1000)
            try:
                response = page.goto(url, wait_until="domcontentloaded")
            except PlaywrightError as exc:
                raise FetchError(url, f"the browser could not load the page: {exc}") from None
            try:
                if wait_for:
                    page.wait_for_selector(
                        f"xpath={wait_for}" if is_xpath(wait_for) else wait_for.split("::")[0]
                    )
                else:
                    page.wait_for_load_state("networkidle")
            except PlaywrightError:  # the extractor says what is missing
                log.info("%s: waited %.0fs for %s", url, seconds, wait_for or "network idle")
            status = response.status if response is not None else 200
            return Rendered(url=page.url, html=page.content(), status=status)
        finally:
            context.close()

    def close(self) -> None:
        def stop() -> None:
            self._chromium.close()
            self._playwright.stop()

        try:
            self._thread.submit(stop).result()
        finally:
            self._thread.shutdown(wait=True)


_lock = threading.Lock()
_browser: Browser | None = None


def _shared() -> Browser:
    global _browser
    with _lock:
        if _browser is None:
            _browser = Browser()
        return _browser
