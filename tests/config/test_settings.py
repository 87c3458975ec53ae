"""Page settings are merged in one place: command line > job > site file > defaults, for every setting."""

from __future__ import annotations

from typing import Any

import pytest

from scrapers.config.jobspec import DEFAULT_MIN_DELAY_MS, JobSpec, adhoc_job, storyline_agent
from scrapers.config.settings import Overrides, PageSettings, resolve_page_settings
from scrapers.config.sitespec import SiteSpec


def _site(**spec: Any) -> SiteSpec:
    return SiteSpec.model_validate({"site": "s", "domains": ["s.example"], "story": {}, **spec})


def _job(**spec: Any) -> JobSpec:
    return JobSpec.model_validate({"start": {"urls": ["https://s.example/a"]}, **spec})


# setting: (site file says, job says, command line says, the default) -> each level's answer
LEVELS: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], Any, tuple[Any, Any, Any]]] = {
    "user_agent": (
        {"render": {"user_agent": "SiteUA/1"}},
        {"politeness": {"user_agent": "JobUA/1"}},
        {"user_agent": "CliUA/1"},
        None,
        ("SiteUA/1", "JobUA/1", "CliUA/1"),
    ),
    "min_delay_ms": (
        {"fetch": {"min_delay_ms": 3000}},
        {"politeness": {"min_delay_ms": 200}},
        {"min_delay_ms": 0},
        DEFAULT_MIN_DELAY_MS,
        (3000, 200, 0),
    ),
    "page_budget_ms": (
        {"render": {"timeout_ms": 9000}},
        {"page_budget_ms": 4000},
        {"page_budget_ms": 1500},
        30000,
        (9000, 4000, 1500),
    ),
    "attempts": ({"fetch": {"attempts": 5}}, {}, {"attempts": 1}, 3, (5, 5, 1)),
    "obey_robots": (
        {},
        {"politeness": {"obey_robots": False}},
        {"obey_robots": True},
        True,
        (True, False, True),
    ),
    "max_concurrent": ({"fetch": {"max_concurrent": 7}}, {}, {}, 2, (7, 7, 7)),
}


@pytest.mark.parametrize("name", sorted(LEVELS))
def test_each_level_wins_over_the_ones_below(name: str) -> None:
    site_says, job_says, cli_says, default, (by_site, by_job, by_cli) = LEVELS[name]

    def value(settings: PageSettings) -> Any:
        return getattr(settings, name)

    assert value(resolve_page_settings(_site())) == default
    assert value(resolve_page_settings(_site(**site_says))) == by_site
    assert value(resolve_page_settings(_site(**site_says), _job(**job_says))) == by_job
    cli = Overrides(**cli_says)
    assert value(resolve_page_settings(_site(**site_says), _job(**job_says), cli)) == by_cli


def test_the_table_covers_every_setting_but_the_agent() -> None:
    assert set(LEVELS) == set(PageSettings.__dataclass_fields__) - {"agent"}


def test_the_agent_names_storyline_and_the_contact_unless_a_user_agent_is_given() -> None:
    assert resolve_page_settings(None).agent == storyline_agent()
    job = _job(politeness={"contact": "ops@example.org"})
    assert "ops@example.org" in resolve_page_settings(None, job).agent
    assert "me@example.org" in resolve_page_settings(None, job, Overrides(contact="me@example.org")).agent
    assert resolve_page_settings(None, job, Overrides(user_agent="Mine/2")).agent == "Mine/2"


def test_a_site_file_user_agent_applies_where_neither_job_nor_command_line_names_one() -> None:
    settings = resolve_page_settings(_site(render={"user_agent": "SiteUA/1"}), _job())
    assert settings.user_agent == "SiteUA/1" and settings.agent == storyline_agent()


def test_ad_hoc_jobs_are_one_shape_for_every_command() -> None:
    job = adhoc_job("scrape", ["https://s.example/a"], site="s", concurrency=3, allow_hosts=["cdn.example"])
    assert job.start.urls == ["https://s.example/a"] and job.site == "s"
    assert job.politeness.concurrency == 3 and job.scope.allow_hosts == ["cdn.example"]
    assert job.state.incremental is False  # given URLs are scraped as asked, every time
    assert adhoc_job("demo", listings=["http://127.0.0.1:8765/"]).start.listings == ["http://127.0.0.1:8765/"]
