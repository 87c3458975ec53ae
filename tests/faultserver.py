"""A local HTTP server that answers each URL with a chosen failure: /f/<fault>/<id>.

Faults whose name ends in "once" (and flaky500) fail on the first request for a
URL and succeed after, so a retrying client ends `ok`.
"""

from __future__ import annotations

import socket
import struct
import time

from localserver import Handler, LocalServer, text


def article(title: str, extra_head: str = "", extra_body: str = "") -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title>{extra_head}</head><body><article><h1 class='headline'>{title}</h1>"
        f"<div class='body'><p>First paragraph of {title}.</p><p>Second paragraph.</p></div></article>"
        f"{extra_body}</body></html>"
    )


CHALLENGE = (
    "<!doctype html><html><head><title>Just a moment...</title></head><body>"
    "<h1 class='headline'>One more step</h1><p>Checking your browser before accessing the site.</p>"
    "<form id='challenge-form'></form></body></html>"
)


def _interstitial(title: str, body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


# Bot-challenge and block pages as the common providers serve them (shapes, not copies): headers
# and HTML. Each is served as /f/<provider><status>/<id>, e.g. /f/cloudflare200/1, /f/akamai403/1.
INTERSTITIALS: dict[str, tuple[dict[str, str], str]] = {
    "cloudflare": (
        {"cf-mitigated": "challenge", "Server": "cloudflare", "cf-ray": "8f0000000000000-FRA"},
        _interstitial(
            "Just a moment...",
            "<div class='main-wrapper'><h1 class='zone-name-title'>news.example</h1>"
            "<p>Verifying you are human. This may take a few seconds.</p>"
            "<p>news.example needs to review the security of your connection before proceeding.</p></div>",
            "<script>window._cf_chl_opt={cvId: '3', cType: 'managed'};</script>",
        ),
    ),
    "akamai": (
        {"Server": "AkamaiGHost", "Mime-Version": "1.0"},
        _interstitial(
            "Access Denied",
            '<h1>Access Denied</h1>You don\'t have permission to access "http://news.example/a" on this '
            "server.<p>Reference #18.6f2e1402.1700000000.1a2b3c4d</p>"
            "<p>https://errors.edgesuite.net/18.6f2e1402.1700000000.1a2b3c4d</p>",
        ),
    ),
    "datadome": (
        {"X-DataDome": "protected", "X-DD-B": "1"},
        _interstitial(
            "news.example",
            "<p>Please enable JS and disable any ad blocker</p>"
            "<script src='https://ct.captcha-delivery.com/c.js'></script>",
            "<script>var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522B61E269B','s':1}</script>",
        ),
    ),
    "perimeterx": (
        {"Cache-Control": "no-cache"},
        _interstitial(
            "Access to this page has been denied.",
            "<div id='px-captcha'></div><p>Press &amp; Hold to confirm you are a human (and not a bot).</p>"
            "<script>window._pxAppId = 'PXabc123';</script>",
        ),
    ),
    "imperva": (
        {"X-CDN": "Incapsula", "X-Iinfo": "12-34567890-0 0NNN RT(1700000000000 0) q(0 -1 -1 -1) r(0 -1)"},
        _interstitial(
            "",
            "<iframe id='main-iframe' src='/_Incapsula_Resource?CWUDNSAI=9&xinfo=12-34567890'>"
            "Request unsuccessful. Incapsula incident ID: 1234000560123456789-123456789012345678</iframe>",
        ),
    ),
}
INTERSTITIAL_STATUSES = {
    "cloudflare": (200, 403),
    "akamai": (200, 403),
    "datadome": (200, 403),
    "perimeterx": (200, 403),
    "imperva": (200, 503),
}


# Every fault the server knows, with the outcome a correct client reaches: (status, error kind).
FAULTS: dict[str, tuple[str, str | None]] = {
    "ok": ("ok", None),
    "slow": ("ok", None),  # answers after half a second
    "retry503once": ("ok", None),  # 503 + Retry-After: 1, then fine
    "always503": ("error", "http"),  # 503 + Retry-After: 1 every time: retries run out
    "too_many429once": ("ok", None),
    "flaky500": ("ok", None),  # 500, then fine
    "hang": ("error", "timeout"),  # accepts, never answers
    "reset": ("error", "network"),  # connection reset
    "drip": ("error", "timeout"),  # a byte at a time, forever
    "missing404": ("error", "http"),
    "loop": ("error", "redirect"),  # redirects to itself
    "moved": ("ok", None),  # 301 to a page whose script fetches through a 302
    "challenge": ("error", "blocked"),  # a 200 that is a bot challenge
    "jsloop": ("error", "timeout"),  # a script that never returns
    "dialogs": ("ok", None),  # alert, confirm, prompt, beforeunload
    "popups": ("ok", None),  # window.open and a download
    "huge": ("ok", None),  # a very large DOM
    "binary": ("error", "content"),
    "empty": ("error", "content"),
}


class FaultServer(LocalServer):
    """The local server whose /f/<fault>/<id> pages fail as their fault says (FAULTS); its
    robots.txt disallows /private/."""

    def __init__(self, huge_nodes: int = 20000) -> None:
        self.huge_nodes = huge_nodes
        super().__init__({"/robots.txt": text("User-agent: *\nDisallow: /private/\n")})

    def fault_url(self, fault: str, n: int | str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/f/{fault}/{n}"

    def handler_class(self) -> type[Handler]:
        return FaultHandler


class FaultHandler(Handler):
    """The fault pages: `fault_NAME(title, n)` answers /f/NAME/<id>."""

    owner: FaultServer

    def send(
        self,
        status: int,
        body: bytes | str,
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def unrouted(self, n: int) -> None:
        if self.path.startswith("/download.bin"):
            self.send(
                200,
                b"\x00" * 2048,
                "application/octet-stream",
                {"Content-Disposition": "attachment; filename=file.bin"},
            )
            return
        parts = self.path.split("/")
        if len(parts) < 4 or parts[1] != "f":
            self.send(404, "not found")
            return
        fault, title = parts[2], f"Story {parts[2]} {parts[3]}"
        provider, status = fault.rstrip("0123456789"), fault[len(fault.rstrip("0123456789")) :]
        if provider in INTERSTITIALS and status:
            headers, body = INTERSTITIALS[provider]
            self.send(int(status), body, headers=headers)
            return
        getattr(self, f"fault_{fault}", lambda *_: self.send(404, "unknown fault"))(title, n)

    def fault_ok(self, title: str, n: int) -> None:
        self.send(200, article(title))

    def fault_slow(self, title: str, n: int) -> None:
        time.sleep(0.5)
        self.send(200, article(title))

    def fault_retry503once(self, title: str, n: int) -> None:
        if n == 1:
            self.send(503, "busy", headers={"Retry-After": "1"})
        else:
            self.send(200, article(title))

    def fault_always503(self, title: str, n: int) -> None:
        self.send(503, "busy", headers={"Retry-After": "1"})

    def fault_too_many429once(self, title: str, n: int) -> None:
        self.send(429, "slow down") if n == 1 else self.send(200, article(title))

    def fault_flaky500(self, title: str, n: int) -> None:
        self.send(500, "oops") if n == 1 else self.send(200, article(title))

    def fault_hang(self, title: str, n: int) -> None:
        self.owner.stop.wait(60)

    def fault_reset(self, title: str, n: int) -> None:
        # SO_LINGER 0 makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def fault_drip(self, title: str, n: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline and not self.owner.stop.is_set():
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass  # the client gave up, as it should
        self.close_connection = True

    def fault_missing404(self, title: str, n: int) -> None:
        self.send(404, "<h1>Not found</h1>")

    def fault_moved(self, title: str, n: int) -> None:
        self.send(301, "", headers={"Location": self.path.replace("/moved/", "/landing/")})

    def fault_landing(self, title: str, n: int) -> None:
        script = (
            "<script>fetch(location.pathname.replace('/landing/', '/oldapi/'))"
            ".then(r => r.json()).then(d => { const p = document.createElement('p');"
            " p.textContent = d.text; document.querySelector('.body').append(p); })</script>"
        )
        self.send(200, article(title, extra_body=script))

    def fault_oldapi(self, title: str, n: int) -> None:
        self.send(302, "", headers={"Location": self.path.replace("/oldapi/", "/api/")})

    def fault_api(self, title: str, n: int) -> None:
        self.send(200, '{"text": "Fetched through a redirect."}', "application/json")

    def fault_loop(self, title: str, n: int) -> None:
        self.send(302, "", headers={"Location": self.path})

    def fault_challenge(self, title: str, n: int) -> None:
        self.send(200, CHALLENGE)

    def fault_jsloop(self, title: str, n: int) -> None:
        self.send(200, article(title, extra_head="<script>for (;;) {}</script>"))

    def fault_dialogs(self, title: str, n: int) -> None:
        script = (
            "<script>alert('hello'); confirm('sure?'); prompt('name?');"
            "window.addEventListener('beforeunload', function (e) { e.preventDefault(); "
            "e.returnValue = ''; });</script>"
        )
        self.send(200, article(title, extra_body=script))

    def fault_unload(self, title: str, n: int) -> None:
        # A click gives the page user activation: only then does Chromium ask before unload.
        script = (
            "<button id='go'>Go</button><script>window.addEventListener('beforeunload',"
            " function (e) { e.preventDefault(); e.returnValue = ''; });</script>"
        )
        self.send(200, article(title, extra_body=script))

    def fault_popups(self, title: str, n: int) -> None:
        script = (
            "<a id='dl' href='/download.bin' download>file</a><script>"
            "window.open('/f/ok/popup-' + Math.random()); window.open('about:blank');"
            "document.getElementById('dl').click();</script>"
        )
        self.send(200, article(title, extra_body=script))

    def fault_huge(self, title: str, n: int) -> None:
        filler = "<div class='x'><span>filler</span></div>" * self.owner.huge_nodes
        self.send(200, article(title, extra_body=f"<section>{filler}</section>"))

    def fault_binary(self, title: str, n: int) -> None:
        self.send(200, bytes(range(256)) * 8, "application/octet-stream")

    def fault_empty(self, title: str, n: int) -> None:
        self.send(200, b"")
