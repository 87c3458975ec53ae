"""What a person sees on a terminal: the progress line, and quiet shutdowns."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from typing import Any

from scrapers.output.record import Record


class Progress:
    """A one-line progress display on a terminal; silent otherwise."""

    def __init__(self, total: int = 0) -> None:
        self.total = total
        self.by_status: Counter[str] = Counter()
        self.started = time.monotonic()
        self.enabled = sys.stderr.isatty()

    def start(self, total: int) -> None:
        self.total = total

    def found(self, urls: int) -> None:
        """Discovery's progress: article URLs found so far (a feed, a sitemap, a listing page)."""
        if self.enabled:
            print(f"\rdiscovering: {urls} article URLs ", end="", file=sys.stderr, flush=True)

    def __call__(self, rec: Record) -> None:
        self.by_status[rec.status] += 1
        if self.enabled:
            s = self.by_status
            done = sum(s.values())
            rate = done / max(0.001, time.monotonic() - self.started)
            print(
                f"\r[{done}/{self.total}] ok {s['ok']}  partial {s['partial']}  error {s['error']}  "
                f"{rate:.1f} pages/s ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.enabled and self.by_status:
            print(file=sys.stderr)


def quiet_driver_loss(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Ctrl-C on a terminal also reaches Playwright's driver process (same process group), so its
    connection drops while we shut down; that is expected then, not worth a stack trace."""
    if "Connection closed while reading from the driver" in str(context.get("exception", "")):
        return
    loop.default_exception_handler(context)
