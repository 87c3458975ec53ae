"""Reading a HAR zip (as Playwright records it), scrubbing its secrets, answering requests from it.

We match requests ourselves rather than with Playwright's `route_from_har` so
that cache-busting query parameters can be ignored, secret ones matched in their
redacted form, and every request that is not in the archive counted and reported.

Scrubbing (`scrub_har`, at record time) removes credentials a recording must not
carry into a repository: the Cookie, Authorization and Proxy-Authorization request
headers, Set-Cookie responses, the HAR's cookie lists, and the values of query
parameters named like secrets (`SECRET_PARAMS`, plus a caller's own), which become
`REDACTED` in URLs, `queryString` lists, Referer and Location headers and form posts.
The names redacted are kept in the archive (`log._redactedParams`), and lookups
redact the requested URL the same way, so a page asking for `?token=abc` on replay
is answered with what `?token=REDACTED` got when it was recorded.
"""

from __future__ import annotations

import base64
import fnmatch
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

from scrapers.errors import HarError
from scrapers.net.secrets import (
    REDACTED,
    SECRET_PARAMS,
    is_secret_header,
    is_secret_param,
    redact_pairs,
    redact_url,
)
from scrapers.output.atomic import write_atomic
from scrapers.output.bounded import MAX_PAGE_BYTES, ZipBudget, check_regular

# Hop-by-hop or encoding headers: the stored body is already decoded.
_DROP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})

_URL_HEADERS = frozenset({"referer", "location", "content-location"})
_HAR_MEMBER = "har.har"


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


def normalize_url(
    url: str, ignore_params: Sequence[str] = (), secret_params: Sequence[str] = SECRET_PARAMS
) -> str:
    """The URL without its fragment, without query parameters matching `ignore_params` globs, and
    with the values of `secret_params` redacted (as `scrub_har` stores them)."""
    parts = urlsplit(redact_url(url, secret_params))
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
    secret_params: tuple[str, ...] = SECRET_PARAMS
    _index: dict[tuple[str, str], _Slot] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path, ignore_params: Sequence[str] = ()) -> HarArchive:
        archive = cls(path, tuple(ignore_params))
        try:
            check_regular(path, MAX_PAGE_BYTES, within=path.parent)
            with zipfile.ZipFile(path) as zf:
                budget = ZipBudget(zf)  # a 1 MiB zip may hold a gigabyte: every read is bounded
                log = json.loads(budget.read(_HAR_MEMBER))["log"]
                # Whatever was redacted when recorded is matched redacted now (scrub_har).
                extra = [str(p) for p in log.get("_redactedParams") or [] if str(p) not in SECRET_PARAMS]
                archive.secret_params = (*SECRET_PARAMS, *extra)
                for entry in log["entries"]:
                    resp = _response(entry["response"], budget, entry["request"]["url"])
                    if resp is None:
                        continue  # the request failed or was blocked when recorded
                    req = entry["request"]
                    key = (req["method"].upper(), archive._key(req["url"]))
                    archive._index.setdefault(key, _Slot([])).responses.append(resp)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise HarError(f"{path}: not a readable HAR zip ({exc})") from None
        return archive

    def __len__(self) -> int:
        return len(self._index)

    def urls(self) -> list[str]:
        """The (normalised) URLs the archive can answer."""
        return [url for _, url in self._index]

    def _key(self, url: str) -> str:
        return normalize_url(url, self.ignore_params, self.secret_params)

    def lookup(self, method: str, url: str) -> HarResponse | None:
        slot = self._index.get((method.upper(), self._key(url)))
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


def _response(resp: dict[str, object], zf: ZipBudget, url: str) -> HarResponse | None:
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


# -- scrubbing ----------------------------------------------------------------------------------


def scrub_har(path: Path, extra_params: Sequence[str] = ()) -> bool:
    """Remove credentials from the HAR zip at `path`, in place and atomically (module docstring).

    `extra_params` adds parameter names (globs) to SECRET_PARAMS. Returns whether anything
    changed; a scrubbed archive is left byte for byte as it was.
    """
    params = (*SECRET_PARAMS, *(p for p in extra_params if p not in SECRET_PARAMS))
    try:
        with zipfile.ZipFile(path) as zf:
            members = [(info, zf.read(info)) for info in zf.infolist()]
    except (OSError, zipfile.BadZipFile) as exc:
        raise HarError(f"{path}: not a readable HAR zip ({exc})") from None
    changed = False
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for info, data in members:
            if info.filename == _HAR_MEMBER:
                try:
                    har = json.loads(data)
                except ValueError as exc:
                    raise HarError(f"{path}: not a readable HAR zip ({exc})") from None
                scrubbed = scrub_log(har, params)
                if scrubbed != har:
                    changed = True
                    data = json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":")).encode()
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
            new.writestr(copy, data)
    if changed:
        write_atomic(path, out.getvalue())
    return changed


def scrub_log(har: dict[str, Any], secret_params: Sequence[str] = SECRET_PARAMS) -> dict[str, Any]:
    """A scrubbed copy of a HAR document ({"log": {...}})."""
    har = json.loads(json.dumps(har))  # a deep copy of plain JSON
    log = har.get("log") or {}
    for entry in log.get("entries") or []:
        _scrub_request(entry.get("request") or {}, secret_params)
        _scrub_response(entry.get("response") or {}, secret_params)
    names = sorted({*log.get("_redactedParams", []), *(p for p in secret_params if p not in SECRET_PARAMS)})
    if names:
        log["_redactedParams"] = names
    return har


def _scrub_headers(headers: list[dict[str, Any]], params: Sequence[str]) -> None:
    headers[:] = [h for h in headers if not is_secret_header(str(h.get("name", "")))]
    for h in headers:
        if str(h.get("name", "")).lower() in _URL_HEADERS:
            h["value"] = redact_url(str(h.get("value", "")), params)


def _scrub_pairs(pairs: list[dict[str, Any]], params: Sequence[str]) -> None:
    for q in pairs:
        if q.get("value") and is_secret_param(unquote_plus(str(q.get("name", ""))), params):
            q["value"] = REDACTED


def _scrub_request(req: dict[str, Any], params: Sequence[str]) -> None:
    if "url" in req:
        req["url"] = redact_url(str(req["url"]), params)
    _scrub_headers(req.get("headers") or [], params)
    _scrub_pairs(req.get("queryString") or [], params)
    if "cookies" in req:
        req["cookies"] = []
    post = req.get("postData")
    if isinstance(post, dict):
        _scrub_pairs(post.get("params") or [], params)
        if "x-www-form-urlencoded" in str(post.get("mimeType", "")) and post.get("text"):
            post["text"] = redact_pairs(str(post["text"]), params)


def _scrub_response(resp: dict[str, Any], params: Sequence[str]) -> None:
    _scrub_headers(resp.get("headers") or [], params)
    if "cookies" in resp:
        resp["cookies"] = []
    if resp.get("redirectURL"):
        resp["redirectURL"] = redact_url(str(resp["redirectURL"]), params)
