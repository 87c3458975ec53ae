"""Site files: loading them (with one-line errors from yamlconf) and finding one by name or URL."""

from __future__ import annotations

import difflib
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
from scrapers.config.siteindex import IndexEntry, read_index, write_index
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
    separated by os.pathsep), then `given` (--selectors), else the working folder's ./selectors
    when there is one (where `suggest` writes). The library itself (a checkout's ./selectors)
    is never one of them."""
    env = [Path(p) for p in os.environ.get("STORYLINE_SELECTORS", "").split(os.pathsep) if p.strip()]
    local = Path("selectors")
    mine = [*env, given] if given is not None else [*env, *([local] if local.is_dir() else [])]
    library = library_dir().resolve()
    return [d for d in mine if not (d.is_dir() and d.resolve() == library)]


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

    def __init__(self, sites: Iterable[SiteSpec], lazy: Iterable[IndexEntry] = ()) -> None:
        # name -> domains for every site; the specs loaded so far, and the files of the rest
        # (an indexed folder's files are read when first used: see siteindex.py)
        self._domains: dict[str, tuple[str, ...]] = {}
        self._by_name: dict[str, SiteSpec] = {}
        self._files: dict[str, Path] = {}
        self._by_path: dict[str, SiteSpec] = {}  # files named by path (--site FILE.yaml)
        self._told: set[tuple[str, str]] = set()  # (site, url) already warned of in `choose`
        for entry in lazy:
            self._domains[entry.site], self._files[entry.site] = entry.domains, entry.path
        for s in sites:
            self._domains[s.site], self._by_name[s.site] = tuple(s.domains), s
            self._files.pop(s.site, None)

    def _spec(self, name: str) -> SiteSpec:
        """The loaded site file of a known name (loaded now if it was only indexed)."""
        if name not in self._by_name:
            site = load_site_file(self._files[name])
            if site.site != name:  # edited since the index was checked: validate it all next time
                raise ConfigFileError([Problem(str(self._files[name]), 1, 1, "site", "changed while in use")])
            if tuple(site.domains) != self._domains[name]:  # some domains were taken over (overlaid)
                site = site.model_copy(update={"domains": list(self._domains[name])})
            self._by_name[name] = site
        return self._by_name[name]

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
        taken = {d for domains in upper._domains.values() for d in domains}
        merged = SiteRegistry([])
        for name, domains in self._domains.items():
            if name in upper._domains:
                log.warning("site file overrides the built-in one", site=name, folder=where)
                continue
            lost = [d for d in domains if d in taken]
            if lost:
                log.warning("site file takes over domains", site=name, domains=lost, folder=where)
                if len(lost) == len(domains):
                    continue
            merged._take(self, name, tuple(d for d in domains if d not in taken))
        for name, domains in upper._domains.items():
            merged._take(upper, name, domains)
        return merged

    def _take(self, other: SiteRegistry, name: str, domains: tuple[str, ...]) -> None:
        """Add `other`'s site `name`, claiming `domains` only (loaded or still a file)."""
        self._domains[name] = domains
        if name in other._by_name:
            site = other._by_name[name]
            if tuple(site.domains) != domains:
                site = site.model_copy(update={"domains": list(domains)})
            self._by_name[name] = site
        else:
            self._files[name] = other._files[name]

    @classmethod
    def from_dir(cls, directory: Path | None = None) -> SiteRegistry:
        """Load every site file of one folder (default: the library); raises ConfigFileError with
        every broken file's problems."""
        directory = directory or library_dir()
        if not directory.is_dir():
            return cls([])
        files = list(site_files([directory]))
        indexed = read_index(directory, files)
        if indexed is not None:
            return cls([], indexed)
        check = check_site_files(files)
        if check.problems:
            raise ConfigFileError(check.problems)
        write_index(directory, files, [IndexEntry(f, s.site, tuple(s.domains)) for f, s in check.loaded])
        return cls(site for _, site in check.loaded)

    @property
    def names(self) -> list[str]:
        return sorted(self._domains)

    def get(self, name: str) -> SiteSpec:
        if name == "generic":
            return generic_site()
        if name in self._domains:
            return self._spec(name)
        if name.endswith((".yaml", ".yml")):  # --site path/to/file.yaml
            if name not in self._by_path:
                self._by_path[name] = load_site_file(Path(name))
            return self._by_path[name]
        raise UnknownSiteError(f"no site file named {name!r} ({self._near(name)})")

    def _near(self, name: str) -> str:
        """The names like `name` (did you mean), else all of them when few, else how to list them."""
        near = difflib.get_close_matches(name, [*self.names, "generic"], n=3, cutoff=0.6)
        if near:
            return "did you mean " + " or ".join(repr(n) for n in near) + "?"
        if len(self.names) <= 12:
            return f"known: {', '.join([*self.names, 'generic'])}"
        return f"{len(self.names)} site files and generic; `storyline check` lists them"

    def choose(self, url: str, name: str | None = None) -> SiteSpec:
        """The site file for a URL: the one named (a name or a file's path), else the one claiming
        its domain, else generic. A named file whose domains do not cover the URL is a notice:
        `--site bbc` on another site's page is more often a slip than a choice."""
        if not name:
            return self.for_url(url) or generic_site()
        site = self.get(name)
        if site.site != "generic" and not _claims_url(site, url) and (site.site, url) not in self._told:
            self._told.add((site.site, url))
            log.warning(
                "the site file chosen does not claim this URL's domain",
                site=site.site,
                url=url,
                domains=site.domains,
                hint="leave --site out to choose by domain, or add the domain to the file",
            )
        return site

    def for_url(self, url: str) -> SiteSpec | None:
        """The site whose domain (or a parent domain) matches the URL's host, most specific first;
        a HOST:PORT domain matches that port only, and beats a bare host."""
        if (where := _host_port(url)) is None:
            return None
        host, port = where
        best: tuple[int, str] | None = None
        for name, domains in self._domains.items():
            for d in domains:
                score = _claim(d, host, port)
                if score and (best is None or score > best[0]):
                    best = (score, name)
        return self._spec(best[1]) if best else None


def _host_port(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(
            parts.scheme.lower(), 0
        )
    except ValueError:  # "http://[" or a bad port: nothing to match; the URL policy refuses it later
        return None


def _claims_url(site: SiteSpec, url: str) -> bool:
    where = _host_port(url)
    return where is None or any(_claim(d, *where) for d in site.domains)


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
