"""Plain HTTP for the small files around a site: robots.txt, feeds, sitemaps (no browser), on httpx.

`HttpClient` is the only way Storyline reads a URL without the browser; a job has one, so its
robots.txt, feed and sitemap reads share connections. Every URL, the first and each redirect hop,
passes the job's `UrlPolicy` before anything connects, and every connection goes to an address the
policy checked: `CheckedBackend`, the network backend under httpx, resolves a host through the
policy when it opens a connection (no second DNS lookup that could answer differently). Reads are
streamed and capped on the decompressed size (`body.Body`: at most one gzip layer undone, so a
compression bomb is refused after 50 MiB); each fetch has a total deadline; cancelling the
awaiting task ends it, as anything async does. Failures are `FetchError`s whose kinds map onto the
record's `ErrorKind` (`offsite`, `blocked_address` as they are; the others are discovery problems
or a robots.txt that could not be read).
"""

from __future__ import annotations

import asyncio
import os
import ssl
import typing
from collections.abc import Awaitable, Callable
from types import TracebackType
from urllib.parse import urljoin

import httpcore
import httpx

from scrapers.errors import FetchError, Refused
from scrapers.net.body import READ_CHUNK, Body
from scrapers.net.scope import UrlPolicy

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "FEED_MAX_BYTES",
    "ROBOTS_MAX_BYTES",
    "CheckedBackend",
    "Fetcher",
    "HttpClient",
    "fetch_bytes",
    "fetcher",
    "tls_context",
]

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: at least 500 KiB of a robots.txt are parsed
FEED_MAX_BYTES = 50 * 1024 * 1024  # feeds and sitemaps (the sitemaps protocol's own limit is 50 MB)
DEFAULT_TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Fetcher = Callable[[str], Awaitable[bytes]]


def tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's CAs, host names checked (tests replace this)."""
    return ssl.create_default_context()


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to the addresses the URL policy gives for a
    host (a non-public one is `Refused`). TLS is then started by httpcore with the URL's host name
    (SNI, certificate check), never the address."""

    def __init__(self, policy: UrlPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.AnyIOBackend()
        # The first answer for a host stays its answer for the client's life (one job): a name
        # that resolves elsewhere later (DNS rebinding) still reaches the checked addresses.
        self._pinned: dict[tuple[str, int], list[str]] = {}

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        ips = self._pinned.get((host, port))
        if ips is None:
            try:  # the system resolver blocks: off the event loop
                ips = await asyncio.to_thread(self.policy.addresses, host.strip("[]"), port)
            except OSError as exc:
                raise httpcore.ConnectError(str(exc)) from None
            self._pinned[(host, port)] = ips
        last: Exception = httpcore.ConnectError(f"{host} has no address")
        for ip in ips:
            try:
                return await self._inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = httpcore.ConnectError(f"cannot connect to {ip} port {port}: {_reason(exc)}")
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("Storyline reads URLs, not unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _reason(exc: BaseException) -> str:
    """The system's words for the failure under anyio's "All connection attempts failed"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno:
            return os.strerror(seen.errno)
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


class _CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over a connection pool whose connections `CheckedBackend` opens.
    (httpx 0.29 takes no network backend of its own: the pool is replaced after it is built.)"""

    def __init__(self, policy: UrlPolicy) -> None:
        context = tls_context()
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=CheckedBackend(policy),
        )


class HttpClient:
    """One job's HTTP client for robots.txt, feeds and sitemaps (`async with`, or `aclose()`)."""

    def __init__(self, policy: UrlPolicy, user_agent: str) -> None:
        self.policy = policy
        self._client = httpx.AsyncClient(
            transport=_CheckedTransport(policy),
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip"},
            follow_redirects=False,  # each hop is checked here first
            timeout=None,  # one deadline for the whole fetch, below
            trust_env=False,  # no proxy from the environment: connections go where the policy said
        )

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        navigation: bool,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = FEED_MAX_BYTES,
        truncate: bool = False,
    ) -> bytes:
        """GET `url` within `timeout` seconds in all (redirects included); raises FetchError.

        The URL is checked with `navigation` scope, every redirect hop with navigation scope,
        before connecting. The body is capped at `max_bytes` after decompression (FetchError
        `too_large`), or with `truncate` cut there (robots.txt: RFC 9309 parses the first 500 KiB)."""
        self._check(url, navigation)  # file://, ftp://, ...: refused before anything else
        try:
            async with asyncio.timeout(timeout):
                return await self._follow(url, navigation, max_bytes, truncate)
        except TimeoutError:
            raise FetchError(url, f"deadline of {timeout:g} s exceeded", kind="deadline") from None

    def _check(self, url: str, navigation: bool) -> None:
        try:
            self.policy.check_target(url, navigation=navigation)
        except Refused as exc:
            raise FetchError.refused(exc) from None

    async def _follow(self, url: str, navigation: bool, max_bytes: int, truncate: bool) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            self._check(url, navigation)
            body, location = await self._once(url, max_bytes, truncate)
            if location is None:
                return body
            try:
                url = urljoin(url, location)
            except ValueError as exc:
                raise FetchError(url, f"bad redirect {location!r}: {exc}", kind="redirects") from None
            navigation = True  # a server's redirect is somewhere new to read: it must be in scope
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", kind="redirects")

    async def _once(self, url: str, max_bytes: int, truncate: bool) -> tuple[bytes, str | None]:
        """One request: (body, None), or (b"", Location) for a redirect."""
        try:
            async with self._client.stream("GET", url) as resp:
                location = resp.headers.get("location")
                if resp.status_code in REDIRECT_STATUSES and location:
                    return b"", location.strip()
                if not 200 <= resp.status_code < 300:
                    raise FetchError(url, f"HTTP {resp.status_code}", resp.status_code, kind="http")
                return await _read(url, resp, max_bytes, truncate), None
        except Refused as exc:
            raise FetchError(
                exc.url if "://" in exc.url else url, f"refused: {exc.reason}", kind=exc.kind
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise FetchError(url, _describe(exc)) from None


async def _read(url: str, resp: httpx.Response, max_bytes: int, truncate: bool) -> bytes:
    body = Body(url, resp.headers.get("content-encoding", "").strip().lower(), max_bytes, truncate)
    length = resp.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes and not truncate:
        body.too_large("on the wire")
    async for chunk in resp.aiter_raw(READ_CHUNK):  # raw: Body decompresses, under its cap
        body.add(chunk)
        if body.full:
            break
    return body.result()


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


async def fetch_bytes(
    url: str,
    user_agent: str,
    *,
    policy: UrlPolicy,
    navigation: bool,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = FEED_MAX_BYTES,
    truncate: bool = False,
) -> bytes:
    """One fetch with a client of its own (`HttpClient.get`), for callers without a job's client."""
    async with HttpClient(policy, user_agent) as client:
        return await client.get(
            url, navigation=navigation, timeout=timeout, max_bytes=max_bytes, truncate=truncate
        )


def fetcher(
    policy: UrlPolicy,
    user_agent: str,
    *,
    client: HttpClient | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = FEED_MAX_BYTES,
) -> Fetcher:
    """Fetches of feeds and sitemaps (URLs to read: navigation scope) with these settings, through
    the job's `client` (else a client for each fetch)."""

    def fetch(url: str) -> Awaitable[bytes]:
        if client is not None:
            return client.get(url, navigation=True, timeout=timeout, max_bytes=max_bytes)
        return fetch_bytes(
            url, user_agent, policy=policy, navigation=True, timeout=timeout, max_bytes=max_bytes
        )

    return fetch
