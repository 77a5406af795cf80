"""Lockstep rounds: a class that plays quarter by quarter, at the instructor's pace.

A class made with ``class new DIR --rounds lockstep`` (or ``market``: a shared market, which is
always played in rounds) keeps its round in ``DIR/.class/rounds.toml``::

    open_through = 3                      # students may play their first 3 quarters
    deadline = 2026-03-05T10:25:00Z       # optional: when round 3 closes
    paused = false                        # nobody may end a quarter while true
    opened = 2026-03-05T10:15:00Z         # when round 3 opened

Round k is the game's k-th quarter. A student who has played ``open_through`` quarters waits
("Waiting for your instructor to open the next quarter") until the instructor opens the next
round (``class round DIR --open``, or the dashboard). When the round's deadline has passed (or
the instructor closes it, which sets the deadline to now), a game still short of the round plays
its standing plan: the plan as the student last left it, with the events answered by their
default. Without the file the first round is open and nothing is paused.

The file is only ever replaced whole under the class's lock (``game.classroom.folder``), so a
game reading it mid-write sees the old round or the new one, and two instructors' clicks at once
both land.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

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

ROUNDS_FILE = "rounds.toml"

_HEADER = """\
# The class's round, written by `frontier-lab class round` and the instructor's dashboard.
# Students may play their first `open_through` quarters; after `deadline`, a game still short of
# them plays its standing plan. Change it with the command, not by hand.
"""


@dataclass(frozen=True)
class RoundState:
    """Where a lockstep class is."""

    open_through: int = 1
    """Quarters a student may have played by the end of this round (round k = quarter k)."""
    deadline: datetime | None = None
    """When this round closes; a game short of it then plays its standing plan."""
    paused: bool = False
    """The instructor has paused the class: no quarter ends."""
    opened: datetime | None = None
    """When this round opened."""

    def may_end(self, played: int) -> bool:
        """May a game that has played ``played`` quarters end one more now?"""
        return not self.paused and played < self.open_through

    def overdue(self, played: int, now: datetime | None = None) -> bool:
        """Must a game that has played ``played`` quarters play its standing plan now?"""
        return (self.may_end(played) and self.deadline is not None
                and (now or utc_now()) >= self.deadline)

    def seconds_left(self, now: datetime | None = None) -> float | None:
        """Seconds to the deadline (0 when passed); None without one."""
        if self.deadline is None:
            return None
        return max((self.deadline - (now or utc_now())).total_seconds(), 0.0)


def rounds_path(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / ROUNDS_FILE


def read_rounds(class_dir: str | Path) -> RoundState:
    """The class's round (the first round, open, when the file does not exist yet)."""
    path = rounds_path(class_dir)
    if not path.exists():
        return RoundState()
    data = _read_toml(path)
    through = data.get("open_through", 1)
    if isinstance(through, bool) or not isinstance(through, int) or through < 0:
        raise ClassError(f"{path}: 'open_through' must be a whole number of zero or more")
    paused = data.get("paused", False)
    if not isinstance(paused, bool):
        raise ClassError(f"{path}: 'paused' must be true or false")
    return RoundState(through, _time(data, "deadline", path), paused,
                      _time(data, "opened", path))


def _time(data: dict[str, Any], key: str, path: Path) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ClassError(f"{path}: '{key}' must be a date and time, e.g. 2026-03-05T10:15:00Z")
    return as_utc(value)


def write_rounds(class_dir: str | Path, state: RoundState) -> RoundState:
    path = rounds_path(class_dir)
    data: dict[str, Any] = {"open_through": state.open_through, "paused": state.paused}
    if state.deadline is not None:
        data["deadline"] = state.deadline
    if state.opened is not None:
        data["opened"] = state.opened
    try:
        write_atomic(path, _HEADER + tomli_w.dumps(data))
    except OSError as exc:
        raise ClassError(f"{path}: cannot write the round ({exc.strerror or exc})") from None
    return state


def change_rounds(class_dir: str | Path, how: str, minutes: float | None = None) -> RoundState:
    """The instructor's actions, under the class's lock: ``open`` the next round (with a
    deadline ``minutes`` from now, if given), ``close`` this one now (standing plans play),
    ``pause`` or ``resume`` the class, or set the ``deadline`` of this round."""
    folder = Path(class_dir)
    if not meta_dir(folder).is_dir():
        raise ClassError(f"{folder}: no such class folder (create one with "
                         "`frontier-lab class new DIR`)")
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise ClassError(f"a round's deadline must be from 0 to {24 * 60} minutes away, "
                         f"not {minutes:g}")
    now = utc_now()
    until = None if minutes is None else now + timedelta(minutes=minutes)
    with locked(meta_dir(folder) / LOCK_FILE):
        state = read_rounds(folder)
        if how == "open":
            state = RoundState(state.open_through + 1, until, False, now)
        elif how == "close":
            state = replace(state, deadline=now, paused=False)
        elif how == "pause":
            state = replace(state, paused=True)
        elif how == "resume":
            state = replace(state, paused=False)
        elif how == "deadline":
            if until is None:
                raise ClassError("give the deadline in minutes from now")
            state = replace(state, deadline=until)
        else:
            raise ValueError(f"no round action '{how}'")
        return write_rounds(folder, state)
