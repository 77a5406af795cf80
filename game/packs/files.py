"""A pack's files, read without trusting its folder: plain files inside it, within limits.

A pack is text from a stranger. Before this module, hashing a pack read every ``*.toml`` under
it whatever it was: a link to ``/dev/zero`` grew to 22 GB, a FIFO or ``/dev/urandom`` hung, a
link loop or a link to a folder ended in a traceback. Now a pack's ``*.toml`` files are walked
without following any link, only regular files are opened, and the sizes are bounded, per file
and per pack, before a byte is read. Whatever is refused is a problem naming its path; a pack
with one is not loaded. The archive of older packs reads its folders the same way.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from pathlib import Path

from game.packs.errors import Problem

MAX_BYTES = 2_000_000  # one file: content files are small; anything larger is refused unread
MAX_PACK_BYTES = 64_000_000  # a pack's TOML files together (100,000 events are ~60 MB)
MAX_ENTRIES = 10_000  # files and folders looked at in one pack
MAX_FOLDERS_DEEP = 16  # folders within folders
TOML = "*.toml"

_LINK = "a link: a pack's files must be plain files inside its folder"


class Refused(Exception):
    """A file that is not read: why, in words for the modder."""


def pack_files(folder: Path) -> tuple[dict[Path, bytes], list[Problem]]:
    """Every ``*.toml`` under folder as relative path -> bytes, sorted by path, and a problem for
    each thing refused: a link (to a TOML file or to a folder), anything but a regular file, a
    file over ``MAX_BYTES``, the pack over ``MAX_PACK_BYTES``, more than ``MAX_ENTRIES`` entries
    or folders more than ``MAX_FOLDERS_DEEP`` deep, and every error reading."""
    files: dict[Path, bytes] = {}
    problems: list[Problem] = []
    total = seen = 0
    pending = [(folder, 0)]
    while pending:
        here, depth = pending.pop()
        try:
            with os.scandir(here) as listing:
                found = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(here, f"cannot read the folder: {exc.strerror}"))
            continue
        seen += len(found)
        if seen > MAX_ENTRIES:
            problems.append(Problem(folder, f"more than {MAX_ENTRIES:,} files and folders: a "
                                            "pack holds its content, not a copy of a disk"))
            break
        for entry in found:
            path = Path(entry.path)
            toml = fnmatch.fnmatchcase(entry.name, TOML)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                problems.append(Problem(path, f"cannot read: {exc.strerror}"))
                continue
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                if toml or entry.is_dir():  # is_dir follows the link: a loop answers False
                    problems.append(Problem(path, _LINK))
            elif stat.S_ISDIR(mode):
                if toml:
                    problems.append(Problem(path, "a folder named like a TOML file"))
                elif depth >= MAX_FOLDERS_DEEP:
                    problems.append(Problem(path, f"folders more than {MAX_FOLDERS_DEEP} deep"))
                else:
                    pending.append((path, depth + 1))
            elif toml:
                try:
                    total += _check(path, info, MAX_BYTES)
                    if total > MAX_PACK_BYTES:
                        problems.append(Problem(path, "with this file the pack's TOML files "
                                                      f"pass {MAX_PACK_BYTES:,} bytes, the "
                                                      "limit for a pack"))
                        return {}, problems
                    files[path.relative_to(folder)] = read_file(path, follow=False)
                except Refused as exc:
                    problems.append(Problem(path, str(exc)))
                except OSError as exc:
                    problems.append(Problem(path, f"cannot read the file: {exc.strerror}"))
    return dict(sorted(files.items())), problems


def read_file(path: Path, follow: bool = True, limit: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, never more than ``limit``: nothing else is opened (a device, a
    FIFO, a socket, a folder), and with ``follow=False`` not a link either. Raises Refused, or
    OSError when it cannot be read."""
    _check(path, os.stat(path) if follow else os.lstat(path), limit)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as file:
        _check(path, os.fstat(fd), limit)  # what was opened, should the path have changed
        data = file.read(limit + 1)
    if len(data) > limit:
        raise Refused(_too_large(len(data), limit))
    return data


def _check(path: Path, info: os.stat_result, limit: int) -> int:
    """The file's size, or Refused when it is not a regular file or is larger than limit."""
    if stat.S_ISLNK(info.st_mode):
        raise Refused(_LINK)
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{_kind(info.st_mode)}, not a file: only plain files are read")
    if info.st_size > limit:
        raise Refused(_too_large(info.st_size, limit))
    return info.st_size


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _too_large(size: int, limit: int) -> str:
    return f"the file is {size / 1e6:.1f} MB, larger than the {limit / 1e6:g} MB a content " \
           "file may be"
