"""The URL policy: its decisions, and the browser held to it by the guard proxy.

No packet may leave this machine: private and metadata addresses are named in URLs or reached
through host names a resolver stub maps to them, and the guard refuses them before connecting.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from conftest import BrowserSession
from faultserver import FaultServer
from localserver import LocalServer, redirect, text
from scrapers.config.settings import Overrides
from scrapers.config.sitefiles import generic_site
from scrapers.config.sitespec import SiteSpec
from scrapers.errors import PageError, Refused
from scrapers.net.scope import UrlPolicy, address_problem
from scrapers.output.record import Record
from scrapers.page.pipeline import PagePipeline, PipelineOptions

HTML = "text/html; charset=utf-8"
MAPPED = {
    "metadata.test": ["169.254.169.254"],
    "intranet.test": ["10.0.0.7"],
    "v6.test": ["fd00:ec2::254"],
    "sneaky.test": ["93.184.216.34", "10.1.2.3"],  # one private answer among public ones
    "news.test": ["93.184.216.34"],
    "www.news.test": ["93.184.216.34"],
}


def mapped_resolver(host: str, port: int) -> list[str]:
    if host in MAPPED:
        return MAPPED[host]
    raise OSError(f"{host}: no such name in the test resolver")


@pytest.mark.parametrize(
    "ip",
    [
        *("127.0.0.1", "10.0.0.7", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"),
        *(
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
        ),
    ],
)
def test_non_public_addresses_are_refused(ip: str) -> None:
    assert address_problem(ipaddress.ip_address(ip)) is not None


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(ip: str) -> None:
    assert address_problem(ipaddress.ip_address(ip)) is None


def _refusal(policy: UrlPolicy, url: str, navigation: bool = False) -> str | None:
    try:
        policy.check(url, navigation=navigation)
    except Refused as exc:
        return exc.kind
    return None


def test_policy_of_a_job() -> None:
    policy = UrlPolicy.for_job(["http://127.0.0.1:8000/start"], ["news.test"], resolver=mapped_resolver)
    assert _refusal(policy, "http://127.0.0.1:8000/other") is None  # named: trusted, loopback or not
    assert _refusal(policy, "http://127.0.0.1:8001/") == "blocked_address"  # another port is not named
    assert _refusal(policy, "https://www.news.test/a", navigation=True) is None  # subdomain in scope
    assert _refusal(policy, "https://elsewhere.test/a", navigation=True) == "offsite"
    for url in ("file:///etc/passwd", "ftp://news.test/x", "chrome://settings/", "javascript:alert(1)"):
        assert _refusal(policy, url) == "offsite", url
    for url in (
        "http://metadata.test/",
        "http://intranet.test:8500/",
        "http://v6.test/",
        "http://sneaky.test/",
    ):
        assert _refusal(policy, url) == "blocked_address", url
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[::1]:80/", "http://10.0.0.7/"):
        assert _refusal(policy, url) == "blocked_address", url
    assert _refusal(policy, "http://news.test:99999/", navigation=True) == "offsite"  # malformed
    assert _refusal(policy, "http://[x", navigation=True) == "offsite"
    with pytest.raises(OSError):
        policy.check("http://nowhere.test/")  # a name that does not resolve is a network failure
    widened = UrlPolicy.for_job([], allow_private=True, resolver=mapped_resolver)
    assert _refusal(widened, "http://intranet.test:8500/") is None


class TwoServers:
    """The page's own server, and a second one outside the job's scope that must never be hit."""

    def __init__(self) -> None:
        self.other = LocalServer({"/secret": text("<h1>internal</h1>", HTML)})
        self.own = LocalServer({"/": text(self.page(), HTML)})

    def url(self, path: str, own: bool = True) -> str:
        return (self.own if own else self.other).url(path)

    def redirecting(self, location: str) -> str:
        """A URL of the own server that redirects to `location`."""
        path = f"/to?{location}"
        self.own.routes[path] = redirect(location)
        return self.own.url(path)

    @property
    def other_hits(self) -> int:
        return sum(self.other.hits.values())

    def page(self) -> str:
        other = self.url("/secret", own=False)
        fetches = [other, "http://169.254.169.254/latest/meta-data/", "http://intranet.test:8500/v1/kv"]
        urls = repr(fetches).replace("'", '"')
        script = (
            f"Promise.allSettled({urls}.map(u => fetch(u))).then(() => {{"
            "const d = document.createElement('div'); d.id = 'settled'; document.body.append(d); });"
        )
        return (
            "<!doctype html><html><head><title>Guarded</title></head><body><article>"
            "<h1>A page that reaches out</h1><p>The story is here and stays here.</p>"
            "<p>Its second paragraph.</p></article>"
            f"<iframe src='{other}'></iframe><img src='http://metadata.test/logo.png'>"
            f"<script>{script}</script></body></html>"
        )

    def __enter__(self) -> TwoServers:
        self.own.__enter__()
        self.other.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.own.__exit__(*exc)
        self.other.__exit__(*exc)


@pytest.fixture
def servers() -> Iterator[TwoServers]:
    with TwoServers() as s:
        yield s


def _site(wait_for: str | None = None) -> SiteSpec:
    site = generic_site()
    return site.model_copy(
        update={"render": site.render.model_copy(update={"wait_for": wait_for, "timeout_ms": 10_000})}
    )


def _scrape(session: BrowserSession, servers: TwoServers, urls: list[str], site: SiteSpec) -> list[Record]:
    policy = UrlPolicy.for_job([servers.url("/")], resolver=mapped_resolver)
    options = PipelineOptions(
        overrides=Overrides(obey_robots=False, attempts=1, min_delay_ms=0), policy=policy
    )
    pipeline = PagePipeline(session.renderer, options)
    return [session.run(pipeline.run(url, site)).record for url in urls]


@pytest.mark.browser
def test_the_browser_never_reaches_what_the_policy_refuses(
    browser_session: BrowserSession, servers: TwoServers
) -> None:
    [page] = _scrape(browser_session, servers, [servers.url("/")], _site("#settled"))
    assert page.status == "ok", page.error
    assert page.story is not None and page.story.headline == "A page that reaches out"
    # the iframe and fetch() of the second server, the metadata image, fetches of 169.254.169.254
    # and of a name mapped to 10.0.0.7
    assert page.blocked_requests == 5
    redirects = {
        "second server": servers.redirecting(servers.url("/secret", own=False)),
        "metadata name": servers.redirecting("http://metadata.test/latest/meta-data/"),
        "metadata address": servers.redirecting("https://169.254.169.254/latest/"),
        "private name": servers.redirecting("http://intranet.test:8500/"),
        "file": servers.redirecting("file:///etc/passwd"),
    }
    records = _scrape(browser_session, servers, list(redirects.values()), _site())
    kinds = {
        name: rec.error.kind if rec.error else rec.status
        for name, rec in zip(redirects, records, strict=True)
    }
    assert kinds == {
        "second server": "blocked_address",
        "metadata name": "blocked_address",
        "metadata address": "blocked_address",
        "private name": "blocked_address",
        "file": "offsite",
    }
    assert servers.other_hits == 0
    # The browser's own User-Agent, naming Storyline after it
    agents = servers.own.agents
    assert agents and all("Chrome/" in a and "Storyline/" in a for a in agents)


@pytest.mark.browser
def test_urls_outside_the_scope_are_never_loaded(
    browser_session: BrowserSession, servers: TwoServers
) -> None:
    urls = ["file:///etc/passwd", "chrome://settings/", "http://elsewhere.test/story", servers.url("/")]
    records = _scrape(browser_session, servers, urls, _site())
    assert [r.error.kind if r.error else r.status for r in records] == ["offsite"] * 3 + ["ok"]
    assert "outside the job's scope" in (records[2].error.message if records[2].error else "")
    assert servers.other_hits == 0


@pytest.mark.browser
def test_listing_pages_obey_robots_txt(browser_session: BrowserSession) -> None:
    with FaultServer() as faults:
        pipeline = PagePipeline(
            browser_session.renderer, PipelineOptions(overrides=Overrides(min_delay_ms=0))
        )
        site = _site()
        with pytest.raises(PageError) as refused:
            browser_session.run(pipeline.render_judged(f"{faults.base_url}/private/list", site.render, site))
        assert refused.value.kind == "robots"
        page = browser_session.run(pipeline.render_judged(faults.fault_url("ok", "list"), site.render, site))
        assert page.http_status == 200
