"""Shared by the benchmark scripts: the machine they ran on, and process memory from /proc."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return (
        f"{platform.node() or 'host'}: {os.cpu_count()} cores ({cpu}), {mem_kb / 2**20:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def free_port() -> int:
    """A loopback port nothing listens on, for a server a bench starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """pid and every process below it (Playwright's driver and Chromium's processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB of one process; PSS splits shared pages fairly between Chromium's processes."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss / 1024, pss / 1024


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def cpu_split(pid: int) -> dict[str, float]:
    """CPU seconds so far of `pid`'s process tree, by role: python (pid itself, all threads),
    driver (Playwright's node process) and browser (Chromium's processes; renderers that already
    exited are in their parent's reaped-children times, and so are browsers already closed)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"python": 0.0, "driver": 0.0, "browser": 0.0}
    for p in descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        own, reaped = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
        if p == pid:
            out["python"] += own / tick
        elif "node" in cmd.split(" ", 1)[0] or ("playwright" in cmd and "chrom" not in cmd):
            out["driver"] += own / tick
            out["browser"] += reaped / tick  # browsers it launched and already closed (recycled)
        else:
            out["browser"] += (own + reaped) / tick
    # Processes nobody reaped (a closed browser's orphaned renderers) are in no count above;
    # a cgroup of the run's own (see own_cgroup) has them all: the rest is the browser's.
    total = _cgroup_cpu_s(pid)
    if total is not None:
        out["browser"] += max(0.0, total - sum(out.values()))
    return out


CGROUP_ROOT = Path("/sys/fs/cgroup/cpuacct")


def own_cgroup(name: str) -> Path | None:
    """A fresh cpuacct cgroup (v1) for one measured run, when this machine lets us make one:
    a child started with `preexec_fn=lambda: join_cgroup(path)` and everything it starts is in it."""
    path = CGROUP_ROOT / name
    try:
        path.mkdir()
    except OSError:
        return None
    return path


def join_cgroup(path: Path | None) -> None:
    if path is not None:
        (path / "cgroup.procs").write_text(str(os.getpid()))


def drop_cgroup(path: Path | None) -> None:
    """Remove a run's cgroup once its last process is gone (orphans may take a moment)."""
    for _ in range(50):
        if path is None or not path.exists():
            return
        try:
            path.rmdir()
        except OSError:
            time.sleep(0.1)


def _cgroup_cpu_s(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            _, controllers, rel = line.split(":", 2)
            if "cpuacct" in controllers.split(",") and rel.startswith("/storyline-bench"):
                return int((CGROUP_ROOT / rel.lstrip("/") / "cpuacct.usage").read_text()) / 1e9
    except (OSError, ValueError):
        pass
    return None
