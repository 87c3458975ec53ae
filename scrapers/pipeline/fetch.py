"""Plain HTTP for the small files around a site: robots.txt, feeds, sitemaps (no browser)."""

from __future__ import annotations

import asyncio
import gzip
import urllib.error
import urllib.request


class FetchError(Exception):
    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status


def _get(url: str, user_agent: str, timeout: float) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data: bytes = resp.read()
            if resp.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
    except urllib.error.HTTPError as exc:
        raise FetchError(url, f"HTTP {exc.code}", exc.code) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(url, str(getattr(exc, "reason", exc))) from None
    if data[:2] == b"\x1f\x8b":  # a .gz sitemap served as a plain file
        try:
            data = gzip.decompress(data)
        except OSError as exc:
            raise FetchError(url, f"bad gzip: {exc}") from None
    return data


async def fetch_bytes(url: str, user_agent: str, timeout: float = 20.0) -> bytes:
    """GET a URL off the event loop; raises FetchError."""
    return await asyncio.to_thread(_get, url, user_agent, timeout)
