"""Saved HTML bytes to text, choosing the encoding roughly as a browser does.

The order (the HTML standard's encoding sniffing, with detection where a browser would guess):

1. a byte order mark (UTF-8, UTF-16 or UTF-32);
2. the encoding the caller declares: given by the user, a batch line or an HTTP header;
3. `<meta charset>` or `<meta http-equiv="Content-Type" content="...; charset=...">` in the
   first 4 KiB (comments skipped, the scan stops at `<body>`);
4. detection: valid UTF-8 is UTF-8, anything else is charset-normalizer's best guess;
5. UTF-8, bytes it cannot decode replaced by U+FFFD.

Names are read as web pages mean them: `iso-8859-1`, `latin1` and `ascii` decode as
windows-1252, `shift_jis` as cp932, `gb2312` as gb18030 (w3lib's table, after the HTML standard).
An unknown name is skipped, never an error: `lookup_encoding` tells a caller whether a name is usable.
"""

from __future__ import annotations

import zlib

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding, to_unicode

_UTF16_32 = frozenset({"utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le"})


def lookup_encoding(name: str) -> str | None:
    """The Python codec `name` decodes with here (e.g. "latin-1" -> "cp1252"), None if unknown."""
    codec = resolve_encoding(name.strip()) if name.strip() else None
    # The bare "utf-16"/"utf-32" labels mean little-endian on the web (Python would guess).
    return f"{codec}-le" if codec in ("utf-16", "utf-32") else codec


GZIP_MAGIC = b"\x1f\x8b"
MAX_GUNZIPPED = 256 * 2**20  # a saved page of 256 MiB is no page: a gzip bomb is refused


def gunzipped(data: bytes) -> bytes:
    """A saved page as its bytes: gzip-compressed ones (`page.html.gz`, a response body saved
    as sent) decompressed, anything else as it is. ValueError for a broken or oversized gzip
    stream: decoded as it stands, it would be extracted as garbage."""
    if not data.startswith(GZIP_MAGIC):
        return data
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(data, MAX_GUNZIPPED)
    except zlib.error as exc:
        raise ValueError(f"a gzip file that does not decompress ({exc})") from None
    if inflate.unconsumed_tail:
        raise ValueError(f"a gzip file of more than {MAX_GUNZIPPED // 2**20} MiB decompressed")
    if not inflate.eof:
        raise ValueError("a gzip file that does not decompress (cut short)")
    return out


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a saved page: (text, the Python codec name used). Never raises for any input.

    `declared` is an encoding stated outside the page (user option, batch line, HTTP header's
    charset); only a byte order mark overrides it. Without a BOM or a usable `declared`, the
    page's own `<meta charset>` is followed, then detection (module docstring).
    """
    bom_codec, bom = read_bom(data)
    if bom_codec is not None and bom is not None:
        return to_unicode(data[len(bom) :], bom_codec), bom_codec
    codec = lookup_encoding(declared) if declared else None
    if codec is None:
        codec = html_body_declared_encoding(data)
        # A meta tag readable as ASCII cannot be UTF-16/32 (the HTML standard says: UTF-8).
        if codec in _UTF16_32:
            codec = "utf-8"
    if codec is None:
        codec = _detect(data) or "utf-8"
    return to_unicode(data, codec), codec


def _detect(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # other encodings almost never produce valid UTF-8 by chance; plain ASCII is UTF-8 too
        return "utf-8"
    best = from_bytes(data).best()
    return lookup_encoding(best.encoding) if best is not None else None
