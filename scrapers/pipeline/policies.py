"""The policies a page passes through, each a small piece the pipeline composes:
robots.txt, the per-domain politeness gate, and retries with backoff (honouring Retry-After).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.robotparser
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from scrapers.errors import PageError
from scrapers.net.scope import UrlPolicy
from scrapers.output.logs import get_logger
from scrapers.pipeline.fetch import ROBOTS_MAX_BYTES, FetchError, fetch_bytes

log = get_logger("storyline.policies")

RETRYABLE_KINDS = frozenset({"timeout", "network", "browser"})
RETRYABLE_HTTP = frozenset({408, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0  # a server asking for longer gets this; the page is retried or recorded


class RobotsPolicy:
    """robots.txt per origin, fetched once; an unreachable file allows everything."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self._parsers: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _parser(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._parsers:
                try:
                    raw = await fetch_bytes(
                        origin + "/robots.txt",
                        self.user_agent,
                        policy=UrlPolicy(allow_private=True),
                        navigation=False,
                        timeout=10,
                        max_bytes=ROBOTS_MAX_BYTES,
                        truncate=True,
                    )
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(raw.decode("utf-8", "replace").splitlines())
                    self._parsers[origin] = parser
                except FetchError as exc:
                    log.info("no robots.txt; allowing all", origin=origin, error=str(exc))
                    self._parsers[origin] = None
            return self._parsers[origin]

    async def check(self, url: str) -> float:
        """The crawl delay in seconds; raises PageError("robots") when the URL is disallowed."""
        parser = await self._parser(url)
        if parser is None:
            return 0.0
        if not parser.can_fetch(self.user_agent, url):
            raise PageError("robots", "disallowed by robots.txt")
        return float(parser.crawl_delay(self.user_agent) or 0)


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
