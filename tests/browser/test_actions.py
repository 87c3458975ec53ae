"""Navigation and actions in a real Chromium (scrapers/browser/actions.py): a page that asks
before unload does not hold its tab, a redirect loop ends at its first return."""

from __future__ import annotations

import pytest

from clirun import SITES
from conftest import BrowserSession
from faultserver import FaultServer

pytestmark = pytest.mark.browser


def test_a_page_that_asks_before_unload_does_not_hold_the_next_page(
    faults: FaultServer, browser_session: BrowserSession
) -> None:
    """Pages are reused; one with a beforeunload prompt must not block the next navigation."""
    from scrapers.config.renderspec import ClickAction
    from scrapers.config.sitefiles import SiteRegistry

    base = SiteRegistry.from_dir(SITES).get("fault-test").render
    cfg = base.model_copy(update={"actions": [ClickAction(click="#go", timeout_ms=2000)]})
    renderer = browser_session.renderer
    first = browser_session.run(renderer.render(faults.fault_url("unload", 1), cfg))
    assert first.html and "Story unload 1" in first.html
    # A blocked navigation would end in the budget's timeout, not in the next page's story.
    second = browser_session.run(renderer.render(faults.fault_url("ok", "after-unload"), base))
    assert "Story ok after-unload" in second.html


def test_a_redirect_loop_is_known_at_its_first_return(
    faults: FaultServer, browser_session: BrowserSession
) -> None:
    """A page redirecting to itself ends as `redirect` at the loop's first return, not after
    Chromium's twenty hops: with pages competing for sockets and CPU those took seconds, the whole
    page budget on a loaded machine (the fault job then saw `timeout`)."""
    from scrapers.config.sitefiles import SiteRegistry
    from scrapers.page.pipeline import PagePipeline

    site = SiteRegistry.from_dir(SITES).get("fault-test")
    url = faults.fault_url("loop", "first-return")
    rec = browser_session.run(PagePipeline(browser_session.renderer).run(url, site)).record
    assert rec.error is not None and rec.error.kind == "redirect" and rec.error.attempts == 1
    assert "redirect loop back to" in rec.error.message
    assert faults.hits["/f/loop/first-return"] < 20  # Chromium alone asks twenty times
