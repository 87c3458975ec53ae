"""What a browser context lets through: the site's block rules, popups."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
from collections.abc import Awaitable, Callable

from playwright.async_api import BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError

from scrapers.config.renderspec import RenderSpec


def is_blocked(url: str, resource_type: str, cfg: RenderSpec) -> bool:
    """Whether the site's `render.block` rules drop this request."""
    return resource_type in {str(t) for t in cfg.block.resources} or any(
        fnmatch.fnmatchcase(url, g) for g in cfg.block.urls
    )


async def install_blocking(ctx: BrowserContext, cfg: RenderSpec) -> None:
    """Route requests through the site's block rules (only when it has any: routing every request
    through Python costs time)."""
    if not cfg.block.resources and not cfg.block.urls:
        return

    async def handle(route: Route) -> None:
        if is_blocked(route.request.url, route.request.resource_type, cfg):
            await route.abort("blockedbyclient")
        else:
            await route.fallback()

    await ctx.route("**/*", handle)


async def close_quietly(aw: Awaitable[None], timeout: float = 10) -> None:
    """Await a close; the thing may be gone or hung already, and the caller has its answer."""
    with contextlib.suppress(PlaywrightError, TimeoutError):
        async with asyncio.timeout(timeout):
            await aw


def close_popups(ctx: BrowserContext, ours: Callable[[Page], bool]) -> None:
    """Every page the context opens that we did not open (`ours`) is a popup: close it so it
    cannot steal focus or time."""

    async def on_page(page: Page) -> None:  # Playwright runs coroutine handlers as tasks
        if not ours(page):
            await close_quietly(page.close())

    ctx.on("page", on_page)
