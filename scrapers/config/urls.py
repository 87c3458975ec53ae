"""URL canonicalisation: one spelling per page, so a run never scrapes a page twice."""

from __future__ import annotations

import fnmatch
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Tracking parameters that never change what a page shows.
DEFAULT_DROP = (
    "utm_*",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "igshid",
    "ref_src",
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PRINTABLE_ASCII = "".join(map(chr, range(0x21, 0x7F)))


def canonicalize(
    url: str, drop: tuple[str, ...] | list[str] = DEFAULT_DROP, keep_fragment: bool = False
) -> str:
    """Lower-case scheme and host (IDN as punycode), drop default ports, matching query parameters
    and the fragment; dot-segments removed and percent-encoding normalised (`%7e` is `~`).

    Raises ValueError for a malformed URL (a broken IPv6 host, a port out of range)."""
    parts = urlsplit(url.strip())
    parts.port  # noqa: B018 - raises ValueError when out of range, before w3lib guesses
    # w3lib for scheme, host and path; not for the query: it sorts parameters, and the order a
    # site wrote them in is kept (a canonical URL names the page in records and resume files).
    rest = canonicalize_url(
        urlunsplit((parts.scheme, parts.netloc, parts.path, "", parts.fragment)),
        keep_fragments=keep_fragment,
    )
    out = urlsplit(rest)
    netloc = out.netloc
    if out.port is not None and _DEFAULT_PORTS.get(out.scheme) == out.port:
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((out.scheme, netloc, out.path or "/", _query(parts.query, drop), out.fragment))


def _query(query: str, drop: tuple[str, ...] | list[str]) -> str:
    """The query without dropped parameters, in its order, `+` for spaces, escapes upper-cased.

    Bytes are kept as they are: `%e4` (Latin-1) stays `%E4` instead of becoming U+FFFD."""
    ascii_query = quote(query, safe=_PRINTABLE_ASCII)  # raw non-ASCII as UTF-8 escapes
    pairs = parse_qsl(ascii_query, keep_blank_values=True, encoding="latin-1")
    kept = [(k, v) for k, v in pairs if not _dropped(k, drop)]
    return urlencode(kept, encoding="latin-1")


def _dropped(key: str, drop: tuple[str, ...] | list[str]) -> bool:
    name = key.encode("latin-1").decode("utf-8", "replace")
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in drop)
