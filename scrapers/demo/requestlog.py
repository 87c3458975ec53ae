"""The demo server's request log: what a test reads to see how many pages a scraper loaded at
once on one host (its per-domain limit), across every process that scraped it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Served:
    """One request as the server saw it: its Host, path, the page that asked for it (the path of
    its Referer on this host; a page's own request names itself) and when it arrived and ended."""

    host: str
    path: str
    page: str
    start: float  # time.monotonic()
    end: float


STORY_API = "/api/story/"


def pages_in_flight(log: list[Served]) -> dict[str, int]:
    """The most demo pages loading at once on each host, from a request log.

    A page is a visit: it begins with the request for its document (the article shell) and ends
    with the request app.js makes for its story (`/api/story/SLUG.json`), matched by Referer; a
    visit is counted from the arrival of the first to the arrival of the second. A scraper holding
    a per-domain slot until the story is on the page takes the slot before the first and still
    holds it when the second arrives (it needs its answer), so this never counts more pages than
    slots held; requests a page makes after its story (lazy widgets, the weather) are left out,
    as the scraper may have moved on by then."""
    spans: dict[tuple[str, str, int], list[float]] = {}
    visits: dict[tuple[str, str], int] = {}
    for r in sorted(log, key=lambda r: r.start):
        if r.page == r.path:
            visits[(r.host, r.path)] = visits.get((r.host, r.path), 0) + 1
        elif not r.path.startswith(STORY_API):
            continue
        key = (r.host, r.page, visits.get((r.host, r.page), 0))
        span = spans.setdefault(key, [r.start, r.start])
        span[1] = max(span[1], r.start)
    events: dict[str, list[tuple[float, int]]] = {}
    for (host, _, _), (start, last) in spans.items():
        if last == start:
            continue  # a lone request (robots.txt, a page killed before its story): no span
        events.setdefault(host, []).extend([(start, 1), (last, -1)])
    most: dict[str, int] = {}
    for host, evs in events.items():
        now = 0
        for _, step in sorted(evs):  # at one instant an end (-1) sorts before a start
            now += step
            most[host] = max(most.get(host, 0), now)
    return most
