"""The site-file index (scrapers/config/siteindex.py): a folder validated once is read from the
index until a file changes; a change validates it all again, with the same problems as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrapers.config import sitefiles
from scrapers.config.sitefiles import SiteRegistry
from scrapers.config.sitespec import SiteSpec
from scrapers.errors import ConfigFileError

SITE = "site: {name}\ndomains: [{domain}]\nstory:\n  headline: h1\n"


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORYLINE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def folder(tmp_path: Path, **sites: str) -> Path:
    where = tmp_path / "sites"
    where.mkdir(exist_ok=True)
    for name, domain in sites.items():
        (where / f"{name}.yaml").write_text(SITE.format(name=name, domain=domain), encoding="utf-8")
    return where


def test_an_indexed_folder_loads_only_the_files_used(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = folder(tmp_path, one="one.example", two="two.example")
    assert SiteRegistry.from_dir(where).names == ["one", "two"]
    (index,) = cache.glob("sites-*.json")
    assert [s["site"] for s in json.loads(index.read_text())["sites"]] == ["one", "two"]

    loaded: list[Path] = []
    real = sitefiles.load_site_file

    def counted(path: Path) -> SiteSpec:
        loaded.append(path)
        return real(path)

    monkeypatch.setattr(sitefiles, "load_site_file", counted)
    registry = SiteRegistry.from_dir(where)
    assert registry.names == ["one", "two"] and loaded == []  # from the index: nothing parsed
    site = registry.for_url("https://www.two.example/a")
    assert site is not None and site.site == "two" and loaded == [where / "two.yaml"]
    assert registry.get("two") is site and len(loaded) == 1


def test_a_change_validates_the_folder_again_with_the_same_problems(tmp_path: Path) -> None:
    where = folder(tmp_path, one="one.example", two="two.example")
    SiteRegistry.from_dir(where)
    (where / "two.yaml").write_text("site: two\ndomains: [one.example]\nstory:\n  headline: h1\n")
    with pytest.raises(ConfigFileError) as err:
        SiteRegistry.from_dir(where)
    assert str(err.value) == (
        f"{where / 'two.yaml'}:2:11: domains: 'one.example' is also claimed by {where / 'one.yaml'} "
        "(hint: one file per domain; a subdomain of its own may go to another file)"
    )
    with pytest.raises(ConfigFileError):  # a folder with problems is never indexed
        SiteRegistry.from_dir(where)
    (where / "two.yaml").unlink()
    assert SiteRegistry.from_dir(where).names == ["one"]


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("STORYLINE_CACHE_DIR", str(tmp_path / "file" / "cache"))
    where = folder(tmp_path, one="one.example")
    assert SiteRegistry.from_dir(where).get("one").domains == ["one.example"]
    assert SiteRegistry.from_dir(where).names == ["one"]


def test_a_user_folder_over_an_indexed_library_keeps_the_domains_it_leaves(tmp_path: Path) -> None:
    lib = folder(tmp_path, both="a.example")
    (lib / "both.yaml").write_text("site: both\ndomains: [a.example, b.example]\nstory:\n  headline: h1\n")
    SiteRegistry.from_dir(lib)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "b.yaml").write_text(SITE.format(name="b", domain="b.example"))
    merged = SiteRegistry.from_dir(lib).overlaid(SiteRegistry.from_dir(mine), str(mine))
    assert merged.get("both").domains == ["a.example"]  # loaded after the overlay, cut to what it keeps
    assert merged.choose("https://b.example/x").site == "b"
