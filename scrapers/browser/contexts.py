"""Where pages render: browser contexts shared by the pages of one settings key.

Pages with the same context settings (viewport, locale, time zone, user agent, blocking, cookie
policy, URL-guard bypass list) render in tabs of *one* context. A context holding a single page
starts a renderer process for every navigation; tabs of one context reuse a handful
(bench/contexts.py: 94 renderer processes for 80 pages against 6, and a third less browser CPU).

- Cookies: with `keep_cookies: false` a page starts without the cookies of its site: they are
  cleared for its registrable domain unless another page of that site is in flight in the same
  context (clearing then would pull them from under it).
- The URL guard is the context's, one proxy for its tabs: a page's `blocked_requests` counts the
  refusals made while it was in flight, its own and those of tabs in flight beside it.
- A fresh context of its own (recording a HAR, a `prepare` hook, `render.fresh_context`) is
  still one context per page, closed after it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, ProxySettings

from scrapers.browser.guard import AddressBook, Guard
from scrapers.browser.routing import close_popups, close_quietly
from scrapers.browser.webrtc import without_webrtc
from scrapers.config.renderspec import RenderSpec
from scrapers.errors import Refused
from scrapers.net.scope import registrable_domain

PAGE_MAX_USES = 100  # pages a tab renders before a fresh tab: bounds what a page's scripts leak
CONTEXT_MAX_PAGES = 1000  # pages a shared context serves before a fresh one takes new pages

MakeContext = Callable[[RenderSpec, Path | None, ProxySettings | None], Awaitable[BrowserContext]]


def site_of(url: str) -> str:
    """The registrable domain a page's cookies live under: "bbc.co.uk" of www.bbc.co.uk."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        return registrable_domain(host)


@dataclass(eq=False)
class Home:
    """A context and its tabs."""

    ctx: BrowserContext
    key: str
    guard: Guard | None  # None: no proxy (allow_private): its pages may reach any address
    keep_cookies: bool
    shared: bool
    idle: list[Page] = field(default_factory=list)
    in_flight: dict[Page, str] = field(default_factory=dict)  # tab -> the site it renders
    uses_of: dict[Page, int] = field(default_factory=dict)
    opening: int = 0  # tabs we are opening: any other page the context opens is a popup
    mine: set[Page] = field(default_factory=set)
    served: int = 0
    retired: bool = False

    async def open_page(self) -> Page:
        self.opening += 1
        try:
            page = await self.ctx.new_page()
            self.mine.add(page)  # no await between this and the decrement: never neither
            return page
        finally:
            self.opening -= 1

    def ours(self, page: Page) -> bool:
        """Whether we opened `page` (else it is a popup); asked when the context announces it,
        which may be before or after new_page() returns."""
        return self.opening > 0 or page in self.mine

    async def close(self, timeout: float = 5) -> None:
        # A page stuck in a script loop can make close slow; never let it hold anything.
        await close_quietly(self.ctx.close(), timeout=timeout)
        if self.guard is not None:
            await self.guard.close()


@dataclass(eq=False)
class Slot:
    """One page's tab, in its home context; `mark` counts its guard refusals from."""

    home: Home
    page: Page
    mark: int = 0

    @property
    def ctx(self) -> BrowserContext:
        return self.home.ctx

    @property
    def guard(self) -> Guard | None:
        return self.home.guard

    def refusals(self) -> list[Refused]:
        return list(self.home.guard.refusals_since(self.mark)) if self.home.guard is not None else []


class ContextPool:
    """The contexts of one launched browser."""

    def __init__(self, make_context: MakeContext) -> None:
        self._make = make_context
        self._current: dict[str, Home] = {}
        self._making: dict[str, asyncio.Future[Home]] = {}
        self._homes: set[Home] = set()

    async def take(self, cfg: RenderSpec, fresh: bool, har_path: Path | None, book: AddressBook) -> Slot:
        """A tab for a page: in the shared context of its settings, or in a fresh one."""
        direct = book.direct  # a context's proxy, and what bypasses it, are fixed when it is made
        key = (
            cfg.model_dump_json(
                include={"viewport", "locale", "timezone", "user_agent", "block", "keep_cookies"}
            )
            + f"|{direct}"
        )
        if fresh:
            home = await self._new_home(cfg, key, direct, har_path, shared=False)
        else:
            home = self._current.get(key) or await self._shared_home(cfg, key, direct)
        page = home.idle.pop() if home.idle else await home.open_page()
        home.in_flight[page] = ""
        return Slot(home, page)

    async def _shared_home(self, cfg: RenderSpec, key: str, direct: str | None) -> Home:
        """The key's shared context, made once however many pages ask for it at the same time."""
        making = self._making.get(key)
        if making is None:
            making = self._making[key] = asyncio.ensure_future(
                self._new_home(cfg, key, direct, None, shared=True)
            )
            making.add_done_callback(lambda _: self._making.pop(key, None))
        home = await asyncio.shield(making)
        if not home.retired:
            self._current.setdefault(key, home)
        return home

    async def _new_home(
        self, cfg: RenderSpec, key: str, direct: str | None, har_path: Path | None, *, shared: bool
    ) -> Home:
        guard = Guard() if direct is not None else None
        try:
            proxy: ProxySettings | None = None
            if guard is not None:
                proxy = {"server": await guard.start(), "bypass": direct or ""}
            ctx = await self._make(cfg, har_path, proxy)
            await without_webrtc(ctx)  # its UDP would go around the proxy
        except BaseException:
            if guard is not None:
                await guard.close()
            raise
        home = Home(ctx, key, guard, cfg.keep_cookies, shared)
        close_popups(ctx, home.ours)
        self._homes.add(home)
        return home

    async def begin(self, slot: Slot, url: str, book: AddressBook) -> None:
        """The page is about to load `url`: its policy, its refusal mark, its site's cookies."""
        home, site = slot.home, site_of(url)
        if home.guard is not None:
            slot.mark = home.guard.use(book)
        others = {s for p, s in home.in_flight.items() if p is not slot.page}
        home.in_flight[slot.page] = site
        if home.shared and not home.keep_cookies and site and site not in others:
            await home.ctx.clear_cookies(domain=re.compile(rf"(^|\.){re.escape(site)}$"))

    async def give_back(self, slot: Slot, healthy: bool, retiring: bool, close_timeout: float = 5) -> None:
        """The page is done: its tab waits for the next page, or closes (with its context when
        that was the page's own, or the context's last tab after it was retired)."""
        home, page = slot.home, slot.page
        home.in_flight.pop(page, None)
        if not home.shared:
            self._homes.discard(home)
            await home.close(close_timeout)
            return
        home.served += 1
        home.uses_of[page] = home.uses_of.get(page, 0) + 1
        # Worn out, or a page that failed (a hung script stalls its renderer process, which
        # tabs of its site share): new pages go to a fresh context; this one closes when idle.
        if (home.served >= CONTEXT_MAX_PAGES or not healthy) and self._current.get(home.key) is home:
            home.retired = True
            del self._current[home.key]
        keep = healthy and not (retiring or home.retired) and home.uses_of[page] < PAGE_MAX_USES
        if keep:
            home.idle.append(page)
        else:
            home.uses_of.pop(page, None)
            home.mine.discard(page)
            await close_quietly(page.close(), timeout=close_timeout)
        if home.retired and not home.in_flight and not home.opening:  # a tab being opened counts
            self._homes.discard(home)
            await home.close(close_timeout)

    async def close_all(self) -> None:
        """Every context's proxy (the browser closes the contexts themselves)."""
        homes, self._homes, self._current = list(self._homes), set(), {}
        for home in homes:
            if home.guard is not None:
                await home.guard.close()
