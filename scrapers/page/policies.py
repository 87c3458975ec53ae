"""The policies a page passes through, each a small piece the pipeline composes:
robots.txt, the per-domain politeness gate, and retries with backoff (honouring Retry-After).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from protego import Protego
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from scrapers.errors import FetchError, PageError
from scrapers.net.client import ROBOTS_MAX_BYTES, HttpClient, fetch_bytes
from scrapers.net.scope import DEFAULT_PORTS, UrlPolicy, host_port
from scrapers.output.logs import get_logger

log = get_logger("storyline.policies")

RETRYABLE_KINDS = frozenset({"timeout", "network", "browser"})
RETRYABLE_HTTP = frozenset({408, 429, 500, 502, 503, 504})
ROBOTS_TIMEOUT_S = 10.0
MAX_RETRY_AFTER_S = 60.0  # a server asking for longer gets this; the page is retried or recorded
MAX_CRAWL_DELAY_S = MAX_RETRY_AFTER_S  # the longest wait between pages a robots.txt gets


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against (RFC 9309 §2.2.1): 'Storyline' of
    'Storyline/0.2 (news scraper; +https://example.org/bot)'."""
    token = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return token.group(0) if token else user_agent


def origin_of(url: str) -> str:
    """scheme://host[:port] of an http(s) URL, lower-cased, default port left out; ValueError else."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host, port = host_port(url)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if port == DEFAULT_PORTS[scheme] else f":{port}")


@dataclass(frozen=True)
class RobotsFile:
    """One origin's robots.txt as read: its rules (None: everything allowed), or why it could not
    be read (everything disallowed)."""

    rules: Protego | None = None
    unreachable: str | None = None
    network: bool = False  # unreachable because the origin itself was


@dataclass(frozen=True)
class RobotsAnswer:
    """What reading an origin's robots.txt gave, before parsing: its text (None: everything is
    allowed), or why it could not be read. Plain strings, so other processes can share it."""

    text: str | None = None
    unreachable: str | None = None
    network: bool = False  # unreachable because the origin itself was (refused, no such host)


class RobotsCache(Protocol):
    """Where several processes share robots.txt answers (scrapers/scale/robots.py: one read per
    origin and job across workers); `read` is called only by the one that reads it."""

    async def answer(self, origin: str, read: Callable[[], Awaitable[RobotsAnswer]]) -> RobotsAnswer: ...


class Gate(Protocol):
    """The per-domain politeness gate: `DomainGate` in one process, a Redis-backed one across
    workers (scrapers/scale/limiter.py)."""

    def slot(
        self, url: str, max_concurrent: int, min_delay_s: float
    ) -> AbstractAsyncContextManager[None]: ...


class RobotsPolicy:
    """robots.txt per origin, read once per job and obeyed as RFC 9309 says (Protego: `*` and `$`
    wildcards, the longest match wins, Allow wins a tie):

    - 2xx: its rules; the first 500 KiB are read (a line cut there is dropped), the rest ignored;
    - redirects are followed (up to 5, each through the URL policy); more than 5, or a 4xx
      ("unavailable"): everything is allowed;
    - 5xx, a network error, the deadline, a refused address ("unreachable"): everything is
      disallowed, and each page of the origin becomes an error of kind `robots` saying so.

    The robots.txt of a page's origin is fetched with `navigation=False` (the page itself is what
    the job scrapes). Without `policy` (the job's, from `job_policy`) any http(s) origin may be
    asked: pass it wherever one exists.
    """

    def __init__(
        self,
        user_agent: str,
        policy: UrlPolicy | None = None,
        *,
        timeout: float = ROBOTS_TIMEOUT_S,
        cache: RobotsCache | None = None,
        client: HttpClient | None = None,
    ) -> None:
        """`client`: the job's HTTP client (its policy must be `policy`); else one per read."""
        self.user_agent = user_agent
        self.cache = cache
        self.client = client
        self.token = product_token(user_agent)
        # Without a job's policy (record, suggest): the page's own origin is trusted, its
        # robots.txt may not redirect to another private address or port.
        self.policy = policy
        self.timeout = timeout
        self._files: dict[str, RobotsFile] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._capped_origins: set[str] = set()

    async def robots(self, url: str) -> RobotsFile:
        """The robots.txt of `url`'s origin (fetched on first use); raises ValueError for a URL
        that has no http(s) origin."""
        origin = origin_of(url)
        async with self._locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._files:
                self._files[origin] = await self._read(origin)
            return self._files[origin]

    async def _read(self, origin: str) -> RobotsFile:
        if self.cache is not None:
            answer = await self.cache.answer(origin, lambda: self._download(origin))
        else:
            answer = await self._download(origin)
        if answer.unreachable is not None:
            return RobotsFile(unreachable=answer.unreachable, network=answer.network)
        if answer.text is None:
            return RobotsFile()
        return RobotsFile(await asyncio.to_thread(Protego.parse, answer.text))

    async def _download(self, origin: str) -> RobotsAnswer:
        url = origin + "/robots.txt"
        try:
            caps: dict[str, Any] = {"timeout": self.timeout, "max_bytes": ROBOTS_MAX_BYTES, "truncate": True}
            if self.client is not None:
                raw = await self.client.get(url, navigation=False, **caps)
            else:
                policy = self.policy or UrlPolicy.for_job([origin])
                raw = await fetch_bytes(url, self.user_agent, policy=policy, navigation=False, **caps)
        except FetchError as exc:
            if exc.kind == "redirects" or (exc.kind == "http" and 400 <= (exc.status or 0) < 500):
                log.info("robots.txt unavailable; allowing all", origin=origin, error=exc.message)
                return RobotsAnswer()
            log.warning("robots.txt unreachable; disallowing all", origin=origin, error=str(exc))
            return RobotsAnswer(unreachable=str(exc), network=exc.kind == "network")
        if len(raw) >= ROBOTS_MAX_BYTES:
            raw = raw[: raw.rfind(b"\n") + 1]  # a rule cut in half could say something else
        return RobotsAnswer(raw.decode("utf-8-sig", "replace"))

    async def check(self, url: str) -> float:
        """The crawl delay in seconds; raises PageError("robots") when the URL is disallowed, or
        when its origin's robots.txt could not be read."""
        try:
            robots = await self.robots(url)
        except ValueError as exc:
            raise PageError("robots", f"robots.txt could not be read: {exc}") from None
        if robots.unreachable is not None and robots.network:  # the site itself is: say so
            raise PageError("network", f"{robots.unreachable} (reading robots.txt, before the page)")
        if robots.unreachable is not None:
            raise PageError(
                "robots",
                f"robots.txt could not be read ({robots.unreachable}); "
                "as RFC 9309 says, nothing on the site is fetched while it cannot be",
            )
        if robots.rules is None:
            return 0.0
        if not robots.rules.can_fetch(url, self.token):
            raise PageError("robots", "disallowed by robots.txt")
        return self._capped(url, robots.rules.crawl_delay(self.token))

    def _capped(self, url: str, asked: float | None) -> float:
        """A Crawl-delay of a day would park the job: capped like Retry-After, and said once."""
        delay = float(asked or 0)
        if not delay >= 0:  # NaN, negative
            return 0.0
        if delay > MAX_CRAWL_DELAY_S:
            origin = origin_of(url)
            if origin not in self._capped_origins:
                self._capped_origins.add(origin)
                log.warning(
                    "robots.txt Crawl-delay capped", origin=origin, asked_s=delay, cap_s=MAX_CRAWL_DELAY_S
                )
            return MAX_CRAWL_DELAY_S
        return delay


class DomainGate:
    """Per-domain concurrency limit and minimum delay between page starts."""

    def __init__(self) -> None:
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, url: str, max_concurrent: int, min_delay_s: float) -> AsyncIterator[None]:
        host = urlsplit(url).hostname or ""
        sem = self._sems.setdefault(host, asyncio.Semaphore(max_concurrent))
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with sem:
            async with lock:
                wait = self._next.get(host, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next[host] = time.monotonic() + min_delay_s
            yield


def is_retryable(exc: BaseException) -> bool:
    """Timeouts, network errors, crashes and 408/429/5xx are worth another try; nothing else is."""
    if not isinstance(exc, PageError):
        return False
    return exc.kind in RETRYABLE_KINDS or (exc.kind == "http" and exc.http_status in RETRYABLE_HTTP)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, PageError) and exc.retry_after is not None:
        return min(exc.retry_after, MAX_RETRY_AFTER_S)
    return float(wait_exponential_jitter(multiplier=0.5, max=10, jitter=0.5)(state))


@dataclass(frozen=True)
class RetryPolicy:
    """Up to `attempts` tries of a retryable failure, with jittered backoff or the server's Retry-After;
    no retry once `stopping()` says the run is stopping."""

    attempts: int
    stopping: Callable[[], bool] = lambda: False

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=_wait,
            retry=retry_if_exception(lambda e: not self.stopping() and is_retryable(e)),
            reraise=True,
        )
