"""No credential is kept (scrapers/net/secrets.py): a page recorded through `user:pass@` with
secret-looking parameters and headers leaves none of them in meta.json, expected.json, the
HAR or the -v log (issue 27, point 7)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from clirun import storyline
from localserver import LocalServer, text
from scrapers.net.secrets import redact_text, redact_url

# Each secret value is unique, so finding it anywhere is finding a leak.
QUERY = "X-Amz-Signature=S1GV4L&access-token=ACC3SST0K&authToken=AUTHT0K&jwt=JWTV4L&code=C0DEV4L&id=7"
SECRETS = (
    "PA55W0RD", "S1GV4L", "ACC3SST0K", "AUTHT0K", "JWTV4L", "C0DEV4L",
    "CAN0NT0K", "CAN0NSESS", "CSRFV4L", "AP1T0K", "AMZT0K",
)  # fmt: skip


SCRIPT = (
    "<script>fetch('API', {headers: {'X-CSRF-Token': 'CSRFV4L', 'X-Api-Token': 'AP1T0K'}})"
    ".then(r => r.text()).then(t => { document.getElementById('more').textContent = t; });</script>"
)


def _page(canonical: str, api: str) -> str:
    return (
        f'<html><head><title>Storm hits the coast</title><link rel="canonical" href="{canonical}">'
        "</head><body><article><h1>Storm hits the coast</h1>"
        + "<p>The storm reached the coast at dawn and the river rose through the night.</p>" * 4
        + "<p id='more'></p></article>"
        + SCRIPT.replace("API", api)
        + "</body></html>"
    )


def test_redaction_covers_userinfo_and_the_named_parameters() -> None:
    url = f"http://user:PA55W0RD@127.0.0.1:8000/a?{QUERY}#session=CAN0NSESS"
    got = redact_url(url)
    assert not any(s in got for s in SECRETS), got
    assert got.startswith("http://REDACTED@127.0.0.1:8000/a?") and got.endswith("&id=7#session=REDACTED")
    assert redact_text(f"HTTP 404 for {url} (retrying)").count("PA55W0RD") == 0


@pytest.mark.browser
def test_a_recording_through_user_pass_keeps_no_credential(server: LocalServer, tmp_path: Path) -> None:
    path = f"/news/a?{QUERY}"
    # fetch() refuses a URL holding credentials: the page names its API's address in full.
    page = _page(server.url("/news/a?token=CAN0NT0K&session=CAN0NSESS"), server.url("/api/more"))
    server.routes[path] = text(page, "text/html")
    server.routes["/api/more"] = text("Fetched with a token.", X_Amz_Security_Token="AMZT0K")
    url = server.url(path).replace("http://", "http://reader:PA55W0RD@")
    into = tmp_path / "rec"
    proc = subprocess.run(
        storyline(
            "-v", "record", url, "--site", "generic", "--into", str(into), "--name", "s", selectors=tmp_path
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    folder = into / "generic" / "s"
    files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix == ".json"}
    with zipfile.ZipFile(folder / "page.har.zip") as zf:
        # The HAR's log (URLs, headers); the stored bodies are the pages, which name their secrets.
        files["har:har.har"] = zf.read("har.har").decode("utf-8")
    files["stderr"] = proc.stderr
    assert {"meta.json", "expected.json", "stderr"} <= set(files)
    har = json.loads(files["har:har.har"])
    headers = [h["name"].lower() for e in har["log"]["entries"] for h in e["request"]["headers"]]
    assert "x-csrf-token" not in headers  # the page's request really went out with it...
    assert any(e["request"]["url"].endswith("/api/more") for e in har["log"]["entries"])
    leaks = [(name, s) for name, body in files.items() for s in SECRETS if s in body]
    assert leaks == []  # ...and no file, no log line keeps a secret
    assert json.loads(files["expected.json"])["page"]["canonical_url"].endswith(
        "token=REDACTED&session=REDACTED"
    )
