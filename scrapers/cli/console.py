"""What the command line prints besides records: the progress line on a terminal, quiet
shutdowns, and the drift report after a run."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from typing import Any

from scrapers.output.logs import get_logger
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


# -- the drift report after a run: the site files whose pages no longer match their layout, and
# what to do about it (`storyline suggest`), read from the summary's `drift` section.

log = get_logger("storyline.run")


def drift_lines(report: dict[str, Any]) -> list[str]:
    """One line per site file with partial pages or generic fallbacks, naming the fields missed
    and a page to draft a new file from."""
    lines = []
    for site, d in report.get("drift", {}).items():
        missed = ", ".join(f"{name} {n}" for name, n in list(d["missed"].items())[:6])
        what = [f"{d['partial']} of {d['pages']} page(s) partial"]
        if d["generic_fallbacks"]:
            what.append(f"{d['generic_fallbacks']} fell back to generic extraction")
        url = d.get("example") or "URL"
        lines.append(
            f"drift: site file {site!r}: {'; '.join(what)}"
            + (f" (missed: {missed})" if missed else "")
            + f"; if its layout changed, draft a new file with: storyline suggest {url} --site {site}"
        )
    return lines


def fails_on(report: dict[str, Any], fail_on: str) -> bool:
    """--fail-on: "error" (the default) fails on error records only, "partial" on partial ones too."""
    by_status = report.get("by_status", {})
    return bool(by_status.get("error")) or (fail_on == "partial" and bool(by_status.get("partial")))


def say_done(line: str, report: dict[str, Any], args: argparse.Namespace) -> None:
    """The run's last words on stderr: text on a terminal (or --log-format console), else one
    JSON log event, `run done`, like every other line a scheduler's log holds."""
    as_json = args.log_format == "json" or (args.log_format is None and not sys.stderr.isatty())
    if not as_json:
        print(line, file=sys.stderr)
        return
    for drift in line.splitlines()[1:]:
        log.warning("site file drift", message=drift)
    keys = ("pages", "by_status", "errors_by_kind", "wall_s", "output")
    log.info("run done", summary=line.splitlines()[0], **{k: report.get(k) for k in keys})
