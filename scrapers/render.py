"""Rendering: one Chromium, a fresh context per page, the site's actions and waits.

Produces the rendered DOM, the final URL and the HTTP status; knows nothing of
extraction.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import fnmatch
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

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
        self.retry_after: float | None = None  # seconds the server asked us to wait
        self.render_ms = 0  # time spent on the page itself (from navigation) before it failed
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
    if "Download is starting" in text or ("ERR_ABORTED" in text and "download" in text.lower()):
        return "content"
    if "net::ERR_" in text or "NS_ERROR" in text:
        return "network"
    return "browser"  # target closed, crashed, or another failure of the browser itself


OPEN_PAGE_TIMEOUT_S = 30
SLOT_MAX_USES = 20  # pages per reused context before a fresh one: bounds any state that leaks


@dataclass
class _Slot:
    """A context with its page, reusable for pages with the same context settings."""

    ctx: BrowserContext
    page: Page
    key: str
    keep_cookies: bool = False
    uses: int = 0


@dataclass
class _Generation:
    """One launched browser, the pages it has served and its idle slots."""

    browser: Browser
    pages: int = 0
    inflight: int = 0
    retired: bool = False
    idle: dict[str, list[_Slot]] = field(default_factory=dict)


class Renderer:
    """An async context manager owning a browser; `render()` may run concurrently.

    A browser that crashed is relaunched on the next page; after `recycle_after`
    pages a fresh one takes over (the old one closes when its last page ends), so
    memory stays flat over long runs.
    """

    def __init__(
        self,
        *,
        headless: bool = True,
        choice: BrowserChoice | None = None,
        recycle_after: int | None = None,
        launch_options: Mapping[str, Any] | None = None,
    ) -> None:
        """`launch_options`, when given, are Playwright's launch arguments as they stand
        (pytest-playwright's, with --headed and the browser found); they replace ours."""
        self._headless = headless
        self._launch_options = dict(launch_options) if launch_options is not None else None
        self._choice = choice
        self._recycle_after = recycle_after
        self._pw: Playwright | None = None
        self._gen: _Generation | None = None
        self._lock = asyncio.Lock()
        self._closing: set[asyncio.Task[None]] = set()
        self.launches = 0
        self.version = ""

    async def __aenter__(self) -> Renderer:
        self._pw = await async_playwright().start()
        try:
            if self._choice is None and self._launch_options is not None:
                exe = self._launch_options.get("executable_path")
                self._choice = BrowserChoice(str(exe) if exe else None, "caller")
            if self._choice is None:
                self._choice = find_chromium(self._pw.chromium.executable_path)
            self._gen = _Generation(await self._launch())
        except BaseException:
            await self._pw.stop()
            raise
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self._gen is not None:
            await _close_quietly(self._gen.browser.close())
        if self._pw is not None:
            await self._pw.stop()

    async def _launch(self) -> Browser:
        assert self._pw is not None and self._choice is not None
        if self._launch_options is not None:
            browser = await self._pw.chromium.launch(**self._launch_options)
        else:
            browser = await self._pw.chromium.launch(
                executable_path=self._choice.executable, args=launch_args(), headless=self._headless
            )
        self.launches += 1
        self.version = browser.version
        return browser

    @property
    def browser(self) -> Browser:
        if self._gen is None:
            raise RuntimeError("Renderer used outside 'async with'")
        return self._gen.browser

    @property
    def choice(self) -> BrowserChoice | None:
        return self._choice

    async def _acquire(self) -> _Generation:
        async with self._lock:
            gen = self._gen
            assert gen is not None, "Renderer used outside 'async with'"
            crashed = not gen.browser.is_connected()
            worn = self._recycle_after is not None and gen.pages >= self._recycle_after
            if crashed or worn:
                self._retire(gen)
                try:
                    gen = self._gen = _Generation(await self._launch())
                except PlaywrightError as exc:
                    raise RenderError("browser", f"relaunching the browser failed: {exc}") from None
            gen.pages += 1
            gen.inflight += 1
            return gen

    def _retire(self, gen: _Generation) -> None:
        gen.retired = True
        if gen.inflight == 0:
            self._close_later(gen)

    def _release(self, gen: _Generation) -> None:
        gen.inflight -= 1
        if gen.retired and gen.inflight == 0:
            self._close_later(gen)

    def _close_later(self, gen: _Generation) -> None:
        task = asyncio.ensure_future(_close_quietly(gen.browser.close()))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def new_context(
        self, cfg: Render, browser: Browser | None = None, har_path: Path | None = None
    ) -> BrowserContext:
        ctx = await (browser or self.browser).new_context(
            viewport={"width": cfg.viewport.width, "height": cfg.viewport.height},
            locale=cfg.locale,
            timezone_id=cfg.timezone,
            user_agent=cfg.user_agent,
            service_workers="block",  # a worker could answer requests a recording never sees
            accept_downloads=False,  # a download never stalls or fills the disk
            record_har_path=har_path,  # a .zip path: bodies are attached as files
            record_har_mode="full" if har_path else None,
        )
        await _install_blocking(ctx, cfg)
        return ctx

    async def _take_slot(self, gen: _Generation, cfg: Render, fresh: bool, har_path: Path | None) -> _Slot:
        key = cfg.model_dump_json(
            include={"viewport", "locale", "timezone", "user_agent", "block", "keep_cookies"}
        )
        idle = gen.idle.get(key, [])
        if idle and not fresh:
            return idle.pop()
        ctx = await self.new_context(cfg, gen.browser, har_path)
        _close_popups(ctx)
        return _Slot(ctx, await ctx.new_page(), key, keep_cookies=cfg.keep_cookies)

    async def _give_back(
        self, gen: _Generation, slot: _Slot, healthy: bool, fresh: bool, close_timeout: float = 5
    ) -> None:
        slot.uses += 1
        reusable = healthy and not fresh and not gen.retired and slot.uses < SLOT_MAX_USES
        if reusable and gen.browser.is_connected():
            try:
                # The page stays as it is until the next goto replaces it: parking it on
                # about:blank costs a whole cross-process navigation (~18% of the browser's CPU
                # per demo page, bench/throughput.py) and buys nothing.
                if not slot.keep_cookies:
                    async with asyncio.timeout(3):
                        await slot.ctx.clear_cookies()
                gen.idle.setdefault(slot.key, []).append(slot)
                return
            except (PlaywrightError, TimeoutError):
                pass  # not worth keeping: close it below
        # A page stuck in a script loop can make close slow; never let it hold the slot.
        await _close_quietly(slot.ctx.close(), timeout=close_timeout)

    async def render(
        self,
        url: str,
        cfg: Render,
        prepare: Callable[[BrowserContext], Awaitable[None]] | None = None,
        har_path: Path | None = None,
    ) -> Rendered:
        """Render one page within cfg.timeout_ms, all steps included; raises RenderError.

        `prepare` may add routes or a clock to a fresh context first (replaying, serving saved
        pages). With `har_path`, everything the page loads is saved there as a HAR zip.
        """
        gen = await self._acquire()
        start: float | None = None  # set when navigation starts: the page budget runs from there
        fresh = cfg.fresh_context or prepare is not None or har_path is not None
        slot: _Slot | None = None
        healthy = False
        try:
            # Opening a page is our overhead, not the page's: bounded on its own, outside the budget.
            try:
                async with asyncio.timeout(OPEN_PAGE_TIMEOUT_S):
                    slot = await self._take_slot(gen, cfg, fresh, har_path)
                    if prepare is not None:
                        await prepare(slot.ctx)
            except TimeoutError:
                raise RenderError(
                    "browser", f"could not open a page within {OPEN_PAGE_TIMEOUT_S} s"
                ) from None
            start = time.monotonic()
            async with asyncio.timeout(cfg.timeout_ms / 1000):
                status = await _load(slot.page, url, cfg, start)
                html = await slot.page.content()
            healthy = True
            return Rendered(url, slot.page.url, html, status, _since(start))
        except RenderError as exc:
            exc.render_ms = _since(start)
            raise
        except TimeoutError:
            err = RenderError(
                "timeout",
                f"page budget of {cfg.timeout_ms} ms exceeded",
                final_url=slot.page.url if slot else None,
            )
            err.render_ms = _since(start)
            raise err from None
        except PlaywrightError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            kind = "browser" if not gen.browser.is_connected() else classify(exc)
            err = RenderError(kind, message, final_url=slot.page.url if slot else None)
            err.render_ms = _since(start)
            raise err from None
        finally:
            if slot is not None:
                # Closing the context writes the HAR: give a big page time to be saved.
                await self._give_back(gen, slot, healthy, fresh, 60 if har_path else 5)
            self._release(gen)


def _since(start: float | None) -> int:
    return 0 if start is None else int((time.monotonic() - start) * 1000)


async def _close_quietly(aw: Awaitable[None], timeout: float = 10) -> None:
    """Await a close; the thing may be gone or hung already, and the caller has its answer."""
    with contextlib.suppress(PlaywrightError, TimeoutError):
        async with asyncio.timeout(timeout):
            await aw


def _close_popups(ctx: BrowserContext) -> None:
    """Every page after the first one is a popup: close it so it cannot steal focus or time."""
    opened: list[Page] = []

    async def on_page(page: Page) -> None:  # Playwright runs coroutine handlers as tasks
        opened.append(page)
        if len(opened) > 1:
            await _close_quietly(page.close())

    ctx.on("page", on_page)


def is_blocked(url: str, resource_type: str, cfg: Render) -> bool:
    """Whether the site's `render.block` rules drop this request."""
    return resource_type in {str(t) for t in cfg.block.resources} or any(
        fnmatch.fnmatchcase(url, g) for g in cfg.block.urls
    )


async def _install_blocking(ctx: BrowserContext, cfg: Render) -> None:
    if not cfg.block.resources and not cfg.block.urls:
        return  # no route handler at all: routing every request through Python costs time

    async def handle(route: Route) -> None:
        if is_blocked(route.request.url, route.request.resource_type, cfg):
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


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _remaining_ms(start: float, cfg: Render, wanted: int) -> int:
    # Inner waits end a little before the hard budget so the error names what was awaited.
    margin = min(250, cfg.timeout_ms // 10)
    left = cfg.timeout_ms - margin - (time.monotonic() - start) * 1000
    return max(1, int(min(wanted, left)))


async def _load(page: Page, url: str, cfg: Render, start: float) -> int | None:
    response = await page.goto(
        url, wait_until="domcontentloaded", timeout=_remaining_ms(start, cfg, cfg.timeout_ms)
    )
    status = response.status if response is not None else None
    if response is not None and status is not None and status >= 400:
        err = RenderError("http", f"HTTP {status} for {page.url}", http_status=status, final_url=page.url)
        err.retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise err
    if response is not None:
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and "html" not in ctype and "xml" not in ctype:
            raise RenderError("content", f"not an HTML page ({ctype})", status, page.url)
        # A declared length settles it; only then is the body worth fetching over the wire.
        length = response.headers.get("content-length")
        if length == "0" if length and length.isdigit() else not await response.body():
            raise RenderError("content", "empty response", status, page.url)
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
        if action.optional and cfg.wait_for and not await _shows_before_ready(page, action, cfg, start):
            return
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


async def _shows_before_ready(page: Page, action: ClickAction, cfg: Render, start: float) -> bool:
    """Whether an optional click's element becomes visible before the page is ready without it.

    A consent banner shows on a first visit only: waiting its whole timeout on every later page
    would cost seconds a page, so the wait also ends once render.wait_for is on the page.
    """
    assert cfg.wait_for is not None
    either = page.locator(f"{action.click} >> visible=true").or_(page.locator(cfg.wait_for))
    try:
        await either.first.wait_for(state="attached", timeout=_remaining_ms(start, cfg, action.timeout_ms))
    except PlaywrightTimeout:
        return False
    return await page.locator(action.click).first.is_visible()
