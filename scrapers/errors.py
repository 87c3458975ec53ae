"""Every exception Storyline defines, in one tree (as httpx's `_exceptions.py`):

    StorylineError                 what Storyline raises on purpose; catch this to catch them all
    ├── ConfigError                the user's configuration cannot be used (the CLI exits 2)
    │   ├── ConfigFileError        a site or job file with problems, one `FILE:LINE:COL` line each
    │   ├── UnknownSiteError       `--site NAME` names no site file        (also a LookupError)
    │   ├── UsageError             arguments that do not make sense        (also a ValueError)
    │   ├── BrowserNotFoundError   no Chromium anywhere Storyline looks   (also a RuntimeError)
    │   ├── StateError             a state store that is not Storyline's
    │   ├── RedisUnreachable       the Redis of a distributed run cannot be reached
    │   └── OutputPathError        an output that cannot be written     (also a ValueError)
    ├── PageError                  why one page produced no story: becomes its error record
    ├── Refused                    a URL the URL policy does not allow (`offsite`, `blocked_address`)
    ├── FetchError                 robots.txt, a feed or a sitemap could not be read
    ├── RecordingError             a recording folder that cannot be used
    │   ├── HarError               its HAR file cannot be read
    │   ├── SourceMissing          a reference recording's page is not there
    │   ├── SourceChanged          a reference recording's page is not the one recorded
    │   ├── RecordingMismatch      a replayed record is not its expected.json (an AssertionError)
    │   └── UnsafeRead             a recording's file that is not read  (also an OSError)
    ├── LocatedError               a site-file value's problem and where below it (a ValueError,
    │                              so pydantic reports it at its place)
    └── NotReady                   a wait or required click that did not happen in time (the
                                   browser layer's signal to return the page as it is)

Each class is raised where its failure is known; `PageError` is turned into a record's `error` in
one place (`scrapers.page.record_builders`) and is immutable, so the record says what was true when
it was raised. The command line maps the tree to exit statuses in one place (`scrapers.cli.main`).
"""

from __future__ import annotations

from dataclasses import dataclass
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
RefusalKind = Literal["offsite", "blocked_address"]
FetchErrorKind = Literal[
    "offsite", "blocked_address", "http", "redirects", "too_large", "deadline", "encoding", "network"
]


class StorylineError(Exception):
    """Base of every error Storyline raises on purpose."""


# -- configuration ------------------------------------------------------------------------------


class ConfigError(StorylineError):
    """The user's configuration (files, arguments, environment) cannot be used; str() says why in
    words the user can act on."""


@dataclass(frozen=True)
class Problem:
    """One problem of a config file, where it is."""

    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return _one_line(f"{self.path}:{self.line}:{self.column}:{where} {self.message}")


_LINE_BREAKS = str.maketrans({c: repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def _one_line(text: str) -> str:
    """`text` with the characters that would break it into lines escaped (a key may hold them)."""
    return text.translate(_LINE_BREAKS)


class ConfigFileError(ConfigError):
    """One or more problems in one config file; str() is one line per problem.
    Raised by `scrapers.config.yamlfile` (site files, job files) and the site registry."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class UnknownSiteError(ConfigError, LookupError):
    """A site name no site file has (`--site`, `SiteRegistry.get`)."""


class UsageError(ConfigError, ValueError):
    """Arguments that do not make sense together: exit status 2 with one line."""


class BrowserNotFoundError(ConfigError, RuntimeError):
    """No Chromium at any place Storyline looks (`scrapers.browser.locate`); says every place tried."""


class StateError(ConfigError):
    """The state file cannot be opened or is not a Storyline state store (`scrapers.output.state`)."""


class RedisUnreachable(ConfigError):
    """Redis cannot be reached (or the URL is wrong): one line for the user (`scrapers.scale`)."""


class OutputPathError(ConfigError, ValueError):
    """An output that cannot be written (`--out` a folder, an unwritable place, a recording
    folder that is a link), found before any page is fetched (`scrapers.output.outpath`)."""


# -- one page -----------------------------------------------------------------------------------


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


class Refused(StorylineError):
    """A URL the URL policy does not allow (`scrapers.net.scope`); `kind` is the record's error kind."""

    def __init__(self, kind: RefusalKind, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.kind: RefusalKind = kind
        self.url = url
        self.reason = reason


class FetchError(StorylineError):
    """Why robots.txt, a feed or a sitemap could not be read (`scrapers.net.client`). `kind` keeps a
    policy refusal's kind (`offsite`, `blocked_address`); `status` is the HTTP status of an `http`
    error."""

    def __init__(
        self, url: str, message: str, status: int | None = None, kind: FetchErrorKind = "network"
    ) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.message = message
        self.status = status
        self.kind: FetchErrorKind = kind

    @classmethod
    def refused(cls, exc: Refused) -> FetchError:
        return cls(exc.url, f"refused: {exc.reason}", kind=exc.kind)


class NotReady(StorylineError):
    """A wait or required click that did not happen in time (`scrapers.browser.actions`): the page
    is returned as it is, and the pipeline judges it."""


# -- recordings ---------------------------------------------------------------------------------


class RecordingError(StorylineError):
    """A recording folder that cannot be used (`scrapers.recordings`)."""


class HarError(RecordingError):
    """A HAR file that cannot be read (`scrapers.browser.har`)."""


class SourceMissing(RecordingError):
    """The page a reference recording names is not there (the shared data is absent)."""


class SourceChanged(RecordingError):
    """The page a reference recording names is not the page it was recorded from."""


class RecordingMismatch(RecordingError, AssertionError):
    """A replayed record differs from its expected.json; the message lists the fields
    (`scrapers.testing.pytest_plugin`: an AssertionError, so pytest reports a failed test)."""


class UnsafeRead(RecordingError, OSError):
    """A file of a recording that is not read: not a regular file, a link out of the recording,
    or over its size limit (`scrapers.output.bounded`); what it is, in one line."""


# -- site-file validation -----------------------------------------------------------------------


class LocatedError(StorylineError, ValueError):
    """A validation error that knows where below the validated value it belongs; a ValueError so
    pydantic validators report it (`scrapers.config.yamlfile`)."""

    def __init__(self, message: str, sub_loc: tuple[int | str, ...]) -> None:
        super().__init__(message)
        self.sub_loc = sub_loc
