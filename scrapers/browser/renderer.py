"""Rendering: one Chromium, reusable contexts and pages, the site's actions and waits.

Produces the rendered DOM, the final URL, the HTTP status and headers; knows nothing of
extraction and does not judge the page (an HTTP error or a page that never became ready comes
back as it is, for the pipeline to judge).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from playwright.async_api import Browser, BrowserContext, Playwright, ProxySettings, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from scrapers.browser.actions import EarlyStop, load, since
from scrapers.browser.contexts import ContextPool, Slot
from scrapers.browser.guard import REFUSED_HEADER, AddressBook
from scrapers.browser.locate import BrowserChoice, find_chromium, launch_args
from scrapers.browser.routing import close_quietly, install_blocking
from scrapers.browser.snapshot import COUNT_CLOSED_JS, snapshot
from scrapers.config.renderspec import RenderSpec
from scrapers.errors import ErrorKind, PageError, Refused
from scrapers.net.scope import UrlPolicy
from scrapers.output.record import Hidden

Prepare = Callable[[BrowserContext], Awaitable[None]]


@dataclass(frozen=True)
class RenderedPage:
    url: str
    final_url: str
    html: str
    http_status: int | None
    render_ms: int
    headers: dict[str, str] = field(default_factory=dict)
    not_ready: str | None = None  # the wait or click that never happened, if one did not
    stopped_early: bool = False  # an HTTP error or a page judged at first sight: no actions ran
    blocked_requests: int = 0  # requests the URL policy refused (docs/security.md)
    hidden: Hidden = field(default_factory=Hidden)  # closed shadow roots, refused frames (snapshot.py)
    consent_wall: str | None = None  # the consent manager whose wall stayed (scrapers/consent/)


def classify(exc: BaseException) -> ErrorKind:
    """Map a Playwright failure to an error kind."""
    text = str(exc)
    if isinstance(exc, PlaywrightTimeout | TimeoutError):
        return "timeout"
    if "ERR_TOO_MANY_REDIRECTS" in text:
        return "redirect"
    if "ERR_UNSAFE_REDIRECT" in text:  # Chromium's own refusal of a redirect to file:, chrome: etc.
        return "offsite"
    if "Download is starting" in text or ("ERR_ABORTED" in text and "download" in text.lower()):
        return "content"
    if "net::ERR_" in text or "NS_ERROR" in text:
        return "network"
    return "browser"  # target closed, crashed, or another failure of the browser itself


OPEN_PAGE_TIMEOUT_S = 30


@dataclass
class _Generation:
    """One launched browser, the pages it has served and its contexts."""

    browser: Browser
    pool: ContextPool
    pages: int = 0
    inflight: int = 0
    retired: bool = False


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
        self.user_agent = ""  # the browser's own, as a page would see it without an override

    async def __aenter__(self) -> Renderer:
        self._pw = await async_playwright().start()
        try:
            if self._choice is None and self._launch_options is not None:
                exe = self._launch_options.get("executable_path")
                self._choice = BrowserChoice(str(exe) if exe else None, "caller")
            if self._choice is None:
                self._choice = find_chromium(self._pw.chromium.executable_path)
            self._gen = self._generation(await self._launch())
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
            await self._close_generation(self._gen)
        if self._pw is not None:
            await self._pw.stop()

    def _generation(self, browser: Browser) -> _Generation:
        return _Generation(
            browser, ContextPool(lambda cfg, har, proxy: self.new_context(cfg, browser, har, proxy))
        )

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
        if not self.user_agent:
            session = await browser.new_browser_cdp_session()
            self.user_agent = str((await session.send("Browser.getVersion")).get("userAgent", ""))
            await session.detach()
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
                    gen = self._gen = self._generation(await self._launch())
                except PlaywrightError as exc:
                    raise PageError("browser", f"relaunching the browser failed: {exc}") from None
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
        task = asyncio.ensure_future(self._close_generation(gen))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close_generation(gen: _Generation) -> None:
        await gen.pool.close_all()
        await close_quietly(gen.browser.close())

    async def new_context(
        self,
        cfg: RenderSpec,
        browser: Browser | None = None,
        har_path: Path | None = None,
        proxy: ProxySettings | None = None,
    ) -> BrowserContext:
        ctx = await (browser or self.browser).new_context(
            proxy=proxy,
            viewport={"width": cfg.viewport.width, "height": cfg.viewport.height},
            locale=cfg.locale,
            timezone_id=cfg.timezone,
            user_agent=cfg.user_agent,
            service_workers="block",  # a worker could answer requests a recording never sees
            accept_downloads=False,  # a download never stalls or fills the disk
            record_har_path=har_path,  # a .zip path: bodies are attached as files
            record_har_mode="full" if har_path else None,
        )
        await ctx.add_init_script(COUNT_CLOSED_JS)
        await install_blocking(ctx, cfg)
        return ctx

    async def render(
        self,
        url: str,
        cfg: RenderSpec,
        prepare: Prepare | None = None,
        har_path: Path | None = None,
        early_stop: EarlyStop | None = None,
        book: AddressBook | None = None,
    ) -> RenderedPage:
        """Render one page within cfg.timeout_ms, all steps included; raises PageError.

        Every connection the page makes is held to the URL policy of `book` (default: the
        page's own origin is trusted, every other host must be public); a refused page is an
        `offsite` or `blocked_address` error, refused subresources are counted.

        `prepare` may add routes or a clock to a fresh context first (replaying, serving saved
        pages). With `har_path`, everything the page loads is saved there as a HAR zip.
        `early_stop` sees the response first and may end the page there (a bot challenge).
        """
        gen = await self._acquire()
        start: float | None = None  # set when navigation starts: the page budget runs from there
        before = ""  # the tab's URL before this page
        fresh = cfg.fresh_context or prepare is not None or har_path is not None
        slot: Slot | None = None
        healthy = False
        try:
            book = book or AddressBook(UrlPolicy.for_job([url]))
            slot = await self._open(gen, url, cfg, fresh, har_path, prepare, book)
            before = slot.page.url  # a reused tab still shows its last page
            start = time.monotonic()
            async with asyncio.timeout(cfg.timeout_ms / 1000):
                loaded = await load(slot.page, url, cfg, start, early_stop)
                if REFUSED_HEADER in loaded.headers and slot.guard is not None:
                    # the page itself, or a redirect hop, was refused
                    refusal = slot.guard.refused(slot.page.url, since=slot.mark)
                    raise _refused(refusal, slot.page.url, since(start))
                snap = await snapshot(slot.page, slot.refusals())
                _left_for_a_refusal(slot, url, since(start))
            healthy = True
            return RenderedPage(
                url,
                slot.page.url,
                snap.html,
                loaded.status,
                since(start),
                loaded.headers,
                loaded.not_ready,
                loaded.stopped_early,
                len(slot.refusals()),
                snap.hidden,
                loaded.consent_wall,
            )
        except TimeoutError:
            raise PageError(
                "timeout",
                f"page budget of {cfg.timeout_ms} ms exceeded",
                final_url=_reached(slot, before),
                render_ms=since(start),
            ) from None
        except PlaywrightError as exc:
            refusals = slot.refusals() if slot is not None else []
            if refusals and "ERR_TUNNEL_CONNECTION_FAILED" in str(exc):
                # An https page (or a redirect hop to one) whose tunnel the guard refused.
                raise _refused(refusals[-1], slot.page.url if slot else url, since(start)) from None
            raise _failure(exc, gen.browser.is_connected(), _reached(slot, before), since(start)) from None
        finally:
            if slot is not None:
                # Closing the context writes the HAR: give a big page time to be saved.
                await gen.pool.give_back(slot, healthy, gen.retired, 60 if har_path else 5)
            self._release(gen)

    async def _open(
        self,
        gen: _Generation,
        url: str,
        cfg: RenderSpec,
        fresh: bool,
        har_path: Path | None,
        prepare: Prepare | None,
        book: AddressBook,
    ) -> Slot:
        """A tab to render in. Opening one is our overhead, not the page's: bounded on its own,
        outside the page budget, so a busy machine does not eat the budget."""
        try:
            async with asyncio.timeout(OPEN_PAGE_TIMEOUT_S):
                slot = await gen.pool.take(cfg, fresh, har_path, book)
                if prepare is not None:
                    await prepare(slot.ctx)
                await gen.pool.begin(slot, url, book)
                return slot
        except TimeoutError:
            raise PageError("browser", f"could not open a page within {OPEN_PAGE_TIMEOUT_S} s") from None


def _left_for_a_refusal(slot: Slot, url: str, render_ms: int) -> None:
    """Raise when the document is not the page but the guard's refusal: a client-side redirect
    (meta refresh, `location =`, a script then a 302) went to a refused address. Named origins
    are never refused, so a refusal of the document's own host and port means it came from it."""
    final = slot.page.url
    if slot.guard is None or final == url:
        return
    refusal = slot.guard.refused(final, since=slot.mark)
    if refusal is None and final.startswith("chrome-error:") and slot.refusals():
        refusal = slot.refusals()[-1]  # an https tunnel the guard refused: Chromium's error page
    if refusal is not None:
        raise _refused(refusal, final, render_ms)


def _refused(refusal: Refused | None, url: str, render_ms: int) -> PageError:
    if refusal is None:
        return PageError("blocked_address", f"{url}: refused by the URL policy", render_ms=render_ms)
    return PageError(refusal.kind, refusal.reason, final_url=refusal.url, render_ms=render_ms)


def _reached(slot: Slot | None, before: str) -> str | None:
    """Where a failed page got to: None unless its tab left the page it showed before (a
    reused tab's last page, about:blank, Chromium's error page are no URL of this page's)."""
    now = slot.page.url if slot is not None else ""
    return now if now != before and now.startswith(("http://", "https://")) else None


def _failure(exc: PlaywrightError, connected: bool, final_url: str | None, render_ms: int) -> PageError:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return PageError(
        classify(exc) if connected else "browser", message, final_url=final_url, render_ms=render_ms
    )
