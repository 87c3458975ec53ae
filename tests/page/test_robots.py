"""robots.txt as RFC 9309 says, through the fetcher and the URL policy, against local servers."""

from __future__ import annotations

import asyncio

import pytest

from localserver import (
    LocalServer,
    free_port,
    hang,
    redirect,
    run_async,
    stub_resolver,
    text,
)
from scrapers.errors import PageError
from scrapers.net.client import ROBOTS_MAX_BYTES
from scrapers.net.scope import UrlPolicy
from scrapers.page.policies import RobotsPolicy, origin_of, product_token

UA = "Storyline/0.1 (news scraper; +https://otherbot.example/about)"
RULES = """\
User-agent: *
Disallow: /*?print=
Disallow: /search$
Allow: /a/b
Disallow: /a
Crawl-delay: 2

User-agent: Otherbot
Disallow: /
"""


# Every test here: no connection but to loopback (`attempts` lists the others tried).
pytestmark = pytest.mark.usefixtures("attempts")


def verdicts(robots: RobotsPolicy, urls: list[str]) -> list[float | str]:
    """robots.check for each URL, in one event loop: the crawl delay, or 'robots: MESSAGE'."""

    async def one(url: str) -> float | str:
        try:
            return await robots.check(url)
        except PageError as err:
            return f"{err.kind}: {err.message}"

    async def main() -> list[float | str]:
        return [await one(url) for url in urls]

    return run_async(main())


def test_wildcards_end_anchors_longest_match_and_crawl_delay(server: LocalServer) -> None:
    server.routes["/robots.txt"] = text(RULES)
    robots = RobotsPolicy(UA, UrlPolicy.for_job([server.url()]))
    got = verdicts(
        robots,
        [
            server.url("/news/story?print=1"),
            server.url("/news/story?print=yes&page=2"),
            server.url("/news/story?page=2&print=yes"),
            server.url("/news/story"),
            server.url("/search"),
            server.url("/search/results"),
            server.url("/search?q=x"),
            server.url("/a/b/c"),
            server.url("/a/c"),
            server.url("/about"),
        ],
    )
    no = "robots: disallowed by robots.txt"
    # "?page=2&print=yes" has no "?print=": allowed; /about: `Disallow: /a` is a prefix of it.
    assert got == [no, no, 2.0, 2.0, no, 2.0, 2.0, 2.0, no, no]
    assert server.hits["/robots.txt"] == 1 and server.agents == [UA]


def test_groups_match_the_product_token_only() -> None:
    assert product_token(UA) == "Storyline"
    assert product_token("my_bot-2/1.0") == "my_bot-"
    rules = "User-agent: storyline\nDisallow: /\n\nUser-agent: *\nDisallow: /x\n"
    with LocalServer({"/robots.txt": text(rules)}) as s:
        policy = UrlPolicy.for_job([s.url()])
        mine = verdicts(RobotsPolicy(UA, policy), [s.url("/a"), s.url("/x")])
        other = verdicts(RobotsPolicy("Otherbot/2", policy), [s.url("/a"), s.url("/x")])
    assert mine == ["robots: disallowed by robots.txt"] * 2
    assert other == [0.0, "robots: disallowed by robots.txt"]


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (403, True), (410, True), (500, False), (503, False)]
)
def test_4xx_allows_everything_5xx_disallows_everything(status: int, allowed: bool) -> None:
    with LocalServer({"/robots.txt": (status, {}, b"User-agent: *\nDisallow: /\n")}) as s:
        got = verdicts(RobotsPolicy(UA, UrlPolicy.for_job([s.url()])), [s.url("/a"), s.url("/b")])
        assert s.hits["/robots.txt"] == 1  # the verdict is kept for the job
    if allowed:
        assert got == [0.0, 0.0]
    else:
        assert (
            got
            == [
                f"robots: robots.txt could not be read ({s.url('/robots.txt')}: HTTP {status}); "
                "as RFC 9309 says, nothing on the site is fetched while it cannot be"
            ]
            * 2
        )


def test_a_local_server_without_robots_txt_allows_everything(server: LocalServer) -> None:
    assert verdicts(RobotsPolicy(UA), [server.url("/any/page")]) == [0.0]
    assert server.hits == {"/robots.txt": 1}


def test_unreachable_robots_txt_disallows_everything() -> None:
    url = f"http://127.0.0.1:{free_port()}/story"
    [got] = verdicts(RobotsPolicy(UA), [url])
    # A closed port: the site itself is unreachable, a network error, not a robots.txt verdict.
    assert isinstance(got, str) and got.startswith("network: "), got
    assert "Connection refused" in got and got.endswith("(reading robots.txt, before the page)")
    with LocalServer() as s:
        s.routes["/robots.txt"] = hang(s)
        [got] = verdicts(RobotsPolicy(UA, timeout=1.0), [s.url("/story")])
        assert isinstance(got, str) and "deadline of 1 s exceeded" in got


def test_redirects_are_followed_up_to_five(server: LocalServer) -> None:
    server.routes.update(
        {
            "/robots.txt": redirect("/r1", 301),
            "/r1": redirect(server.url("/real-robots.txt"), 302),
            "/real-robots.txt": text("User-agent: *\nDisallow: /private/\n"),
        }
    )
    policy = UrlPolicy.for_job([server.url()])
    got = verdicts(RobotsPolicy(UA, policy), [server.url("/private/x"), server.url("/public")])
    assert got == ["robots: disallowed by robots.txt", 0.0]
    with LocalServer({"/robots.txt": redirect("/robots.txt")}) as looping:
        got = verdicts(RobotsPolicy(UA, UrlPolicy.for_job([looping.url()])), [looping.url("/x")])
        assert got == [0.0]  # more than five redirects: as if there were none (RFC 9309 §2.3.1.2)
        assert looping.hits["/robots.txt"] == 6


def test_only_the_first_500_kib_are_read_and_a_cut_rule_is_dropped(server: LocalServer) -> None:
    head = "User-agent: *\nDisallow: /a\n"
    cut_line = "Allow: /a/" + "b" * 40 + "\n"
    filler = "# " + "x" * 97 + "\n"  # 100 bytes a line
    n, rest = divmod(ROBOTS_MAX_BYTES - len(head) - len("Allow: /a"), len(filler))
    body = head + filler * n + "#" * (rest - 1) + "\n" + cut_line + "Disallow: /late\n" * 30000
    assert body.encode()[:ROBOTS_MAX_BYTES].endswith(b"\nAllow: /a")
    server.routes["/robots.txt"] = text(body)
    robots = RobotsPolicy(UA, UrlPolicy.for_job([server.url()]))
    got = verdicts(robots, [server.url("/a/x"), server.url("/late")])
    # Kept, "Allow: /a" would tie with "Disallow: /a" and win; past the cap, /late is not disallowed.
    assert got == ["robots: disallowed by robots.txt", 0.0]


def test_the_robots_fetch_goes_through_the_url_policy(
    server: LocalServer, attempts: list[tuple[str, int]]
) -> None:
    server.routes["/robots.txt"] = text("User-agent: *\nDisallow:\n")
    resolve, _ = stub_resolver({"intranet.test": "10.0.0.7"})
    policy = UrlPolicy.for_job(["https://news.example/"], ["intranet.test"], resolver=resolve)
    got = verdicts(RobotsPolicy(UA, policy), [server.url("/story"), "http://intranet.test/story"])
    assert all(isinstance(g, str) and "could not be read" in g for g in got)
    assert "127.0.0.1 is a loopback address" in str(got[0])
    assert "intranet.test is a private address (10.0.0.7)" in str(got[1])
    assert server.hits == {} and attempts == []
    # A page the job named is fetched, robots.txt and all.
    named = UrlPolicy.for_job([server.url("/story")])
    assert verdicts(RobotsPolicy(UA, named), [server.url("/story")]) == [0.0]


def test_robots_txt_is_read_once_per_origin(server: LocalServer) -> None:
    server.routes["/robots.txt"] = text("User-agent: *\nCrawl-delay: 0.5\n")
    resolve, _ = stub_resolver({"second.test": "127.0.0.1"})
    policy = UrlPolicy.for_job([server.url(), server.url(host="second.test")], resolver=resolve)
    robots = RobotsPolicy(UA, policy)
    urls = [server.url(f"/p{i}") for i in range(10)] + [server.url(f"/p{i}", "second.test") for i in range(5)]

    async def main() -> list[float]:
        return list(await asyncio.gather(*(robots.check(u) for u in urls)))

    assert run_async(main()) == [0.5] * 15
    assert server.hits == {"/robots.txt": 2}  # one per origin
    assert sorted(server.hosts) == sorted([f"127.0.0.1:{server.port}", f"second.test:{server.port}"])


def test_origins() -> None:
    assert origin_of("HTTPS://News.Example:443/a?b") == "https://news.example"
    assert origin_of("http://[::1]:8080/x") == "http://[::1]:8080"
    for bad in ("file:///etc/passwd", "http://x:99999/", "http://[x"):
        with pytest.raises(ValueError):
            origin_of(bad)
    [got] = verdicts(RobotsPolicy(UA), ["ftp://example.com/x"])
    assert isinstance(got, str) and got.startswith("robots: robots.txt could not be read")
