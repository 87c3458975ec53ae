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


def pages_in_flight(log: list[Served]) -> dict[str, int]:
    """The most pages loading at once on each host, from a request log.

    A page is a visit: it begins with the request for its document and spans every request that
    names it as Referer until the next visit of the same path. It is counted from the arrival of
    its first request to the arrival of its last: a scraper that holds a page's slot until the
    page is done (a per-domain limit) has all of them arrive inside the slot, so this never
    counts more pages than the slots held, and it counts each visit for as long as it asks for
    anything."""
    spans: dict[tuple[str, str, int], list[float]] = {}
    visits: dict[tuple[str, str], int] = {}
    for r in sorted(log, key=lambda r: r.start):
        if r.page == r.path:
            visits[(r.host, r.path)] = visits.get((r.host, r.path), 0) + 1
        key = (r.host, r.page, visits.get((r.host, r.page), 0))
        span = spans.setdefault(key, [r.start, r.start])
        span[1] = max(span[1], r.start)
    events: dict[str, list[tuple[float, int]]] = {}
    for (host, _, _), (start, last) in spans.items():
        if last == start:
            continue  # a lone request (robots.txt): nothing it could overlap
        events.setdefault(host, []).extend([(start, 1), (last, -1)])
    most: dict[str, int] = {}
    for host, evs in events.items():
        now = 0
        for _, step in sorted(evs):  # at one instant an end (-1) sorts before a start
            now += step
            most[host] = max(most.get(host, 0), now)
    return most
