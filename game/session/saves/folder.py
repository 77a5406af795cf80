"""The saves folder: where saves go, what their files are called, and what is in it.

The folder is ``--saves DIR``, else ``$FRONTIER_LAB_SAVES``, else ./saves. A save's file name is
made from the lab's and the scenario's names, safe on any file system whatever the lab is called.
The listing is the load dialog's and ``frontier-lab saves``': every save in the folder, newest
first, and every file that is not a readable save with the one sentence saying why.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from game.session.saves.errors import SaveError
from game.session.saves.reader import read_save
from game.session.saves.values import time_out

SAVES_ENV = "FRONTIER_LAB_SAVES"


def saves_dir(option: str | Path | None = None) -> Path:
    """Where saves go: ``--saves DIR``, else ``$FRONTIER_LAB_SAVES``, else ./saves.

    Returned absolute (so a later change of directory cannot move it) and not created: the
    first write creates it.
    """
    chosen = option if option not in (None, "") else os.environ.get(SAVES_ENV) or "saves"
    return Path(chosen).expanduser().absolute()


_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # names Windows will not create, whatever follows


def _slug(text: str, limit: int, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")
    if not slug:  # a name in another script: keep names apart by a short hash
        slug = f"{fallback}-{hashlib.blake2b(text.encode(), digest_size=4).hexdigest()}"
    if slug in _RESERVED:
        slug = f"{slug}-{fallback}"
    return slug


def save_path(folder: str | Path, lab: str, scenario: str) -> Path:
    """``FOLDER/<lab>.<scenario>.toml``: lowercase letters, digits and dashes only, never a dot
    file, at most about 100 characters, so any lab name makes a safe file name."""
    return Path(folder) / f"{_slug(lab, 48, 'lab')}.{_slug(scenario, 48, 'scenario')}.toml"


@dataclass(frozen=True)
class SaveSummary:
    """One row of the load dialog; ``error`` is set (and the rest empty) for a bad file."""

    path: Path
    lab: str = ""
    scenario: str = ""
    quarter: int = 0
    outcome: str = ""
    score: float | None = None
    updated: str | None = None  # ISO 8601 UTC, e.g. 2026-01-05T10:00:00Z
    error: str | None = None
    student: str | None = None  # a class game's student (the roster's id it was signed with)

    @property
    def file(self) -> str:
        return self.path.name


def list_saves(folder: str | Path) -> list[SaveSummary]:
    """Every ``*.toml`` save in ``folder``, most recently updated first, then the unreadable
    ones (with their error) by name. ``.bak`` and temporary files are not saves of their own."""
    folder = Path(folder)
    try:
        names = sorted(e.name for e in os.scandir(folder)
                       if e.name.endswith(".toml") and not e.name.startswith("."))
    except FileNotFoundError:
        return []  # no game saved yet
    except OSError as exc:  # a folder that cannot be read is not an empty one
        raise SaveError(f"the saves folder cannot be read ({exc.strerror or exc}); check its "
                        "permissions, or choose another with --saves", folder) from None
    good: list[SaveSummary] = []
    bad: list[SaveSummary] = []
    for name in names:
        path = folder / name
        try:
            save = read_save(path)
        except SaveError as exc:
            if path.is_file():
                bad.append(SaveSummary(path, error=str(exc)))
            continue
        good.append(SaveSummary(path, save.lab, save.scenario, save.quarters,
                                save.outcome, save.score, str(time_out(save.updated)),
                                student=save.signed.student if save.signed else None))
    good.sort(key=lambda s: s.updated or "", reverse=True)  # ISO 8601 in UTC sorts as text
    return good + bad
