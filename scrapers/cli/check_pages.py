"""`storyline check --pages`: site files tried on saved pages, for what validation alone cannot
see. Today: a body fallback that would also match on a page where an earlier selector already
matched (fallbacks are never tried there, so that text is lost; `{all: [...]}` takes both)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from scrapers.config.sitefiles import SiteRegistry
from scrapers.config.sitespec import SiteSpec
from scrapers.config.yamlfile import position
from scrapers.dom.decode import decode_html
from scrapers.dom.parse import HeadIndex, parse_html
from scrapers.extract.overlap import Overlap, fallback_overlaps
from scrapers.pipeline.recording import is_reference
from scrapers.pipeline.reference import Reference


@dataclass(frozen=True)
class SavedPage:
    path: Path  # what the user named: the HTML file, or the recording folder
    html: str
    url: str | None


def saved_pages(paths: list[Path]) -> Iterator[SavedPage | str]:
    """The pages of `paths`: HTML files, folders of them (searched to any depth) and reference
    recordings (their page and URL from meta.json); a problem is yielded as a message."""
    for p in paths:
        if (p / "meta.json").is_file() and is_reference(p):
            yield _recorded(p)
        elif p.is_dir():
            recordings = sorted(m.parent for m in p.rglob("meta.json") if is_reference(m.parent))
            for r in recordings:
                yield _recorded(r)
            for f in sorted(p.rglob("*.htm*")):
                if not any(f.is_relative_to(r) for r in recordings):
                    yield _html(f)
        elif p.is_file():
            yield _html(p)
        else:
            yield f"error: {p}: no such file or folder"


def _html(f: Path) -> SavedPage:
    text = decode_html(f.read_bytes())[0]
    head = HeadIndex.build(parse_html(text).root)
    url = head.canonical or next(iter(head.metas.get("og:url", [])), None)
    return SavedPage(f, text, url if url and url.startswith(("http://", "https://")) else None)


def _recorded(folder: Path) -> SavedPage | str:
    ref = Reference.load(folder)
    try:
        raw = ref.read_source()
    except Exception as exc:  # absent or changed page: said, the other pages still checked
        return f"error: {exc}"
    return SavedPage(folder, decode_html(raw, ref.meta.source.encoding)[0], ref.meta.url)


def _where(site_file: Path, spec: SiteSpec, o: Overlap) -> str:
    """FILE:LINE:COL of the fallback, written as a list item or under `fallbacks:`."""
    text = site_file.read_text(encoding="utf-8")
    body = (yaml.safe_load(text) or {}).get("story", {}).get("body", {})
    written = body.get(o.key) if isinstance(body, dict) else None
    loc: tuple[int | str, ...] = ("story", "body", o.key)
    loc += (o.index + 1,) if isinstance(written, list) else ("fallbacks", o.index)
    line, col = position(text, loc)
    field = f"story.body.{o.key}.fallbacks[{o.index}]"
    return f"{site_file}:{line}:{col}: {field}"


def overlap_warnings(loaded: list[tuple[Path, SiteSpec]], pages: list[SavedPage]) -> Iterator[str]:
    """One line per fallback that would also match, per page. A page goes to the file claiming
    its URL; when a single file is checked, every page goes to it."""
    registry = SiteRegistry(spec for _, spec in loaded)
    files = {spec.site: f for f, spec in loaded}
    for page in pages:
        claimed = registry.for_url(page.url) if page.url is not None else None
        if len(loaded) == 1:
            f, spec = loaded[0]
        elif claimed is not None:
            f, spec = files[claimed.site], claimed
        else:
            continue  # no file of these claims the page: nothing to try it on
        for o in fallback_overlaps(spec, page.html, page.url or "https://example.invalid/"):
            yield (
                f"{_where(f, spec, o)}: warning: on {page.path} this fallback also matches {o.extra} "
                f"element(s) the earlier selector leaves out, e.g. {o.sample!r}; fallbacks are only "
                f"tried when the earlier ones find nothing, so that text is lost (hint: to take both, "
                f"write {o.key}: {{all: [FIRST, SECOND]}})"
            )
