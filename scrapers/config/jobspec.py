"""Job files (`storyline run JOB.yaml`): where to start, limits, politeness, output."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PField

from scrapers.config.urls import DEFAULT_DROP
from scrapers.config.yamlfile import parse_model
from scrapers.errors import ConfigFileError, Problem
from scrapers.version import __version__

_STRICT = ConfigDict(extra="forbid", frozen=True)


DEFAULT_MIN_DELAY_MS = 1000  # between page starts on one host, unless a site file or the job says otherwise


def storyline_agent(contact: str | None = None) -> str:
    """The product token Storyline sends: its name, version and how a site owner reaches the user."""
    return f"Storyline/{__version__} (news scraper{'; +' + contact if contact else ''})"


DEFAULT_USER_AGENT = storyline_agent()


class Start(BaseModel):
    model_config = _STRICT
    urls: list[str] = PField(default_factory=list, description="article URLs, scraped as given")
    listings: list[str] = PField(
        default_factory=list, description="listing pages read with their site file's 'listing' section"
    )
    feeds: list[str] = PField(default_factory=list, description="RSS or Atom feeds")
    sitemaps: list[str] = PField(
        default_factory=list, description="sitemaps or sitemap indexes (news sitemaps and .gz included)"
    )
    robots: list[str] = PField(
        default_factory=list, description="site roots whose robots.txt 'Sitemap:' lines are followed"
    )


class Limits(BaseModel):
    model_config = _STRICT
    max_pages: int | None = PField(None, ge=1, description="stop discovering after this many article URLs")
    max_age_hours: float | None = PField(
        None,
        gt=0,
        description="skip feed and sitemap entries older than this (entries without dates are kept)",
    )


class Politeness(BaseModel):
    model_config = _STRICT
    concurrency: int = PField(4, ge=1, le=64, description="pages rendered at once, all sites together")
    obey_robots: bool = PField(
        True, description="skip pages robots.txt disallows (recorded as kind 'robots')"
    )
    user_agent: str | None = PField(
        None,
        description="replaces the User-Agent of every request (default: the browser's own plus the "
        "Storyline token with 'contact'; robots.txt, feeds and sitemaps get the Storyline token)",
    )
    contact: str | None = PField(
        None,
        max_length=200,
        pattern=r"^[^\s()]+$",
        description="a URL or e-mail address where site owners can reach you; sent in the User-Agent",
    )
    min_delay_ms: int | None = PField(
        None,
        ge=0,
        description="pause between page starts on one host (default: the site file's "
        "fetch.min_delay_ms, else 1000; a robots.txt Crawl-delay that is longer wins)",
    )


class Scope(BaseModel):
    model_config = _STRICT
    allow_hosts: list[str] = PField(
        default_factory=list,
        description="hosts (subdomains included) that discovered URLs and redirects may lead to, "
        "besides the start URLs' hosts and the site files' domains",
    )
    allow_private: bool = PField(
        False,
        description="let the job's own hosts (its scope) reach loopback and private addresses; other "
        "hosts stay public-only and link-local (cloud metadata) stays refused unless its URL is a "
        "start URL (the origins of start URLs are always allowed)",
    )


class Urls(BaseModel):
    model_config = _STRICT
    drop_params: list[str] = PField(
        default_factory=lambda: list(DEFAULT_DROP), description="query parameter globs removed from URLs"
    )
    keep_fragment: bool = False


class State(BaseModel):
    model_config = _STRICT
    incremental: bool = PField(
        True,
        description="skip pages an earlier run of this job scraped fine, unless their feed date or "
        "sitemap lastmod is newer (docs/jobs.md, 'Daily jobs'); --full ignores it for one run",
    )
    path: str | None = PField(
        None,
        description="the SQLite file remembering what was scraped (relative to the job file; "
        "default: beside the output, OUT.state.sqlite)",
    )


class JobSpec(BaseModel):
    model_config = _STRICT
    # How yamlfile names this file and where it points for help.
    CONFIG_KIND: ClassVar[str] = "job file"
    CONFIG_DOCS: ClassVar[str] = "docs/jobs.md"
    name: str = PField("job", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    site: str | None = PField(None, description="use this site file for every URL (default: by domain)")
    start: Start = PField(default_factory=Start)
    limits: Limits = PField(default_factory=Limits)
    politeness: Politeness = PField(default_factory=Politeness)
    scope: Scope = PField(default_factory=Scope)
    urls: Urls = PField(default_factory=Urls)
    output: str | None = PField(None, description="NDJSON output path (relative to the job file)")
    page_budget_ms: int | None = PField(
        None, ge=500, description="hard time limit per page attempt (default: the site's render.timeout_ms)"
    )
    recycle_after: int = PField(2000, ge=1, description="pages per browser before it is replaced")
    state: State = PField(default_factory=State)

    @model_validator(mode="after")
    def _has_start(self) -> JobSpec:
        s = self.start
        if not (s.urls or s.listings or s.feeds or s.sitemaps or s.robots):
            raise ValueError(
                "a job needs at least one start point (hint: add start.urls, listings, feeds, sitemaps)"
            )
        return self


def adhoc_job(
    name: str,
    urls: Sequence[str] = (),
    *,
    listings: Sequence[str] = (),
    site: str | None = None,
    concurrency: int | None = None,
    allow_hosts: Sequence[str] = (),
    allow_private: bool = False,
) -> JobSpec:
    """The job of URLs given on the command line or to the API (not a job file), the one way every
    command builds it: scraped as asked, every time (no state store); None keeps a default.
    Bad values raise pydantic's ValidationError."""
    return JobSpec.model_validate(
        {
            "name": name,
            "site": site,
            "start": {"urls": list(urls), "listings": list(listings)},
            "politeness": {} if concurrency is None else {"concurrency": concurrency},
            "scope": {"allow_hosts": list(allow_hosts), "allow_private": allow_private},
            "state": {"incremental": False},
        }
    )


def load_job(path: Path) -> JobSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError([Problem(str(path), 1, 1, "", f"cannot read the file: {exc}")]) from None
    return parse_model(text, str(path), JobSpec)
