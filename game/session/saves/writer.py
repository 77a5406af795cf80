"""Writing a save to disk atomically, keeping the previous good one as ``PATH.bak``.

The promise is that **nothing is ever half-written**. ``write_save`` writes a temporary file in
the same folder, fsyncs it, keeps the previous good save as ``PATH.bak`` (a hard link, so PATH
never goes missing), renames the temporary file onto PATH and fsyncs the folder. A crash at any
instant leaves PATH a complete save; a file cut short some other way is caught by its ``[end]``
table when it is read (``game.session.saves.toml_text``). A damaged PATH is replaced but never
becomes the ``.bak``, which keeps the last good save.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import time
from contextlib import suppress
from pathlib import Path

from game.session.saves.errors import SaveError
from game.session.saves.reader import known_good, read_save, remember
from game.session.saves.record import SaveFile
from game.session.saves.toml_text import dump_save

_STALE_TEMP_SECONDS = 600  # a temporary file this old was left by a killed writer


def write_save(path: str | Path, save: SaveFile) -> None:
    """Write ``save`` to ``path`` atomically, keeping the previous good save as ``PATH.bak``.

    At every instant PATH (once it exists) is a complete save and ``.bak``, when present, the
    one before it. The folder is created if needed. Raises SaveError with the reason (a disk full,
    a folder that cannot be written, a value a save cannot hold); no temporary file is left
    behind by a failure short of the process being killed, and such leftovers of this path are
    removed by a later write once they are ten minutes old.
    """
    path = Path(path)
    payload = dump_save(save, path).encode("utf-8")
    folder = path.parent
    temps: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temps.append(_temp_name(path))
        with open(temps[0], "xb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        _keep_previous(path, temps)
        os.replace(temps[0], path)
        temps.pop(0)
    except OSError as exc:
        raise SaveError(f"not saved: {_why(exc, folder)}", path) from None
    finally:
        for temp in temps:
            with suppress(OSError):
                os.unlink(temp)
    _fsync_dir(folder)
    with suppress(OSError):
        remember(path, os.stat(path))
    _sweep_stale_temps(path)


def _why(exc: OSError, folder: Path) -> str:
    """What a failed write means, and what to do about it, for the error that it was."""
    said = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return f"{said} — the disk is full: free some space, or save elsewhere with --saves"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{said} — the folder {folder} cannot be written: check its permissions"
    if exc.errno == errno.EISDIR:
        return f"{said} — a folder has the save's name: move it, or save elsewhere"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"{said} — a file stands where the folder {folder} should be"
    return f"{said} — check that the folder {folder} can be written and the disk has room"


def _temp_name(path: Path) -> Path:
    # A dot file in the same folder (rename is atomic only within a file system), unique per
    # writer, and recognisable as this path's own so it is never listed or taken for a save.
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def _keep_previous(path: Path, temps: list[Path]) -> None:
    """Make the current PATH the ``.bak``, if it is a good save; PATH itself stays in place."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if not known_good(path, st):
        try:
            read_save(path)
        except SaveError:
            return  # a damaged file is replaced, but .bak keeps the last good save
    link = _temp_name(path)
    temps.append(link)
    try:
        os.link(path, link)  # the same bytes under a second name: nothing copied, no gap
    except OSError:  # no hard links on this file system (FAT, some network shares): copy
        shutil.copyfile(path, link)
        with open(link, "rb+") as f:
            os.fsync(f.fileno())
    os.replace(link, path.with_name(path.name + ".bak"))
    temps.remove(link)


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable (POSIX only; elsewhere a rename is as good as it gets)."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sweep_stale_temps(path: Path) -> None:
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{12}}\.tmp")
    limit = time.time() - _STALE_TEMP_SECONDS
    with suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            if pattern.fullmatch(entry.name):
                with suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)
