"""The instructor's messages to the class: ``class broadcast DIR "text"`` or the dashboard.

``DIR/.class/broadcasts.toml`` holds them, oldest first (``[[broadcast]]``: id, time, text),
replaced whole under the class's lock like ``injections.toml`` (``game.classroom.folder``). Every
game of the class looks at the file's modification time every few seconds
(``BroadcastWatcher.new``: a ``stat``, and a read only when it changed) and shows each message
it has not shown yet, once, as a notification that stays up ``SHOWN_S`` seconds. A game that
opens shows the messages of the last ``RECENT_S`` seconds (a student who reloads the page during
an announcement still reads it), not older ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import tomli_w

from game.classroom.folder import (
    LOCK_FILE,
    ClassError,
    _read_toml,
    as_utc,
    locked,
    meta_dir,
    utc_now,
    write_atomic,
)
from game.text import printable

BROADCASTS_FILE = "broadcasts.toml"
MAX_TEXT = 500  # characters: a message read in a notification, not a handout
KEPT = 200  # the newest messages kept in the file
RECENT_S = 120.0
SHOWN_S = 30.0
POLL_S = 2.0

_HEADER = """\
# The instructor's messages to this class, oldest first, written by `frontier-lab class
# broadcast` and the dashboard. Every open game shows each new one once.
"""


@dataclass(frozen=True)
class Broadcast:
    id: str
    time: datetime
    text: str


def broadcasts_path(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / BROADCASTS_FILE


def read_broadcasts(class_dir: str | Path) -> list[Broadcast]:
    """The class's messages, oldest first ([] when none); ClassError when the file is not one
    this game wrote. A message's text is kept as written, control characters aside."""
    path = broadcasts_path(class_dir)
    if not path.exists():
        return []
    rows = _read_toml(path).get("broadcast", [])
    if not isinstance(rows, list):
        raise ClassError(f"{path}: 'broadcast' must be an array of tables ([[broadcast]])")
    out = []
    for n, row in enumerate(rows, 1):
        if not (isinstance(row, dict) and isinstance(row.get("id"), str)
                and isinstance(row.get("time"), datetime) and isinstance(row.get("text"), str)):
            raise ClassError(f"{path}: broadcast {n} needs an id, a time and a text")
        out.append(Broadcast(row["id"][:80], as_utc(row["time"]),
                             printable(row["text"])[:MAX_TEXT]))
    return out


def clean_text(text: str) -> str:
    """A message as it will be shown: control characters out, spaces kept, within MAX_TEXT."""
    shown = printable(text).strip()
    if not shown:
        raise ClassError("a message needs some text")
    if len(shown) > MAX_TEXT:
        raise ClassError(f"a message is at most {MAX_TEXT} characters (this one has "
                         f"{len(shown)})")
    return shown


def add_broadcast(class_dir: str | Path, text: str) -> Broadcast:
    """Append a message for every open game of the class (under the class's lock)."""
    shown = clean_text(text)
    folder = Path(class_dir)
    if not meta_dir(folder).is_dir():
        raise ClassError(f"{folder}: no such class folder (create one with "
                         "`frontier-lab class new DIR`)")
    path = broadcasts_path(folder)
    try:
        with locked(meta_dir(folder) / LOCK_FILE):
            existing = read_broadcasts(folder)
            now = utc_now()
            made = Broadcast(f"msg-{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}", now, shown)
            rows = [{"id": b.id, "time": b.time, "text": b.text}
                    for b in [*existing, made][-KEPT:]]
            write_atomic(path, _HEADER + tomli_w.dumps({"broadcast": rows}))
    except OSError as exc:
        raise ClassError(f"{path}: cannot record the message ({exc.strerror or exc})") from None
    return made


@dataclass
class BroadcastWatcher:
    """What one game has shown: ``new()`` returns each message once."""

    class_dir: Path
    began: datetime = field(default_factory=utc_now)
    shown: set[str] = field(default_factory=set)
    seen: tuple[int, int] | None = None  # the file's (mtime_ns, size) when last read

    def new(self) -> list[Broadcast]:
        path = broadcasts_path(self.class_dir)
        try:
            info = path.stat()
        except OSError:
            return []
        version = (info.st_mtime_ns, info.st_size)
        if version == self.seen:
            return []
        self.seen = version
        try:
            messages = read_broadcasts(self.class_dir)
        except ClassError:
            return []  # a broken file stops no game; `class broadcast` says why
        since = self.began - timedelta(seconds=RECENT_S)
        fresh = [b for b in messages if b.id not in self.shown and b.time >= since]
        self.shown.update(b.id for b in fresh)
        return fresh
