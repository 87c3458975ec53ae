"""Reference recordings of the site library: one or more per publisher, replayed offline.

A reference recording names its page in ../shared/data by path and sha256 (the pages may not be
copied into the project) and holds the reviewed record Storyline extracts from it. Every one is
extracted again without a browser, as `storyline extract` does (one test per publisher); the ones
marked `chromium: true` are also rendered at their real URL in Chromium. `make replay-library`
renders every one. Without ../shared the replays skip, saying so.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ROOT, BrowserSession
from scrapers.cli.main import main
from scrapers.config.sitefiles import SiteRegistry
from scrapers.errors import RecordingError, SourceChanged, SourceMissing
from scrapers.page.pipeline import PagePipeline
from scrapers.recordings.recording import OFFLINE, find_recordings
from scrapers.recordings.reference import (
    Reference,
    find_references,
    record_reference,
    replay_chromium,
    replay_static,
)
from scrapers.recordings.saved import SavedPage

RECORDINGS = ROOT / "recordings"
SHARED = ROOT.parent / "shared" / "data"
REFS = find_references([RECORDINGS])
BY_SITE: dict[str, list[Reference]] = defaultdict(list)
for _ref in REFS:
    BY_SITE[_ref.meta.site].append(_ref)
MARKED = [r for r in REFS if r.meta.chromium]
# Site files with no page in ../shared/data (docs/site-library.md, "Known gaps"): none today.
GAPS: frozenset[str] = frozenset()
KINDS = ("meta.json", "expected.json", "expected.chromium.json")  # a reference folder holds only these
MAX_FILE_BYTES = 2_000_000  # one recording file; the demo's largest HAR is a fraction of it
MAX_TOTAL_BYTES = 80_000_000  # every recording together (issue 12)

needs_data = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent: the pages the reference recordings name are not here"
)


# -- the library is recorded ------------------------------------------------------------------------


def test_every_site_file_has_a_recording_or_is_a_listed_gap() -> None:
    sites = set(SiteRegistry.from_dir(ROOT / "selectors").names)
    recorded = {r.meta.site for r in REFS} | {r.meta.site for r in find_recordings([RECORDINGS])}
    assert sorted(sites - recorded - GAPS) == [], "record them: make library-recordings"
    assert sorted(GAPS & recorded) == [], "recorded now: take them off GAPS and docs/site-library.md"


def test_reference_recordings_name_shared_pages_and_live_under_their_site() -> None:
    assert len(BY_SITE) >= 120
    for ref in REFS:
        src = ref.meta.source.path
        assert src.startswith("shared/data/") and ".." not in Path(src).parts, (ref.name, src)
        assert ref.path.parent.name == ref.meta.site, ref.name
        files = {p.name for p in ref.path.iterdir()}
        assert {"expected.json", "meta.json"} <= files <= {*KINDS}, ref.name  # never the page itself
        assert ref.expected()["url"] == ref.meta.url, ref.name


def test_the_chromium_subset_is_small_and_spread() -> None:
    sites = {r.meta.site for r in MARKED}
    assert 6 <= len(MARKED) <= 12 and len(sites) >= 6, [r.name for r in MARKED]
    # one page whose browser record has its own baseline keeps that path under test
    assert any((r.path / "expected.chromium.json").is_file() for r in MARKED)


def test_recordings_stay_small() -> None:
    files = [p for p in RECORDINGS.rglob("*") if p.is_file()]
    big = [
        f"{p.relative_to(ROOT)}: {p.stat().st_size} bytes" for p in files if p.stat().st_size > MAX_FILE_BYTES
    ]
    assert big == []
    total = sum(p.stat().st_size for p in files)
    assert total < MAX_TOTAL_BYTES, f"recordings/ holds {total / 1e6:.1f} MB"


# -- replays ----------------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("site", sorted(BY_SITE))
def test_static_replay_matches(site: str, registry: SiteRegistry) -> None:
    """Every recording of the publisher extracted again, as `storyline extract` would."""
    reports = []
    for ref in BY_SITE[site]:
        try:
            result = replay_static(ref, registry.get(site))
        except SourceMissing as exc:
            pytest.skip(str(exc))
        reports += [] if result.ok else [result.report()]
    if reports:
        pytest.fail("\n".join(reports) + "\n(intended? storyline replay recordings/" + site + " --update)")


@needs_data
@pytest.mark.browser
@pytest.mark.heavy
@pytest.mark.parametrize("ref", MARKED, ids=[r.name for r in MARKED])
def test_marked_chromium_replay_matches(
    ref: Reference, browser_session: BrowserSession, registry: SiteRegistry
) -> None:
    pipeline = PagePipeline(browser_session.renderer, OFFLINE)
    result = browser_session.run(replay_chromium(pipeline, ref, registry.get(ref.meta.site)))
    if not result.ok:
        pytest.fail(result.report(), pytrace=False)


@needs_data
def test_a_changed_page_fails_naming_both_checksums(tmp_path: Path, registry: SiteRegistry) -> None:
    """A temp copy of a real recording (meta and expected only) whose page is a changed copy."""
    ref = REFS[0]
    project = tmp_path / "project"
    copy = project / "recordings" / ref.path.parent.name / ref.path.name
    shutil.copytree(ref.path, copy)
    page = tmp_path / ref.meta.source.path
    page.parent.mkdir(parents=True)
    page.write_bytes(ref.source_file.read_bytes() + b"\n<!-- changed -->\n")
    moved = Reference.load(copy)
    assert moved.source_file == page
    with pytest.raises(
        SourceChanged, match=rf"changed: sha256 \w{{64}}, recorded from {ref.meta.source.sha256}"
    ):
        replay_static(moved, registry.get(ref.meta.site))
    page.unlink()
    with pytest.raises(SourceMissing, match="is absent"):
        replay_static(moved, registry.get(ref.meta.site))


# -- record --reference and replay, on a page made here -----------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="windows-1252"><title>T</title></head><body>
<article><h1>Caf\u00e9 opens on the harbour</h1>
<p>The caf\u00e9 opened on Monday morning with a queue along the quay.</p>
<p>Its owner said the first week would decide whether it stays open in winter.</p></article>
</body></html>"""
URL = "https://news.example.com/2026/11/27/cafe?token=s3cret"


def _project(tmp_path: Path) -> tuple[Path, Path]:
    page = tmp_path / "shared" / "pages" / "cafe.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(PAGE.encode("utf-8"))  # saved as UTF-8 though it still declares windows-1252
    return tmp_path / "project" / "recordings", page


def test_record_reference_names_the_page_and_replays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    into, page = _project(tmp_path)
    args = ["record", URL, "--html", str(page), "--reference", "--site", "generic", "--into", str(into)]
    assert main([*args, "--encoding", "utf-8", "--name", "cafe", "--clock", "2026-11-27T06:00:00Z"]) == 0
    folder = into / "generic" / "cafe"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["source"]["path"] == "shared/pages/cafe.html" and meta["source"]["encoding"] == "utf-8"
    assert meta["url"].endswith("cafe?token=REDACTED") and meta["chromium"] is False
    assert sorted(p.name for p in folder.iterdir()) == ["expected.json", "meta.json"]  # no page copied
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert expected["story"]["headline"] == "Caf\u00e9 opens on the harbour"
    capsys.readouterr()
    assert main(["replay", str(into)]) == 0
    assert "ok      generic/cafe  (static, from shared/pages/cafe.html)" in capsys.readouterr().out
    page.write_bytes(page.read_bytes().replace(b"Monday", b"Tuesday"))
    assert main(["replay", str(into)]) == 1
    assert "shared/pages/cafe.html changed: sha256" in capsys.readouterr().out
    page.unlink()
    assert main(["replay", str(into)]) == 0  # nothing to check is not a failure, and it is said
    out, err = capsys.readouterr()
    assert "SKIP" in out and "1 reference(s) skipped, their page absent" in err


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--chromium"], "--chromium marks a reference recording"),
        (["--reference", "--no-html"], "--reference needs --html FILE"),
        (["--reference", "--headed"], "--headed: a reference recording uses no browser"),
        (["--encoding", "utf-8", "--no-html"], "--encoding is the saved page's"),
    ],
)
def test_record_refuses_what_it_would_ignore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], says: str
) -> None:
    into, page = _project(tmp_path)
    html = [] if "--no-html" in extra else ["--html", str(page)]
    args = [a for a in extra if a != "--no-html"]
    assert main(["record", URL, *html, *args, "--site", "generic", "--into", str(into)]) == 2
    assert says in capsys.readouterr().err
    assert not into.exists()


def test_record_reference_refuses_a_page_it_cannot_name(tmp_path: Path) -> None:
    into, _ = _project(tmp_path)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere.html"
    elsewhere.write_text(PAGE, encoding="utf-8")
    site = SiteRegistry.layered().get("generic")
    try:
        with pytest.raises(RecordingError, match="not under it"):
            record_reference(elsewhere, URL, site, into / "generic" / "x", datetime(2026, 1, 1, tzinfo=UTC))
    finally:
        elsewhere.unlink()
    assert not (into / "generic" / "x").exists()


def test_a_saved_page_asset_name_too_long_for_the_disk_is_refused_not_raised(tmp_path: Path) -> None:
    """Reuters' saved pages load tracking iframes whose last path segment is kilobytes long: the
    lookup must answer "no such asset" (the request is refused) instead of leaving it hanging."""
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    saved = SavedPage(page, URL)
    assert saved._asset("https://ad.example/" + "x;" * 400) is None
    (tmp_path / "logo.png").write_bytes(b"png")
    assert saved._asset("https://cdn.example/img/logo.png?w=1") == tmp_path / "logo.png"


@pytest.mark.parametrize("path", ["/etc/hostname", "shared/../../etc/hostname"])
def test_a_reference_names_its_page_below_the_base_only(tmp_path: Path, path: str) -> None:
    folder = tmp_path / "project" / "recordings" / "generic" / "x"
    folder.mkdir(parents=True)
    meta = {
        "kind": "reference",
        "url": URL,
        "site": "generic",
        "source": {"path": path, "sha256": "0" * 64, "size": 1},
        "clock": "2026-11-27T06:00:00Z",
        "recorded_at": "2026-11-27T06:00:00Z",
        "storyline_version": "0",
    }
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(RecordingError, match=r"without '\.\.'"):
        Reference.load(folder)
