"""Site files: loading them (with one-line errors from yamlconf) and finding one by name or URL."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import structlog

from scrapers.config.fieldspec import _SITE_ID, PARTS_TAGS
from scrapers.config.renderspec import ACTION_KEYS
from scrapers.config.sitespec import SiteSpec
from scrapers.config.yamlfile import parse_model, position
from scrapers.errors import ConfigFileError, Problem, UnknownSiteError

__all__ = [
    "SiteCheck",
    "SiteRegistry",
    "check_site_files",
    "clashes",
    "load_site_file",
    "parse_site_text",
]

BUILTIN_DIR = Path(__file__).parent / "builtin"
log = structlog.get_logger("storyline.sites")


def parse_site_text(text: str, path: str) -> SiteSpec:
    """Parse and validate the text of a site file; `path` is only used in messages."""
    return parse_model(text, path, SiteSpec, ACTION_KEYS + PARTS_TAGS)


def load_site_file(path: Path) -> SiteSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError([Problem(str(path), 1, 1, "", f"cannot read the file: {exc}")]) from None
    return parse_site_text(text, str(path))


def library_dir() -> Path:
    """The built-in site library: `scrapers/library/` in an installed wheel (setup.py puts
    selectors/ there), the checkout's `selectors/` otherwise."""
    packaged = Path(__file__).resolve().parents[1] / "library"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "selectors"


def user_dirs(given: Path | None = None) -> list[Path]:
    """A user's own site-file folders, on top of the library: $STORYLINE_SELECTORS (several
    separated by os.pathsep), then `given` (--selectors)."""
    env = [Path(p) for p in os.environ.get("STORYLINE_SELECTORS", "").split(os.pathsep) if p.strip()]
    return [*env, *([given] if given is not None else [])]


def default_selectors_dir() -> Path:
    """Where new site files go (`suggest`): the user's last folder, else ./selectors."""
    mine = user_dirs()
    return mine[-1] if mine else Path("selectors")


def site_files(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml"))
        else:
            yield p


def _position(path: Path, loc: tuple[int | str, ...], *, key: bool = False) -> tuple[int, int]:
    try:
        return position(path.read_text(encoding="utf-8"), loc, key=key)
    except (OSError, UnicodeDecodeError):
        return 1, 1


def clashes(loaded: Iterable[tuple[Path, SiteSpec]]) -> list[Problem]:
    """Two files with one `site:` name, or one domain claimed by two files: one would silently
    shadow the other, so both are problems of the later file."""
    problems: list[Problem] = []
    names: dict[str, Path] = {}
    domains: dict[str, tuple[Path, str]] = {}
    for path, site in loaded:
        if site.site in names:
            line, col = _position(path, ("site",), key=True)
            problems.append(
                Problem(str(path), line, col, "site", f"{site.site!r} is also the name in {names[site.site]}")
            )
        names.setdefault(site.site, path)
        for n, domain in enumerate(site.domains):
            key = domain.lower().rstrip(".")
            if key in domains and domains[key][1] != site.site:
                line, col = _position(path, ("domains", n))
                other = domains[key][0]
                problems.append(
                    Problem(
                        str(path),
                        line,
                        col,
                        "domains",
                        f"{domain!r} is also claimed by {other} (hint: one file per domain; "
                        "a subdomain of its own may go to another file)",
                    )
                )
            domains.setdefault(key, (path, site.site))
    return problems


@dataclass
class SiteCheck:
    """What validating some site files found: the files, the valid ones, every problem."""

    files: list[Path] = field(default_factory=list)
    loaded: list[tuple[Path, SiteSpec]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_site_files(paths: Iterable[Path]) -> SiteCheck:
    """Load every site file of `paths` (files or folders); a broken file's problems and the
    clashes between files are collected, never raised (`storyline check`, the registry, the API)."""
    check = SiteCheck(files=list(site_files(paths)))
    for f in check.files:
        try:
            check.loaded.append((f, load_site_file(f)))
        except ConfigFileError as exc:
            check.problems.extend(exc.problems)
    check.problems += clashes(check.loaded)
    return check


class SiteRegistry:
    """The site files of one directory, found by name or by a URL's host."""

    def __init__(self, sites: Iterable[SiteSpec]) -> None:
        self._by_name: dict[str, SiteSpec] = {}
        for s in sites:
            self._by_name[s.site] = s

    @classmethod
    def layered(cls, given: Path | None = None) -> SiteRegistry:
        """The library with the user's folders on top (`user_dirs`): a user's file with a
        library file's `site:` name replaces it, one claiming a library file's domain takes that
        domain over; each is logged as a notice."""
        registry = cls.from_dir(library_dir())
        seen = {library_dir().resolve()}
        for directory in user_dirs(given):
            if directory.resolve() in seen:
                continue  # ./selectors of a checkout is the library itself
            seen.add(directory.resolve())
            if not directory.is_dir():
                problem = "not a folder of site files (hint: check --selectors / $STORYLINE_SELECTORS)"
                raise ConfigFileError([Problem(str(directory), 1, 1, "", problem)])
            registry = registry.overlaid(cls.from_dir(directory), str(directory))
        return registry

    def overlaid(self, upper: SiteRegistry, where: str) -> SiteRegistry:
        """This registry under `upper`'s files (see `layered`)."""
        taken = {d for site in upper._by_name.values() for d in site.domains}
        kept: list[SiteSpec] = []
        for site in self._by_name.values():
            if site.site in upper._by_name:
                log.warning("site file overrides the built-in one", site=site.site, folder=where)
                continue
            lost = [d for d in site.domains if d in taken]
            if lost:
                log.warning("site file takes over domains", site=site.site, domains=lost, folder=where)
                if len(lost) == len(site.domains):
                    continue
                site = site.model_copy(update={"domains": [d for d in site.domains if d not in taken]})
            kept.append(site)
        return SiteRegistry([*kept, *upper._by_name.values()])

    @classmethod
    def from_dir(cls, directory: Path | None = None) -> SiteRegistry:
        """Load every site file of one folder (default: the library); raises ConfigFileError with
        every broken file's problems."""
        directory = directory or library_dir()
        check = check_site_files([directory]) if directory.is_dir() else SiteCheck()
        if check.problems:
            raise ConfigFileError(check.problems)
        return cls(site for _, site in check.loaded)

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def get(self, name: str) -> SiteSpec:
        if name == "generic":
            return generic_site()
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self.names) or "none"
            raise UnknownSiteError(f"no site file named {name!r} (known: {known}, generic)") from None

    def choose(self, url: str, name: str | None = None) -> SiteSpec:
        """The site file for a URL: the one named, else the one claiming its domain, else generic."""
        if name:
            return self.get(name)
        return self.for_url(url) or generic_site()

    def for_url(self, url: str) -> SiteSpec | None:
        """The site whose domain (or a parent domain) matches the URL's host, most specific first;
        a HOST:PORT domain matches that port only, and beats a bare host."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
        except ValueError:  # "http://[" or a bad port: nothing to match; the URL policy refuses it later
            return None
        best: tuple[int, SiteSpec] | None = None
        for site in self._by_name.values():
            for d in site.domains:
                score = _claim(d, host, port)
                if score and (best is None or score > best[0]):
                    best = (score, site)
        return best[1] if best else None


def _claim(domain: str, host: str, port: int) -> int:
    """How specifically `domain` claims host:port (0: not at all)."""
    name, sep, claimed = domain.rpartition(":") if not domain.startswith("[") else ("", "", "")
    if sep and claimed.isdigit():
        return 1000 + len(domain) if (name == host and int(claimed) == port) else 0
    return len(domain) if host == domain or host.endswith("." + domain) else 0


def domain_host(domain: str) -> str:
    """A site-file domain without its port (a HOST:PORT entry puts HOST in a job's scope)."""
    name, sep, port = domain.rpartition(":")
    return name if sep and port.isdigit() and not domain.endswith("]") else domain


@functools.cache  # the file is immutable package data and the model is frozen
def generic_site() -> SiteSpec:
    """The built-in site file used when no other matches: metadata only."""
    return load_site_file(BUILTIN_DIR / "generic.yaml")


def site_id_problem(name: str) -> str | None:
    """Why `name` cannot be a site id, or None when it can."""
    if name == "generic":
        return "'generic' is the built-in generic extractor's name"
    if not re.match(_SITE_ID, name):
        return "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
    return None
