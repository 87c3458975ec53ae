"""`storyline run`: a scrape job from a job file or ad-hoc URLs, to NDJSON and a summary.

`scrape` and `demo` are this same run over a job they build; `execute` is shared by all three.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scrapers.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    FORMATTER,
    SubParsers,
    add_headed,
    http_url,
    positive_int,
    registry,
    seconds,
)
from scrapers.cli.console import Progress, drift_lines, fails_on, quiet_driver_loss, say_done
from scrapers.config.jobspec import JobSpec, Scope, adhoc_job, load_job
from scrapers.config.settings import NO_OVERRIDES, Overrides
from scrapers.config.sitefiles import SiteRegistry
from scrapers.errors import UsageError
from scrapers.job.run import Backend, JobResult, run_job, summary_path
from scrapers.job.stats import DEFAULT_INTERVAL_S
from scrapers.output.outpath import check_output_file
from scrapers.output.sink import partial_path
from scrapers.output.state import state_path


def add_parser(sub: SubParsers) -> None:
    rn = sub.add_parser(
        "run",
        formatter_class=FORMATTER,
        help="run a scrape job: discovery, retries, politeness, resume",
        description="Run a scrape job from a job file, or ad hoc from URLs. Every URL ends as exactly one\n"
        "line in the output; a summary goes to OUT with the suffix .summary.json.\n"
        "Exit status: 0 all pages ok, 1 some failed, 2 configuration error, 130 interrupted.\n"
        "Ctrl-C or SIGTERM stops cleanly (in-flight pages get --grace seconds); --resume continues.\n"
        "An existing OUT is replaced only when the run ends with records to put in its place.",
        epilog="examples:\n"
        "  storyline run jobs/demo.yaml\n"
        "  storyline run jobs/demo.yaml --resume\n"
        "  storyline run --site demo-news --url http://127.0.0.1:8765/news/a --out out/a.ndjson\n"
        "  storyline run --urls-file urls.txt --concurrency 8 --no-robots\n"
        "  storyline run jobs/demo.yaml --redis redis://10.0.0.5:6379/0   # pages on 'storyline worker's",
    )
    rn.add_argument("job", nargs="?", type=Path, help="job file (YAML); see docs/jobs.md")
    rn.add_argument(
        "--url",
        action="append",
        dest="urls",
        metavar="URL",
        type=http_url,
        help="a URL to scrape (repeatable)",
    )
    rn.add_argument("--urls-file", type=Path, metavar="FILE", help="URLs to scrape, one per line")
    rn.add_argument(
        "--out",
        type=Path,
        help="NDJSON output, '-' for standard output (default: the job's output, else out/NAME.ndjson)",
    )
    mode = rn.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue from OUT: skip pages already recorded")
    mode.add_argument(
        "--force",
        action="store_true",
        help="truncate an existing OUT at the start (default: keep it until the run has records, "
        "writing OUT.partial meanwhile; see docs/jobs.md)",
    )
    rn.add_argument(
        "--full",
        action="store_true",
        help="scrape every page, also those the job's state store knows (it still learns this run's)",
    )
    rn.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="the state store (SQLite) of an incremental run (default: the job's state.path, else "
        "OUT.state.sqlite beside the output for job files; ad-hoc URLs keep none unless given)",
    )
    add_job_options(rn)
    rn.add_argument(
        "--redis",
        metavar="URL",
        help="scrape the pages on 'storyline worker' processes over Redis (redis://HOST:PORT/DB; default "
        "$STORYLINE_REDIS): discovery and the output stay here, the same records and summary; "
        "each worker's own --concurrency applies, not this run's (docs/scaling.md). Needs the "
        "'scale' extra",
    )
    rn.add_argument(
        "--queue",
        metavar="NAME",
        help="the workers' arq queue (default: $STORYLINE_QUEUE, else storyline:queue)",
    )


def add_job_options(p: argparse.ArgumentParser) -> None:
    """The options `run` and `scrape` share; their defaults are the job file's (docs/jobs.md)."""
    p.add_argument("--site", help="site file for every URL (default: by domain, else generic)")
    p.add_argument(
        "--concurrency", type=positive_int, help="pages rendered at once (default 4, or the job file's)"
    )
    p.add_argument("--no-robots", action="store_true", help="do not consult robots.txt")
    p.add_argument("--user-agent", help="user agent for robots.txt, feeds and sitemaps (and the browser)")
    p.add_argument(
        "--contact", help="a URL or e-mail address site owners can reach you at (sent in the User-Agent)"
    )
    p.add_argument(
        "--min-delay-ms",
        type=int,
        help="pause between page starts on one host (default: the job's, else the site file's, else 1000)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host discovered URLs and redirects may lead to besides the start hosts (repeatable)",
    )
    p.add_argument(
        "--allow-private",
        action="store_true",
        help="let the job's own hosts reach loopback and private addresses; link-local (cloud "
        "metadata) stays refused unless named (docs/security.md)",
    )
    p.add_argument("--page-budget-ms", type=positive_int, help="hard time limit per page attempt")
    p.add_argument(
        "--grace", type=seconds, default=10.0, help="seconds in-flight pages may finish after a stop"
    )
    p.add_argument(
        "--stats-every",
        type=seconds,
        default=DEFAULT_INTERVAL_S,
        metavar="SECONDS",
        help=f"log a 'stats' event this often, and at the end (default {DEFAULT_INTERVAL_S:g}; 0: end only)",
    )
    p.add_argument(
        "--fail-on",
        choices=["error", "partial"],
        default="error",
        help="exit status 1 when a page is an error (default), or also when one is partial: for CI, "
        "where a layout change must not pass",
    )
    add_headed(p)


def overrides(args: argparse.Namespace) -> Overrides:
    """What the command line says about every page; the settings are merged with the job's and
    the site file's in one place (config/settings.py)."""
    try:
        return Overrides(
            obey_robots=False if args.no_robots else None,
            user_agent=args.user_agent or None,
            contact=args.contact or None,
            min_delay_ms=args.min_delay_ms,
            page_budget_ms=args.page_budget_ms,
        )
    except ValidationError as exc:
        raise _usage(exc) from None


def _usage(exc: ValidationError) -> UsageError:
    problem = exc.errors()[0]
    where = str(problem["loc"][-1]) if problem["loc"] else "option"
    return UsageError(f"--{where.replace('_', '-')}: {problem['msg']}")


def apply_options(job: JobSpec, args: argparse.Namespace) -> JobSpec:
    """The job with the command line's job-wide options (site, concurrency, scope)."""
    update: dict[str, Any] = {}
    try:
        if args.concurrency:
            update["politeness"] = job.politeness.model_copy(update={"concurrency": args.concurrency})
        update["scope"] = Scope.model_validate(
            {
                "allow_hosts": [*job.scope.allow_hosts, *args.allow_host],
                "allow_private": job.scope.allow_private or args.allow_private,
            }
        )
    except ValidationError as exc:
        raise _usage(exc) from None
    if args.site:
        update["site"] = args.site
    return job.model_copy(update=update)


def _state_path(job: JobSpec, out: Path | None, base: Path, given: Path | None) -> Path | None:
    """Where an incremental run keeps its state store, or None for a run without one."""
    if given is not None:
        return given
    if not job.state.incremental:
        return None
    if job.state.path:
        return Path(os.path.normpath(base / job.state.path))
    return state_path(out) if out is not None else None  # standard output has no "beside"


def _urls_file(path: Path) -> list[str]:
    """The URLs of a --urls-file (one a line, # comments); a line that is not an http(s) URL is
    a usage error naming its line (a scheme-less one was refused as off-scope, page by page)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"--urls-file {path}: cannot read it ({why})") from None
    urls = []
    for n, line in enumerate(lines, start=1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        if "://" not in url:
            raise UsageError(
                f"--urls-file {path}:{n}: {url!r} lacks http:// or https:// (hint: https://{url})"
            )
        try:
            urls.append(http_url(url))
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"--urls-file {path}:{n}: {exc}") from None
    return urls


def _job_from_args(args: argparse.Namespace) -> tuple[JobSpec, Path | None]:
    base = Path.cwd()
    if args.job is not None:
        if args.urls or args.urls_file:
            raise UsageError("give a job file or --url/--urls-file, not both")
        job = load_job(args.job)
        base = args.job.parent
    else:
        urls = list(args.urls or [])
        if args.urls_file:
            urls += _urls_file(args.urls_file)
        if not urls:
            raise UsageError("nothing to scrape: give a job file, --url or --urls-file (see --help)")
        # Ad-hoc URLs are scraped as asked, every time: no state store unless --state names one.
        job = adhoc_job("run", urls)
    job = apply_options(job, args)
    out: Path | None
    if args.out is not None:
        out = None if str(args.out) == "-" else args.out
    elif job.output:
        out = Path(os.path.normpath(base / job.output))  # an absolute output stays as it is
    else:
        out = Path("out") / f"{job.name}.ndjson"
    args.state = _state_path(job, out, base, getattr(args, "state", None))
    return job, out


def execute(
    job: JobSpec,
    out: Path | None,
    sites: SiteRegistry,
    settings: Overrides = NO_OVERRIDES,
    *,
    resume: bool = False,
    force: bool = False,
    grace_s: float = 10.0,
    headed: bool = False,
    state: Path | None = None,
    full: bool = False,
    stats_every_s: float = DEFAULT_INTERVAL_S,
    redis: str | None = None,
    queue: str | None = None,
) -> JobResult:
    """Run a job with a progress line on a terminal; Ctrl-C stops it cleanly. `redis`: its pages
    are scraped by workers on that Redis (scrapers/scale/)."""
    if job.site:
        sites.get(job.site)  # an unknown name fails before a browser starts
    if out is not None:  # one line now (OutputPathError), not a traceback after every page was scraped
        check_output_file(out, partial_path(out), summary_path(out), *([state] if state else []))
    progress = Progress()

    async def go() -> JobResult:
        asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
        async with _backend(redis, queue, job, resume) as backend:
            return await run_job(
                job,
                out,
                sites,
                resume=resume,
                force=force,
                grace_s=grace_s,
                headed=headed,
                on_start=progress.start,
                on_record=progress,
                on_found=progress.found,
                state=state,
                full=full,
                stats_every_s=stats_every_s,
                backend=backend,
                overrides=settings,
            )

    try:
        return asyncio.run(go())
    finally:
        progress.close()


@contextlib.asynccontextmanager
async def _backend(
    redis: str | None, queue: str | None, job: JobSpec, resume: bool
) -> AsyncIterator[Backend | None]:
    """Where the pages are scraped: here (None), or by workers on Redis (arq, imported only then)."""
    if redis is None:
        yield None
        return
    try:
        from scrapers.scale.connection import queue_name
        from scrapers.scale.driver import remote_backend
    except ImportError as exc:
        raise UsageError(f"--redis needs the 'scale' extra: pip install 'storyline[scale]' ({exc})") from None
    async with contextlib.AsyncExitStack() as stack:
        backend = await stack.enter_async_context(  # RedisUnreachable: exit 2 (cli/main.py)
            remote_backend(redis, job, resume=resume, queue=queue_name(queue))
        )
        yield backend


def exit_status(result: JobResult, fail_on: str = "error") -> int:
    if result.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if fails_on(result.report, fail_on) else EXIT_OK


def report_line(result: JobResult, out: Path | None) -> str:
    report = result.report
    counts = ", ".join(f"{k} {v}" for k, v in report["by_status"].items()) or "nothing to do"
    if report.get("skipped_known"):
        counts += f"; {report['skipped_known']} known from earlier runs, skipped (--full scrapes them)"
    wrote = ""
    if out is not None and result.output_written:
        wrote = f"; wrote {out} and {summary_path(out)}"
    elif out is not None:
        wrote = f"; nothing to write: kept {out} as it was; wrote {summary_path(out)}"
    return "\n".join(
        [f"{report['pages']} pages in {report['wall_s']}s ({counts}){wrote}", *drift_lines(report)]
    )


def run_and_report(job: JobSpec, out: Path | None, args: argparse.Namespace, **more: Any) -> int:
    """`run` and `scrape`: the job with the shared options, its one-line report, the exit status."""
    result = execute(
        job,
        out,
        registry(args),
        overrides(args),
        grace_s=args.grace,
        headed=args.headed,
        stats_every_s=args.stats_every,
        **more,
    )
    say_done(report_line(result, out), result.report, args)
    return exit_status(result, args.fail_on)


def handle(args: argparse.Namespace) -> int:
    job, out = _job_from_args(args)
    return run_and_report(
        job,
        out,
        args,
        resume=args.resume,
        force=args.force,
        state=args.state,
        full=args.full,
        redis=args.redis or os.environ.get("STORYLINE_REDIS") or None,
        queue=args.queue,
    )
