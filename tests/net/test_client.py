"""The Python fetcher (robots.txt, feeds, sitemaps) against real local HTTP servers.

Every URL and redirect hop passes the URL policy before a connection is made, and connections go
only to the checked address; bodies are capped after decompression, one gzip layer at most; each
fetch has a total deadline and ends when its task is cancelled. No packet leaves the loopback
interface: names resolve through a stub, and `guard_connections` fails any other attempt.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import shutil
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from localserver import (
    LocalServer,
    drip,
    free_port,
    hang,
    redirect,
    run_async,
    stub_resolver,
    text,
    wait_closed,
)
from scrapers.errors import FetchError
from scrapers.net import client as fetch_module
from scrapers.net.body import Body
from scrapers.net.client import HttpClient, fetch_bytes
from scrapers.net.scope import UrlPolicy

ROOT = Path(__file__).resolve().parents[2]
XML = b"<?xml version='1.0'?><urlset><url><loc>http://127.0.0.1/a</loc></url></urlset>"


# Every test here: no connection but to loopback (`attempts` lists the others tried).
pytestmark = pytest.mark.usefixtures("attempts")


def get(url: str, policy: UrlPolicy, **kw: Any) -> bytes:
    kw.setdefault("navigation", True)
    return run_async(fetch_bytes(url, "Storyline-test/1", policy=policy, **kw))


def fails(url: str, policy: UrlPolicy, **kw: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        get(url, policy, **kw)
    return info.value


def chunked(handler: Any, parts: list[bytes]) -> None:
    handler.send_response(200)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for part in parts:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
    handler.wfile.write(b"0\r\n\r\n")


def test_bodies_plain_gzip_encoded_gz_file_and_chunked(server: LocalServer) -> None:
    server.routes.update(
        {
            "/plain.xml": text(XML, "application/xml"),
            "/encoded.xml": text(gzip.compress(XML), "application/xml", Content_Encoding="gzip"),
            "/sitemap.xml.gz": text(gzip.compress(XML), "application/gzip"),
            "/two-members.gz": text(gzip.compress(XML[:20]) + gzip.compress(XML[20:]), "application/gzip"),
            "/chunked.xml": lambda h: chunked(h, [XML[:10], XML[10:]]),
        }
    )
    policy = UrlPolicy.for_job([server.url()])
    for path in ("/plain.xml", "/encoded.xml", "/sitemap.xml.gz", "/two-members.gz", "/chunked.xml"):
        assert get(server.url(path), policy) == XML, path
    assert set(server.agents) == {"Storyline-test/1"}


def test_plain_bodies_are_capped_on_the_wire(server: LocalServer) -> None:
    server.routes.update(
        {
            "/big": text(b"x" * 5000),
            "/big-chunked": lambda h: chunked(h, [b"x" * 1000] * 5),
        }
    )
    policy = UrlPolicy.for_job([server.url()])
    for path in ("/big", "/big-chunked"):
        err = fails(server.url(path), policy, max_bytes=4096)
        assert err.kind == "too_large" and "too large: over 4 KiB" in err.message
    # robots.txt mode: the first max_bytes are kept, the rest is not read.
    assert get(server.url("/big-chunked"), policy, max_bytes=2500, truncate=True) == b"x" * 2500


MEMORY_SCRIPT = textwrap.dedent(
    """
    import asyncio, gzip, json, sys, zlib
    sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
    from localserver import LocalServer, text, vm_kib
    from scrapers.net.scope import UrlPolicy
    from scrapers.net.client import FetchError, fetch_bytes

    def zeros_gz(mib):  # gzip of `mib` MiB of zeros, made without holding them
        c, chunk = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1 << 20)
        return b"".join([c.compress(chunk) for _ in range(mib)] + [c.flush()])

    one = zeros_gz(256)
    bodies = {
        "/nested.xml": (gzip.compress(one, 9), {"Content-Encoding": "gzip"}),
        "/bomb.xml": (one, {"Content-Encoding": "gzip"}),
        "/bomb.xml.gz": (one, {"Content-Type": "application/gzip"}),
    }
    out = {}
    with LocalServer({p: (200, h, b) for p, (b, h) in bodies.items()}) as server:
        policy = UrlPolicy.for_job([server.url()])
        for path, (body, _) in bodies.items():
            open("/proc/self/clear_refs", "w").write("5")  # VmHWM := VmRSS
            before = vm_kib("VmRSS")
            try:
                asyncio.run(fetch_bytes(server.url(path), "t", policy=policy, navigation=True))
                message = "no error"
            except FetchError as exc:
                message = exc.message
            out[path] = {"wire": len(body), "message": message, "growth_kib": vm_kib("VmHWM") - before}
    print(json.dumps(out))
    """
)


def test_compression_bombs_fail_and_memory_stays_flat() -> None:
    """590 bytes of gzip in gzip (256 MiB of zeros inside) are refused at their first bytes; one
    layer of 256 MiB stops at the 50 MiB cap. Peak RSS is measured in a fresh process."""
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(ROOT)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    print(json.dumps(got, indent=1))
    nested, bomb, gz = got["/nested.xml"], got["/bomb.xml"], got["/bomb.xml.gz"]
    assert nested["wire"] < 600
    assert "refused: gzip inside Content-Encoding gzip" in nested["message"]
    assert bomb["message"] == gz["message"] == "too large: over 50 MiB decompressed"
    for case in got.values():
        assert case["growth_kib"] < 64 * 1024, case


def wait_for(items: list[float], hang_guard_s: float = 60) -> float:
    """The first item, once there; the guard only keeps a broken build from hanging the suite."""
    deadline = time.monotonic() + hang_guard_s
    while not items and time.monotonic() < deadline:
        time.sleep(0.01)
    assert items, f"nothing after {hang_guard_s} s"
    return items[0]


def test_a_dripping_server_meets_the_deadline(server: LocalServer) -> None:
    # The drip never ends: the fetch returns only through its deadline. No wall-clock bound on
    # how soon (the machine may be loaded); that the connection ends is checked.
    server.routes["/feed.xml"] = drip(server)
    policy = UrlPolicy.for_job([server.url()])
    err = fails(server.url("/feed.xml"), policy, timeout=1.0)
    assert err.kind == "deadline" and err.message == "deadline of 1 s exceeded"
    assert wait_closed(server), "the connection outlived the deadline"


@pytest.mark.parametrize("route", ["drip", "hang"])
def test_cancelling_the_task_returns_at_once_and_closes_the_connection(
    server: LocalServer, route: str
) -> None:
    server.routes["/feed.xml"] = drip(server) if route == "drip" else hang(server)
    policy = UrlPolicy.for_job([server.url()])

    async def main() -> None:
        # An hour's deadline and a reply that never ends: the task, its worker and the
        # connection can only end through the cancel (a slow machine changes nothing here).
        task = asyncio.create_task(
            fetch_bytes(server.url("/feed.xml"), "t", policy=policy, navigation=True, timeout=3600)
        )
        await asyncio.sleep(0.7)
        task.cancel()  # what Ctrl-C does to the task awaiting the fetch
        with pytest.raises(asyncio.CancelledError):
            await task

    run_async(main())
    assert wait_closed(server), "the server never saw the connection go"


def test_other_schemes_are_refused_before_anything_opens(attempts: list[tuple[str, int]]) -> None:
    policy = UrlPolicy(allow_private=True)  # even the most permissive policy
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "chrome://settings", "data:text/plain,x"):
        err = fails(url, policy)
        assert err.kind == "offsite" and err.message.startswith("refused: only http and https"), url
    assert attempts == []


def test_a_redirect_to_an_untrusted_port_is_refused(server: LocalServer) -> None:
    with LocalServer({"/secret": text("internal")}) as other:
        server.routes["/feed.xml"] = redirect(other.url("/secret"))
        err = fails(server.url("/feed.xml"), UrlPolicy.for_job([server.url()]))
        assert err.kind == "blocked_address" and "127.0.0.1 is a loopback address" in err.message
        assert err.url == other.url("/secret")
        assert other.hits == {} and server.hits["/feed.xml"] == 1


def test_redirects_are_followed_checked_and_limited(server: LocalServer) -> None:
    resolve, asked = stub_resolver({})
    server.routes.update(
        {
            "/a": redirect("/b", 301),
            "/b": redirect(server.url("/c"), 307),
            "/c": text(XML),
            "/offsite": redirect("http://elsewhere.test/feed.xml"),
            "/loop": redirect("/loop"),
        }
    )
    policy = UrlPolicy.for_job([server.url()], resolver=resolve)
    assert get(server.url("/a"), policy) == XML
    err = fails(server.url("/offsite"), policy)
    assert err.kind == "offsite" and "elsewhere.test is outside the job's scope" in err.message
    assert asked == []  # refused on its name: not even looked up
    err = fails(server.url("/loop"), policy)
    assert err.kind == "redirects" and err.message == "more than 5 redirects"
    assert server.hits["/loop"] == 6


def test_non_public_addresses_are_refused_before_connecting(
    server: LocalServer, attempts: list[tuple[str, int]]
) -> None:
    resolve, asked = stub_resolver(
        {"metadata.test": "169.254.169.254", "intranet.test": "10.0.0.7", "local.test": "127.0.0.1"}
    )
    hosts = ["metadata.test", "intranet.test", "local.test"]
    policy = UrlPolicy.for_job([], hosts, resolver=resolve)  # in scope, but nobody named them
    for host, what in zip(hosts, ("link-local", "private", "loopback"), strict=True):
        err = fails(server.url("/feed.xml", host=host), policy)
        assert err.kind == "blocked_address" and f"{host} is a {what} address" in err.message
    assert asked == hosts
    assert attempts == [] and server.hits == {}


def test_a_named_host_connects_to_the_checked_address_with_its_own_name(
    server: LocalServer, attempts: list[tuple[str, int]]
) -> None:
    resolve, asked = stub_resolver({"local.test": "127.0.0.1"})
    server.routes["/feed.xml"] = text(XML)
    policy = UrlPolicy.for_job([server.url("/", host="local.test")], resolver=resolve)
    assert get(server.url("/feed.xml", host="local.test"), policy) == XML
    assert asked == ["local.test"]  # one lookup: the one that was checked
    assert attempts == [("127.0.0.1", server.port)]
    assert server.hosts == [f"local.test:{server.port}"]


def test_connection_refused_and_bad_responses_are_fetch_errors() -> None:
    port = free_port()
    err = fails(f"http://127.0.0.1:{port}/robots.txt", UrlPolicy(allow_private=True))
    assert err.kind == "network" and "Connection refused" in err.message
    with LocalServer({"/404": (404, {}, b"no"), "/br": text("x", Content_Encoding="br")}) as s:
        policy = UrlPolicy.for_job([s.url()])
        err = fails(s.url("/404"), policy)
        assert (err.kind, err.status, err.message) == ("http", 404, "HTTP 404")
        assert fails(s.url("/br"), policy).kind == "encoding"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for secure.test (its own CA for these tests)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=secure.test",
        "-addext", "subjectAltName=DNS:secure.test",
        "-addext", "basicConstraints=critical,CA:TRUE",
    )  # fmt: skip
    return cert, key


def test_https_sends_sni_and_verifies_the_host_name(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, attempts: list[tuple[str, int]]
) -> None:
    cert, key = certificate
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: sni.append(name)
    resolve, _ = stub_resolver({"secure.test": "127.0.0.1", "other.test": "127.0.0.1"})
    with LocalServer({"/feed.xml": text(XML)}, tls=server_ctx) as s:
        named = [s.url("/", host="secure.test"), s.url("/", host="other.test")]
        policy = UrlPolicy.for_job(named, resolver=resolve)
        # The system's CAs do not know the test certificate.
        err = fails(s.url("/feed.xml", host="secure.test"), policy)
        assert "CERTIFICATE_VERIFY_FAILED" in err.message
        monkeypatch.setattr(fetch_module, "tls_context", lambda: ssl.create_default_context(cafile=cert))
        assert get(s.url("/feed.xml", host="secure.test"), policy) == XML
        assert sni[-1] == "secure.test" and s.hosts == [f"secure.test:{s.port}"]
        # The same address under another name: the certificate does not match it.
        err = fails(s.url("/feed.xml", host="other.test"), policy)
        assert "other.test" in err.message and sni[-1] == "other.test"
    assert {a for a in attempts} == {("127.0.0.1", s.port)}


def _pieces(blob: bytes, cuts: list[int]) -> list[bytes]:
    edges = sorted({0, len(blob), *(c % (len(blob) + 1) for c in cuts)})
    return [blob[a:b] for a, b in itertools.pairwise(edges)]


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=3000),
    members=st.integers(1, 3),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
    mode=st.sampled_from(["Content-Encoding gzip", ".gz file", "plain"]),
    cap=st.integers(1, 4000),
    truncate=st.booleans(),
)
def test_streamed_bodies_match_whole_decompression_whatever_the_chunking(
    data: bytes, members: int, cuts: list[int], mode: str, cap: int, truncate: bool
) -> None:
    """However the wire splits it (a gzip member boundary or its magic number included), the
    body is what gzip.decompress makes of it, cut or refused at the cap."""
    assume(not data.startswith(b"\x1f"))  # gzip inside gzip is refused (tested above)
    step = len(data) // members + 1
    members_gz = [gzip.compress(data[i : i + step]) for i in range(0, len(data), step)]
    blob = data if mode == "plain" else b"".join(members_gz) or gzip.compress(b"")
    body = Body("u", "gzip" if mode == "Content-Encoding gzip" else "", cap, truncate)
    try:
        for piece in _pieces(blob, cuts):
            if not body.full:
                body.add(piece)
        got: bytes | str = body.result()
    except FetchError as exc:
        got = exc.kind
    if len(data) <= cap and len(blob) <= cap:
        assert got == data
    elif truncate:
        assert isinstance(got, bytes) and data.startswith(got) and len(got) <= cap
    else:
        assert got == "too_large"


def test_one_client_keeps_a_hosts_first_answer_when_its_name_resolves_elsewhere_later(
    server: LocalServer, attempts: list[tuple[str, int]]
) -> None:
    """DNS rebinding through a job's client: the second connection goes where the first did."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    server.routes["/feed.xml"] = text(XML, Connection="close")  # each fetch a new connection
    policy = UrlPolicy.for_job([server.url("/", host="rebind.test")], resolver=rebinding)

    async def twice() -> list[bytes]:
        async with HttpClient(policy, "Storyline-test/1") as http:
            url = server.url("/feed.xml", host="rebind.test")
            return [await http.get(url, navigation=True), await http.get(url, navigation=True)]

    assert run_async(twice()) == [XML, XML]
    assert asked == ["rebind.test"] and attempts == [("127.0.0.1", server.port)] * 2
