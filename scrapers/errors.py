"""Storyline's errors: every failure a page can end in, and the configuration errors.

`PageError` is raised where a failure is known and turned into the page's error record in
one place (`scrapers.pipeline.records`). It is immutable: its fields are read-only, so what
was true when it was raised is what the record says.
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal[
    "http",
    "timeout",
    "network",
    "redirect",
    "blocked",
    "browser",
    "content",
    "robots",
    "offsite",
    "blocked_address",
    "interrupted",
    "config",
]


class StorylineError(Exception):
    """Base of every error Storyline raises on purpose."""


class PageError(StorylineError):
    """Why one page produced no story. `kind` is the record's `error.kind`."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        http_status: int | None = None,
        final_url: str | None = None,
        retry_after: float | None = None,
        render_ms: int = 0,
    ) -> None:
        super().__init__(message)
        self._kind: ErrorKind = kind
        self._message = message
        self._http_status = http_status
        self._final_url = final_url
        self._retry_after = retry_after
        self._render_ms = render_ms

    @property
    def kind(self) -> ErrorKind:
        return self._kind

    @property
    def message(self) -> str:
        return self._message

    @property
    def http_status(self) -> int | None:
        return self._http_status

    @property
    def final_url(self) -> str | None:
        return self._final_url

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait (Retry-After), if it did."""
        return self._retry_after

    @property
    def render_ms(self) -> int:
        """Time spent on the page itself, from navigation, before it failed."""
        return self._render_ms

    def __repr__(self) -> str:
        return f"PageError({self._kind!r}, {self._message!r}, http_status={self._http_status!r})"
