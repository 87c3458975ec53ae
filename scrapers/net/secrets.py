"""What counts as a secret in an address or a header, and how it is redacted.

Recordings (HAR, meta.json, expected.json) and logs keep no credential: the user name and
password of `http://user:pass@host/`, the values of query (and fragment) parameters named like
secrets, and headers that carry them. Redaction is stable (`REDACTED`), so a recording's URLs
are still matched on replay by redacting the requested URL the same way.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED = "REDACTED"
# Query parameters whose values are secrets (case-insensitive globs; a caller may add its own).
SECRET_PARAMS: tuple[str, ...] = (
    "token", "access_token", "refresh_token", "id_token", "auth", "key", "api_key", "apikey",
    "sig", "signature", "session", "sessionid", "sid", "password", "passwd", "secret", "client_secret",
    # the same words with a prefix (authToken, access-token, X-Amz-Signature), and signed URLs'
    # parts; "tokens" or "sessions" (a count, a list) are not secrets
    "*token", "*signature", "*secret", "*password", "*session", "*credential", "jwt", "code",
    "x-amz-*", "x-goog-*", "auth*",
)  # fmt: skip
# Headers that carry credentials (request and response alike): dropped from recordings.
SECRET_HEADERS: tuple[str, ...] = (
    "cookie", "set-cookie", "set-cookie2", "authorization", "proxy-authorization",
    "*token", "*secret", "*api-key", "*apikey", "x-auth*", "*credential", "*signature",
    "*session", "*password",
)  # fmt: skip
_USERINFO = re.compile(r"(?i)\b(https?://)[^/?#@\s]*@")


def _matches(name: str, globs: Sequence[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, g.lower()) for g in globs)


def is_secret_param(name: str, secret_params: Sequence[str] = SECRET_PARAMS) -> bool:
    """Whether a query parameter's value is a secret (its name matches a glob, case-insensitively)."""
    return _matches(name, secret_params)


def is_secret_header(name: str) -> bool:
    return _matches(name, SECRET_HEADERS)


def redact_pairs(text: str, secret_params: Sequence[str]) -> str:
    """`a=1&token=x` -> `a=1&token=REDACTED`; everything else is kept byte for byte."""
    pieces = []
    for piece in text.split("&"):
        name, eq, value = piece.partition("=")
        if eq and value and value != REDACTED and is_secret_param(unquote_plus(name), secret_params):
            piece = f"{name}={REDACTED}"
        pieces.append(piece)
    return "&".join(pieces)


def redact_url(url: str, secret_params: Sequence[str] = SECRET_PARAMS) -> str:
    """The URL without credentials: its user name and password become REDACTED, as do the values
    of secret query (and fragment) parameters."""
    if "?" not in url and "#" not in url and "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(rf"\1{REDACTED}@", url)
    netloc = parts.netloc
    if "@" in netloc and netloc.rpartition("@")[0] != REDACTED:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = redact_pairs(parts.query, secret_params) if parts.query else parts.query
    frag = redact_pairs(parts.fragment, secret_params) if "=" in parts.fragment else parts.fragment
    if (netloc, query, frag) == (parts.netloc, parts.query, parts.fragment):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, frag))


def redact_text(text: str) -> str:
    """Free text (a log line's value) with the credentials of any URL in it redacted."""
    if text.startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        return redact_url(text)
    return _USERINFO.sub(rf"\1{REDACTED}@", text) if "@" in text else text


def redacted(data: Any, params: Sequence[str] = SECRET_PARAMS) -> Any:
    """Every address in a JSON-like value redacted (an image CDN's `sig`, a canonical URL's
    `session=`): both sides of a comparison are redacted alike."""
    if isinstance(data, dict):
        return {k: redacted(v, params) for k, v in data.items()}
    if isinstance(data, list):
        return [redacted(v, params) for v in data]
    if isinstance(data, str) and data.startswith(("http://", "https://", "/")):
        return redact_url(data, params)
    return data
