"""Recognising bot-challenge and block pages (interstitials), whatever their status code.

A challenge page must never become a story: served with 200 it would otherwise be recorded as an
`ok` story headlined with the host name. One detector serves every command. Signals, strongest
first: a provider's response header that only challenges carry; the page title; markers in the
raw HTML that only the providers' challenge pages carry (never the scripts they also inject into
normal pages); visible phrases, only on short pages; then the site file's own `fetch.blocked`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from parsel import Selector

from scrapers.browser.actions import FirstLook
from scrapers.config.sitespec import BlockedSpec

# A challenge page says little; an article says a lot. Phrases are only trusted on short pages.
SHORT_PAGE_CHARS = 3000


@dataclass(frozen=True)
class Provider:
    name: str
    headers: tuple[tuple[str, str], ...] = ()  # (header, value regex): decisive on their own
    titles: tuple[str, ...] = ()  # title regexes (whole title, case-insensitive)
    markers: tuple[str, ...] = ()  # raw-HTML substrings only its challenge/block pages carry
    phrases: tuple[str, ...] = ()  # visible text, trusted on short pages only


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "cloudflare",
        headers=(("cf-mitigated", "challenge"),),
        titles=(
            r"just a moment\.\.\.",
            r"attention required! \| cloudflare",
            r"access denied \| .* cloudflare",
        ),
        markers=("_cf_chl_opt", "cf-browser-verification", "cf_chl_prog"),
        phrases=(
            "Verifying you are human",
            "needs to review the security of your connection before proceeding",
            "Checking your browser before accessing",
            "Sorry, you have been blocked",
        ),
    ),
    Provider(
        "akamai",
        titles=(r"access denied",),
        markers=("errors.edgesuite.net", "_sec/cp_challenge", "sec-if-cpt-container"),
        phrases=("You don't have permission to access", "Powered and protected by Akamai"),
    ),
    Provider(
        "datadome",
        markers=("captcha-delivery.com", "geo.captcha-delivery", "ct.captcha-delivery"),
        phrases=("Please enable JS and disable any ad blocker",),
    ),
    Provider(
        "perimeterx",
        titles=(r"access to this page has been denied\.?",),
        markers=('id="px-captcha"', "captcha.px-cdn.net", "px-captcha-wrapper"),
        phrases=("Press & Hold to confirm you are", "Press &amp; Hold"),
    ),
    Provider(
        "imperva",
        titles=(r"pardon our interruption",),
        markers=("Incapsula incident ID", "_Incapsula_Resource?SWUDNSAI", "/_Incapsula_Resource?CWUDNSAI"),
        phrases=(
            "Request unsuccessful. Incapsula incident ID",
            "As you were browsing something about your browser",
        ),
    ),
    Provider(
        "aws-waf",
        headers=(("x-amzn-waf-action", "captcha|challenge|block"),),
        markers=("awsWafCookieDomainList", "gokuProps", "AwsWafIntegration"),
    ),
    Provider(
        "sucuri",
        headers=(("x-sucuri-block", ".+"),),
        titles=(r"sucuri website firewall - access denied",),
        markers=("sucuri.net/privacy-policy",),
    ),
    Provider(
        "generic",
        titles=(
            r"are you a robot\??",
            r"robot or human\??",
            r"verify you are (a )?human",
            r"bot verification",
        ),
        phrases=("Verify you are human", "Please verify you are a human", "complete the security check"),
    ),
)

_TITLE_RE = [(p, re.compile(rf"^\s*(?:{'|'.join(p.titles)})\s*$", re.I)) for p in PROVIDERS if p.titles]
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def by_headers(headers: Mapping[str, str]) -> str | None:
    """The provider whose challenge header the response carries (decisive), or None."""
    lower = {k.lower(): v for k, v in headers.items()}
    for p in PROVIDERS:
        for name, pattern in p.headers:
            value = lower.get(name)
            if value is not None and re.search(pattern, value, re.I):
                return f"{p.name} challenge ({name}: {value})"
    return None


def by_title(title: str) -> str | None:
    for p, rx in _TITLE_RE:
        if rx.match(title):
            return f"{p.name} challenge page (title {title.strip()!r})"
    return None


def at_first_sight(look: FirstLook) -> bool:
    """For the renderer: end the page as soon as the response or its title shows a challenge."""
    return by_headers(look.headers) is not None or by_title(look.title) is not None


def challenge_reason(
    html: str, doc: Selector, headers: Mapping[str, str], markers: BlockedSpec | None = None
) -> str | None:
    """Why this page is a bot challenge or block page, or None. `doc` is `html` parsed (lxml)."""
    if reason := by_headers(headers):
        return reason
    m = _TITLE_TAG.search(html[:20000])
    if m and (reason := by_title(re.sub(r"\s+", " ", m.group(1)))):
        return reason
    for p in PROVIDERS:
        for marker in p.markers:
            if marker in html:
                return f"{p.name} challenge marker {marker!r} found"
    text: str | None = None
    wanted = [(p.name, ph) for p in PROVIDERS for ph in p.phrases if ph in html]
    if markers is not None:
        for sel in markers.selectors:
            if doc.css(sel):
                return f"challenge marker {sel!r} found"
        wanted += [("site", t) for t in markers.texts if t in html]
    if wanted:  # visible text is costly to gather on a big page; a phrase absent from the HTML is absent
        text = " ".join(doc.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall())
        short = len(" ".join(text.split())) < SHORT_PAGE_CHARS
        for name, phrase in wanted:
            if phrase in text and (short or name == "site"):
                return f"challenge text {phrase!r} found" + (
                    "" if name in ("site", "generic") else f" ({name})"
                )
    return None
