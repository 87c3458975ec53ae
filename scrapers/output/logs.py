"""structlog set-up: JSON lines to stderr for machines, readable lines for people."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from scrapers.net.secrets import redact_text


class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is written, not when logging was set up (a test
    runner or an embedding program may swap and close streams in between)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


# Shown at the default verbosity although they are info: a long run's periodic progress
# (`stats`), which a scheduler's log is the only place to see off a terminal.
ALWAYS_SHOWN = frozenset({"stats", "worker ready", "worker stopped", "run done"})
_LEVELS = logging.getLevelNamesMapping()


class _Floor:
    """Drops events below `level`, except those named in `always` (unless quiet)."""

    def __init__(self, level: int, always: frozenset[str]) -> None:
        self.level, self.always = level, always

    def __call__(self, _: object, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        shown = event.get("event") in self.always and self.level <= logging.WARNING  # not with -q
        if _LEVELS.get(method.upper(), logging.INFO) < self.level and not shown:
            raise structlog.DropEvent
        return event


def _no_credentials(_: object, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """No log line keeps a credential: `user:pass@` and secret parameters of URLs redacted."""
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = redact_text(value)
        elif isinstance(value, list):
            event[key] = [redact_text(v) if isinstance(v, str) else v for v in value]
    return event


def configure(verbosity: int = 0, *, json: bool | None = None) -> None:
    """Call once per process, from the CLI. `json` defaults to 'stderr is not a terminal'."""
    level = logging.WARNING - 10 * verbosity if verbosity >= 0 else logging.ERROR
    as_json = not sys.stderr.isatty() if json is None else json
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            # On a terminal the progress line says it all; `stats` is for logs read off one.
            _Floor(level, frozenset() if sys.stderr.isatty() else ALWAYS_SHOWN),
            _no_credentials,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(max(min(level, logging.INFO), logging.DEBUG)),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
