"""Output paths checked before any page is fetched: a run that cannot write its output fails at
once with one line, instead of scraping everything and ending in a traceback."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from scrapers.errors import OutputPathError


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def writable_folder(folder: Path, what: str) -> None:
    """`folder` exists (created if need be) and a file can be made in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".storyline-probe-", dir=folder)
    except OSError as exc:
        raise OutputPathError(f"{what}: cannot write in {folder} ({_why(exc)})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def check_output_file(out: Path, *beside: Path) -> None:
    """An NDJSON output `out` (and the files written `beside` it) can be written: none is a
    folder, and their folder takes new files."""
    for path in (out, *beside):
        if path.is_dir():
            raise OutputPathError(f"output {out}: {path} is a folder, not a file")
    writable_folder(out.parent, f"output {out}")


def check_output_folder(dest: Path) -> None:
    """A folder Storyline replaces as a whole (a recording): never a symbolic link (replacing it
    would act on what it points to), never a file; its parent takes new files."""
    if dest.is_symlink():
        raise OutputPathError(f"{dest}: is a symbolic link; a recording folder must be a real folder")
    if dest.exists() and not dest.is_dir():
        raise OutputPathError(f"{dest}: is a file, not a recording folder")
    writable_folder(dest.parent, str(dest))
