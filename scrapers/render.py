"""Rendering: one Chromium, a fresh context per page, the site's actions and waits.

Produces the rendered DOM, the final URL and the HTTP status; knows nothing of
extraction.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

from playwright.async_api import Browser, BrowserContext, Page, Playwright, Route, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from scrapers.browser import BrowserChoice, find_chromium, launch_args
from scrapers.errors import ErrorKind
from scrapers.siteconfig import ClickAction, Render, ScrollAction, WaitAction, WaitForAction


@dataclass(frozen=True)
class Rendered:
    url: str
    final_url: str
    html: str
    http_status: int | None
    render_ms: int


class RenderError(Exception):
    """A page that could not be rendered; `kind` is one of the record's error kinds."""

    def __init__(
        self, kind: ErrorKind, message: str, http_status: int | None = None, final_url: str | None = None
    ) -> None:
        super().__init__(message)
        self.attempts = 1
        self.kind = kind
        self.message = message
        self.http_status = http_status
        self.final_url = final_url


def classify(exc: BaseException) -> ErrorKind:
    """Map a Playwright failure to an error kind."""
    text = str(exc)
    if isinstance(exc, PlaywrightTimeout | TimeoutError):
        return "timeout"
    if "ERR_TOO_MANY_REDIRECTS" in text:
        return "redirect"
    if "net::ERR_" in text or "NS_ERROR" in text:
        return "network"
    return "browser"  # target closed, crashed, or another failure of the browser itself


class Renderer:
    """An async context manager owning one browser; `render()` may run concurrently."""

    def __init__(self, *, headless: bool = True, choice: BrowserChoice | None = None) -> None:
        self._headless = headless
        self._choice = choice
        self._pw: Playwright | None = None
        self._browser: Browser | None = None

    async def __aenter__(self) -> Renderer:
        self._pw = await async_playwright().start()
        try:
            if self._choice is None:
                self._choice = find_chromium(self._pw.chromium.executable_path)
            self._browser = await self._pw.chromium.launch(
                executable_path=self._choice.executable, args=launch_args(), headless=self._headless
            )
        except BaseException:
            await self._pw.stop()
            raise
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._pw is not None:
            await self._pw.stop()

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            raise RuntimeError("Renderer used outside 'async with'")
        return self._browser

    @property
    def version(self) -> str:
        return self.browser.version

    @property
    def choice(self) -> BrowserChoice | None:
        return self._choice

    async def new_context(self, cfg: Render) -> BrowserContext:
        ctx = await self.browser.new_context(
            viewport={"width": cfg.viewport.width, "height": cfg.viewport.height},
            locale=cfg.locale,
            timezone_id=cfg.timezone,
            user_agent=cfg.user_agent,
            service_workers="block",
        )
        await _install_blocking(ctx, cfg)
        return ctx

    async def render(
        self, url: str, cfg: Render, prepare: Callable[[BrowserContext], Awaitable[None]] | None = None
    ) -> Rendered:
        """Render one page within cfg.timeout_ms, all steps included; raises RenderError.

        `prepare` may add routes to the fresh context first (replaying, serving saved pages).
        """
        start = time.monotonic()
        ctx = await self.new_context(cfg)
        page: Page | None = None
        try:
            if prepare is not None:
                await prepare(ctx)
            page = await ctx.new_page()
            async with asyncio.timeout(cfg.timeout_ms / 1000):
                status = await _load(page, url, cfg, start)
                html = await page.content()
            return Rendered(url, page.url, html, status, int((time.monotonic() - start) * 1000))
        except RenderError:
            raise
        except TimeoutError:
            raise RenderError(
                "timeout",
                f"page budget of {cfg.timeout_ms} ms exceeded",
                final_url=page.url if page else None,
            ) from None
        except PlaywrightError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise RenderError(classify(exc), message, final_url=page.url if page else None) from None
        finally:
            with contextlib.suppress(PlaywrightError):  # the browser may be gone; the error above says why
                await ctx.close()


async def _install_blocking(ctx: BrowserContext, cfg: Render) -> None:
    types = {str(t) for t in cfg.block.resources}
    globs = list(cfg.block.urls)
    if not types and not globs:
        return  # no route handler at all: routing every request through Python costs time

    async def handle(route: Route) -> None:
        req = route.request
        if req.resource_type in types or any(fnmatch.fnmatchcase(req.url, g) for g in globs):
            await route.abort("blockedbyclient")
        else:
            await route.fallback()

    await ctx.route("**/*", handle)


# Scrolls one screen (or to the end); returns [reached the end, page height].
_SCROLL_JS = """(toBottom) => {
  const doc = document.documentElement;
  if (toBottom) { window.scrollTo(0, doc.scrollHeight); } else { window.scrollBy(0, window.innerHeight); }
  return [window.scrollY + window.innerHeight >= doc.scrollHeight - 2, doc.scrollHeight];
}"""


def _remaining_ms(start: float, cfg: Render, wanted: int) -> int:
    left = cfg.timeout_ms - (time.monotonic() - start) * 1000
    return max(1, int(min(wanted, left)))


async def _load(page: Page, url: str, cfg: Render, start: float) -> int | None:
    response = await page.goto(
        url, wait_until="domcontentloaded", timeout=_remaining_ms(start, cfg, cfg.timeout_ms)
    )
    status = response.status if response is not None else None
    if status is not None and status >= 400:
        raise RenderError("http", f"HTTP {status} for {page.url}", http_status=status, final_url=page.url)
    for action in cfg.actions:
        await _act(page, action, cfg, start)
    if cfg.wait_for:
        try:
            await page.wait_for_selector(
                cfg.wait_for, state="attached", timeout=_remaining_ms(start, cfg, cfg.timeout_ms)
            )
        except PlaywrightTimeout:
            raise RenderError(
                "timeout", f"render.wait_for {cfg.wait_for!r} never appeared", status, page.url
            ) from None
    return status


async def _act(page: Page, action: object, cfg: Render, start: float) -> None:
    if isinstance(action, ClickAction):
        for n in range(action.times):
            try:
                await page.locator(action.click).first.click(
                    timeout=_remaining_ms(start, cfg, action.timeout_ms)
                )
            except PlaywrightTimeout:
                if n == 0 and not action.optional:
                    raise RenderError(
                        "timeout",
                        f"required click on {action.click!r} found nothing to click",
                        final_url=page.url,
                    ) from None
                break  # a repeated click ends when its button is gone
            if action.times > 1:
                await asyncio.sleep(action.delay_ms / 1000)
                if await page.locator(action.click).count() == 0:
                    break
    elif isinstance(action, ScrollAction):
        step = action.scroll
        for _ in range(step.times):
            at_end, height = await page.evaluate(_SCROLL_JS, step.to == "bottom")
            await asyncio.sleep(step.delay_ms / 1000)
            # At the end and nothing more loaded during the pause: further steps would only wait.
            if at_end and await page.evaluate("document.documentElement.scrollHeight") <= height:
                break
    elif isinstance(action, WaitForAction):
        try:
            await page.wait_for_selector(
                action.wait_for, state=action.state, timeout=_remaining_ms(start, cfg, action.timeout_ms)
            )
        except PlaywrightTimeout:
            if not action.optional:
                raise RenderError(
                    "timeout", f"wait_for {action.wait_for!r} never appeared", final_url=page.url
                ) from None
    elif isinstance(action, WaitAction):
        await asyncio.sleep(min(action.wait_ms, _remaining_ms(start, cfg, action.wait_ms)) / 1000)
