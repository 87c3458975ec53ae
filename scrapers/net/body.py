"""The HTTP client's body reading (see client.py): the response body under a cap counted
after decompression, at most one gzip layer undone; `FetchError`, what every failure becomes."""

from __future__ import annotations

import zlib

from scrapers.errors import FetchError

READ_CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"


def size_text(n: int) -> str:
    """512 KiB, 50 MiB: the caps as messages name them."""
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 1024:g} KiB"


class Gunzip:
    """One gzip layer, streamed, never producing more than asked for. Concatenated members are
    one layer (as `gzip -d` reads them); gzip data inside the output is left alone."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._d = zlib.decompressobj(wbits=31)
        self._pending = b""  # the start of a next member, too short to recognise yet
        self._seen_input = False
        self._trailing = False  # non-gzip bytes after a member: ignored, as gzip -d does

    def feed(self, data: bytes, out: bytearray, limit: int) -> None:
        """Decompress `data` onto `out`, stopping once `out` holds more than `limit` bytes; the
        output is made in steps of at most READ_CHUNK, so nothing larger than `out` is ever held."""
        data, self._pending = self._pending + data, b""
        while not self._trailing and len(out) <= limit:
            if self._d.eof:
                if not data:
                    break
                rest = data.lstrip(b"\0")  # zero padding after a member is allowed
                if len(rest) < 2:
                    self._pending = rest
                    break
                if rest[:2] != GZIP_MAGIC:
                    self._trailing = True
                    break
                self._d, data = zlib.decompressobj(wbits=31), rest
            self._seen_input = True
            try:
                piece = self._d.decompress(data, min(READ_CHUNK, limit + 1 - len(out)))
            except zlib.error as exc:
                raise FetchError(self.url, f"bad gzip data: {exc}", kind="encoding") from None
            out += piece
            data = self._d.unused_data if self._d.eof else self._d.unconsumed_tail
            if not piece and not data:
                break  # all input taken and no output pending

    def finish(self) -> None:
        if self._seen_input and not self._d.eof:
            raise FetchError(self.url, "bad gzip data: the stream ends early", kind="encoding")


class Body:
    """The response body as it arrives: counted on the wire and after decompression, capped.

    One layer at most: Content-Encoding gzip, or else a body that starts as gzip (a .gz sitemap
    served as it is). Gzip found inside that layer is refused, never opened."""

    def __init__(self, url: str, encoding: str, max_bytes: int, truncate: bool) -> None:
        self.url, self.max_bytes, self.truncate = url, max_bytes, truncate
        self.encoded = encoding in ("gzip", "x-gzip")
        if encoding not in ("", "identity") and not self.encoded:
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r}", kind="encoding")
        self.gunzip: Gunzip | None = Gunzip(url) if self.encoded else None
        self.sniffing = not self.encoded  # the first bytes wait until it is known whether they are gzip
        self.head = b""
        self.out = bytearray()
        self.wire = 0
        self.full = False  # truncate mode: the cap is reached, stop reading

    def add(self, chunk: bytes) -> None:
        self.wire += len(chunk)
        if self.wire > self.max_bytes:
            if not self.truncate:
                self.too_large("on the wire")
            self.full = True
        if self.sniffing:
            self.head += chunk
            if len(self.head) < 2 and not self.full:
                return
            self.sniffing = False
            if self.head[:2] == GZIP_MAGIC:
                self.gunzip = Gunzip(self.url)
            chunk, self.head = self.head, b""
        self._take(chunk)

    def _take(self, chunk: bytes) -> None:
        before = len(self.out)
        if self.gunzip is not None:
            self.gunzip.feed(chunk, self.out, self.max_bytes)
        else:
            self.out += chunk
        if self.gunzip is not None and before < 2 <= len(self.out) and self.out[:2] == GZIP_MAGIC:
            outer = "Content-Encoding gzip" if self.encoded else "a gzip body"
            raise FetchError(
                self.url,
                f"refused: gzip inside {outer} (one layer is decompressed, never two: a compression bomb?)",
                kind="encoding",
            )
        if len(self.out) > self.max_bytes:
            if not self.truncate:
                self.too_large("decompressed" if self.gunzip is not None else "")
            del self.out[self.max_bytes :]
            self.full = True

    def too_large(self, where: str) -> None:
        message = f"too large: over {size_text(self.max_bytes)} {where}".rstrip()
        raise FetchError(self.url, message, kind="too_large")

    def result(self) -> bytes:
        if self.head:
            self.sniffing = False
            self._take(self.head)
        if self.gunzip is not None and not self.full:
            self.gunzip.finish()
        return bytes(self.out)
