"""The browser's side of the URL policy: a small HTTP proxy in front of each browser context.

Chromium follows redirects, loads frames and runs `fetch()` in its own network stack, and
Playwright's routes never see a redirect hop. A proxy sees every connection the context makes —
redirect hops, frames, workers, WebSockets — before it is made, so every one is checked against
the policy (`scrapers.net.scope`) and the proxy connects to the very addresses it checked (a host
cannot resolve to a public address for the check and a private one for the connection).

HTTPS and WebSockets arrive as CONNECT tunnels (host and port known, bytes passed through
untouched); plain HTTP as absolute-URL requests, forwarded one per connection. A refused
connection answers 403 and is remembered, so the page that caused it can be told (its record
counts blocked requests; a refused top-level page is an `offsite`/`blocked_address` error).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapers.errors import Refused
from scrapers.net.scope import UrlPolicy, host_port

HEAD_LIMIT = 64 * 1024  # request and response heads; Chromium's own limit is lower
HEAD_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 15
CHUNK = 64 * 1024
ADDRESS_TTL_S = 60.0
REFUSED_HEADER = "x-storyline-refused"  # on the 403 the guard answers for a refused plain-http request
HOP_HEADERS = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te"})


@dataclass
class AddressBook:
    """Checked addresses per (host, port), shared by a renderer's guards; refusals are not kept,
    so each is seen (and reported) by the page that caused it."""

    policy: UrlPolicy
    _known: dict[tuple[str, int], tuple[float, list[str]]] = field(default_factory=dict)
    _pinned: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    @functools.cached_property
    def direct(self) -> str | None:
        """Chromium's proxy bypass list: nothing. The named origins go through the proxy too:
        were Chromium to resolve their names itself, a name that answered 127.0.0.1 when the
        job started could answer 127.0.0.2 a few seconds later (DNS rebinding)."""
        return ""

    async def addresses(self, host: str, port: int, url: str) -> list[str]:
        key = (host.lower(), port)
        if (pinned := self._pinned.get(key)) is not None:
            return pinned
        hit = self._known.get(key)
        if hit is not None and time.monotonic() - hit[0] < ADDRESS_TTL_S:
            return hit[1]
        self.policy.check_target(url)
        ips = await asyncio.to_thread(self.policy.addresses, host, port, url)
        if self.policy.is_trusted(host, port):
            # A named origin may be any address, so its name is not asked again: the addresses
            # it had when first used serve every connection of the job.
            self._pinned[key] = ips
            return ips
        if len(self._known) > 4096:  # a page requesting from endless hosts must not grow this forever
            self._known.clear()
        self._known[key] = (time.monotonic(), ips)
        return ips


def _target(method: str, target: str) -> tuple[str, str, int]:
    """(URL for the policy, host, port) of a proxy request; raises ValueError."""
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        host = host.strip("[]")
        if not host or not port.isdigit():
            raise ValueError(f"bad CONNECT target {target!r}")
        return f"https://{target}/", host, int(port)
    if urlsplit(target).scheme != "http":
        raise ValueError(f"not an absolute http URL: {target[:200]!r}")
    return target, *host_port(target)


def _forward_head(head: list[str], method: str, target: str) -> bytes:
    """The request head to send upstream: origin-form target, no hop-by-hop headers, one request."""
    parts = urlsplit(target)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    version = head[0].rsplit(" ", 1)[-1]
    lines = [f"{method} {path} {version}"]
    lines += [h for h in head[1:] if h and h.split(":", 1)[0].strip().lower() not in HOP_HEADERS]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _close_response_head(raw: bytes) -> bytes:
    """The response head, told that the connection closes after this response."""
    lines = raw.decode("latin-1").split("\r\n")
    kept = [h for h in lines[1:] if h and h.split(":", 1)[0].strip().lower() not in HOP_HEADERS]
    return (
        "\r\n".join([lines[0], *kept, "Connection: close", "Proxy-Connection: close"]) + "\r\n\r\n"
    ).encode("latin-1")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError, RuntimeError):
        if writer.can_write_eof():
            writer.write_eof()


async def _open(ips: list[str], port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    error: OSError | None = None
    for ip in ips:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                return await asyncio.open_connection(ip, port, limit=HEAD_LIMIT)
        except (OSError, TimeoutError) as exc:
            error = OSError(str(exc)) if isinstance(exc, TimeoutError) else exc
    raise error or OSError("no address")


MAX_KEPT_REFUSALS = 10_000


class Guard:
    """One context's proxy, holding its tabs to the policy of the book in `use()`; `refusals`
    lists what it refused, in order (`refusals_since` a page's mark)."""

    def __init__(self) -> None:
        self._book = AddressBook(UrlPolicy())
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.refusals: list[Refused] = []
        self._dropped = 0  # refusals forgotten from the front of `refusals`

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=HEAD_LIMIT)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def use(self, book: AddressBook) -> int:
        """A page starts: its policy (one per job, so pages sharing the context agree); returns
        the mark from which `refusals_since` counts the page's refusals."""
        self._book = book
        if len(self.refusals) > MAX_KEPT_REFUSALS:  # a long-lived shared context: keep it bounded
            self._dropped += len(self.refusals) // 2
            del self.refusals[: len(self.refusals) // 2]
        return self._dropped + len(self.refusals)

    def refusals_since(self, mark: int) -> list[Refused]:
        """What was refused since `mark`: the page's own refusals, and those of pages that were in
        flight in the same context at the same time (a proxy cannot tell pages apart)."""
        return self.refusals[max(0, mark - self._dropped) :]

    def refused(self, url: str, since: int = 0) -> Refused | None:
        """The refusal of this URL's host and port since mark `since`, if the guard refused it."""
        try:
            where = host_port(url)
        except ValueError:
            return None
        for refusal in self.refusals_since(since):
            try:
                if host_port(refusal.url) == where:
                    return refusal
            except ValueError:
                continue
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._proxy(reader, writer)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the browser gave up on the request, or the server did: nothing to report
        except asyncio.CancelledError:
            pass  # the context closed (`close()`): the connection's own task, nobody awaits it
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _proxy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(HEAD_TIMEOUT_S):
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = [*head[0].split(" ", 2), "", ""][:3]
        try:
            url, host, port = _target(method, target)
            ips = await self._book.addresses(host, port, url)
        except ValueError as exc:
            return await self._refuse(writer, Refused("offsite", target[:200], str(exc)))
        except Refused as refusal:
            return await self._refuse(writer, refusal)
        # A name that does not resolve or a server that does not answer: the connection closes
        # unanswered, and Chromium reports the network error it would have without the proxy.
        up_reader, up_writer = await _open(ips, port)
        try:
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
            else:
                up_writer.write(_forward_head(head, method, target))
                await up_writer.drain()
            await self._relay(reader, writer, up_reader, up_writer, tunnel=method == "CONNECT")
        finally:
            up_writer.close()

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        *,
        tunnel: bool,
    ) -> None:
        upload = asyncio.ensure_future(_pipe(reader, up_writer))
        try:
            if not tunnel:
                writer.write(_close_response_head(await up_reader.readuntil(b"\r\n\r\n")))
            await _pipe(up_reader, writer)
        finally:
            upload.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upload

    async def _refuse(self, writer: asyncio.StreamWriter, refusal: Refused) -> None:
        self.refusals.append(refusal)
        body = f"Storyline refused this request: {refusal.reason}\n".encode()
        writer.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + f"{REFUSED_HEADER}: {refusal.kind}\r\nContent-Length: {len(body)}\r\n".encode()
            + b"Connection: close\r\n\r\n"
            + body
        )
        await writer.drain()
