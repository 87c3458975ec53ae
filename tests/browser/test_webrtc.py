"""WebRTC cannot go around the guard proxy: a page's RTCPeerConnection sends nothing to a STUN
server (scrapers/browser/webrtc.py; issue 27, point 4)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from clirun import read, storyline
from localserver import LocalServer, text

pytestmark = pytest.mark.browser

SITE = """
site: webrtc-test
domains: [127.0.0.1]
render:
  wait_for: "#done"
  timeout_ms: 20000
fetch:
  min_delay_ms: 0
story:
  headline: h1
  body:
    paragraphs: article p
"""

PAGE = """<html><head><title>Storm</title></head><body><article><h1>Storm hits the coast</h1>
<p>The storm reached the coast at dawn and the river rose through the night, said the mayor.</p>
<p id="state">not tried</p></article>
<script>
function done(what) {
  document.getElementById('state').textContent = what;
  const d = document.createElement('p'); d.id = 'done'; d.textContent = 'done';
  document.querySelector('article').append(d);
}
try {
  const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:PORT'}]});
  pc.createDataChannel('x');
  pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') done('gathered'); };
  pc.createOffer().then(o => pc.setLocalDescription(o));
  setTimeout(() => done('waited'), 4000);
} catch (e) { done('refused: ' + e.name); }
</script></body></html>"""


def test_a_pages_webrtc_sends_nothing_to_a_stun_server(server: LocalServer, tmp_path: Path) -> None:
    stun = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stun.bind(("127.0.0.1", 0))
    stun.settimeout(0.2)
    server.routes["/a"] = text(PAGE.replace("PORT", str(stun.getsockname()[1])), "text/html")
    (tmp_path / "webrtc-test.yaml").write_text(SITE, encoding="utf-8")
    out = tmp_path / "out.ndjson"
    try:
        proc = subprocess.run(
            storyline("scrape", server.url("/a"), "--out", str(out), selectors=tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        datagrams = 0
        while True:
            try:
                stun.recvfrom(2048)
                datagrams += 1
            except TimeoutError:
                break
    finally:
        stun.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    (rec,) = read(out)
    print("page said:", rec["story"]["body"])
    assert datagrams == 0
    assert "refused" in str(rec["story"]["body"])  # the page saw WebRTC was not there
