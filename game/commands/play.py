"""``frontier-lab`` / ``frontier-lab play``: the game in the terminal."""

from __future__ import annotations

import argparse

from game.cli import UserError


def run_play(args: argparse.Namespace) -> int:
    saves = getattr(args, "saves", None)  # resolved when first needed (fast first frame)
    game = None
    content = None
    scenario = getattr(args, "scenario", None)
    seed = getattr(args, "seed", None)
    lab = getattr(args, "lab", None)
    load = getattr(args, "load", None)
    if load is not None or scenario is not None or seed is not None or lab is not None:
        from game.packs import load_content

        content = load_content()  # straight into a game: it is needed before the first frame
    if load is not None:
        from game.session.store import SaveError, load_game

        try:
            game = load_game(load, content)
        except SaveError as exc:
            raise UserError(str(exc)) from None
    elif content is not None:
        from game.packs import DEFAULT_SCENARIO
        from game.session.game import Game, GameError

        scenario = scenario or DEFAULT_SCENARIO
        if scenario not in content.scenarios:
            content.params(scenario)  # the "no scenario" problem, with suggestions
        try:
            game = Game(content, scenario, 2026 if seed is None else seed, lab or "Frontier Lab")
        except GameError as exc:
            raise UserError(str(exc)) from None
    from game.ui.app import FrontierLab

    FrontierLab(content, saves, game=game, theme=getattr(args, "theme", "textual-dark")).run()
    return 0
