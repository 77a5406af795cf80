"""Each game's live status, for the instructor's dashboard (docs/CLASSROOM.md, "The instructor's
dashboard").

Every game of a class writes a small JSON file, ``DIR/.class/status/<key>.json`` — ``key`` is the
student's roster id, else the game's id — whenever its state changes: when it opens, after each
quarter, when its plan is saved as typed, and at least every ``HEARTBEAT_S`` seconds while it is
open (the heartbeat: a closed tab stops beating, and after ``CLOSED_AFTER_S`` the dashboard shows
the game closed). A key pressed marks the game active; those writes are throttled to one every
``MIN_WRITE_S`` seconds. Files are replaced whole (a temporary file renamed), without fsync: a
status is worth nothing after a crash, and a class of 60 writes one every few seconds.

``read_statuses`` reads them all for the dashboard, and never fails: a file cut short, too big,
not JSON, or holding the wrong types is left out with one line in the server's log (once per
version of the file).

**Stuck**, as the dashboard says it (``stuck``): a game open now, still running, whose student
could play (the round is open for it and not paused), and either no key for ``IDLE_S`` seconds,
or an event waiting for a choice for ``EVENT_WAIT_S`` seconds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game.classroom.folder import meta_dir
from game.text import printable

if TYPE_CHECKING:  # (a game's process imports this before its first frame: kept light)
    from game.classroom.rounds import RoundState
    from game.session.game import Game

STATUS_DIR = "status"
HEARTBEAT_S = 15.0
"""An open game rewrites its status at least this often."""
CLOSED_AFTER_S = 45.0
"""A status whose heartbeat is older than this is a closed game (three beats missed)."""
MIN_WRITE_S = 5.0
"""Keys pressed rewrite the status at most this often."""
IDLE_S = 180.0
"""No key for this long, while the student could play: stuck."""
EVENT_WAIT_S = 300.0
"""An event waiting for the student's choice this long: stuck."""
MAX_FILE = 16 * 1024  # bytes: a status is under 1 KiB; more is no game's
MAX_FILES = 5000  # a course of 2000 students, some with a game or two besides
KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$")

log = logging.getLogger("frontier-lab.status")


@dataclass(frozen=True)
class GameStatus:
    """What one game says of itself."""

    key: str
    """The student's roster id, else the game's id (the file's name)."""
    student: str | None = None
    name: str | None = None
    lab: str = ""
    quarter: int = 0
    """Quarters played."""
    horizon: int = 0
    calendar: str = ""
    cash: float = 0.0
    valuation: float = 0.0
    sentiment: float = 0.0
    outcome: str = "running"
    score: float = 0.0
    running: bool = True
    last_key: float = 0.0
    """When a key was last pressed (seconds since the epoch; 0: none yet)."""
    heartbeat: float = 0.0
    """When the game last wrote this (seconds since the epoch)."""
    waiting: bool = False
    """The game has played its round and waits for the next (lockstep classes)."""
    pending: tuple[str, ...] = ()
    """Titles of the events waiting for the student's choice."""
    pending_since: float = 0.0
    """Since when those have waited (0: none)."""
    file: str = ""
    """The save's file name (no folder)."""

    def is_open(self, now: float | None = None) -> bool:
        return (now or time.time()) - self.heartbeat <= CLOSED_AFTER_S


def status_dir(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / STATUS_DIR


def status_of(game: Game, key: str, *, name: str | None = None, last_key: float = 0.0,
              waiting: bool = False, pending_since: float = 0.0,
              now: float | None = None) -> GameStatus:
    """A game's status now."""
    metrics = game.metrics()
    pending = tuple(p.title for p in game.pending if p.needs_choice)
    return GameStatus(
        key=key, student=game.student, name=name, lab=game.lab, quarter=game.quarter,
        horizon=game.horizon, calendar=game.calendar(), cash=metrics["cash"],
        valuation=metrics["valuation"], sentiment=metrics["sentiment"], outcome=game.outcome,
        score=game.score, running=game.running, last_key=last_key,
        heartbeat=now or time.time(), waiting=waiting, pending=pending,
        pending_since=pending_since if pending else 0.0,
        file=game.save_path.name if game.save_path is not None else "")


def write_status(class_dir: str | Path, status: GameStatus) -> Path:
    """Replace the game's status file whole (OSError when the folder cannot be written)."""
    if not KEY.match(status.key):
        raise ValueError(f"not a status key: {status.key!r}")
    folder = status_dir(class_dir)
    folder.mkdir(exist_ok=True)
    path = folder / f"{status.key}.json"
    fd, temp = tempfile.mkstemp(prefix=f".{status.key}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(status), f, ensure_ascii=False, allow_nan=False)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


# --- reading ------------------------------------------------------------------------------

_TYPES: dict[str, tuple[type, ...]] = {}
for _f in fields(GameStatus):
    _TYPES[_f.name] = {"str": (str,), "str | None": (str, type(None)), "int": (int,),
                       "float": (int, float), "bool": (bool,),
                       "tuple[str, ...]": (list,)}[str(_f.type)]


def parse_status(data: object, key: str) -> GameStatus | None:
    """A status from a file's JSON; None when it is not one this game wrote."""
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    values: dict[str, Any] = {}
    for name, types in _TYPES.items():
        if name not in data:
            continue
        value = data[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return None
        if isinstance(value, float) and value != value:  # NaN
            return None
        if isinstance(value, str):
            value = printable(value)[:200]
        elif isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                return None
            value = tuple(printable(v)[:200] for v in value[:20])
        values[name] = value
    return GameStatus(**values)


@dataclass
class StatusReader:
    """Reads a class's status files; says once per version of a broken file what is wrong."""

    class_dir: Path
    said: set[tuple[str, int]] = field(default_factory=set)

    def read(self) -> list[GameStatus]:
        folder = status_dir(self.class_dir)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return []
        out = []
        for name in names[:MAX_FILES]:
            if not name.endswith(".json") or not KEY.match(name[:-5]):
                continue
            status = self._one(folder / name, name[:-5])
            if status is not None:
                out.append(status)
        return out

    def _one(self, path: Path, key: str) -> GameStatus | None:
        try:
            info = path.lstat()
            if not path.is_file() or path.is_symlink():
                return self._bad(path, int(info.st_mtime_ns), "not a plain file")
            if info.st_size > MAX_FILE:
                return self._bad(path, int(info.st_mtime_ns), f"over {MAX_FILE} bytes")
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None  # the game replaced it just now: the next read has it
        except (OSError, UnicodeDecodeError) as exc:
            return self._bad(path, 0, f"cannot be read ({exc})")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return self._bad(path, int(info.st_mtime_ns), "not JSON (cut short?)")
        status = parse_status(data, key)
        if status is None:
            return self._bad(path, int(info.st_mtime_ns), "not a game's status")
        return status

    def _bad(self, path: Path, version: int, why: str) -> None:
        if (path.name, version) not in self.said:
            if len(self.said) > 10_000:
                self.said.clear()
            self.said.add((path.name, version))
            log.info("left out the status file %s: %s", printable(path.name)[:100], why)
        return None


def read_statuses(class_dir: str | Path) -> list[GameStatus]:
    """Every game's status (those that cannot be read are left out, a line each in the log)."""
    return StatusReader(Path(class_dir)).read()


# --- who is stuck ---------------------------------------------------------------------------


def stuck(status: GameStatus, rounds: RoundState | None, now: float | None = None) -> str | None:
    """Why this game looks stuck (a few words), or None (see the module's docstring)."""
    now = now or time.time()
    if not status.running or not status.is_open(now) or status.waiting:
        return None
    if rounds is not None and not rounds.may_end(status.quarter):
        return None  # paused, or the round is done for this game: waiting is not stuck
    if status.pending and status.pending_since and now - status.pending_since >= EVENT_WAIT_S:
        return f"an event waits for a choice ({_minutes(now - status.pending_since)})"
    idle = now - (status.last_key or status.heartbeat)
    if status.last_key and idle >= IDLE_S:
        return f"no key for {_minutes(idle)}"
    return None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def new_key() -> str:
    """A key for a game with neither a student nor an id yet (one per game process)."""
    return f"tab-{secrets.token_hex(6)}"


# --- the game's side ----------------------------------------------------------------------


class StatusWriter:
    """One game process's status file: written when the game shown changes or is saved, on a
    key at most every ``MIN_WRITE_S``, and on ``tick`` at least every ``HEARTBEAT_S``. A status
    that cannot be written never stops the game (it says nothing, and tries again later)."""

    def __init__(self, class_dir: str | Path, clock: Any = time.time) -> None:
        from game.classroom.folder import ClassError, read_settings

        self.class_dir = Path(class_dir)
        self.clock = clock
        try:
            settings = read_settings(self.class_dir)
        except ClassError:
            settings = None
        self.enabled = settings is not None  # a class's folder (not a plain saves folder)
        self.rounds = settings.rounds if settings is not None else "free"
        self.game: Game | None = None
        self.name: str | None = None
        self.written_key: str | None = None
        self.own_key = new_key()
        self.last_write = self.last_key = self.pending_since = 0.0
        self.pending: tuple[str, ...] = ()
        self.dirty = False

    def show(self, game: Game, name: str | None = None) -> None:
        """The game on screen now (just opened, played or saved): written at once."""
        self.game = game
        if name is not None:
            self.name = name
        self.write()

    def key_pressed(self) -> None:
        self.last_key = self.clock()
        self.dirty = True
        if self.last_key - self.last_write >= MIN_WRITE_S:
            self.write()

    def tick(self) -> None:
        """Called every few seconds: a key's change, or the heartbeat, if due."""
        since = self.clock() - self.last_write
        if (self.dirty and since >= MIN_WRITE_S) or since >= HEARTBEAT_S:
            self.write()

    def key(self) -> str:
        game = self.game
        for key in (game and game.student, game and game.game_id):
            if key and KEY.match(key):
                return key
        return self.own_key

    def write(self) -> None:
        game = self.game
        if game is None or not self.enabled:
            return
        now = self.clock()
        pending = tuple(p.id for p in game.pending if p.needs_choice)
        if pending != self.pending:
            self.pending, self.pending_since = pending, now if pending else 0.0
        key = self.key()
        status = status_of(game, key, name=self.name, last_key=self.last_key,
                           waiting=self._waiting(game), pending_since=self.pending_since,
                           now=now)
        self.last_write, self.dirty = now, False
        try:
            write_status(self.class_dir, status)
            if self.written_key not in (None, key):  # the game got its id: one file per game
                (status_dir(self.class_dir) / f"{self.written_key}.json").unlink(missing_ok=True)
            self.written_key = key
        except (OSError, ValueError):
            pass  # a full disk, a folder made read-only: the dashboard shows the game closed

    def _waiting(self, game: Game) -> bool:
        if self.rounds == "free" or not game.running:
            return False
        from game.classroom.folder import ClassError
        from game.classroom.rounds import read_rounds

        try:
            return game.quarter >= read_rounds(self.class_dir).open_through
        except ClassError:
            return False
