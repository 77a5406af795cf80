"""Reading a save from disk: the record, or one sentence saying why not.

The promise is that **every problem is one sentence**. ``read_save`` raises ``SaveError`` naming
the file (and the line and key, when they are known) and saying what to do; nothing a file can
contain produces another exception. A file is refused unread when it is too large to be a save,
and refused with its reason when it is empty, binary, not UTF-8, not TOML, cut off, of a format
this build cannot read, or not a save's shape. A damaged save's message points to its ``.bak``.

The reader also remembers the files it found good (and those ``game.session.saves.writer``
wrote), by inode, size and time, so an autosave need not read its own previous save again.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from game.packs.toml_io import locate
from game.session.saves.errors import SaveError, damaged, where
from game.session.saves.migrations import check_version, migrate
from game.session.saves.record import SaveFile, first_problem
from game.session.saves.toml_text import check_end, parse_save

MAX_SAVE_BYTES = 8_000_000
"""A 40-quarter save is about 100 kB; anything this large is not a save and is refused unread."""


def read_save(path: str | Path) -> SaveFile:
    """The save at ``path``, upgraded to the current format; SaveError for anything else."""
    path = Path(path)
    text, st = _read_text(path)
    data = parse_save(path, text)
    data = _upgrade(path, data, text)
    try:
        save = SaveFile.model_validate(data)
    except ValidationError as exc:
        loc, what = first_problem(exc)
        line = col = None
        if loc:
            line, col = locate(text, loc)
        raise SaveError(f"{where(loc)}{what} — {damaged(path)}", path, line, col) from None
    remember(path, st)
    return save


def _read_text(path: Path) -> tuple[str, os.stat_result]:
    """The file's text, and its stat before it was read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise SaveError("no such save — check the name and the folder", path) from None
    except OSError as exc:
        raise SaveError(f"cannot read it ({exc.strerror}) — check the path", path) from None
    if not path.is_file():
        raise SaveError("not a file — give the path of a .toml save", path)
    if st.st_size > MAX_SAVE_BYTES:
        raise SaveError(f"is {st.st_size / 1e6:.1f} MB, larger than any save can be "
                        f"({MAX_SAVE_BYTES / 1e6:.0f} MB at most) — not a Frontier Lab "
                        "save; it was left unread", path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SAVE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise SaveError(f"cannot read it ({exc.strerror}) — check its permissions", path) \
            from None
    if len(raw) > MAX_SAVE_BYTES:
        raise SaveError("is larger than any save can be — not a Frontier Lab save", path)
    if not raw.strip():
        raise SaveError(f"is empty — {damaged(path)}", path)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise SaveError(f"holds binary data (a zero byte at offset {nul}), not a save "
                        f"— {damaged(path)}", path)
    if raw.startswith(codecs.BOM_UTF8):  # some editors add one; TOML does not allow it
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8"), st
    except UnicodeDecodeError as exc:
        raise SaveError(f"is not UTF-8 text (byte {exc.start}), so not a save — "
                        f"{damaged(path)}", path) from None


def _upgrade(path: Path, data: dict[str, Any], text: str) -> dict[str, Any]:
    """The document checked for its version and closing table, migrated to the current format."""
    check_version(path, data)
    check_end(path, data, text)
    return migrate(data, path)


# --- saves known to be good -----------------------------------------------------------------

# Files this process wrote or read as good saves, by path, with the (inode, size, mtime) they
# had then: an autosave over its own previous save need not read it again to know it is good
# (half the cost of a write). Any change to the file (a new inode from an editor's save, a
# new size or time) sends it through read_save again.
_KNOWN_GOOD: dict[str, tuple[int, int, int]] = {}


def _key(path: Path) -> str:
    return os.path.abspath(path)


def _fingerprint(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns


def remember(path: Path, st: os.stat_result) -> None:
    """Note that ``path``, as ``st`` describes it, is a good save."""
    if len(_KNOWN_GOOD) > 1000:
        _KNOWN_GOOD.clear()
    _KNOWN_GOOD[_key(path)] = _fingerprint(st)


def known_good(path: Path, st: os.stat_result) -> bool:
    """Whether ``path``, as ``st`` describes it now, was read or written good by this process."""
    return _KNOWN_GOOD.get(_key(path)) == _fingerprint(st)
