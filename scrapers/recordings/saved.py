"""Rendering a page saved to disk at its real address: the browser asks for the URL and routing
answers with the file, so relative links and the site file's domain work as on the live site.
Every other request is answered from the file's own folder (a saved page's assets, by file name)
or refused: nothing leaves the machine.

The page is decoded as `storyline extract` decodes it (`dom.decode.decode_html`) and served as
UTF-8, said in the Content-Type header: the header outranks the page's own `<meta charset>` in
the browser, so the browser and `extract` read the same text.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Route

from scrapers.browser.har import normalize_url
from scrapers.dom.decode import decode_html


@dataclass
class SavedPage:
    """A `prepare` hook for the pipeline (`PagePipeline.run(url, site, prepare=SavedPage(...))`)."""

    html_path: Path
    url: str
    encoding: str | None = None  # decode_html's `declared`: outranks the page's <meta charset>
    served: list[str] = field(default_factory=list)  # requests answered from disk
    refused: list[str] = field(default_factory=list)  # requests nothing answered: never sent out

    async def __call__(self, ctx: BrowserContext) -> None:
        await ctx.route("**/*", self._answer)
        await ctx.route_web_socket("**/*", lambda ws: self.refused.append(ws.url))

    def _asset(self, url: str) -> Path | None:
        name = Path(urlsplit(url).path).name
        path = self.html_path.parent / name
        try:
            found = bool(name) and path.is_file()
        except OSError:  # a name the file system refuses (too long): no such asset, and the
            return None  # request is still answered (refused), not left hanging
        return path if found and path != self.html_path else None

    async def _answer(self, route: Route) -> None:
        url = route.request.url
        if normalize_url(url) == normalize_url(self.url):
            self.served.append(url)
            text, _ = decode_html(self.html_path.read_bytes(), self.encoding)
            body = text.encode("utf-8")
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
        elif (asset := self._asset(url)) is not None:
            self.served.append(url)
            ctype = mimetypes.guess_type(asset.name)[0] or "application/octet-stream"
            await route.fulfill(status=200, content_type=ctype, body=asset.read_bytes())
        else:
            self.refused.append(url)
            await route.abort("blockedbyclient")
