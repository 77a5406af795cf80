"""``frontier-lab replay SAVE`` (verification) and ``frontier-lab saves`` (the list)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from game.commands.console import UserError, emit_json
from game.text import printable

if TYPE_CHECKING:
    from game.session.saves.folder import SaveSummary


def run_replay(args: argparse.Namespace) -> int:
    """Replay a save from its seed and check every quarter; exit 1 unless it verifies."""
    from game.packs import load_content
    from game.session.saves.errors import SaveError
    from game.session.store import verify

    content = load_content()
    try:
        result = verify(args.save, content)
    except SaveError as exc:
        raise UserError(str(exc)) from None
    game = result.game
    outcome = game.outcome if game is not None else None
    score = game.score if game is not None else None
    if args.format == "json":
        emit_json({"save": str(args.save), "verified": result.verified,
                   "problems": result.problems, "outcome": outcome, "score": score})
    else:
        save = result.save
        assert save is not None
        out = sys.stdout
        out.write(printable(f"{args.save}: {save.lab}, {save.scenario}, seed {save.seed}, "
                            f"{save.quarters} quarters") + "\n")
        if result.verified:
            out.write(f"verified: replaying the action log from the seed gives every recorded "
                      f"quarter exactly; outcome {outcome}, score {score:,.2f}\n")
        else:
            for problem in result.problems:
                out.write(printable(f"not verified: {problem}") + "\n")
    return 0 if result.verified else 1


def run_saves(args: argparse.Namespace) -> int:
    """The saves in the folder: lab, scenario, quarter, outcome (unreadable ones say why)."""
    from game.session.saves.folder import SAVES_ENV, list_saves, saves_dir

    chosen = getattr(args, "saves", None) or os.environ.get(SAVES_ENV)
    folder = saves_dir(chosen)
    if chosen and not folder.is_dir():  # a folder named on purpose must exist
        raise UserError(f"{folder}: " + ("not a folder" if folder.exists() else "no such folder")
                        + " (--saves or $" + SAVES_ENV + " names the saves folder)")
    rows = list_saves(folder)
    if args.format == "json":
        emit_json({"folder": str(folder), "saves": [
            {"file": str(r.path), "lab": r.lab, "scenario": r.scenario, "quarter": r.quarter,
             "outcome": r.outcome, "updated": r.updated, "error": r.error} for r in rows]})
        return 0
    out = sys.stdout
    if not rows:
        out.write(f"No saves in {folder}. A game saves itself every quarter; "
                  "`frontier-lab simulate --save PATH` saves a bot's game.\n")
        return 0
    out.write(f"Saves in {folder}\n")
    out.writelines(save_line(r) for r in rows)
    return 0


def save_line(row: SaveSummary, scenario: bool = True) -> str:
    """One save as a line of a listing (a class folder's listing leaves out its one scenario)."""
    if row.error:
        return printable(f"  {row.path.name:<36} unreadable: {row.error}") + "\n"
    where = f"{row.scenario} · " if scenario else ""
    return printable(f"  {row.path.name:<36} {row.lab} · {where}quarter {row.quarter} · "
                     f"{row.outcome} · {row.updated}") + "\n"
