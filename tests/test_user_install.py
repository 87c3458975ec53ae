"""Storyline in a user's own project (issue 28): the wheel in a stock venv with the dependencies
the user's pip resolves, run from a project folder outside the checkout (tests/userinstall.py).

Heavy: the venv is made once per session, with packages from the registry."""

from __future__ import annotations

import gzip
import json
import re
import resource
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from localserver import LocalServer, free_port, text
from userinstall import ROOT, UserInstall

pytestmark = pytest.mark.heavy

# One paragraph and no site file: short enough that the generic body asks trafilatura (and so
# justext, which needs lxml's html cleaner) for a second opinion.
SMALL = """<html lang="en"><head><title>Rain returns | Example News</title></head>
<body><article><h1 class="mine">Rain returns to the valley</h1>
<p>After six dry months the first storm reached the valley on Tuesday night, and farmers said
the rain came just in time for the spring planting.</p></article></body></html>"""
MINE = """site: my-news
domains: [news.example.com]
story:
  headline: h1.mine
  body: {paragraphs: article p}
"""


def project(user_install: UserInstall, name: str) -> Path:
    """A user's project folder: a saved page, nothing of the checkout."""
    home = user_install.home / name
    home.mkdir()
    (home / "page.html").write_text(SMALL, encoding="utf-8")
    return home


def extract(
    user_install: UserInstall, home: Path, *args: str, url: str = "https://news.example.com/a/1"
) -> dict[str, Any]:
    done = user_install.run("extract", "page.html", "--url", url, *args, cwd=home)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    record: dict[str, Any] = json.loads(done.stdout)
    record["_stderr"] = done.stderr
    return record


# ---- 1. generic extraction in a stock venv ----------------------------------------------------


def test_generic_extraction_works_with_the_packages_a_stock_pip_installs(user_install: UserInstall) -> None:
    home = project(user_install, "generic")
    record = extract(user_install, home)
    assert record["status"] == "ok", record["error"]
    assert record["extractor"] == "generic"
    assert "the first storm reached the valley" in json.dumps(record["story"]["body"])
    pip = user_install.tool("pip", "--version", cwd=home).stdout
    assert pip.startswith("pip 23.2.1 "), pip  # the pip `python3 -m venv` ships, not this venv's


# ---- 2. the user's own site files are found ----------------------------------------------------


def test_the_working_folders_selectors_are_read_by_default(user_install: UserInstall) -> None:
    home = project(user_install, "own-selectors")
    (home / "selectors").mkdir()
    (home / "selectors" / "my-news.yaml").write_text(MINE, encoding="utf-8")
    record = extract(user_install, home)
    assert record["site"] == "my-news" and record["story"]["headline"] == "Rain returns to the valley"
    checked = user_install.run("check", cwd=home)
    assert checked.returncode == 0 and "ok  selectors/my-news.yaml  (site my-news" in checked.stdout


def test_selectors_after_the_command_and_a_site_files_path(user_install: UserInstall) -> None:
    home = project(user_install, "selectors-anywhere")
    (home / "sites").mkdir()
    (home / "sites" / "my-news.yaml").write_text(MINE, encoding="utf-8")
    after = extract(user_install, home, "--selectors", "sites")
    assert after["site"] == "my-news", after["_stderr"]
    by_path = extract(user_install, home, "--site", "sites/my-news.yaml")
    assert by_path["site"] == "my-news" and by_path["story"]["matched"]["headline"] == 0
    missing = user_install.run(
        "extract", "page.html", "--url", "https://x.example/", "--site", "no.yaml", cwd=home
    )
    assert missing.returncode == 2 and "no.yaml:1:1: cannot read the file" in missing.stderr


# ---- 5. nothing silent: the site named ------------------------------------------------------


def test_a_near_site_name_is_suggested_and_a_site_not_claiming_the_url_is_a_notice(
    user_install: UserInstall,
) -> None:
    home = project(user_install, "site-names")
    typo = user_install.run(
        "extract", "page.html", "--url", "https://news.example.com/a", "--site", "bbcc", cwd=home
    )
    assert typo.returncode == 2 and typo.stderr.count("\n") == 1, typo.stderr
    assert "no site file named 'bbcc' (did you mean 'bbc'" in typo.stderr
    url = "https://www.dw.com/en/a-1"
    other = user_install.run(
        "--log-format", "console", "extract", "page.html", "--url", url, "--site", "bbc", cwd=home
    )
    assert json.loads(other.stdout)["site"] == "bbc"
    assert "does not claim this URL's domain" in other.stderr and "site=bbc" in other.stderr


# ---- 6. start-up --------------------------------------------------------------------------------


def _cpu_seconds(user_install: UserInstall, home: Path, *args: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = user_install.run(*args, cwd=home)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr[-2000:]
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_a_command_does_not_validate_the_whole_library_at_start_up(user_install: UserInstall) -> None:
    """CPU seconds of the process (not wall time): validating all 127 library files cost 0.8 s
    of CPU here; with the index an extraction by one library file costs its imports and the page.
    (Six paragraphs: the generic body's second opinion, trafilatura, is not asked.)"""
    home = project(user_install, "start-up")
    paragraph = "<p>" + "The council met on Tuesday to discuss the new bridge and its cost. " * 3 + "</p>"
    (home / "long.html").write_text(
        f"<html><body><article><h1>Bridge</h1>{paragraph * 6}</article></body></html>"
    )
    args = ("extract", "long.html", "--url", "https://www.bbc.com/news/articles/c0000000000o")
    _cpu_seconds(user_install, home, *args)  # builds the index
    spent = min(_cpu_seconds(user_install, home, *args) for _ in range(3))
    assert spent < 1.0, f"{spent:.2f} CPU s"


def test_a_changed_site_file_is_validated_again(user_install: UserInstall) -> None:
    home = project(user_install, "changed")
    folder = home / "selectors"
    folder.mkdir()
    (folder / "my-news.yaml").write_text(MINE, encoding="utf-8")
    assert extract(user_install, home)["site"] == "my-news"  # indexed now
    (folder / "my-news.yaml").write_text(
        MINE.replace("headline: h1.mine", "headline: h1.mine[["), encoding="utf-8"
    )
    broken = user_install.run("extract", "page.html", "--url", "https://news.example.com/a/1", cwd=home)
    assert broken.returncode == 2 and broken.stderr.startswith(
        "selectors/my-news.yaml:4:13: story.headline.css: invalid CSS"
    )
    (folder / "my-news.yaml").write_text(MINE, encoding="utf-8")
    (folder / "twin.yaml").write_text(MINE.replace("site: my-news", "site: twin"), encoding="utf-8")
    clash = user_install.run("extract", "page.html", "--url", "https://news.example.com/a/1", cwd=home)
    assert clash.returncode == 2 and "selectors/twin.yaml:2:" in clash.stderr
    assert "'news.example.com' is also claimed by selectors/my-news.yaml" in clash.stderr


# ---- 3. recordings as tests in the user's CI ---------------------------------------------------

RECORDING = ROOT / "recordings" / "demo-news" / "putin-kim-jong-un-meet-in-beijing"


def recordings_project(user_install: UserInstall, name: str) -> Path:
    """A user project of `recordings/` and `selectors/` only: two of the demo site's recordings
    and its site file as the user's own."""
    home = user_install.home / name
    for folder in (RECORDING, RECORDING.parent / "record-turnout-at-chennai-book-fair"):
        shutil.copytree(folder, home / "recordings" / "demo-news" / folder.name)
    (home / "selectors").mkdir()
    shutil.copy2(ROOT / "selectors" / "demo-news.yaml", home / "selectors" / "demo-news.yaml")
    return home


def edit_expected(home: Path, field: str, value: str) -> None:
    path = home / "recordings" / "demo-news" / RECORDING.name / "expected.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["story"][field] = value
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def test_recordings_are_tests_in_the_users_project(user_install: UserInstall) -> None:
    home = recordings_project(user_install, "recordings-ci")
    passed = user_install.tool(
        "pytest", "--storyline-recordings", "recordings", "-v", "-p", "no:cacheprovider", cwd=home
    )
    assert passed.returncode == 0, passed.stdout[-3000:]
    assert f"recordings/demo-news/{RECORDING.name} PASSED" in passed.stdout
    assert "2 passed" in passed.stdout

    edit_expected(home, "headline", "A headline the page does not have")
    (home / "pytest.ini").write_text("[pytest]\nstoryline_recordings = recordings\n", encoding="utf-8")
    failed = user_install.tool("pytest", "-p", "no:cacheprovider", cwd=home)  # the ini option alone
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert 'story.headline: expected "A headline the page does not have", got "Putin-Kim' in failed.stdout
    assert f"FAILED recordings/demo-news/{RECORDING.name}" in failed.stdout and "1 passed" in failed.stdout


@pytest.mark.browser
def test_recordings_replay_in_chromium_with_the_chromium_option(user_install: UserInstall) -> None:
    home = recordings_project(user_install, "recordings-chromium")
    edit_expected(home, "section", "Not the section")
    (home / "recordings" / "demo-news" / RECORDING.name / "dom.html").unlink()  # the HAR alone is replayed
    args = (
        "--storyline-recordings",
        "recordings",
        "--chromium",
        "-k",
        RECORDING.name,
        "-p",
        "no:cacheprovider",
    )
    done = user_install.tool("pytest", *args, cwd=home)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert 'story.section: expected "Not the section", got "World"' in done.stdout
    assert "1 failed, 1 deselected" in done.stdout


# ---- 4. a redesign does not pass silently ------------------------------------------------------

REDESIGNED = (
    """<html lang="en"><head><title>Bridge plans approved | Riverside Times</title>
<meta property="og:site_name" content="Riverside Times"></head>
<body><div class="new-layout">"""
    + (
        "<p>The council met on Tuesday to discuss the new bridge over the river and what it will cost.</p>"
        * 6
    )
    + "</div></body></html>"
)


@pytest.mark.browser
def test_a_redesign_is_partial_reported_as_drift_and_fails_with_fail_on_partial(
    user_install: UserInstall, server: LocalServer
) -> None:
    """The site file's wait_for and story root are gone from the page (a redesign): the page is
    extracted as it stands at the first attempt, its headline from <title>; the run says which
    site drifted and how to draft a new file; --fail-on partial makes CI fail on it."""
    server.routes["/news/bridge"] = text(REDESIGNED, "text/html; charset=utf-8")
    home = user_install.home / "redesign"
    (home / "selectors").mkdir(parents=True)
    (home / "selectors" / "riverside.yaml").write_text(
        f"site: riverside\ndomains: ['127.0.0.1:{server.port}']\n"
        "render:\n  wait_for: article.story h1\n  timeout_ms: 4000\n"
        "story:\n  root: article.story\n  headline: h1\n  body: {paragraphs: p}\n",
        encoding="utf-8",
    )
    url = server.url("/news/bridge")
    args = ("scrape", url, "--out", "out.ndjson", "--min-delay-ms", "0")
    passed = user_install.run(*args, cwd=home)
    assert passed.returncode == 0, passed.stderr[-3000:]
    (record,) = [json.loads(line) for line in (home / "out.ndjson").read_text().splitlines()]
    assert record["status"] == "partial" and record["error"] is None
    assert record["story"]["headline"] == "Bridge plans approved"  # <title>, the site's name dropped
    drift = "drift: site file 'riverside': 1 of 1 page(s) partial; 1 fell back to generic extraction"
    assert drift in passed.stderr
    assert f"storyline suggest {url} --site riverside" in passed.stderr
    summary = json.loads((home / "out.summary.json").read_text())
    schema = json.loads((ROOT / "schemas" / "summary.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(summary)
    assert summary["retries"] == 0  # extracted at the first attempt, not retried into a timeout
    assert summary["drift"]["riverside"]["partial"] == 1
    assert summary["drift"]["riverside"]["missed"]["story.root"] == 1

    failed = user_install.run(*args, "--fail-on", "partial", cwd=home)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert drift in failed.stderr


# ---- 5. nothing silent, nothing mislabelled ---------------------------------------------------


def test_the_first_api_example_runs_as_written(user_install: UserInstall) -> None:
    home = project(user_install, "api-example")
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    first = re.findall(r"^```python\n(.*?)^```", docs, re.M | re.S)[0]
    done = user_install.tool("python", "-c", first, cwd=home)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "ok generic",
        "Rain returns to the valley ['A. Writer'] 2024-05-01T08:00:00+02:00",
    ]


def test_a_urls_file_line_without_a_scheme_is_named(user_install: UserInstall) -> None:
    home = project(user_install, "urls-file")
    (home / "urls.txt").write_text(
        "# today\nhttps://news.example.com/a\nnews.example.com/b\n", encoding="utf-8"
    )
    done = user_install.run("run", "--urls-file", "urls.txt", cwd=home)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "urls.txt:3: 'news.example.com/b' lacks http:// or https://" in done.stderr


def test_a_gzipped_saved_page_is_decompressed_and_a_broken_one_refused(user_install: UserInstall) -> None:
    home = project(user_install, "gzip")
    (home / "page.html.gz").write_bytes(gzip.compress(SMALL.encode("utf-8")))
    done = user_install.run("extract", "page.html.gz", "--url", "https://news.example.com/a/1", cwd=home)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["story"]["headline"] == "Rain returns to the valley"
    (home / "cut.html.gz").write_bytes(gzip.compress(SMALL.encode("utf-8"))[:40])
    cut = user_install.run("extract", "cut.html.gz", "--url", "https://news.example.com/a/1", cwd=home)
    assert cut.returncode == 2 and cut.stderr.count("\n") == 1, cut.stderr
    assert cut.stderr.startswith("error: cut.html.gz: a gzip file that does not decompress")


@pytest.mark.browser
def test_unreachable_sites_are_network_errors_said_in_json_logs(user_install: UserInstall) -> None:
    """A closed port and a name that does not resolve are `network` errors (they were `robots`
    and `browser`); -v's page events carry the message; off a terminal the last line is JSON."""
    home = project(user_install, "unreachable")
    closed = f"http://127.0.0.1:{free_port()}/a"
    urls = (closed, "http://no-such-host.invalid/b")
    done = user_install.run("-v", "scrape", *urls, "--min-delay-ms", "0", cwd=home)
    assert done.returncode == 1, done.stderr[-3000:]
    errors = {r["url"]: r["error"] for r in map(json.loads, done.stdout.splitlines())}
    assert errors[closed]["kind"] == "network" and "Connection refused" in errors[closed]["message"]
    dns = errors["http://no-such-host.invalid/b"]
    assert dns["kind"] == "network" and "DNS: no-such-host.invalid does not resolve" in dns["message"]
    events = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    pages = {e["url"]: e for e in events if e["event"] == "page"}
    assert pages[closed]["message"] == errors[closed]["message"]
    assert events[-1]["event"] == "run done" and events[-1]["by_status"] == {"error": 2}
