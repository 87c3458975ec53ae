"""What a person sees on a terminal: the progress line, and quiet shutdowns."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from scrapers.job import RunStats
from scrapers.record import Record


class Progress:
    """A one-line progress display on a terminal; silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.stats = RunStats()
        self.enabled = sys.stderr.isatty()

    def __call__(self, rec: Record) -> None:
        self.stats.by_status[rec.status] += 1
        if self.enabled:
            s = self.stats.by_status
            rate = self.stats.total / max(0.001, time.monotonic() - self.stats.started)
            print(
                f"\r[{self.stats.total}/{self.total}] ok {s['ok']}  partial {s['partial']}  "
                f"error {s['error']}  {rate:.1f} pages/s ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


def quiet_driver_loss(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Ctrl-C on a terminal also reaches Playwright's driver process (same process group), so its
    connection drops while we shut down; that is expected then, not worth a stack trace."""
    if "Connection closed while reading from the driver" in str(context.get("exception", "")):
        return
    loop.default_exception_handler(context)
