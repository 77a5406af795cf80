"""Save formats: a document's version checked, and older formats upgraded step by step.

A save says which layout it was written in (``format_version``). One this build does not know is
refused with what to do: a newer one with a request to upgrade Frontier Lab, an older one whose
upgrade was dropped with a request to open it in an older Frontier Lab. Older formats are brought
up to the current one (``game.session.saves.record.FORMAT_VERSION``) through ``MIGRATIONS``, one
format at a time, before the record is validated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from game.packs.toml_io import toml_kind
from game.session.saves import record
from game.session.saves.errors import SaveError, damaged

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _one_to_two(data: dict[str, Any]) -> dict[str, Any]:
    """Format 2 added the optional ``draft`` (the quarter in progress): a format-1 save is a
    format-2 save without one, unchanged."""
    return data


def _two_to_three(data: dict[str, Any]) -> dict[str, Any]:
    """Format 3 added the optional ``signed`` (a class game's id and signature) and
    ``continued_from``: a format-2 save is a format-3 save without them, unchanged."""
    return data


def _three_to_four(data: dict[str, Any]) -> dict[str, Any]:
    """Format 4 added the optional ``signed.student`` (who plays a class game, from the class's
    roster): a format-3 save is a format-4 save without one, unchanged."""
    return data


MIGRATIONS: dict[int, Migration] = {1: _one_to_two, 2: _two_to_three, 3: _three_to_four}
"""Format N -> the function that turns a format-N document into a format-(N+1) one.

Applied in order from the file's version up to ``FORMAT_VERSION``; each receives the parsed TOML
(with big integers still encoded) and returns the upgraded document (``format_version`` is set by
the caller).
"""

# FORMAT_VERSION is read from the record module when it is needed, not copied here: the model and
# the migrations agree on the current format by having one place to look.


def check_version(path: Path, data: dict[str, Any]) -> None:
    """SaveError unless ``data`` has a format_version this build can read or upgrade from."""
    version = data.get("format_version")
    if version is None:
        raise SaveError("not a Frontier Lab save (it has no format_version) — choose a "
                        "save the game wrote", path)
    if isinstance(version, bool) or not isinstance(version, int):
        raise SaveError(f"format_version: expected a whole number, got {toml_kind(version)} "
                        f"— {damaged(path)}", path)
    if version > record.FORMAT_VERSION:
        raise SaveError(f"made by a newer Frontier Lab (format {version}); this version "
                        f"reads formats up to {record.FORMAT_VERSION} — upgrade to open it",
                        path)


def migrate(data: dict[str, Any], path: Path | str = "<save>") -> dict[str, Any]:
    """Bring a document of an older format up to ``FORMAT_VERSION``, one step at a time.

    ``MIGRATIONS[n]`` turns format n into n + 1; this sets ``format_version`` after each step.
    """
    path = Path(path)
    current = record.FORMAT_VERSION
    version = data["format_version"]
    if version < 1:
        raise SaveError(f"format_version {version} was never written by Frontier Lab — "
                        f"{damaged(path)}", path)
    while version < current:
        step = MIGRATIONS.get(version)
        if step is None:
            raise SaveError(f"saves of format {version} can no longer be read by this "
                            f"version (format {current}) — open it with an older "
                            "Frontier Lab", path)
        try:
            upgraded = step(dict(data))
        except Exception as exc:  # a migration meeting data its format never allowed
            raise SaveError(f"could not be upgraded from format {version} "
                            f"({type(exc).__name__}: {exc}) — {damaged(path)}", path) from None
        if not isinstance(upgraded, dict):
            raise TypeError(f"MIGRATIONS[{version}] returned {type(upgraded).__name__}, "
                            "not a dict")  # a bug in this build, not in the file
        data = upgraded
        version += 1
        data["format_version"] = version
    return data
