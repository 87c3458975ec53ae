"""Where Storyline may go: one URL policy for discovery, the Python fetcher and the browser.

Two questions, asked of every URL before anything connects:

- *the target* (no DNS): only http and https; a URL that pages, feeds, sitemaps, listings or
  redirects lead to must be inside the job's scope (its start hosts, its site files' domains and
  `allow_hosts`, subdomains included) when it is something to scrape or read (`navigation`);
  subresources (images, scripts, frames, `fetch()`) may come from any host.
- *the address* (DNS): a host that resolves to a loopback, private, link-local, shared, reserved
  or multicast address (cloud metadata at 169.254.169.254 included) is refused, IPv4 and IPv6,
  unless the job says `allow_private`, or the origin is one the user named (a start URL, `--url`):
  a user scraping their own test server needs no flag.

Refusals are `Refused` exceptions with the error kind they become (`offsite`, `blocked_address`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapers.errors import Refused

Resolver = Callable[[str, int], list[str]]  # (host, port) -> IP addresses; raises OSError
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (a client may connect to any of them)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_problem(ip: Address) -> str | None:
    """Why connecting to `ip` is refused, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded)
    for label, test in (
        ("a loopback address", ip.is_loopback),
        ("a link-local address (cloud metadata lives there)", ip.is_link_local),
        ("a multicast address", ip.is_multicast),
        ("an unspecified address", ip.is_unspecified),
        ("a private address", ip.is_private),
    ):
        if test:
            return label
    return None if ip.is_global else "a reserved address"


# Cloud metadata services outside 169.254/16 (AWS over IPv6, Alibaba in the shared range).
_METADATA = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200"))


def _link_local(ip: Address) -> bool:
    """Link-local or a metadata service: refused even with allow_private (IPv4 in IPv6 unwrapped)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local or ip in _METADATA


def host_port(url: str) -> tuple[str, int]:
    """(lower-case host, port) of an http(s) URL; raises ValueError for a malformed one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError("no host")
    return host, parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 80)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class UrlPolicy:
    """The rules; decisions only (DNS through `resolver`), no state."""

    scope: frozenset[str] = frozenset()  # empty: no host is offsite
    trusted: frozenset[tuple[str, int]] = frozenset()  # (host, port) the user named
    allow_private: bool = False
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def for_job(
        cls,
        named: Iterable[str],
        scope_hosts: Iterable[str] = (),
        *,
        allow_private: bool = False,
        resolver: Resolver = system_resolver,
    ) -> UrlPolicy:
        """The policy of a job: `named` are the URLs the user gave (trusted, and their hosts in
        scope); `scope_hosts` are site-file domains and `allow_hosts`."""
        trusted: set[tuple[str, int]] = set()
        hosts = {h.lower().rstrip(".") for h in scope_hosts if h}
        for url in named:
            try:
                host, port = host_port(url)
            except ValueError:
                continue
            trusted.add((host, port))
            hosts.add(host)
        return cls(frozenset(hosts), frozenset(trusted), allow_private, resolver)

    def in_scope(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        if not self.scope:
            return True
        labels = host.split(".")
        return any(".".join(labels[i:]) in self.scope for i in range(len(labels)))

    def check_target(self, url: str, *, navigation: bool = False) -> tuple[str, int]:
        """Scheme, shape and (for `navigation`) scope; returns (host, port). No DNS."""
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError as exc:
            raise Refused("offsite", url, f"malformed URL: {exc}") from None
        if scheme not in SCHEMES:
            raise Refused("offsite", url, f"only http and https URLs are fetched, not {scheme or 'this'!r}")
        try:
            host, port = host_port(url)
        except ValueError as exc:
            raise Refused("offsite", url, f"malformed URL: {exc}") from None
        if navigation and (host, port) not in self.trusted and not self.in_scope(host):
            raise Refused("offsite", url, f"{host} is outside the job's scope (hint: add it to allow_hosts)")
        return host, port

    def is_trusted(self, host: str, port: int) -> bool:
        """An origin the user named: it may be any address."""
        return (host.lower().rstrip("."), port) in self.trusted

    def addresses(self, host: str, port: int, url: str = "") -> list[str]:
        """The addresses to connect to for host:port; raises Refused for a non-public one and
        OSError for a name that does not resolve (a network failure, not a refusal)."""
        where = url or f"{host}:{port}"
        literal = _literal(host)
        if literal is not None:
            ips = [str(literal)]
        else:
            try:
                ips = self.resolver(host, port)
            except UnicodeError as exc:  # an IDN label the codec refuses: the name cannot exist
                raise OSError(f"{host} does not resolve: {exc}") from None
            except socket.gaierror as exc:  # no such host, or no DNS answer: said as such
                raise OSError(f"DNS: {host} does not resolve ({exc.strerror or exc})") from None
            if not ips:
                raise OSError(f"{host} does not resolve")
        if self.is_trusted(host, port):
            return ips
        # allow_private opens private ranges to the job's own hosts only; link-local (cloud
        # metadata) stays refused unless its origin is named.
        own = self.allow_private and self.in_scope(host)
        for ip in ips:
            address = ipaddress.ip_address(ip)
            problem = address_problem(address)
            if problem and not (own and not _link_local(address)):
                hint = (
                    "name its URL to reach it"
                    if own or self.allow_private
                    else "a job reaches those only with allow_private: true"
                )
                raise Refused("blocked_address", where, f"{host} is {problem} ({ip}); {hint}")
        return ips

    def check(self, url: str, *, navigation: bool = False) -> list[str]:
        """Target and address of one URL (blocking DNS: call from a thread in async code)."""
        host, port = self.check_target(url, navigation=navigation)
        return self.addresses(host, port, url)


# Second-level labels under which names are registered ("bbc.co.uk", "example.com.au").
_SHARED_LABELS = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gv"})


def registrable_domain(host: str) -> str:
    """The domain a site registered: "dw.com" of www.dw.com, "bbc.co.uk" of www.bbc.co.uk (a
    heuristic: no public-suffix list)."""
    labels = host.lower().split(".")
    keep = 2
    while keep < len(labels) and labels[-keep] in _SHARED_LABELS:
        keep += 1
    return ".".join(labels[-keep:])
