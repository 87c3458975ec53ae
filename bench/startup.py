"""Start-up time of the command line and the package: wall time of whole processes.

    python bench/startup.py [--runs 10] [--storyline PATH]

Each command runs once to warm the file cache (and Storyline's site-library index), then --runs
times from a temporary folder outside the checkout; the table gives the median and the fastest
wall time, and the median CPU seconds (user + system) of the process, which other programs on a
busy machine do not inflate the way they inflate wall time. The small page is one paragraph with
no site file (generic extraction, which asks trafilatura for a second opinion on so short a body);
the library page has six paragraphs at a bbc.com address (the library's bbc file, no trafilatura).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine

PAGE = """<html lang="en"><head><title>Rain returns | Example News</title></head>
<body><article><h1>Rain returns to the valley</h1>
<p>After six dry months the first storm reached the valley on Tuesday night, and farmers said
the rain came just in time for the spring planting.</p></article></body></html>"""

PARAGRAPH = "<p>" + "The council met on Tuesday to discuss the new bridge and its cost. " * 3 + "</p>"
LONG = f"<html><body><article><h1>Bridge plans approved</h1>{PARAGRAPH * 6}</article></body></html>"


def timed(argv: list[str], cwd: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run."""
    subprocess.run(argv, cwd=cwd, capture_output=True, check=True)  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--storyline", type=Path, default=Path(sys.executable).with_name("storyline"))
    args = ap.parse_args()
    python = str(args.storyline.with_name("python"))
    print(machine())
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':<58} {'median s':>9} {'min s':>7} {'CPU s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "page.html").write_text(PAGE, encoding="utf-8")
        (home / "long.html").write_text(LONG, encoding="utf-8")
        rows = {
            "python -c 'import scrapers'": [python, "-c", "import scrapers"],
            "python -c 'import scrapers; scrapers.load_sites()'": [
                python,
                "-c",
                "import scrapers; scrapers.load_sites()",
            ],
            "storyline --help": [str(args.storyline), "--help"],
            "storyline check (the whole library)": [str(args.storyline), "check"],
            "storyline extract page.html (generic, one paragraph)": [
                str(args.storyline),
                "extract",
                "page.html",
                "--url",
                "https://news.example.com/2024/05/rain",
            ],
            "storyline extract long.html (a library site: bbc)": [
                str(args.storyline),
                "extract",
                "long.html",
                "--url",
                "https://www.bbc.com/news/articles/c0000000000o",
            ],
        }
        for name, argv in rows.items():
            walls, cpus = timed(argv, home, args.runs)
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            print(f"{name:<58} {wall:>9.3f} {min(walls):>7.3f} {cpu:>7.3f}")
    print(f"(checkout: {ROOT})")


if __name__ == "__main__":
    main()
