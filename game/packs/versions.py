"""Version strings, requirement ranges, and whether the installed packs meet each other's.

A pack states the game it needs (``game_version = ">=0.1,<1.0"``), the packs it depends on
(``depends = ["base>=1.0"]``) and those it cannot be installed with (``conflicts``). A range is
comparisons joined by commas, every one of which must hold; its bounds are up to three numbers
("1", "1.2", "1.2.3", the missing ones 0) of at most 9 digits each (Python refuses to read a
number of over 4,300 digits, and no version needs ten).
"""

from __future__ import annotations

import re

from game import __version__
from game.packs.errors import Problem, did_you_mean
from game.packs.reading import Pack

_REQUIREMENT = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(.*)$")
_COMPARATOR = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d{1,9}(?:\.\d{1,9}){0,2})\s*$")
DIGITS = 9  # in each number of a version


def _version(text: str) -> tuple[int, ...] | None:
    """(major, minor, patch) of '1', '1.2' or '1.2.3'; None when it is not one."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdecimal() and len(p) <= DIGITS for p in parts):
        return None
    return tuple([int(x) for x in parts] + [0] * (3 - len(parts)))


def satisfies(version: str, spec: str) -> bool | None:
    """Whether a version meets a range such as '>=0.1,<1.0' (None: the range, or the version,
    is malformed)."""
    v = _version(version)
    if v is None:
        return None
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        m = _COMPARATOR.match(clause)
        bound = _version(m.group(2)) if m else None
        if m is None or bound is None:
            return None
        op = m.group(1)
        ok = {">=": v >= bound, "<=": v <= bound, "==": v == bound, "!=": v != bound,
              ">": v > bound, "<": v < bound}[op]
        if not ok:
            return False
    return True


def requirement(text: str) -> tuple[str, str] | None:
    """(pack id, range) of an entry such as 'base>=1.0' (the range may be ''); None if it is
    not one."""
    m = _REQUIREMENT.match(text)
    return (m.group(1), m.group(2).strip()) if m else None


def check_requirements(packs: dict[str, Pack], problems: list[Problem]) -> None:
    """Record a problem for each requirement an installed pack states and the others do not
    meet: the game's version, a missing or too old dependency, a conflicting pack."""
    for pack in packs.values():
        m = pack.manifest
        if _version(m.version) is None:
            problems.append(pack.at(f"version '{m.version[:40]}' is not three numbers of at most "
                                    f"{DIGITS} digits, such as 1.2.3", "version"))
        trouble = _range_problem("game", __version__, m.game_version, f"game_version "
                                 f"'{m.game_version}'")
        if trouble:
            problems.append(pack.at(trouble, "game_version"))
        for req in m.depends:
            parsed = requirement(req)
            if parsed is None:
                problems.append(pack.at(f"depends entry '{req}' is not 'pack' or 'pack>=1.0'",
                                        "depends"))
                continue
            name, spec = parsed
            if name not in packs:
                hint = did_you_mean(name, list(packs))
                problems.append(pack.at(f"depends on pack '{name}', which is not "
                                        f"installed{hint}", "depends"))
                continue
            trouble = spec and _range_problem(name, packs[name].manifest.version, spec,
                                              f"depends entry '{req}'")
            if trouble:
                problems.append(pack.at(trouble, "depends"))
        for other in m.conflicts:
            parsed = requirement(other)
            if parsed and parsed[0] in packs:
                problems.append(pack.at(f"conflicts with pack '{parsed[0]}', which is also "
                                        "installed; remove one of them", "conflicts"))


def _range_problem(what: str, version: str, spec: str, entry: str) -> str | None:
    """Why ``version`` of ``what`` does not meet ``spec`` (None when it does)."""
    if _version(version) is None:
        return f"{what}'s version '{version[:40]}' is not three numbers of at most {DIGITS} digits"
    met = satisfies(version, spec)
    if met is None:
        return f"{entry}: '{spec[:80]}' is not a version range such as '>=0.1,<1.0'"
    if not met:
        return f"needs {what} {spec}, but {what} is version {version}"
    return None
