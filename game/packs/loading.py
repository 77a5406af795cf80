"""Loading the installed packs: found, read, ordered, merged and checked, in that order.

The way in for the rest of the game: ``load_content`` for the Content of every pack,
``load_economy`` for a scenario's engine parameters, ``inspect`` and ``check`` for the
``packs`` commands. Every problem in every file is collected before anything is raised, and
reported sorted by file, line and column: the first ``MAX_PROBLEMS`` of them, after which a
load stops checking (a hostile pack can have millions).

Warnings and notes (``game.packs.lint``) are looked for only when asked (``warnings=True``:
``packs validate``); they never stop a load, so the game does not spend its start on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from game.engine.params import EconomyParams
from game.packs.assembly import Assembly
from game.packs.content import Content
from game.packs.economy import DEFAULT_SCENARIO
from game.packs.errors import MAX_PROBLEMS, ContentError, Problem, capped, full
from game.packs.lint import lint
from game.packs.order import load_order
from game.packs.reading import discover, read_packs
from game.packs.versions import check_requirements


def load_content(extra: Sequence[Path] = (), shipped: bool = True) -> Content:
    """Load and check every pack; raises ContentError listing every problem found."""
    content, problems = _load(extra, shipped)
    if problems or content is None:
        raise ContentError(_reported(problems))
    return content


def load_economy(scenario: str = DEFAULT_SCENARIO) -> EconomyParams:
    """The engine's parameters for a scenario of the installed packs."""
    return load_content().params(scenario)


def inspect(extra: Sequence[Path] = (), shipped: bool = True, warnings: bool = False
            ) -> tuple[Content | None, list[Problem]]:
    """The content as far as it loads, and every problem (for `packs list`); with
    ``warnings``, the warnings and notes too (for `packs validate`)."""
    content, problems = _load(extra, shipped, warnings)
    return content, _reported(problems)


def check(extra: Sequence[Path] = (), shipped: bool = True, warnings: bool = False
          ) -> list[Problem]:
    """Every error in the packs, without raising; with ``warnings``, the warnings and notes
    too (``Problem.severity`` tells them apart)."""
    return _reported(_load(extra, shipped, warnings)[1])


def _reported(problems: list[Problem]) -> list[Problem]:
    """Sorted by file, line and column; when the load stopped at MAX_PROBLEMS, the line saying
    so comes last."""
    if not full(problems):
        return sorted(problems, key=_sort_key)
    *kept, stopped = capped(problems)
    return [*sorted(kept, key=_sort_key), stopped]


def _sort_key(p: Problem) -> tuple[str, int, int]:
    return (str(p.path), p.line or 0, p.col or 0)


def _load(extra: Sequence[Path], shipped: bool, warnings: bool = False
          ) -> tuple[Content | None, list[Problem]]:
    folders, problems = discover(extra, shipped)
    packs = read_packs(folders, problems)
    check_requirements(packs, problems)
    ordered, before = load_order(packs, problems)
    state = Assembly(problems, before)
    for pack in ordered:
        if full(problems):
            return None, problems
        state.load_pack(pack)
    content = state.finish(ordered)
    if warnings and not full(problems):
        # Every pack read, even one left out of the order, has its ignored files said.
        problems += lint(content, state.events, state.scenarios, list(packs.values()),
                         whole=not problems and content is not None,
                         room=MAX_PROBLEMS - len(problems), library=state.library)
    return content, problems
