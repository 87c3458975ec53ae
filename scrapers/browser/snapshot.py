"""The page as the reader sees it: one HTML snapshot with open shadow roots and frames in place.

A document's `outerHTML` leaves out what web components render into shadow roots and what
iframes hold, so a story or widget built that way was lost. The snapshot serialises the main
document in one `evaluate`; only when it has a shadow host or a frame does it walk the tree:

- an open shadow root is serialised inside its host, slots replaced by what they show (the
  host carries `data-storyline-shadow="open"`); light children no slot shows are left out;
- a same-origin frame's document (a `srcdoc`, or a frame the URL policy let load) becomes a
  `<div data-storyline-frame="URL">` carrying the frame's id and class, links made absolute;
- a cross-origin frame shown on the page is read through Playwright's frame API, unless the
  URL policy refused its host (then it is counted, and stays empty).

Closed shadow roots cannot be read from the page: an init script counts those the page's
scripts attach (`attachShadow`); declarative closed roots leave no trace and are not counted.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page

from scrapers.errors import Refused
from scrapers.net.scope import host_port
from scrapers.output.record import Hidden

# Counts closed shadow roots as the page's scripts attach them (runs before any page script).
COUNT_CLOSED_JS = """(() => {
  const attach = Element.prototype.attachShadow;
  let closed = 0;
  Object.defineProperty(window, "__storylineClosedShadows", {get: () => closed});
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    if (init && init.mode === "closed") closed += 1;
    return root;
  };
})()"""

# Returns [html, closed shadow roots, [[placeholder index, frame URL], ...] of cross-origin frames,
# the document's URL].
SNAPSHOT_JS = r"""(absolute) => {
  const doc = document, root = doc.documentElement;
  const doctype = doc.doctype ? new XMLSerializer().serializeToString(doc.doctype) : "";
  const closed = window.__storylineClosedShadows || 0;
  if (!root) return [doctype, closed, [], doc.URL];
  let plain = doc.querySelector("iframe,frame") === null;
  if (plain) {  // the fast path: nothing outerHTML leaves out (a pass over elements, no copies)
    const all = doc.getElementsByTagName("*");
    for (let i = 0; i < all.length; i++) if (all[i].shadowRoot) { plain = false; break; }
  }
  if (plain && !absolute) return [doctype + root.outerHTML, closed, [], doc.URL];
  // The elements on the way to a shadow host or a frame are walked; every other subtree is taken
  // whole by outerHTML (native, and most of a page): the walk costs what its hosts and frames need.
  const onPath = new Set();
  const mark = (el) => {
    for (let e = el; e && !onPath.has(e); ) {
      onPath.add(e);
      const up = e.parentNode;
      e = up instanceof ShadowRoot ? up.host : up;
    }
  };
  const scan = (scope) => {
    for (const el of scope.querySelectorAll("*")) {
      if (el.shadowRoot) { mark(el); scan(el.shadowRoot); }
      else if (el.localName === "iframe" || el.localName === "frame") mark(el);
    }
  };
  if (!absolute) scan(doc);
  const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "source", "track", "wbr"]);
  const RAW = new Set(["script", "style", "xmp", "noembed", "noframes", "noscript", "plaintext"]);
  const KEPT = new Set(["id", "class", "title", "name"]);  // what a frame's selector may name
  const out = [], foreign = [];
  const text = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const quoted = (s) => '"' + s.replace(/&/g, "&amp;").replace(/"/g, "&quot;") + '"';
  const attrs = (el, skip) => {
    let s = "";
    for (const a of el.attributes) {
      if (skip && !skip.has(a.name)) continue;
      let v = a.value;
      if (absolute && (a.name === "href" || a.name === "src")) {
        try { v = new URL(v, el.baseURI).href; } catch (e) { /* kept as written */ }
      }
      s += " " + a.name + "=" + quoted(v);
    }
    return s;
  };
  const kids = (parent) => { for (let c = parent.firstChild; c; c = c.nextSibling) node(c); };
  const frame = (el) => {
    const src = el.src || "";
    let inner = null;
    try { inner = el.contentDocument; } catch (e) { inner = null; }
    // A frame still loading shows about:blank: its src says where it goes (a challenge marker
    // may be in it).
    const url = inner && !(inner.URL === "about:blank" && src) ? inner.URL : src;
    out.push("<div data-storyline-frame=" + quoted(url) + attrs(el, KEPT) + ">");
    if (inner && inner.body) {
      const save = absolute; absolute = true; kids(inner.body); absolute = save;
    } else if (!inner && src) {
      const box = el.getBoundingClientRect();
      if (box.width > 1 && box.height > 1) {  // a hidden frame (a tracker) shows the reader nothing
        el.setAttribute("data-storyline-frame-n", String(foreign.length));  // for Python to find
        out.push("<!--storyline-frame-" + foreign.length + "-->");
        foreign.push([foreign.length, src]);
      }
    }
    out.push("</div>");
  };
  const node = (n) => {
    if (n.nodeType === 3) {
      const p = n.parentNode;
      out.push(p && p.localName && RAW.has(p.localName) ? n.data : text(n.data));
      return;
    }
    if (n.nodeType !== 1) return;
    const el = n, tag = el.localName;
    if (tag === "iframe" || tag === "frame") return frame(el);
    if (tag === "slot" && el.getRootNode() instanceof ShadowRoot) {
      const shown = el.assignedNodes({flatten: true});
      if (shown.length) { for (const s of shown) node(s); } else { kids(el); }
      return;
    }
    if (!absolute && !onPath.has(el) && !el.querySelector("slot")) { out.push(el.outerHTML); return; }
    const shadow = el.shadowRoot;
    out.push("<" + tag + attrs(el, null) + (shadow ? ' data-storyline-shadow="open"' : "") + ">");
    if (VOID.has(tag)) return;
    if (tag === "template") kids(el.content); else if (shadow) kids(shadow); else kids(el);
    out.push("</" + tag + ">");
  };
  node(root);
  return [doctype + out.join(""), closed, foreign, doc.URL];
}"""

FRAME_WAIT_S = 1.0  # how long the frames shown on a page may still take to load, all together
_PLACEHOLDER = re.compile(r"<!--storyline-frame-(\d+)-->")


@dataclass(frozen=True)
class Snapshot:
    html: str
    hidden: Hidden = field(default_factory=Hidden)


def _refused_hosts(refusals: list[Refused]) -> set[tuple[str, int]]:
    hosts = set()
    for r in refusals:
        try:
            hosts.add(host_port(r.url))
        except ValueError:
            continue
    return hosts


async def snapshot(page: Page, refusals: list[Refused]) -> Snapshot:
    """The page's snapshot (see the module doc); `refusals`: what the URL policy refused."""
    try:
        html, closed, foreign, _ = await page.evaluate(SNAPSHOT_JS, False)
    except PlaywrightError:
        return Snapshot(await page.content())  # navigating meanwhile: Playwright's own retries
    if not foreign:
        return Snapshot(str(html), Hidden(closed_shadow_roots=int(closed)))
    refused = _refused_hosts(refusals)
    parts: dict[int, str] = {}
    lost = 0
    wait_until = time.monotonic() + FRAME_WAIT_S
    for index, src in foreign:
        inner = await _frame_html(page, int(index), str(src), refused, wait_until)
        if inner is None:
            lost += 1
        else:
            parts[int(index)] = inner
    html = _PLACEHOLDER.sub(lambda m: parts.get(int(m.group(1)), ""), str(html))
    return Snapshot(html, Hidden(closed_shadow_roots=int(closed), refused_frames=lost))


async def _frame_html(
    page: Page, index: int, src: str, refused: set[tuple[str, int]], wait_until: float
) -> str | None:
    """A cross-origin frame's body, serialised in the frame; None if refused or unreadable."""
    try:
        if host_port(src) in refused:
            return None
    except ValueError:
        return None
    frame = await _child_frame(page, index, wait_until)
    if frame is None:
        return None
    try:
        left_ms = max(1.0, (wait_until - time.monotonic()) * 1000)
        await frame.wait_for_load_state("domcontentloaded", timeout=left_ms)
        inner, _, _, where = await frame.evaluate(SNAPSHOT_JS, True)
    except PlaywrightError:
        return None
    if not str(where).startswith(("http:", "https:")):
        return None  # Chromium's error page: the frame failed to load (or was refused on replay)
    body = re.search(r"<body[^>]*>(.*)</body>", str(inner), re.S)
    return body.group(1) if body else None


async def _child_frame(page: Page, index: int, wait_until: float) -> Frame | None:
    """The frame of the iframe the serialiser marked `index`, once it left about:blank (a frame
    still navigating is waited for until `wait_until`); None for Chromium's error page."""
    try:
        handle = await page.query_selector(f'[data-storyline-frame-n="{index}"]')
        frame = await handle.content_frame() if handle is not None else None
    except PlaywrightError:
        return None
    while frame is not None and not frame.url.startswith(("http:", "https:", "chrome-error:")):
        if time.monotonic() >= wait_until:
            return None
        await asyncio.sleep(0.05)
    return frame if frame is not None and frame.url.startswith(("http:", "https:")) else None
