"""``frontier-lab replay SAVE`` (verification) and ``frontier-lab saves`` (the list)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from game.commands.console import UserError, emit_json, load_packs
from game.text import printable

if TYPE_CHECKING:
    from game.session.saves.folder import SaveSummary


def run_replay(args: argparse.Namespace) -> int:
    """Replay a save from its seed and check every quarter; exit 1 unless it verifies."""
    from game.classroom.market_play import Verifier
    from game.session.saves.errors import SaveError

    content = load_packs(args)
    try:
        result = Verifier(content)(args.save)
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
    """The saves in the folder: lab, scenario, quarters, outcome, and whether each verifies
    (replayed from its seed: verified, edited, other content or damaged, with why)."""
    from game.session.saves.errors import SaveError
    from game.session.saves.folder import SAVES_ENV, list_saves, saves_dir
    from game.session.store import status

    chosen = getattr(args, "saves", None) or os.environ.get(SAVES_ENV)
    folder = saves_dir(chosen)
    if chosen and not folder.is_dir():  # a folder named on purpose must exist
        raise UserError(f"{folder}: " + ("not a folder" if folder.exists() else "no such folder")
                        + " (--saves or $" + SAVES_ENV + " names the saves folder)")
    try:
        rows = list_saves(folder)
    except SaveError as exc:
        raise UserError(str(exc)) from None
    content = load_packs(args) if rows else None
    checked = [status(r.path, content) for r in rows]
    if args.format == "json":
        emit_json({"folder": str(folder), "saves": [
            {"file": str(r.path), "lab": r.lab, "scenario": r.scenario, "quarter": r.quarter,
             "outcome": r.outcome, "updated": r.updated, "error": r.error, "status": state,
             "why": why} for r, (state, why) in zip(rows, checked, strict=True)]})
        return 0
    out = sys.stdout
    if not rows:
        out.write(f"No saves in {folder}. A game saves itself every quarter; "
                  "`frontier-lab simulate --save PATH` saves a bot's game.\n")
        return 0
    out.write(f"Saves in {folder}, each replayed from its seed\n")
    out.writelines(save_line(r, checked=c) for r, c in zip(rows, checked, strict=True))
    return 0


def save_line(row: SaveSummary, scenario: bool = True,
              checked: tuple[str, str] | None = None) -> str:
    """One save as a line of a listing (a class folder's listing leaves out its one scenario),
    with what replaying it found when ``checked`` says."""
    if row.error:
        return printable(f"  {row.path.name:<36} damaged: {row.error}") + "\n"
    where = f"{row.scenario} · " if scenario else ""
    played = f"{row.quarter} quarter{'s' if row.quarter != 1 else ''} played"
    line = f"  {row.path.name:<36} {row.lab} · {where}{played} · {row.outcome} · {row.updated}"
    if checked is not None:
        state, why = checked
        line += " · verified" if state == "verified" else f"\n      {state.upper()}: {why}"
    return printable(line) + "\n"
