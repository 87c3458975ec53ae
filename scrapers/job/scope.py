"""Where one job may go: its `UrlPolicy` (scrapers/net/scope.py), built from the job file.

One function, `job_policy`, so discovery, the Python fetcher (robots.txt, feeds, sitemaps) and
the browser all ask the same question of every URL.
"""

from __future__ import annotations

from scrapers.config.jobspec import JobSpec
from scrapers.config.sitefiles import SiteRegistry, domain_host
from scrapers.net.scope import Resolver, UrlPolicy, system_resolver


def named_urls(job: JobSpec) -> list[str]:
    """Every URL the user wrote in the job: start.urls, listings, feeds, sitemaps and robots."""
    start = job.start
    return [*start.urls, *start.listings, *start.feeds, *start.sitemaps, *start.robots]


def job_policy(
    job: JobSpec, registry: SiteRegistry | None = None, *, resolver: Resolver = system_resolver
) -> UrlPolicy:
    """The URL policy of `job`.

    - Every start URL (`start.urls`, `listings`, `feeds`, `sitemaps`, `robots`) is *named*: its
      host:port is trusted (it may be loopback or private: the user asked for it) and its host is in
      scope.
    - Also in scope (subdomains included): the domains of the site files those start URLs resolve
      to (`registry.choose(url, job.site)`; without a registry, none) and `scope.allow_hosts`.
    - `scope.allow_private` lets the job's own hosts (its scope) reach private addresses;
      link-local ones (cloud metadata) only through a URL the user named.

    Raises UnknownSiteError when `job.site` names no site file. `resolver` is for tests.
    """
    named = named_urls(job)
    hosts = list(job.scope.allow_hosts)
    if registry is not None:
        for url in named:
            try:
                site = registry.choose(url, job.site)
            except ValueError:  # a malformed URL: refused wherever it is used
                continue
            if site.site != "generic":  # its placeholder domain claims nothing
                hosts += [domain_host(d) for d in site.domains]
    return UrlPolicy.for_job(named, hosts, allow_private=job.scope.allow_private, resolver=resolver)
