"""A class folder: the students' saves, the class's settings and its live events.

Layout (``frontier-lab class new DIR`` creates it)::

    DIR/
      <lab>.<scenario>.toml      one save per student game (and its .bak), written by the game
      .class/
        class.toml               the class's settings: name, scenario, seed (or secret_seed),
                                 rounds (free, lockstep or market)
        rounds.toml              a lockstep class's round (game.classroom.rounds)
        secret.toml              the key that signs its games, and a secret seed (mode 600;
                                 game.classroom.secret)
        roster.toml              each student's id, name and join code (mode 600;
                                 game.classroom.roster)
        injections.toml          the live events, in the order the instructor made them
        lock                     taken while injections.toml is rewritten

The saves are ordinary saves (``frontier-lab replay`` verifies any of them); ``.class`` is a dot
folder, so the saves list and the load dialog never show it. ``injections.toml`` is only ever
replaced whole (written to a temporary file, fsynced, renamed), so a game reading it mid-write sees
the old list or the new one, never half of one; writers take ``lock`` so two ``class inject``
commands at once both land.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from game.packs.economy import DEFAULT_SEED

META = ".class"
SETTINGS_FILE = "class.toml"
INJECTIONS_FILE = "injections.toml"
LOCK_FILE = "lock"
ROUND_MODES = ("free", "lockstep", "market")
"""How a class's games advance (game.classroom.rounds): each at its own pace; quarter by quarter,
together; quarter by quarter in one shared market."""

_SETTINGS_HEADER = """\
# A Frontier Lab class, written by `frontier-lab class new`. Every game played with
# `frontier-lab play --class DIR` or `frontier-lab serve --class DIR` uses this scenario and seed,
# so the whole class shares the same luck. Edit it before the lesson, not during it.
"""
_INJECTIONS_HEADER = """\
# Live events for this class, oldest first, written by `frontier-lab class inject`. Every game of
# the class takes each one once, at its next quarter start. Append with the command, not by hand.
"""
_ID = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")


class ClassError(Exception):
    """A class folder that cannot be used as asked; the message is one line naming the file."""


@dataclass(frozen=True)
class ClassSettings:
    """What ``DIR/.class/class.toml`` holds."""

    name: str
    scenario: str
    seed: int | None  # None: secret (kept in .class/secret.toml, game.classroom.secret)
    created: datetime | None = None
    packs: tuple[str, ...] = ()  # the packs it plays besides the shipped ones, exactly these
    rounds: str = "free"  # free, lockstep or market (game.classroom.rounds)


@dataclass(frozen=True)
class Injection:
    """One live event: made once by the instructor, taken once by every game of the class."""

    id: str  # unique in the class, e.g. inj-20260305T101500Z-3fa9c1
    event: str  # the event's id in the packs
    time: datetime  # when it was made (UTC); games begun later do not take it
    note: str = ""  # what the instructor said about it: shown with the event, and in `class show`


def meta_dir(class_dir: str | Path) -> Path:
    return Path(class_dir) / META


def settings_path(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / SETTINGS_FILE


def injections_path(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / INJECTIONS_FILE


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(time: datetime) -> datetime:
    """A date and time read from TOML in UTC (one written without an offset is taken as UTC)."""
    return time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)


# --- settings -------------------------------------------------------------------------------


def read_settings(class_dir: str | Path) -> ClassSettings | None:
    """The class's settings, or None when the folder has none (ClassError when unreadable)."""
    path = settings_path(class_dir)
    if not path.exists():
        return None
    data = _read_toml(path)
    scenario, seed, name = data.get("scenario"), data.get("seed", DEFAULT_SEED), data.get("name")
    if not isinstance(scenario, str) or not scenario:
        raise ClassError(f"{path}: 'scenario' must be a scenario id (a string)")
    if data.get("secret_seed") is True:
        seed = None
    elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ClassError(f"{path}: 'seed' must be a whole number of zero or more")
    created = data.get("created")
    packs = data.get("packs", [])
    if not isinstance(packs, list) or not all(isinstance(p, str) and p for p in packs):
        raise ClassError(f"{path}: 'packs' must be a list of pack folders")
    rounds = data.get("rounds", "free")
    if rounds not in ROUND_MODES:
        raise ClassError(f"{path}: 'rounds' must be one of {', '.join(ROUND_MODES)}")
    return ClassSettings(name=name if isinstance(name, str) and name else Path(class_dir).name,
                         scenario=scenario, seed=seed,
                         created=created if isinstance(created, datetime) else None,
                         packs=tuple(packs), rounds=rounds)


def write_settings(class_dir: str | Path, settings: ClassSettings, replace: bool = False) -> Path:
    """Create the class folder (if needed) and its settings; an existing class is kept unless
    ``replace``."""
    path = settings_path(class_dir)
    if path.exists() and not replace:
        raise ClassError(f"{path}: this folder is already a class (add --force to change its "
                         "settings)")
    folder = Path(class_dir)
    if folder.exists() and not folder.is_dir():
        raise ClassError(f"{folder}: exists and is not a folder")
    data: dict[str, Any] = {"name": settings.name, "scenario": settings.scenario,
                            "created": settings.created or utc_now()}
    if settings.packs:
        data["packs"] = list(settings.packs)
    if settings.rounds != "free":
        data["rounds"] = settings.rounds
    if settings.seed is None:
        data["secret_seed"] = True  # the seed is in secret.toml, for the class's server only
    else:
        data["seed"] = settings.seed
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, _SETTINGS_HEADER + tomli_w.dumps(data))
    except OSError as exc:
        raise ClassError(f"{path}: cannot write the class settings ({exc.strerror or exc})") \
            from None
    return path


# --- injections -----------------------------------------------------------------------------


def read_injections(class_dir: str | Path) -> list[Injection]:
    """The class's live events, oldest first ([] when there are none)."""
    path = injections_path(class_dir)
    if not path.exists():
        return []
    data = _read_toml(path)
    rows = data.get("injection", [])
    if not isinstance(rows, list):
        raise ClassError(f"{path}: 'injection' must be an array of tables ([[injection]])")
    out: list[Injection] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        where = f"{path}: injection {n}"
        if not isinstance(row, dict):
            raise ClassError(f"{where} must be a table")
        ident, event, time, note = (row.get("id"), row.get("event"), row.get("time"),
                                    row.get("note", ""))
        if not isinstance(ident, str) or not _ID.match(ident):
            raise ClassError(f"{where}: 'id' must be a short name of letters, digits and -._:")
        if ident in seen:
            raise ClassError(f"{where}: the id '{ident}' is used twice")
        if not isinstance(event, str) or not event:
            raise ClassError(f"{where}: 'event' must be an event id (a string)")
        if not isinstance(time, datetime):
            raise ClassError(f"{where}: 'time' must be a date and time, e.g. "
                             "2026-03-05T10:15:00Z")
        seen.add(ident)
        out.append(Injection(ident, event, as_utc(time),
                             note if isinstance(note, str) else ""))
    return out


def add_injection(class_dir: str | Path, event: str, note: str = "") -> Injection:
    """Append a live event to the class (under the class's lock, replacing the file whole)."""
    folder = Path(class_dir)
    if not folder.is_dir():
        raise ClassError(f"{folder}: no such class folder (create one with "
                         "`frontier-lab class new DIR`)")
    path = injections_path(folder)
    try:
        path.parent.mkdir(exist_ok=True)
        with locked(path.parent / LOCK_FILE):
            existing = read_injections(folder)
            now = utc_now()
            taken = {i.id for i in existing}
            while True:
                ident = f"inj-{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
                if ident not in taken:
                    break
            made = Injection(ident, event, now, note)
            rows = [{"id": i.id, "event": i.event, "time": i.time, "note": i.note}
                    for i in [*existing, made]]
            write_atomic(path, _INJECTIONS_HEADER + tomli_w.dumps({"injection": rows}))
    except OSError as exc:
        raise ClassError(f"{path}: cannot record the live event ({exc.strerror or exc})") \
            from None
    return made


# --- files ----------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ClassError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ClassError(f"{path}: not a text file (UTF-8)") from None
    except OSError as exc:
        raise ClassError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # folders cannot be fsynced everywhere
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` while the block runs (where the system offers flock)."""
    try:
        import fcntl
    except ImportError:  # Windows: one instructor, one terminal; the rename stays atomic
        yield
        return
    with open(path, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
