"""What a browser context lets through: the site's block rules, redirect loops, popups."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
from collections.abc import Awaitable
from dataclasses import dataclass, field

from playwright.async_api import BrowserContext, Page, Request, Route
from playwright.async_api import Error as PlaywrightError

from scrapers.config.renderspec import RenderSpec

MAX_REDIRECTS = 20  # Chromium's own limit; a loop is caught long before it


@dataclass
class Navigation:
    """What the routing saw of one page's navigation (reset for every page of a reused context)."""

    loop: str | None = None  # the URL a redirect chain came back to


@dataclass
class ContextRouting:
    """The per-context state the route handler shares with the renderer."""

    navigation: Navigation = field(default_factory=Navigation)


def is_blocked(url: str, resource_type: str, cfg: RenderSpec) -> bool:
    """Whether the site's `render.block` rules drop this request."""
    return resource_type in {str(t) for t in cfg.block.resources} or any(
        fnmatch.fnmatchcase(url, g) for g in cfg.block.urls
    )


def redirect_loop(req: Request) -> bool:
    """Whether a navigation request revisits a URL of its own redirect chain.

    Every hop of a routed navigation crosses into Python; on a busy machine Chromium's 20 hops
    took a whole page budget, so a loop is stopped the first time it comes back.
    """
    seen = set()
    hops = 0
    prev = req.redirected_from
    while prev is not None and hops <= MAX_REDIRECTS:
        seen.add(prev.url)
        prev = prev.redirected_from
        hops += 1
    return req.url in seen or hops > MAX_REDIRECTS


async def install_blocking(ctx: BrowserContext, cfg: RenderSpec) -> ContextRouting:
    """Route requests through the site's block rules (only when it has any: routing every request
    through Python costs time), stopping redirect loops on the way."""
    state = ContextRouting()
    if not cfg.block.resources and not cfg.block.urls:
        return state

    async def handle(route: Route) -> None:
        req = route.request
        if req.redirected_from is not None and req.is_navigation_request() and redirect_loop(req):
            state.navigation.loop = req.url
            await route.abort("failed")
        elif is_blocked(req.url, req.resource_type, cfg):
            await route.abort("blockedbyclient")
        else:
            await route.fallback()

    await ctx.route("**/*", handle)
    return state


async def close_quietly(aw: Awaitable[None], timeout: float = 10) -> None:
    """Await a close; the thing may be gone or hung already, and the caller has its answer."""
    with contextlib.suppress(PlaywrightError, TimeoutError):
        async with asyncio.timeout(timeout):
            await aw


def close_popups(ctx: BrowserContext) -> None:
    """Every page after the first one is a popup: close it so it cannot steal focus or time."""
    opened: list[Page] = []

    async def on_page(page: Page) -> None:  # Playwright runs coroutine handlers as tasks
        opened.append(page)
        if len(opened) > 1:
            await close_quietly(page.close())

    ctx.on("page", on_page)
