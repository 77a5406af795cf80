"""``frontier-lab`` / ``frontier-lab play``: the game in the terminal."""

from __future__ import annotations

import argparse

from game.cli import UserError


def run_play(args: argparse.Namespace) -> int:
    from game.packs import DEFAULT_SCENARIO, load_content
    from game.session.game import Game, GameError
    from game.session.saves import saves_dir

    content = load_content()
    saves = saves_dir(getattr(args, "saves", None))
    game = None
    scenario = getattr(args, "scenario", None)
    seed = getattr(args, "seed", None)
    lab = getattr(args, "lab", None)
    load = getattr(args, "load", None)
    if load is not None:
        from game.session.store import SaveError, load_game

        try:
            game = load_game(load, content)
        except SaveError as exc:
            raise UserError(str(exc)) from None
    elif scenario is not None or seed is not None or lab is not None:
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
