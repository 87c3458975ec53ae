"""The installable product: the built wheel, installed into a fresh venv outside the checkout,
carries the site library and the demo, and a user's own folder goes on top of it.

The wheel is built from a copy of the sources in tmp_path (nothing is written into the checkout)
with this venv's setuptools, and installed without its dependencies; the fresh venv reaches them
through a .pth line naming this venv's site-packages, where Storyline itself is only an editable
hook that a .pth line does not run, so `import scrapers` can only find the wheel's copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrapers.version import __version__
from userinstall import build_wheel

# Slow (hundreds of real pages, or generated inputs by the thousand): `make quick` leaves them out.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[1]
PAGE = """<html><head><title>Page title</title></head><body>
<h1 class="mine">A headline only my site file knows</h1><article><p>One.</p><p>Two.</p></article>
</body></html>"""


class Installed:
    def __init__(self, venv: Path, home: Path) -> None:
        self.venv, self.home = venv, home

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`storyline ARGS` from the installed entry point, in a folder with no selectors/."""
        return subprocess.run(
            [str(self.venv / "bin" / "storyline"), *args],
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=120,
            # Not the checkout: a PYTHONPATH naming it would put it before the wheel's copy.
            env={**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **(env or {})},
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(tmp)
    pip = [sys.executable, "-m", "pip"]
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "-q", str(wheel)], check=True)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "storyline_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = tmp / "elsewhere"
    home.mkdir()
    yield Installed(venv, home)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    code = (
        "import scrapers; from scrapers.generic import blocks; print(scrapers.__file__, bool(blocks.MODEL))"
    )

    where, has_model = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", code],
        cwd=installed.home,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert Path(where).is_relative_to(installed.venv), where
    assert has_model == "True"  # the generic body's block model ships in the wheel
    version = installed.run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"storyline {__version__}"


def test_check_finds_the_whole_site_library_and_the_demo(installed: Installed) -> None:
    checked = installed.run("check")
    assert checked.returncode == 0, checked.stderr[-2000:]
    library = sorted(p.stem for p in (ROOT / "selectors").glob("*.yaml"))
    assert checked.stdout.count("ok  ") == len(library) > 100
    assert "(site demo-news," in checked.stdout and "(site bbc," in checked.stdout
    assert "/library/" in checked.stdout  # read from the installed package


def test_extract_picks_the_library_file_by_domain_and_a_users_file_on_top(
    installed: Installed, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    url = "https://www.bbc.com/news/articles/c0000000000o"
    plain = installed.run("extract", str(page), "--url", url)
    assert json.loads(plain.stdout)["site"] == "bbc", plain.stderr[-2000:]

    mine = tmp_path / "my-sites"
    mine.mkdir()
    (mine / "bbc.yaml").write_text(
        "site: bbc\ndomains: [bbc.com]\nstory:\n  headline: h1.mine\n  body: {paragraphs: article p}\n"
    )
    ways: list[tuple[dict[str, str], tuple[str, ...]]] = [
        ({"STORYLINE_SELECTORS": str(mine)}, ()),
        ({}, ("--selectors", str(mine))),
    ]
    for env, given in ways:
        args = ("--log-format", "console", *given, "extract", str(page), "--url", url)
        over = installed.run(*args, env=env)
        assert over.returncode == 0, over.stderr[-2000:]
        assert json.loads(over.stdout)["story"]["headline"] == "A headline only my site file knows"
        assert "site file overrides the built-in one" in over.stderr and "site=bbc" in over.stderr
        checked = installed.run(*given, "check", env=env)
        assert checked.returncode == 0 and f"ok  {mine / 'bbc.yaml'}" in checked.stdout

    missing = installed.run("--selectors", str(tmp_path / "nope"), "extract", str(page), "--url", url)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "nope:1:1: not a folder of site files" in missing.stderr
