"""What travels through Redis for one job: its description, its page jobs, its records.

- `storyline:job:NAME:spec`: the job file and the site files its URLs use (JSON), published by
  the driver so every worker scrapes with the driver's settings, whatever files its host has;
- one arq job per URL, `scrape_page(NAME, DIGEST, URL, SITE)`, with a deterministic id (a hash of
  the job name and the canonical URL): enqueueing a URL already queued does nothing;
- `storyline:job:NAME:records`: a Redis stream, one entry per finished page (its NDJSON line,
  attempts and attempt timings), read by the driver (docs/scaling.md says why a stream).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis

from scrapers.config.jobspec import JobSpec
from scrapers.config.settings import NO_OVERRIDES, Overrides
from scrapers.config.sitespec import SiteSpec

PAGE_FUNCTION = "scrape_page"
ENQUEUE_BATCH = 64  # enqueue transactions in flight at once


def job_key(job: str, what: str) -> str:
    return f"storyline:job:{job}:{what}"


def records_key(job: str) -> str:
    return job_key(job, "records")


def page_job_id(job: str, url: str) -> str:
    """The arq job id of `url` (canonical, as discovery gives it) in job `job`."""
    return "storyline:" + hashlib.sha256(f"{job}\n{url}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class JobContext:
    """The job and site files a worker scrapes a page of this job with."""

    job: JobSpec
    sites: Mapping[str, SiteSpec]
    digest: str
    overrides: Overrides = NO_OVERRIDES  # the driver's command line


def _context_json(job: JobSpec, sites: Iterable[SiteSpec], overrides: Overrides) -> str:
    body = {
        "job": job.model_dump(mode="json"),
        "overrides": overrides.model_dump(mode="json", exclude_none=True),
        "sites": {s.site: s.model_dump(mode="json") for s in sorted(sites, key=lambda s: s.site)},
    }
    return json.dumps(body, sort_keys=True)


async def publish_context(
    redis: ArqRedis, job: JobSpec, sites: Iterable[SiteSpec], overrides: Overrides = NO_OVERRIDES
) -> str:
    """Store the job's description for the workers; returns its digest (each page job names it)."""
    text = _context_json(job, sites, overrides)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    await redis.set(job_key(job.name, "spec"), json.dumps({"digest": digest, "body": text}))
    return digest


async def load_context(redis: ArqRedis, job: str) -> JobContext:
    raw = await redis.get(job_key(job, "spec"))
    if raw is None:
        raise LookupError(f"job {job!r} has no description in Redis (its driver cleared it)")
    stored = json.loads(raw)
    body = json.loads(stored["body"])
    sites = {name: SiteSpec.model_validate(s) for name, s in body["sites"].items()}
    overrides = Overrides.model_validate(body.get("overrides", {}))
    return JobContext(JobSpec.model_validate(body["job"]), sites, stored["digest"], overrides)


async def enqueue_pages(redis: ArqRedis, job: str, digest: str, pages: Mapping[str, str]) -> int:
    """One arq job per (url -> site name); returns how many were new (the rest were queued already)."""
    items = list(pages.items())
    new = 0
    for i in range(0, len(items), ENQUEUE_BATCH):
        done = await asyncio.gather(
            *(
                redis.enqueue_job(PAGE_FUNCTION, job, digest, url, site, _job_id=page_job_id(job, url))
                for url, site in items[i : i + ENQUEUE_BATCH]
            )
        )
        new += sum(d is not None for d in done)
    return new


@dataclass(frozen=True)
class Finished:
    """One stream entry: a page's record line, its attempts and the ms of each attempt."""

    url: str
    line: str
    attempts: int
    attempt_ms: list[int]


async def publish_record(redis: ArqRedis, job: str, page: Finished) -> None:
    fields: dict[Any, Any] = {
        "url": page.url,
        "record": page.line,
        "attempts": page.attempts,
        "ms": json.dumps(page.attempt_ms),
    }
    await redis.xadd(records_key(job), fields)


def finished(fields: Mapping[bytes, bytes]) -> Finished:
    return Finished(
        fields[b"url"].decode(),
        fields[b"record"].decode(),
        int(fields[b"attempts"]),
        [int(x) for x in json.loads(fields[b"ms"])],
    )
