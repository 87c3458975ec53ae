"""A page's effective settings, resolved in one place from the command line, the job and the site file.

Precedence, for every setting: the command line (or the API's keyword arguments) > the job file >
the site file > the documented default. `resolve_page_settings` is the only function that merges
them; the page pipeline and discovery read nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField

from scrapers.config.jobspec import DEFAULT_MIN_DELAY_MS, JobSpec, Politeness, storyline_agent
from scrapers.config.sitespec import FetchSpec, SiteSpec

_DEFAULT_FETCH = FetchSpec()
T = TypeVar("T")


class Overrides(BaseModel):
    """What the command line (or an API caller) says about every page; None: it says nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    obey_robots: bool | None = None
    user_agent: str | None = PField(None, description="every request's User-Agent")
    contact: str | None = PField(None, max_length=200, pattern=r"^[^\s()]+$")
    min_delay_ms: int | None = PField(None, ge=0)
    page_budget_ms: int | None = PField(None, ge=1)
    attempts: int | None = PField(None, ge=1, le=20)


NO_OVERRIDES = Overrides()


@dataclass(frozen=True)
class PageSettings:
    """How one page is fetched: frozen, handed to the page pipeline."""

    obey_robots: bool
    agent: str  # robots.txt, feeds and sitemaps: the user's User-Agent, else the Storyline token
    user_agent: str | None  # the browser's; None: Chromium's own followed by `agent`
    attempts: int
    min_delay_ms: int  # between page starts on one host (a longer robots.txt Crawl-delay wins)
    page_budget_ms: int  # the hard limit of one attempt, navigation to record
    max_concurrent: int  # pages of this site at once


def _first(*values: T | None, default: T) -> T:
    return next((v for v in values if v is not None), default)


def resolve_page_settings(
    site: SiteSpec | None, job: JobSpec | None = None, cli: Overrides = NO_OVERRIDES
) -> PageSettings:
    """The one merge: command line > job > site file > defaults. `site` None gives the settings
    that do not depend on a site (robots, the agent: discovery's feeds and sitemaps)."""
    polite = job.politeness if job is not None else Politeness()
    fetch = site.fetch if site is not None else _DEFAULT_FETCH
    user_agent = _first(cli.user_agent, polite.user_agent, default=None)
    contact = _first(cli.contact, polite.contact, default=None)
    site_ua = site.render.user_agent if site is not None else None
    return PageSettings(
        obey_robots=_first(cli.obey_robots, polite.obey_robots, default=True),
        agent=user_agent or storyline_agent(contact),
        user_agent=_first(user_agent, site_ua, default=None),
        attempts=_first(cli.attempts, default=fetch.attempts),
        min_delay_ms=_first(
            cli.min_delay_ms, polite.min_delay_ms, fetch.min_delay_ms, default=DEFAULT_MIN_DELAY_MS
        ),
        page_budget_ms=_first(
            cli.page_budget_ms,
            job.page_budget_ms if job is not None else None,
            default=site.render.timeout_ms if site is not None else 0,
        ),
        max_concurrent=fetch.max_concurrent,
    )
