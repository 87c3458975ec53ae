"""`storyline run`: from arguments and a job file to a finished (or cleanly stopped) run."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from scrapers.console import Progress, quiet_driver_loss
from scrapers.discover import Discoverer
from scrapers.fetch import fetch_bytes
from scrapers.job import choose_site, now_utc
from scrapers.jobconfig import JobConfig, Start, load_job
from scrapers.jobrun import JobRunner, RunOptions
from scrapers.logs import get_logger
from scrapers.output import NdjsonSink
from scrapers.render import Renderer
from scrapers.resume import prepare_resume
from scrapers.siteload import SiteRegistry

log = get_logger("storyline.run")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(ValueError):
    pass


def job_from_args(args: argparse.Namespace) -> tuple[JobConfig, Path]:
    """The job to run and its output path, from a job file or ad-hoc arguments."""
    base = Path.cwd()
    if args.job is not None:
        if args.urls or args.urls_file:
            raise UsageError("give a job file or --url/--urls-file, not both")
        job = load_job(args.job)
        base = args.job.parent
    else:
        urls = list(args.urls or [])
        if args.urls_file:
            lines = args.urls_file.read_text(encoding="utf-8").splitlines()
            urls += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        if not urls:
            raise UsageError("nothing to scrape: give a job file, --url or --urls-file (see --help)")
        job = JobConfig(name="run", start=Start(urls=urls))
    politeness: dict[str, Any] = {}
    if args.concurrency:
        politeness["concurrency"] = args.concurrency
    if args.no_robots:
        politeness["obey_robots"] = False
    if args.user_agent:
        politeness["user_agent"] = args.user_agent
    update: dict[str, Any] = {"politeness": job.politeness.model_copy(update=politeness)}
    if args.site:
        update["site"] = args.site
    if args.page_budget_ms:
        update["page_budget_ms"] = args.page_budget_ms
    job = job.model_copy(update=update)
    if args.out is not None:
        out = args.out
    elif job.output:
        out = Path(os.path.normpath(base / job.output))  # an absolute output stays as it is
    else:
        out = Path("out") / f"{job.name}.ndjson"
    return job, out


def summary_path(out: Path) -> Path:
    return out.with_name(out.stem + ".summary.json")


async def run_job(
    job: JobConfig, out: Path, registry: SiteRegistry, *, resume: bool, grace_s: float, headed: bool = False
) -> tuple[int, dict[str, Any]]:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(quiet_driver_loss)
    started_at, t0 = now_utc(), time.monotonic()
    state = prepare_resume(out) if resume else None
    if state is not None:
        log.info(
            "resuming",
            out=str(out),
            kept=state.kept,
            torn=state.dropped_torn,
            interrupted=state.dropped_interrupted,
        )
    ua = job.politeness.user_agent
    options = RunOptions(
        concurrency=job.politeness.concurrency,
        obey_robots=job.politeness.obey_robots,
        user_agent=job.politeness.user_agent,
        page_budget_ms=job.page_budget_ms,
        site_name=job.site,
        grace_s=grace_s,
        # Chromium's own user agent unless the job names one (a site file's render.user_agent wins).
        browser_user_agent=ua if "user_agent" in job.politeness.model_fields_set else None,
    )
    async with Renderer(headless=not headed, recycle_after=job.recycle_after) as renderer:

        async def fetch(url: str) -> bytes:
            return await fetch_bytes(url, ua)

        progress = Progress(0)
        with NdjsonSink(out, append=resume) as sink:
            runner = JobRunner(registry, renderer, sink, options, on_record=progress)
            # From here on a stop request is the runner's: discovery ends early, pages are recorded.
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, runner.stop)
            try:
                discovery = await Discoverer(
                    job, lambda u: choose_site(u, registry, job.site), fetch, renderer.render, runner.stopping
                ).run()
                done = state.done if state else set()
                todo = [u for u in discovery.urls if u not in done]
                progress.total = len(todo)
                summary = await runner.run(todo)
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
                progress.close()
        report = summary.to_dict(
            job=job.name,
            output=str(out),
            started_at=started_at,
            finished_at=now_utc(),
            wall_s=round(time.monotonic() - t0, 2),
            interrupted=runner.interrupted,
            discovered=len(discovery.urls),
            skipped_already_done=len(discovery.urls) - len(todo),
            discovery_problems=discovery.problems,
            browser={"version": renderer.version, "launches": renderer.launches},
        )
    summary_path(out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log.info("run finished", **{k: report[k] for k in ("pages", "by_status", "errors_by_kind", "wall_s")})
    if runner.interrupted:
        return EXIT_INTERRUPTED, report
    return (EXIT_FAILED if summary.by_status["error"] else EXIT_OK), report


def run_command(args: argparse.Namespace, registry: SiteRegistry) -> int:
    try:
        job, out = job_from_args(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if job.site:
        registry.get(job.site)  # an unknown name fails before a browser starts
    code, report = asyncio.run(
        run_job(job, out, registry, resume=args.resume, grace_s=args.grace, headed=args.headed)
    )
    counts = ", ".join(f"{k} {v}" for k, v in report["by_status"].items()) or "nothing to do"
    print(
        f"{report['pages']} pages in {report['wall_s']}s ({counts}); wrote {out} and {summary_path(out)}",
        file=sys.stderr,
    )
    return code
