"""A long run's progress as a structured `stats` log event, every `interval_s` and at the end.

Off a terminal (cron, a container, CI) there is no progress line: these events are how a person
follows a run (Scrapy's periodic stats line plays the same part).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from scrapers.job.summary import Summary
from scrapers.output.logs import get_logger

log = get_logger("storyline.stats")

DEFAULT_INTERVAL_S = 60.0


def _emit(summary: Summary, queued: int, started: float, *, final: bool) -> None:
    elapsed = max(0.001, time.monotonic() - started)
    s = summary.by_status
    log.info(
        "stats",
        final=final,
        done=summary.total,
        ok=s["ok"],
        partial=s["partial"],
        error=s["error"],
        queue_left=max(0, queued - summary.total),
        pages_per_min=round(summary.total * 60 / elapsed, 1),
        elapsed_s=round(elapsed, 1),
    )


@contextlib.asynccontextmanager
async def stats_logged(
    summary: Summary, queued: Callable[[], int], interval_s: float = DEFAULT_INTERVAL_S
) -> AsyncIterator[None]:
    """Log `stats` every `interval_s` (0: only at the end) while the block runs, and once after.
    `queued()` is how many pages the run has to do in all, known once discovery is over."""
    started = time.monotonic()

    async def tick() -> None:
        while True:
            await asyncio.sleep(interval_s)
            _emit(summary, queued(), started, final=False)

    task = asyncio.create_task(tick()) if interval_s > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        _emit(summary, queued(), started, final=True)
