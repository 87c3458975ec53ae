"""URL canonicalisation: one spelling per page, so a run never scrapes a page twice."""

from __future__ import annotations

import fnmatch
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def canonicalize(
    url: str, drop: tuple[str, ...] | list[str] = DEFAULT_DROP, keep_fragment: bool = False
) -> str:
    """Lower-case scheme and host, drop default ports, matching query parameters and the fragment."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username or parts.password:
        host = f"{parts.username or ''}{':' + parts.password if parts.password else ''}@{host}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not any(fnmatch.fnmatchcase(k, pattern) for pattern in drop)
    ]
    return urlunsplit(
        (
            scheme,
            host,
            parts.path or "/",
            urlencode(query, doseq=True),
            parts.fragment if keep_fragment else "",
        )
    )
