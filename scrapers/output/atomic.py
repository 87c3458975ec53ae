"""Files a crash cannot damage: a reader sees the old content or the new, never half of either.

`write_atomic` writes a temporary file beside the target (a unique name, so two writers never share
one), flushes and fsyncs it, renames it over the target with `os.replace` (atomic on POSIX and
Windows), then fsyncs the folder so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _read_umask() -> int:
    # Read once, at import: os.umask can only be read by setting it, which is not thread-safe.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def usual_mode(*, folder: bool = False) -> int:
    """The permissions open() or mkdir() would give a new file or folder (the umask applied)."""
    return (0o777 if folder else 0o666) & ~_UMASK


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable; best effort where a folder cannot be
    opened or fsynced (Windows, some network file systems)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_durably(src: Path, dest: Path) -> None:
    """Rename `src` (already fsynced) over `dest` and make the rename durable."""
    os.replace(src, dest)
    fsync_dir(dest.parent)


def write_atomic(path: Path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Replace `path` with `data` atomically and durably (str is encoded with `encoding`)."""
    raw = data.encode(encoding) if isinstance(data, str) else data
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        _keep_mode(path, tmp)
        replace_durably(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _keep_mode(path: Path, tmp: Path) -> None:
    """mkstemp creates files readable by their owner only: give the new file the old one's
    permissions, or the usual ones (0o666 less the umask) for a new file."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = usual_mode()
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)
