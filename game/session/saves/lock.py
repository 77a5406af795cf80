"""One writer per save: a game holds a lock on its save file for as long as it is open.

The lock is an OS file lock (``filelock``: ``flock`` on Unix, ``msvcrt`` on Windows) on a hidden
file beside the save, ``.NAME.toml.lock``. The operating system releases it when the process ends,
however it ends, so a killed game never leaves a save locked; the file itself is removed when the
lock is released. The save is not locked itself, since a write replaces it by renaming a new file
over it (``game.session.saves.writer``), which a lock on the old file would not survive.

A second process that opens a locked save is told so and goes on in a copy (the UI), and a
writer that does not hold the lock refuses to write (``game.session.store.save_game``). New file
names are claimed by taking their lock before the name is checked, so two new games started at
the same moment never choose the same file.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout


def lock_path(path: Path) -> Path:
    """The hidden lock file of a save (a dot file: never listed or taken for a save)."""
    return path.with_name(f".{path.name}.lock")


class SaveLock:
    """This process's claim on one save file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(lock_path(path), timeout=0, thread_local=False)

    def acquire(self) -> bool:
        """Take the lock at once if it is free; False if another game holds it."""
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire()
        except Timeout:
            return False
        return True

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


# The locks this process holds, by save path: one process is one writer, whichever of its Game
# objects writes (a game loaded again in the same process is the same writer).
_HELD: dict[Path, SaveLock] = {}


def hold(path: Path) -> bool:
    """Hold ``path``'s lock from now until ``release`` or the process ends; False if another
    process holds it."""
    key = Path(path).absolute()
    lock = _HELD.get(key)
    if lock is not None and lock.held:
        return True
    lock = SaveLock(key)
    if not lock.acquire():
        return False
    _HELD[key] = lock
    return True


def is_held(path: Path) -> bool:
    """Whether this process holds ``path``'s lock."""
    lock = _HELD.get(Path(path).absolute())
    return lock is not None and lock.held


def release_all(but: Path | None = None) -> None:
    """Release every lock this process holds but ``but``'s (the game now open)."""
    keep = Path(but).absolute() if but is not None else None
    for key in [k for k in _HELD if k != keep]:
        release(key)


def release(path: Path) -> None:
    """Let another process write ``path`` (the game using it here was closed)."""
    lock = _HELD.pop(Path(path).absolute(), None)
    if lock is not None:
        lock.release()
