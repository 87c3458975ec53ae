"""Reading a HAR zip (as Playwright records it) and answering requests from it.

We match requests ourselves rather than with Playwright's `route_from_har` so
that cache-busting query parameters can be ignored and every request that is
not in the archive can be counted and reported.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Hop-by-hop or encoding headers: the stored body is already decoded.
_DROP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})


class HarError(Exception):
    """A HAR file that cannot be read."""


@dataclass(frozen=True)
class HarResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    redirect_to: str | None = None  # absolute Location of a 3xx answer


@dataclass
class _Slot:
    responses: list[HarResponse]
    served: int = 0

    def next(self) -> HarResponse:
        # The same URL requested again gets the next recorded answer, then the last one again.
        resp = self.responses[min(self.served, len(self.responses) - 1)]
        self.served += 1
        return resp


def normalize_url(url: str, ignore_params: Sequence[str] = ()) -> str:
    """The URL without its fragment and without query parameters matching `ignore_params` globs."""
    parts = urlsplit(url)
    query = parts.query
    if ignore_params and query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not any(fnmatch.fnmatchcase(k, g) for g in ignore_params)]
        query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass
class HarArchive:
    """The responses of one HAR zip, looked up by method and normalised URL."""

    path: Path
    ignore_params: tuple[str, ...] = ()
    _index: dict[tuple[str, str], _Slot] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path, ignore_params: Sequence[str] = ()) -> HarArchive:
        archive = cls(path, tuple(ignore_params))
        try:
            with zipfile.ZipFile(path) as zf:
                log = json.loads(zf.read("har.har"))["log"]
                for entry in log["entries"]:
                    resp = _response(entry["response"], zf, entry["request"]["url"])
                    if resp is None:
                        continue  # the request failed or was blocked when recorded
                    req = entry["request"]
                    key = (req["method"].upper(), normalize_url(req["url"], archive.ignore_params))
                    archive._index.setdefault(key, _Slot([])).responses.append(resp)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise HarError(f"{path}: not a readable HAR zip ({exc})") from None
        return archive

    def __len__(self) -> int:
        return len(self._index)

    def urls(self) -> list[str]:
        """The (normalised) URLs the archive can answer."""
        return [url for _, url in self._index]

    def lookup(self, method: str, url: str) -> HarResponse | None:
        slot = self._index.get((method.upper(), normalize_url(url, self.ignore_params)))
        return slot.next() if slot else None

    def follow(self, resp: HarResponse, max_hops: int = 10) -> HarResponse | None:
        """The end of a recorded redirect chain (a browser cannot be handed a 3xx for a
        sub-resource), or None when it leaves the recording."""
        for _ in range(max_hops):
            if resp.redirect_to is None:
                return resp
            nxt = self.lookup("GET", resp.redirect_to)
            if nxt is None:
                return None
            resp = nxt
        return None


def _response(resp: dict[str, object], zf: zipfile.ZipFile, url: str) -> HarResponse | None:
    status = resp.get("status")
    if not isinstance(status, int) or status <= 0:
        return None
    headers: dict[str, str] = {}
    for h in resp.get("headers") or []:  # type: ignore[attr-defined]
        name = str(h["name"]).lower()
        if name not in _DROP_HEADERS:
            # Repeated headers (set-cookie) are joined as browsers accept them from fulfil().
            headers[name] = f"{headers[name]}\n{h['value']}" if name in headers else str(h["value"])
    content = resp.get("content") or {}
    assert isinstance(content, dict)
    body = b""
    if "_file" in content:
        body = zf.read(str(content["_file"]))
    elif "text" in content:
        text = str(content["text"])
        body = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode()
    location = headers.get("location") if 300 <= status < 400 else None
    return HarResponse(status, headers, body, urljoin(url, location) if location else None)
