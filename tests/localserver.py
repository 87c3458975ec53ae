"""A small HTTP server on a free loopback port for the fetcher, robots and discovery tests.

Routes map a path to a reply `(status, headers, body)` or to a function of the request handler
that answers itself. Every request is counted per path; unknown paths are 404. `guard_connections`
makes any connection attempt to a non-loopback address fail the test, and lists the attempts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TypeVar

import pytest

T = TypeVar("T")
Reply = tuple[int, dict[str, str], bytes]
Route = Reply | Callable[[BaseHTTPRequestHandler], Reply | None]


class ThreadedServer:
    """A threaded HTTP server on a free loopback port: serving inside `with`, stopped at its end
    (`stop` is set first, so replies that wait or drip can end)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign,assignment]  # clients that give up, resets: the point
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


class LocalServer(ThreadedServer):
    """The tests' one local HTTP server: answers from `routes` (path -> reply, or a function of
    the request), and what no route answers from `handler_class`'s `unrouted` (404 here; the
    fault server answers its /f/<fault>/<id> pages there). It notes every request's path, Host
    and User-Agent."""

    def __init__(self, routes: dict[str, Route] | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: Counter[str] = Counter()
        self.hosts: list[str] = []  # the Host header of each request
        self.agents: list[str] = []  # the User-Agent of each request
        self.agent_of: dict[str, str] = {}  # path -> the User-Agent that last asked for it
        self.closed_at: list[float] = []  # when a dripping reply found its client gone
        self._lock = threading.Lock()
        super().__init__(self._handler())
        self.scheme = "http"
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def handler_class(self) -> type[Handler]:
        """The request handler; a subclass answers more by overriding `Handler.unrouted`."""
        return Handler

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Bound(self.handler_class()):  # type: ignore[misc]
            owner = server

        return Bound


class Handler(BaseHTTPRequestHandler):
    """A request to a LocalServer (`owner`): its routes first, then `unrouted`."""

    protocol_version = "HTTP/1.1"
    owner: LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def count(self) -> int:
        """This request noted; how many requests this path has had, this one included."""
        server = self.owner
        with server._lock:
            server.hits[self.path] += 1
            server.hosts.append(self.headers.get("Host", ""))
            agent = self.headers.get("User-Agent", "")
            server.agents.append(agent)
            server.agent_of[self.path] = agent
            return server.hits[self.path]

    def do_GET(self) -> None:
        n = self.count()
        route = self.owner.routes.get(self.path)
        if route is None:
            self.unrouted(n)
            return
        reply = route(self) if callable(route) else route
        if reply is not None:
            self.reply(*reply)

    def reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def unrouted(self, n: int) -> None:
        """A path no route answers (`n`: its requests so far, this one included)."""
        self.reply(404, {}, b"not found")


def redirect(location: str, status: int = 302) -> Reply:
    return status, {"Location": location}, b""


def text(body: str | bytes, ctype: str = "text/plain; charset=utf-8", **headers: str) -> Reply:
    data = body.encode() if isinstance(body, str) else body
    return 200, {"Content-Type": ctype, **{k.replace("_", "-"): v for k, v in headers.items()}}, data


def drip(server: LocalServer, every_s: float = 0.3) -> Callable[[BaseHTTPRequestHandler], None]:
    """A reply that promises 100000 bytes and sends one every `every_s`, until the client leaves
    (its time goes to `server.closed_at`) or the server stops."""

    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            while not server.stop.is_set():
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(every_s)
        except OSError:
            server.closed_at.append(time.monotonic())
        handler.close_connection = True

    return reply


def hang(server: LocalServer) -> Callable[[BaseHTTPRequestHandler], None]:
    """Read the request, never answer; note in `server.closed_at` when the client leaves."""

    def reply(handler: BaseHTTPRequestHandler) -> None:
        conn = handler.connection
        while not server.stop.is_set():
            readable, _, _ = select.select([conn], [], [], 0.05)
            try:
                gone = bool(readable) and not conn.recv(1, socket.MSG_PEEK)
            except OSError:
                gone = True
            if gone:
                server.closed_at.append(time.monotonic())
                break
        handler.close_connection = True

    return reply


def wait_closed(server: LocalServer, hang_guard_s: float = 60) -> bool:
    """Whether a dripping or hanging reply saw its client leave. The guard only keeps a broken
    build from hanging the suite; it bounds nothing a test claims (a loaded machine is slow)."""
    deadline = time.monotonic() + hang_guard_s
    while not server.closed_at and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(server.closed_at)


def free_port() -> int:
    """A loopback port nothing listens on (connecting to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stub_resolver(names: dict[str, str]) -> tuple[Callable[[str, int], list[str]], list[str]]:
    """A resolver answering only from `names` (never real DNS), and the list of names asked."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        if host in names:
            return [names[host]]
        raise OSError(f"{host}: unknown to this test")

    return resolve, asked


def guard_connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Make a connection attempt to anything but a loopback IP fail the test; list the attempts."""
    attempts: list[tuple[str, int]] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(address: Any) -> None:
        if isinstance(address, tuple):
            attempts.append((str(address[0]), int(address[1])))
            if not ipaddress.ip_address(address[0]).is_loopback:
                raise AssertionError(f"a test tried to connect to {address}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return attempts


def vm_kib(field: str) -> int:
    """VmRSS or VmHWM of this process, in KiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
    """asyncio.run on a thread of its own (a sync-Playwright test earlier in the session may have
    left a loop running on this one); exceptions are raised here."""
    box: dict[str, Any] = {}

    def main() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=main, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise AssertionError(f"still running after {timeout} s")
    if "error" in box:
        raise box["error"]
    result: T = box["value"]
    return result
