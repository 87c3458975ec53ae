"""Plain HTTP for the small files around a site: robots.txt, feeds, sitemaps (no browser).

`fetch_bytes` is the only way Storyline reads a URL without the browser. Every URL, the first and
each redirect hop, passes the job's `UrlPolicy` before anything connects, and the connection goes
to an address the policy checked (never a second DNS lookup that could answer differently). Reads
are streamed and capped on the decompressed size; at most one gzip layer is undone; each fetch has
a total deadline; cancelling the awaiting task ends it.

Design: `http.client` on a worker thread, not a hand-written asyncio HTTP client. http.client is
the standard library's tested HTTP/1.1 parser (status line, header limits, chunked bodies,
HTTP/1.0 close-delimited bodies) and it keeps decompression off the event loop; what it lacks is
cancellation, which `_Transfer` adds: a stop flag checked between reads and while connecting, and
`abort()`, which shuts the socket down from the event loop so a read blocked in the kernel
returns at once. The awaiting coroutine never waits for the thread: on its deadline or on
cancellation it aborts the transfer and returns, and the thread ends within a poll interval (0.1 s).
Only a DNS lookup in progress cannot be interrupted; the thread then ends when the lookup does.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import http.client
import os
import select
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urljoin, urlsplit

from scrapers.net.scope import Refused, UrlPolicy
from scrapers.pipeline.fetch_body import READ_CHUNK, Body, FetchError, FetchErrorKind

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "FEED_MAX_BYTES",
    "ROBOTS_MAX_BYTES",
    "FetchError",
    "FetchErrorKind",
    "Fetcher",
    "fetch_bytes",
    "fetcher",
    "tls_context",
]

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: at least 500 KiB of a robots.txt are parsed
FEED_MAX_BYTES = 50 * 1024 * 1024  # feeds and sitemaps (the sitemaps protocol's own limit is 50 MB)
DEFAULT_TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
POLL_S = 0.1  # how often a connecting worker looks at its stop flag
_SAFE_TARGET = "/?:@!$&'()*+,;=-._~%"  # kept as they are when re-quoting a request target

Fetcher = Callable[[str], Awaitable[bytes]]

# Fetches have threads of their own: queued behind page extraction in the default executor, a
# fetch's deadline would run out before it started. Enough for every page worker (concurrency is
# at most 64) and discovery at once; threads are started only when needed.
_WORKERS = concurrent.futures.ThreadPoolExecutor(max_workers=80, thread_name_prefix="storyline-fetch")


def tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's CAs, host names checked (tests replace this)."""
    return ssl.create_default_context()


class _Connection(http.client.HTTPConnection):
    """An HTTP(S) connection to the addresses the policy checked; TLS is verified against, and
    SNI names, the URL's host, not the address."""

    def __init__(self, transfer: _Transfer, host: str, port: int, ips: list[str], tls: bool) -> None:
        super().__init__(host, port, timeout=transfer.left())
        self.default_port = 443 if tls else 80  # the Host header omits a default port
        self._transfer, self._ips, self._tls = transfer, ips, tls

    def connect(self) -> None:
        sock = self._transfer.open(self._ips, self.port)
        if self._tls:
            sock = tls_context().wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
            self._transfer.watch(sock)
            sock.do_handshake()
        self.sock = sock


class _Transfer:
    """One fetch, run on a worker thread; `abort()` (any thread) ends it promptly."""

    def __init__(
        self, user_agent: str, policy: UrlPolicy, timeout: float, max_bytes: int, truncate: bool
    ) -> None:
        self.user_agent, self.policy, self.timeout = user_agent, policy, timeout
        self.max_bytes, self.truncate = max_bytes, truncate
        self.deadline = time.monotonic() + timeout
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None

    def left(self) -> float:
        return max(0.01, self.deadline - time.monotonic())

    def abort(self) -> None:
        self._stop.set()
        with self._lock:  # the worker forgets a socket under this lock before closing it
            if self._sock is not None:
                with contextlib.suppress(OSError):  # wakes a read blocked in the kernel
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def alive(self, url: str) -> None:
        if self._stop.is_set():
            raise FetchError(url, "cancelled")
        if time.monotonic() > self.deadline:
            raise FetchError(url, f"deadline of {self.timeout:g} s exceeded", kind="deadline")

    def _shorten_timeout(self) -> None:
        """No single read may outlast the deadline."""
        with self._lock:
            if self._sock is not None:
                self._sock.settimeout(self.left())

    def watch(self, sock: socket.socket | None) -> None:
        """The socket abort() shuts down (None: forget it, before it is closed)."""
        with self._lock:
            self._sock = sock
        if sock is not None and self._stop.is_set():
            self.abort()

    def open(self, ips: list[str], port: int) -> socket.socket:
        """A connected socket to the first of `ips` that answers; polls the stop flag meanwhile."""
        last: OSError = OSError("no address")
        for ip in ips:
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                self.watch(sock)
                self._connect(sock, (ip, port))
                return sock
            except OSError as exc:
                self.watch(None)
                sock.close()
                last = exc
        raise last

    def _connect(self, sock: socket.socket, address: tuple[str, int]) -> None:
        sock.setblocking(False)
        err = sock.connect_ex(address)
        while err in (errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK):
            if self._stop.is_set() or time.monotonic() > self.deadline:
                raise OSError(errno.ECANCELED, "connection abandoned")
            _, writable, _ = select.select([], [sock], [], min(POLL_S, self.left()))
            if writable:
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                break
        if err:
            raise OSError(err, f"cannot connect to {address[0]} port {address[1]}: {os.strerror(err)}")
        sock.settimeout(self.left())

    def check(self, url: str, navigation: bool) -> tuple[str, int, list[str]]:
        try:
            host, port = self.policy.check_target(url, navigation=navigation)
            return host, port, self.policy.addresses(host, port, url)
        except Refused as exc:
            raise FetchError.refused(exc) from None
        except OSError as exc:  # the name does not resolve: a network error, not a crash
            raise FetchError(url, str(exc), kind="network") from None

    def run(self, url: str, navigation: bool) -> bytes:
        """GET `url`, following up to MAX_REDIRECTS redirects, each checked (navigation scope)."""
        for _ in range(MAX_REDIRECTS + 1):
            self.alive(url)
            host, port, ips = self.check(url, navigation)
            body, location = self._once(url, host, port, ips)
            if location is None:
                return body
            try:
                url = urljoin(url, location)
            except ValueError as exc:
                raise FetchError(url, f"bad redirect {location!r}: {exc}", kind="redirects") from None
            navigation = True  # a server's redirect is somewhere new to read: it must be in scope
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", kind="redirects")

    def _once(self, url: str, host: str, port: int, ips: list[str]) -> tuple[bytes, str | None]:
        """One request: (body, None), or (b"", Location) for a redirect."""
        parts = urlsplit(url)
        target = quote(parts.path or "/", safe=_SAFE_TARGET)
        target += "?" + quote(parts.query, safe=_SAFE_TARGET) if parts.query else ""
        conn = _Connection(self, host, port, ips, parts.scheme.lower() == "https")
        try:
            conn.request(
                "GET",
                target,
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip", "Connection": "close"},
            )
            resp = conn.getresponse()
            location = resp.getheader("Location")
            if resp.status in REDIRECT_STATUSES and location:
                return b"", location.strip()
            if not 200 <= resp.status < 300:
                raise FetchError(url, f"HTTP {resp.status}", resp.status, kind="http")
            return self._read(url, resp), None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self.alive(url)  # an abort or the deadline explains the failure better
            raise FetchError(url, _describe(exc)) from None
        finally:
            self.watch(None)
            conn.close()

    def _read(self, url: str, resp: http.client.HTTPResponse) -> bytes:
        encoding = (resp.getheader("Content-Encoding") or "").strip().lower()
        body = Body(url, encoding, self.max_bytes, self.truncate)
        length = resp.getheader("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes and not self.truncate:
            body.too_large("on the wire")
        while not body.full:
            self.alive(url)
            self._shorten_timeout()
            chunk = resp.read1(READ_CHUNK)
            if not chunk:
                break
            body.add(chunk)
        self.alive(url)
        return body.result()


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _retrieve(future: asyncio.Future[bytes]) -> None:
    """Mark an abandoned worker's outcome as seen (no 'exception never retrieved' noise)."""
    if not future.cancelled():
        future.exception()


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
    """GET `url` within `timeout` seconds in all (redirects included); raises FetchError.

    `policy` checks the URL (with `navigation` scope) and every redirect hop (always with
    navigation scope) before connecting. The body is capped at `max_bytes` after decompression
    (FetchError `too_large`), or with `truncate` cut there (robots.txt: RFC 9309 parses the first
    500 KiB). Cancelling the awaiting task aborts the transfer.
    """
    try:
        policy.check_target(url, navigation=navigation)  # no thread at all for file://, ftp://, ...
    except Refused as exc:
        raise FetchError.refused(exc) from None
    transfer = _Transfer(user_agent, policy, timeout, max_bytes, truncate)
    future = asyncio.get_running_loop().run_in_executor(_WORKERS, transfer.run, url, navigation)
    future.add_done_callback(_retrieve)
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.shield(future)
    except TimeoutError:
        raise FetchError(url, f"deadline of {timeout:g} s exceeded", kind="deadline") from None
    finally:
        if not future.done():
            transfer.abort()
            future.cancel()  # the worker's late result is dropped, even once this loop is closed


def fetcher(
    policy: UrlPolicy, user_agent: str, *, timeout: float = DEFAULT_TIMEOUT_S, max_bytes: int = FEED_MAX_BYTES
) -> Fetcher:
    """`fetch_bytes` with these settings, for feeds and sitemaps (URLs to read: navigation scope)."""

    def fetch(url: str) -> Awaitable[bytes]:
        return fetch_bytes(
            url, user_agent, policy=policy, navigation=True, timeout=timeout, max_bytes=max_bytes
        )

    return fetch
