"""The consent step: when a banner is shown, accept it the way its manager allows; say whether a
wall stayed.

One `evaluate` looks for every known manager's banner, a manager's script that will show one,
the IAB TCF signal (`__tcfapi('ping')`: `displayStatus` and the manager's id) and any other
dialog about cookies with an "accept all" button (`words.py`). A page with none of them costs that
one look. When one is shown: the site file's own selectors, then the manager's API, then its
button (in the page, an open shadow root or the manager's iframe), then the text reading; then
the banner must go. A banner that stays and covers the page (a quarter of the window or more, or
the page's scrolling locked) is a wall: the pipeline records the page as `blocked`, naming it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from scrapers.config.renderspec import ConsentSpec
from scrapers.consent.managers import MANAGERS, TCF_CMP_IDS, Manager, by_name
from scrapers.consent.words import PHRASES, REFUSE, TOPIC

MARK = "data-storyline-accept"  # the button the text reading chose, for Playwright to click
SETTLE_MS = 2500  # how long a banner may take to go once accepted
# How long a loaded manager may take to show its banner. Some managers' roots stay on the page once
# consent was given (cookies kept), so this is paid on such pages: short, and skipped when the TCF
# ping says the banner is not shown. A later banner is still caught after the site's actions.
SHOW_MS = 1200

_LOOK_TEMPLATE = """async () => {
  const [managers, phrases, refuse, topic, mark] = ARGS;
  const vw = innerWidth, vh = innerHeight;
  const shown = (el) => {
    if (!el) return false;
    const st = getComputedStyle(el);
    if (st.display === "none" || st.visibility === "hidden" || st.opacity === "0") return false;
    const r = el.getBoundingClientRect();
    if (r.width > 1 && r.height > 1) return true;
    const root = el.shadowRoot;  // a host of no size whose shadow tree is the banner
    return !!root && [...root.children].some((c) => c.localName !== "style" && shown(c));
  };
  const area = (el) => {
    let r = el.getBoundingClientRect();
    if (el.shadowRoot && r.width * r.height < 2) {
      for (const c of el.shadowRoot.querySelectorAll("*")) {
        const b = c.getBoundingClientRect();
        if (b.width * b.height > r.width * r.height) r = b;
      }
    }
    const w = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0));
    const h = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
    return (w * h) / (vw * vh);
  };
  const locked = [document.documentElement, document.body].some(
    (e) => e && ["hidden", "clip"].includes(getComputedStyle(e).overflowY));
  const look = {shown: [], present: [], tcf: null, text: null, wall: false};
  for (const [name, banner, present] of managers) {
    const els = [...document.querySelectorAll(banner)].filter(shown);
    if (els.length) {
      look.shown.push(name);
      if (locked || els.some((e) => area(e) >= 0.25)) look.wall = true;
    } else if (present && document.querySelector(present)) look.present.push(name);
  }
  if (typeof window.__tcfapi === "function") {
    look.tcf = await new Promise((done) => {
      const t = setTimeout(() => done(null), 300);
      const got = (p) => { clearTimeout(t); done(p ? [p.cmpId || 0, p.displayStatus || ""] : null); };
      try { window.__tcfapi("ping", 2, got); }
      catch (e) { clearTimeout(t); done(null); }
    });
  }
  if (look.shown.length) return look;
  // The text reading: a shown dialog or fixed box about cookies, holding an "accept all" button.
  const edge = /^[\\s.!:✓×→»>-]+|[\\s.!:✓×→»>-]+$/g;
  const norm = (s) => s.toLowerCase().replace(/[\\s\\u00a0]+/g, " ").replace(edge, "");
  const boxes = document.querySelectorAll('[role=dialog],[role=alertdialog],[aria-modal=true],'
    + '[id*=cookie i],[class*=cookie i],[id*=consent i],[class*=consent i],[id*=gdpr i],[class*=gdpr i]');
  for (const box of boxes) {
    const words = (box.textContent || "").toLowerCase();  // textContent: no layout, unlike innerText
    if (!topic.some((t) => words.includes(t)) || !shown(box)) continue;
    for (const b of box.querySelectorAll('button,a,[role=button],input[type=button],input[type=submit]')) {
      const label = norm(b.innerText || b.value || b.getAttribute("aria-label") || "");
      if (!label || label.length > 60 || refuse.some((w) => label.includes(w)) || !shown(b)) continue;
      if (phrases.includes(label) || phrases.some((p) => p.length > 5 && label.startsWith(p + " "))) {
        document.querySelectorAll("[" + mark + "]").forEach((e) => e.removeAttribute(mark));
        b.setAttribute(mark, "");
        look.text = label;
        if (locked || area(box) >= 0.25) look.wall = true;
        return look;
      }
    }
  }
  return look;
}"""

# The tables are written into the function's source: passed as arguments, Playwright would
# serialise their 300 strings one by one on every call (about 3 ms a look, measured).
_LOOK_JS = _LOOK_TEMPLATE.replace(
    "ARGS",
    json.dumps(
        [[[m.name, m.banner, m.present] for m in MANAGERS], sorted(PHRASES), list(REFUSE), list(TOPIC), MARK],
        ensure_ascii=False,
    ),
)


@dataclass(frozen=True)
class Look:
    shown: tuple[str, ...] = ()  # managers whose banner is shown
    present: tuple[str, ...] = ()  # managers loaded, no banner (yet)
    tcf_manager: str | None = None  # named by __tcfapi's cmpId
    tcf_visible: bool = False  # __tcfapi says its UI is shown
    tcf_quiet: bool = False  # __tcfapi answered: its UI is not shown (consent given, or not asked)
    text: str | None = None  # the "accept all" the text reading found
    wall: bool = False  # what is shown covers the page

    @property
    def asking(self) -> bool:
        return bool(self.shown or self.text or self.tcf_visible)

    @property
    def who(self) -> str:
        if self.shown:
            return self.shown[0]
        return self.tcf_manager or "a consent banner"


async def look(page: Page) -> Look:
    try:
        raw = await page.evaluate(_LOOK_JS)
    except PlaywrightError:
        return Look()  # navigating meanwhile (a consent click may reload the page)
    tcf = raw.get("tcf")
    cmp_id, status = (int(tcf[0] or 0), str(tcf[1])) if tcf else (0, "")
    return Look(
        tuple(raw["shown"]),
        tuple(raw["present"]),
        TCF_CMP_IDS.get(cmp_id) if cmp_id else None,
        status == "visible",
        status in ("hidden", "disabled"),
        raw.get("text"),
        bool(raw.get("wall")),
    )


@dataclass(frozen=True)
class Outcome:
    """What the step did: the manager it answered (or None: nothing asked), and the wall that
    stayed, if one did."""

    manager: str | None = None
    wall: str | None = None


async def give_consent(page: Page, spec: ConsentSpec, budget_ms: int) -> Outcome:
    """Accept the consent banner shown now, if any (see the module doc), within `budget_ms`."""
    seen = await look(page)
    if not seen.asking and (not seen.present or seen.tcf_quiet):
        return Outcome()
    deadline = time.monotonic() + budget_ms / 1000
    if not seen.asking:  # a manager is loaded: its banner may be on its way
        seen = await _wait_for(page, deadline, lambda lk: lk.asking, SHOW_MS)
        if not seen.asking:
            return Outcome()
    who = seen.who
    await _accept(page, spec, seen, deadline)
    after = await _wait_for(page, deadline, lambda lk: not lk.asking, SETTLE_MS)
    return Outcome(who, after.who if after.asking and after.wall else None)


async def _wait_for(page: Page, deadline: float, done: Callable[[Look], bool], at_most_ms: int) -> Look:
    end = min(deadline, time.monotonic() + at_most_ms / 1000)
    seen = await look(page)
    while not done(seen) and time.monotonic() < end:
        await asyncio.sleep(0.15)
        seen = await look(page)
    return seen


async def _accept(page: Page, spec: ConsentSpec, seen: Look, deadline: float) -> bool:
    """One way to accept, the surest first; whether a click or call happened."""
    for selector in spec.accept:
        if await _click(page, selector, None, deadline):
            return True
    for name in (*seen.shown, *([seen.tcf_manager] if seen.tcf_manager else [])):
        manager = by_name(name)
        if manager is not None and await _by_manager(page, manager, deadline):
            return True
    if seen.text is not None:
        return await _click(page, f"[{MARK}]", None, deadline)
    return False


async def _by_manager(page: Page, manager: Manager, deadline: float) -> bool:
    if manager.api:
        try:
            if await page.evaluate(f"() => {{ try {{ {manager.api} }} catch (e) {{ return false; }} }}"):
                return True
        except PlaywrightError:
            pass
    # A manager with two shapes (TrustArc's bar in the page, its pop-frame): the page's first.
    in_page = not manager.frame or await page.locator(manager.accept).count() > 0
    return await _click(page, manager.accept, None if in_page else manager.frame, deadline)


async def _click(page: Page, selector: str, frame: str | None, deadline: float) -> bool:
    scope = page.frame_locator(frame).first if frame else page
    timeout = max(1, min(1500, int((deadline - time.monotonic()) * 1000)))
    try:
        await scope.locator(selector).first.click(timeout=timeout)
    except (PlaywrightTimeout, PlaywrightError):
        return False
    return True
