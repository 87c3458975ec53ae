"""Bounded reads of files Storyline did not write itself (recordings someone committed): regular
files only, a size limit, no symbolic link out of the tree they belong to, and zip members read
to a limit whatever their header claims. A hostile recording is an error, never a hang, a
`MemoryError` or gigabytes of memory."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from scrapers.errors import UnsafeRead

MiB = 2**20
MAX_PAGE_BYTES = 256 * MiB  # a recorded page, a HAR zip, a member of one
MAX_JSON_BYTES = 64 * MiB  # meta.json, expected.json, a HAR's log


def read_bounded(path: Path, max_bytes: int, *, within: Path | None = None) -> bytes:
    """The bytes of `path`: a regular file (a FIFO or a device is refused without waiting on it)
    of at most `max_bytes`; with `within`, one whose real place (links followed) is under it."""
    if within is not None and not path.resolve().is_relative_to(within.resolve()):
        raise UnsafeRead(f"{path}: a symbolic link out of {within}")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeRead(f"{path}: not a regular file")
        if st.st_size > max_bytes:
            raise UnsafeRead(f"{path}: {st.st_size:,} bytes, over the limit of {max_bytes:,}")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew meanwhile
        raise UnsafeRead(f"{path}: over the limit of {max_bytes:,} bytes")
    return data


def check_regular(path: Path, max_bytes: int, *, within: Path | None = None) -> None:
    """What read_bounded checks, without reading (a zip file is then opened by zipfile)."""
    if within is not None and not path.resolve().is_relative_to(within.resolve()):
        raise UnsafeRead(f"{path}: a symbolic link out of {within}")
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeRead(f"{path}: not a regular file")
    if st.st_size > max_bytes:
        raise UnsafeRead(f"{path}: {st.st_size:,} bytes, over the limit of {max_bytes:,}")


class ZipBudget:
    """Reads zip members up to `max_member` bytes each and `max_total` in all (a 1 MiB zip may
    claim, or hold, a gigabyte)."""

    def __init__(
        self, zf: zipfile.ZipFile, max_member: int = MAX_PAGE_BYTES, max_total: int = MAX_PAGE_BYTES
    ):
        self.zf, self.max_member, self.left = zf, max_member, max_total

    def read(self, name: str) -> bytes:
        limit = min(self.max_member, self.left)
        info = self.zf.getinfo(name)
        if info.file_size > limit:
            raise UnsafeRead(f"{name}: {info.file_size:,} bytes unpacked, over the limit of {limit:,}")
        with self.zf.open(info) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise UnsafeRead(f"{name}: over the limit of {limit:,} bytes unpacked")
        self.left -= len(data)
        return data
