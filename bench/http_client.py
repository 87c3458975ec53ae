"""The HTTP client for robots.txt, feeds and sitemaps (scrapers/net/client.py), on a local server.

    python bench/http_client.py [--fetches 300] [--concurrency 8] [--client PATH]

Reads a 40 KiB gzip-encoded sitemap from a local threaded HTTP server `--fetches` times, at most
`--concurrency` at once, through one client (as a job does) and, for comparison, with a client of
its own per fetch (`fetch_bytes`). Prints fetches/s and this process's CPU ms per fetch. `--client`
loads another version of the module (e.g. an older one from `git show REV:scrapers/net/client.py`)
in its place, for a side-by-side figure; it must offer `fetch_bytes` (and `HttpClient` to be timed
through one client).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import importlib.util
import sys
import time
from types import ModuleType
from typing import Any

from common import ROOT, machine

sys.path.insert(0, str(ROOT / "tests"))

from localserver import LocalServer, text
from scrapers.net import client as current
from scrapers.net.scope import UrlPolicy

BODY = gzip.compress(b"<urlset>" + b"<url><loc>http://127.0.0.1/a</loc></url>" * 1000 + b"</urlset>")


def _load(path: str | None) -> ModuleType:
    if path is None:
        return current
    spec = importlib.util.spec_from_file_location("client_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _many(fetch: Any, url: str, n: int, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await fetch(url)

    await asyncio.gather(*(one() for _ in range(n)))


def _timed(label: str, fetch: Any, url: str, n: int, concurrency: int) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(_many(fetch, url, n, concurrency))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<28} {n / wall:8.1f} fetches/s  {cpu / n * 1000:6.2f} CPU ms/fetch")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fetches", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--client", help="another version of scrapers/net/client.py to time instead")
    args = ap.parse_args()
    module = _load(args.client)
    print(machine())
    with LocalServer({"/sitemap.xml": text(BODY, "application/xml", Content_Encoding="gzip")}) as server:
        url, policy = server.url("/sitemap.xml"), UrlPolicy.for_job([server.url()])

        def own(u: str) -> Any:
            return module.fetch_bytes(u, "bench/1", policy=policy, navigation=True)

        _timed("a client per fetch", own, url, args.fetches, args.concurrency)
        if hasattr(module, "HttpClient"):

            async def shared() -> None:
                async with module.HttpClient(policy, "bench/1") as http:

                    async def get(u: str) -> bytes:
                        body: bytes = await http.get(u, navigation=True)
                        return body

                    await _many(get, url, args.fetches, args.concurrency)

            wall, cpu = time.perf_counter(), time.process_time()
            asyncio.run(shared())
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"{'one client (a job)':<28} {args.fetches / wall:8.1f} fetches/s  "
                f"{cpu / args.fetches * 1000:6.2f} CPU ms/fetch"
            )


if __name__ == "__main__":
    main()
