"""Where packs come from besides the shipped content: ``--pack DIR`` on the command line, the
folders in ``$FRONTIER_LAB_PACKS``, and the player's mods folder.

The mods folder is the platform's data folder for the game (``platformdirs``:
``~/.local/share/frontier-lab/mods`` on Linux), or ``$FRONTIER_LAB_MODS``. Every pack in it (a
folder with a pack.toml) plays unless it is disabled (``frontier-lab packs disable ID``, which
lists it in the folder's ``disabled.toml``). A pack from the mods folder that does not load is
left out of the run, with its first problem said, so one broken mod never stops the game; a pack
named on the command line or in the environment is the player's explicit wish, and its problems
stop the command as any pack's do.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomli_w

from game.packs.content import Content
from game.packs.errors import ContentError
from game.packs.files import Refused, read_file
from game.packs.loading import load_content

PACKS_ENV = "FRONTIER_LAB_PACKS"
MODS_ENV = "FRONTIER_LAB_MODS"
DISABLED_FILE = "disabled.toml"
DISABLED_LIMIT = 1_000_000  # bytes: a list of names


class ModsError(Exception):
    """The mods folder cannot be used as asked; one line naming the file."""


@dataclass(frozen=True)
class Mod:
    """A pack in the mods folder."""

    name: str  # its folder's name
    path: Path
    enabled: bool


def mods_dir() -> Path:
    chosen = os.environ.get(MODS_ENV)
    return Path(chosen) if chosen else platformdirs.user_data_path(
        "frontier-lab", appauthor=False) / "mods"


def mods(folder: Path | None = None) -> list[Mod]:
    """The packs in the mods folder, by name ([] when there is no folder)."""
    folder = folder or mods_dir()
    if not folder.is_dir():
        return []
    disabled = _disabled(folder)
    return [Mod(p.name, p, p.name not in disabled)
            for p in sorted(folder.iterdir(), key=lambda p: p.name)
            if p.is_dir() and not p.is_symlink() and (p / "pack.toml").is_file()]


def set_enabled(name: str, enabled: bool, folder: Path | None = None) -> Mod:
    """Enable or disable the mod called ``name``; ModsError if there is none."""
    folder = folder or mods_dir()
    found = {m.name: m for m in mods(folder)}
    if name not in found:
        known = ", ".join(found) or "none"
        raise ModsError(f"{folder}: no mod '{name}' (the mods there: {known})")
    disabled = _disabled(folder) - {name} | (set() if enabled else {name})
    path = folder / DISABLED_FILE
    try:
        path.write_text("# Mods that do not play (frontier-lab packs enable|disable NAME)\n"
                        + tomli_w.dumps({"disabled": sorted(disabled)}), encoding="utf-8")
    except OSError as exc:
        raise ModsError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return Mod(name, found[name].path, enabled)


def _disabled(folder: Path) -> set[str]:
    path = folder / DISABLED_FILE
    if not path.exists() and not path.is_symlink():
        return set()
    try:  # a plain file of at most 1 MB, read as the packs' files are
        names = tomllib.loads(read_file(path, limit=DISABLED_LIMIT).decode("utf-8")).get(
            "disabled", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, Refused) as exc:
        raise ModsError(f"{path}: cannot be read ({exc}); delete it to enable every mod") \
            from None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModsError(f"{path}: 'disabled' must be a list of mod names")
    return set(names)


def chosen_packs(cli: Sequence[Path] = ()) -> list[Path]:
    """The packs asked for by name: ``--pack`` folders, then ``$FRONTIER_LAB_PACKS``'s."""
    env = [Path(p) for p in os.environ.get(PACKS_ENV, "").split(os.pathsep) if p.strip()]
    return [*cli, *env]


_kept: dict[tuple[str, ...], Content] = {}  # keep_loaded's


def keep_loaded(cli: Sequence[Path]) -> None:
    """Load the shipped content and ``cli`` exactly now, and answer ``load_with_mods(cli,
    exactly=True)`` from memory from then on: for the warm game starter of ``serve``
    (game.commands.warm), whose games, forked after, all play the class's packs as they were
    when the server started. ContentError as ``load_content``."""
    _kept[_key(cli)] = load_content(list(cli))


def _key(cli: Sequence[Path]) -> tuple[str, ...]:
    return tuple(str(Path(p).absolute()) for p in cli)


def load_with_mods(cli: Sequence[Path] = (), *, exactly: bool = False
                   ) -> tuple[Content, list[str]]:
    """The shipped content, the packs asked for, and every enabled mod that loads with them;
    with a sentence for each mod left out. ContentError when the packs asked for (or the
    shipped ones) have problems. ``exactly``: the shipped content and ``cli`` only (a class
    plays the packs it was made with, whatever this account's mods or environment)."""
    if exactly:
        kept = _kept.get(_key(cli))
        return (kept if kept is not None else load_content(list(cli))), []
    chosen = chosen_packs(cli)
    try:
        enabled = [m for m in mods() if m.enabled]
    except ModsError as exc:
        return load_content(chosen), [f"no mods this time: {exc}"]
    said: list[str] = []
    while True:
        try:
            return load_content([*chosen, *(m.path for m in enabled)]), said
        except ContentError as exc:
            broken = next((m for m in enabled if any(_within(p.path, m.path)
                                                     for p in exc.problems)), None)
            if broken is None:
                raise
            first = next(p for p in exc.problems if _within(p.path, broken.path))
            said.append(f"mod '{broken.name}' left out: {first} (fix it, or `frontier-lab "
                        f"packs disable {broken.name}`)")
            enabled.remove(broken)


def _within(path: Path, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
