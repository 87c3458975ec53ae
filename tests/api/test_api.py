"""The Python API (`import scrapers`): the same records as the command line, runs that stop when
their reader does, errors that reach the reader, and docs/api.md's examples, every one executed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import scrapers
from localserver import run_async
from scrapers import api
from scrapers.cli.main import main
from scrapers.demo.server import DemoServer
from scrapers.output.record import Record

ROOT = Path(__file__).resolve().parents[2]
SAVED = ROOT / "recordings/demo-news/putin-kim-jong-un-meet-in-beijing/dom.html"
SAVED_URL = "http://127.0.0.1:8765/news/putin-kim-jong-un-meet-in-beijing"
# The docs' examples that scrape use this address for the demo site; the test puts the real one in.
DOCS_DEMO = "http://127.0.0.1:8765"
DOCS_BLOCKS = re.findall(r"^```python\n(.*?)^```", (ROOT / "docs/api.md").read_text("utf-8"), re.M | re.S)
SCRAPING = [b for b in DOCS_BLOCKS if f'base = "{DOCS_DEMO}"' in b]
OFFLINE = [b for b in DOCS_BLOCKS if b not in SCRAPING]


def comparable(rec: dict[str, Any]) -> dict[str, Any]:
    """A record without what differs between two extractions of one page: the clock."""
    return {k: v for k, v in rec.items() if k not in ("fetched_at", "timings_ms")}


def cli_extract(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    main(["extract", *args])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


# ---- the package ------------------------------------------------------------------------------


def test_import_loads_no_browser_machinery_until_a_function_is_used() -> None:
    code = (
        "import sys, scrapers\n"
        "scrapers.Record, scrapers.JobSpec, scrapers.ConfigFileError, scrapers.SiteRegistry\n"
        "assert 'playwright' not in sys.modules and 'scrapers.api' not in sys.modules\n"
        "scrapers.extract_html\n"
        "assert 'playwright' in sys.modules\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_every_exported_name_resolves_and_nothing_else_does() -> None:
    assert set(scrapers.__all__) == {*scrapers._EXPORTS, "__version__"}
    for name in scrapers.__all__:
        assert getattr(scrapers, name) is not None
    assert set(scrapers.__all__) <= set(dir(scrapers))
    with pytest.raises(AttributeError, match="no_such_name"):
        scrapers.no_such_name  # noqa: B018


# ---- saved pages --------------------------------------------------------------------------------


def test_extract_gives_the_command_lines_record(capsys: pytest.CaptureFixture[str], valid: Any) -> None:
    cli = cli_extract(capsys, str(SAVED), "--url", SAVED_URL)
    assert cli["site"] == "demo-news" and cli["status"] == "ok"
    from_file = valid(scrapers.extract_file(SAVED, SAVED_URL))
    from_text = valid(scrapers.extract_html(SAVED.read_text(encoding="utf-8"), SAVED_URL))
    from_bytes = valid(scrapers.extract_html(SAVED.read_bytes(), SAVED_URL))
    assert comparable(from_file) == comparable(from_text) == comparable(from_bytes) == comparable(cli)


def test_site_by_name_generic_or_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    html = SAVED.read_text(encoding="utf-8")
    generic = scrapers.extract_html(html, SAVED_URL, site="generic")
    assert generic.extractor == "generic"
    assert comparable(json.loads(generic.to_json())) == comparable(
        cli_extract(capsys, str(SAVED), "--url", SAVED_URL, "--site", "generic")
    )
    # A name wins over the domain; a SiteSpec needs no registry at all.
    assert scrapers.extract_html(html, "https://elsewhere.example/a", site="demo-news").site == "demo-news"
    spec = scrapers.load_site(ROOT / "selectors/demo-news.yaml")
    assert scrapers.extract_html(html, "https://elsewhere.example/a", site=spec).status == "ok"
    assert scrapers.extract_html(html, "https://elsewhere.example/a").extractor == "generic"


def test_an_unknown_site_or_a_bad_url_is_a_clear_error() -> None:
    with pytest.raises(
        scrapers.UnknownSiteError, match=r"no site file named 'nope' \(\d+ site files and generic; "
    ):
        scrapers.extract_html("<p>x</p>", SAVED_URL, site="nope")
    with pytest.raises(scrapers.UnknownSiteError, match=r"named 'demo-new' \(did you mean 'demo-news'"):
        scrapers.extract_html("<p>x</p>", SAVED_URL, site="demo-new")
    with pytest.raises(ValueError, match="not an http"):
        scrapers.extract_html("<p>x</p>", "file:///etc/passwd")


def test_site_files_load_and_check(tmp_path: Path) -> None:
    assert scrapers.check_sites() == []
    assert "demo-news" in scrapers.load_sites().names
    (tmp_path / "a.yaml").write_text("site: a\ndomains: [a.example]\nstory:\n  headline: h1\n")
    (tmp_path / "b.yaml").write_text("site: a\ndomains: [b.example]\nstory:\n  headline: h1\n")
    problems = scrapers.check_sites(tmp_path)
    assert [(Path(p.path).name, p.line, p.field) for p in problems] == [("b.yaml", 1, "site")]
    with pytest.raises(scrapers.ConfigFileError) as caught:
        scrapers.load_sites(tmp_path)
    assert caught.value.problems == problems
    with pytest.raises(scrapers.ConfigFileError, match="not a folder of site files"):
        scrapers.load_sites(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    assert [p.message for p in scrapers.check_sites(tmp_path / "empty")] == [
        "no site files here (hint: *.yaml or *.yml)"
    ]


def test_sites_are_loaded_again_only_when_a_file_changed(tmp_path: Path) -> None:
    shutil.copy(ROOT / "selectors/demo-news.yaml", tmp_path)
    first = api._registry(tmp_path)
    assert api._registry(tmp_path) is first
    (tmp_path / "demo-news.yaml").write_text(
        (tmp_path / "demo-news.yaml").read_text().replace('"127.0.0.1:8765", ', "")
    )
    assert api._registry(tmp_path).for_url(SAVED_URL) is None


# ---- runs, without a browser: run_job replaced by a stand-in that keeps its contract ----------------


def fake_run_job(pages: int | None, fail: BaseException | None = None) -> Callable[..., Any]:
    """A run_job emitting a record at a time (forever when `pages` is None) until its stop event
    is set; then it records how it ended and, like the real one, returns or raises."""

    async def run_job(job: Any, out: Any, registry: Any, **kw: Any) -> None:
        assert kw["handle_signals"] is False and kw["write"] is (out is not None)
        n = 0
        while pages is None or n < pages:
            if kw["stop"].is_set():
                run_job.ended = "stopped"  # type: ignore[attr-defined]
                return
            kw["on_record"](Record(url=f"{job.start.urls[0]}#{n}", fetched_at="t", status="ok"))
            n += 1
            await asyncio.sleep(0)
        run_job.ended = "done"  # type: ignore[attr-defined]
        if fail is not None:
            raise fail

    run_job.ended = None  # type: ignore[attr-defined]
    return run_job


def pending_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


def test_leaving_the_loop_stops_the_run_and_leaves_no_task(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_run_job(pages=None)
    monkeypatch.setattr(api, "run_job", fake)

    async def two() -> list[str]:
        got = []
        async with contextlib.aclosing(scrapers.scrape(["https://a.example/x"])) as records:
            async for rec in records:
                got.append(rec.url)
                if len(got) == 2:
                    break
        assert fake.ended == "stopped"  # type: ignore[attr-defined]
        assert pending_tasks() == set()
        return got

    assert run_async(two()) == ["https://a.example/x#0", "https://a.example/x#1"]


def test_the_runs_exception_reaches_the_reader_after_its_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "run_job", fake_run_job(pages=2, fail=RuntimeError("browser gone")))
    got: list[Record] = []

    async def read_all() -> None:
        async for rec in scrapers.scrape(["https://a.example/x"]):
            got.append(rec)

    with pytest.raises(RuntimeError, match="browser gone"):
        run_async(read_all())
    assert len(got) == 2
    with pytest.raises(RuntimeError, match="browser gone"):
        scrapers.scrape_sync(["https://a.example/x"])


def test_job_options_and_files_reach_run_job(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[Any] = []

    async def run_job(job: Any, out: Any, registry: Any, **kw: Any) -> None:
        seen.append((job, out, kw["resume"], kw.get("overrides")))

    monkeypatch.setattr(api, "run_job", run_job)
    assert (
        scrapers.scrape_sync("https://a.example/x", concurrency=2, obey_robots=False, out=tmp_path / "o")
        == []
    )
    job, out, _, overrides = seen[-1]
    assert job.start.urls == ["https://a.example/x"] and out == tmp_path / "o"
    assert job.politeness.concurrency == 2 and overrides.obey_robots is False
    (tmp_path / "job.yaml").write_text("name: j\nstart:\n  feeds: ['https://a.example/rss']\n")
    scrapers.run_sync(tmp_path / "job.yaml", out=tmp_path / "o", resume=True)
    assert seen[-1][0].name == "j" and seen[-1][2] is True


def test_bad_runs_fail_before_a_browser_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "run_job", None)  # calling it would be a TypeError
    with pytest.raises(ValueError, match="not an http"):
        scrapers.scrape(["ftp://a.example/x"])
    with pytest.raises(ValueError, match="concurrency"):
        scrapers.scrape(["https://a.example/x"], concurrency=0)
    with pytest.raises(scrapers.UnknownSiteError):
        scrapers.scrape(["https://a.example/x"], site="nope")
    with pytest.raises(ValueError, match="resume"):
        scrapers.run(
            scrapers.JobSpec.model_validate({"start": {"urls": ["https://a.example/x"]}}), resume=True
        )
    with pytest.raises(scrapers.ConfigFileError):
        scrapers.run("no-such-job.yaml")


@pytest.mark.parametrize("block", OFFLINE, ids=[f"block{DOCS_BLOCKS.index(b)}" for b in OFFLINE])
def test_docs_examples_run(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_docs_folder(tmp_path, monkeypatch)
    exec(compile(block, "docs/api.md", "exec"), {"__name__": "__main__"})


def in_docs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder the docs' examples assume: a saved demo page as saved.html and its recording."""
    shutil.copy(SAVED, tmp_path / "saved.html")
    shutil.copytree(SAVED.parent, tmp_path / "recordings" / "demo-news" / SAVED.parent.name)
    monkeypatch.chdir(tmp_path)


# ---- runs in Chromium -------------------------------------------------------------------------------


def child_processes() -> list[int]:
    """Our own child processes (Playwright's driver, and through it Chromium)."""
    me, kids = str(os.getpid()), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] == me and fields[0] != "Z":
                kids.append(int(stat.parent.name))
    return kids


@pytest.fixture
def no_children() -> Iterator[None]:
    before = child_processes()
    yield
    assert child_processes() == before, "a browser or driver process outlived its run"


@pytest.mark.browser
@pytest.mark.heavy
def test_docs_examples_that_scrape_run(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_children: None
) -> None:
    in_docs_folder(tmp_path, monkeypatch)
    assert len(SCRAPING) == 3  # one browser per example: keep them few
    for block in SCRAPING:
        code = compile(block.replace(DOCS_DEMO, demo_server.base_url), "docs/api.md", "exec")
        # On a thread of its own, as a script's main thread: a sync-Playwright test earlier in the
        # session may have left an event loop running on this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(exec, code, {}).result(timeout=300)
    written = [json.loads(line) for line in Path("today.ndjson").read_text().splitlines()]
    assert sorted(r["status"] for r in written) == ["error", "ok"]
    assert Path("today.summary.json").is_file()


@pytest.mark.browser
def test_stopping_early_ends_the_real_run(demo_server: DemoServer, tmp_path: Path, no_children: None) -> None:
    urls = demo_server.article_urls()[:4]
    out = tmp_path / "early.ndjson"

    async def first() -> tuple[Record, set[asyncio.Task[Any]]]:
        async with contextlib.aclosing(
            scrapers.scrape(urls, site="demo-news", concurrency=1, grace=5, out=out)
        ) as records:
            rec = await anext(records)
            assert child_processes(), "the browser runs while the run does (the check sees it)"
        return rec, pending_tasks()

    rec, left = run_async(first())
    assert rec.status == "ok" and left == set()
    # Every URL is still one line, as after Ctrl-C: the pages never started are `interrupted`.
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["url"] for r in lines) == sorted(urls)
    assert {r["error"]["kind"] for r in lines if r["status"] == "error"} == {"interrupted"}
    assert json.loads((tmp_path / "early.summary.json").read_text())["interrupted"] is True
