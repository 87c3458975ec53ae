"""Loading one page in a tab: navigation, the site's actions (clicks, scrolls, waits), readiness.

Knows nothing of what a page means: an HTTP error or a page that never became ready is reported
back as it is (`Loaded`), and the pipeline judges it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request, Response
from playwright.async_api import TimeoutError as PlaywrightTimeout

from scrapers.config.renderspec import ClickAction, RenderSpec, ScrollAction, WaitAction, WaitForAction
from scrapers.consent.step import give_consent
from scrapers.errors import NotReady, PageError


@dataclass(frozen=True)
class FirstLook:
    """The response as it arrived, before any action ran."""

    status: int | None
    headers: dict[str, str]
    title: str


WaitState = Literal["attached", "visible"]

# Says whether a page is done at first sight (a bot challenge, say): no actions, no waits.
EarlyStop = Callable[[FirstLook], bool]


@dataclass(frozen=True)
class Loaded:
    status: int | None
    headers: dict[str, str]
    not_ready: str | None = None  # why the page never became ready, if it did not
    stopped_early: bool = False  # an HTTP error, or EarlyStop said so: the actions were stopped
    consent_wall: str | None = None  # the consent manager whose wall stayed (scrapers/consent/)


CONSENT_BUDGET_MS = 8000  # the most a consent step may take of the page budget
MAX_REDIRECTS = 20  # Chromium's own limit; a loop is caught long before it

# Scrolls one screen (or to the end); returns [reached the end, page height].
_SCROLL_JS = """(toBottom) => {
  const doc = document.documentElement;
  if (toBottom) { window.scrollTo(0, doc.scrollHeight); } else { window.scrollBy(0, window.innerHeight); }
  return [window.scrollY + window.innerHeight >= doc.scrollHeight - 2, doc.scrollHeight];
}"""


def since(start: float | None) -> int:
    return 0 if start is None else int((time.monotonic() - start) * 1000)


def _remaining_ms(start: float, cfg: RenderSpec, wanted: int) -> int:
    # Inner waits end a little before the hard budget so the error names what was awaited.
    margin = min(250, cfg.timeout_ms // 10)
    left = cfg.timeout_ms - margin - (time.monotonic() - start) * 1000
    return max(1, int(min(wanted, left)))


def redirect_loop(req: Request) -> bool:
    """Whether a request revisits a URL of its own redirect chain (or exceeds Chromium's limit)."""
    seen = set()
    hops = 0
    prev = req.redirected_from
    while prev is not None and hops <= MAX_REDIRECTS:
        seen.add(prev.url)
        prev = prev.redirected_from
        hops += 1
    return req.url in seen or hops > MAX_REDIRECTS


async def _goto(page: Page, url: str, timeout_ms: int, start: float) -> Response | None:
    """page.goto to DOMContentLoaded, ended as soon as the navigation's redirects come back to a
    URL they visited.

    Chromium follows redirects in its network stack (routes never see them) and gives up after
    20 hops; with pages competing for sockets and CPU those hops took seconds, a whole page
    budget on a loaded machine, so a loop is watched for here and ends the page at its first
    return. The listener lives only until the navigation commits: every hop comes before that,
    and each request event after it (the page's own resources) would cross into Python for
    nothing (bench/throughput.py --site light: about 3 ms of Python a page)."""
    began = time.monotonic()
    loop: list[str] = []
    seen = asyncio.Event()

    def on_request(req: Request) -> None:
        if req.redirected_from is not None and req.frame == page.main_frame and redirect_loop(req):
            loop.append(req.url)
            seen.set()

    page.on("request", on_request)
    navigating = asyncio.ensure_future(page.goto(url, wait_until="commit", timeout=timeout_ms))
    watching = asyncio.ensure_future(seen.wait())
    try:
        await asyncio.wait({navigating, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watching.cancel()
        page.remove_listener("request", on_request)
    if not navigating.done():
        navigating.cancel()
        raise PageError("redirect", f"redirect loop back to {loop[0]}", final_url=url, render_ms=since(start))
    response = navigating.result()
    left = max(1, timeout_ms - since(began))
    await page.wait_for_load_state("domcontentloaded", timeout=left)
    return response


async def load(page: Page, url: str, cfg: RenderSpec, start: float, early_stop: EarlyStop | None) -> Loaded:
    response = await _goto(page, url, _remaining_ms(start, cfg, cfg.timeout_ms), start)
    status = response.status if response is not None else None
    headers = dict(response.headers) if response is not None else {}
    if status is not None and status >= 400:
        return Loaded(status, headers, stopped_early=True)
    if response is not None:
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and "html" not in ctype and "xml" not in ctype:
            raise PageError(
                "content",
                f"not an HTML page ({ctype})",
                http_status=status,
                final_url=page.url,
                render_ms=since(start),
            )
        # A declared length settles it; only then is the body worth fetching over the wire.
        length = headers.get("content-length")
        if length == "0" if length and length.isdigit() else not await response.body():
            raise PageError(
                "content", "empty response", http_status=status, final_url=page.url, render_ms=since(start)
            )
    # The first look (a bot challenge?) and the way to readiness run side by side: the title is
    # a round trip to the page, and on nearly every page the answer is no.
    ready = asyncio.ensure_future(_get_ready(page, cfg, start))
    try:
        if early_stop is not None and early_stop(FirstLook(status, headers, await page.title())):
            return Loaded(status, headers, stopped_early=True)
        not_ready, wall = await ready
        return Loaded(status, headers, not_ready=not_ready, consent_wall=wall)
    finally:
        ready.cancel()  # stopped early, or failed: the actions end here
        await asyncio.gather(ready, return_exceptions=True)


async def _get_ready(page: Page, cfg: RenderSpec, start: float) -> tuple[str | None, str | None]:
    """The consent step, the site's actions, then render.wait_for, then the consent step again (a
    banner that came late); why the page never became ready, if it did not, and the consent wall
    that stayed, if one did."""
    if cfg.consent.enabled:
        await give_consent(page, cfg.consent, _remaining_ms(start, cfg, CONSENT_BUDGET_MS))
    try:
        await _run_actions(page, cfg, start)
    except NotReady as exc:
        return str(exc), None
    if not cfg.consent.enabled:
        return None, None
    late = await give_consent(page, cfg.consent, _remaining_ms(start, cfg, CONSENT_BUDGET_MS))
    return None, late.wall


async def _run_actions(page: Page, cfg: RenderSpec, start: float) -> None:
    """The site's actions, then render.wait_for; NotReady if the page never became ready."""
    for action in cfg.actions:
        await _act(page, action, cfg, start)
    if cfg.wait_for:
        try:
            await _wait_for(page, cfg.wait_for, "attached", _remaining_ms(start, cfg, cfg.timeout_ms))
        except PlaywrightTimeout:
            raise NotReady(f"render.wait_for {cfg.wait_for!r} never appeared") from None


# Resolves as soon as the selector matches: a MutationObserver sees the element the moment it is
# inserted. "invalid" when this browser's querySelector cannot read the selector.
_ATTACHED_JS = """([selector, timeoutMs]) => new Promise((resolve) => {
  const match = () => document.querySelector(selector) !== null;
  try { if (match()) return resolve("found"); } catch (e) { return resolve("invalid"); }
  const observer = new MutationObserver(() => {
    if (match()) { observer.disconnect(); clearTimeout(timer); resolve("found"); }
  });
  const timer = setTimeout(() => { observer.disconnect(); resolve("timeout"); }, timeoutMs);
  observer.observe(document, {childList: true, subtree: true, attributes: true});
})"""


async def _wait_for(page: Page, selector: str, state: WaitState, timeout_ms: int) -> None:
    """Wait until `selector` is on the page (attached) or shown (visible); PlaywrightTimeout if not.

    Playwright's own wait polls from outside the page at growing intervals (0, 20, 50, 100 ms),
    so an element that appears just after a poll is seen up to 100 ms late: a third of a light
    page's time (bench/throughput.py --site light). Attached is watched from inside the page
    instead. Playwright's wait stays for `visible` (layout, not the DOM, decides it), for
    selectors the browser's querySelector cannot read, and when the page navigates meanwhile.
    page.wait_for_selector is avoided: it returns a handle in the page's own script world, and
    making that world's helper script costs the renderer ~10 ms right when the page is ready."""
    began = time.monotonic()
    if state == "attached":
        try:
            answer = await page.evaluate(_ATTACHED_JS, [selector, timeout_ms])
        except PlaywrightError:
            answer = "navigated"  # the document changed under the wait: Playwright's wait follows
        if answer == "found":
            return
        if answer == "timeout":
            raise PlaywrightTimeout(f"waiting for {selector!r} to be attached: {timeout_ms} ms exceeded")
    left = max(1, timeout_ms - since(began))
    await page.locator(selector).first.wait_for(state=state, timeout=left)


async def _act(page: Page, action: object, cfg: RenderSpec, start: float) -> None:
    if isinstance(action, ClickAction):
        await _click(page, action, cfg, start)
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
            await _wait_for(page, action.wait_for, action.state, _remaining_ms(start, cfg, action.timeout_ms))
        except PlaywrightTimeout:
            if not action.optional:
                raise NotReady(f"wait_for {action.wait_for!r} never appeared") from None
    elif isinstance(action, WaitAction):
        await asyncio.sleep(min(action.wait_ms, _remaining_ms(start, cfg, action.wait_ms)) / 1000)


async def _click(page: Page, action: ClickAction, cfg: RenderSpec, start: float) -> None:
    if action.optional and cfg.wait_for and not await _shows_before_ready(page, action, cfg, start):
        return
    for n in range(action.times):
        try:
            await page.locator(action.click).first.click(timeout=_remaining_ms(start, cfg, action.timeout_ms))
        except PlaywrightTimeout:
            if n == 0 and not action.optional:
                raise NotReady(f"required click on {action.click!r} found nothing to click") from None
            break  # a repeated click ends when its button is gone
        if action.times > 1:
            await asyncio.sleep(action.delay_ms / 1000)
            if await page.locator(action.click).count() == 0:
                break


async def _shows_before_ready(page: Page, action: ClickAction, cfg: RenderSpec, start: float) -> bool:
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
