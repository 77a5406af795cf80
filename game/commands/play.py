"""``frontier-lab`` / ``frontier-lab play``: the game in the terminal."""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

from game.commands.console import UserError


def run_play(args: argparse.Namespace) -> int:
    from game.ui.startup import pause_collection

    pause_collection()  # resumed by the app after its first frame
    try:
        return _play(args)
    finally:
        gc.enable()  # and in any case once the app has ended, or never started


def _play(args: argparse.Namespace) -> int:
    saves = getattr(args, "saves", None)  # resolved when first needed (fast first frame)
    class_dir = getattr(args, "class_dir", None)
    fixed: tuple[str, int] | None = None
    if class_dir is not None:
        fixed = class_settings(class_dir, getattr(args, "scenario", None),
                               getattr(args, "seed", None))
        saves = class_dir
        args.scenario = args.seed = None  # chosen in the new-game form, within the class's
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
        from game.session.saves.errors import SaveError
        from game.session.store import load_game

        try:
            game = load_game(load, content)
        except SaveError as exc:
            raise UserError(str(exc)) from None
        if class_dir is not None:  # in a class a loaded save goes on in a copy (see app._loaded)
            game.save_path, game.created = None, None
    elif content is not None:
        from game.packs import DEFAULT_SCENARIO
        from game.session.game import Game, GameError

        scenario = scenario or DEFAULT_SCENARIO
        if scenario not in content.scenarios:
            content.params(scenario)  # the "no scenario" problem, with suggestions
        try:
            if seed is None:
                seed = content.scenarios[scenario].default_seed()
            game = Game(content, scenario, seed, lab or "Frontier Lab")
        except GameError as exc:
            raise UserError(str(exc)) from None
    from game.ui.app import FrontierLab

    app = FrontierLab(content, saves, game=game, theme=getattr(args, "theme", "textual-dark"),
                      class_dir=class_dir, fixed=fixed)
    app.run()
    if app.return_code:
        where = f"; the details are in {app.crash_log}" if app.crash_log else ""
        raise UserError(f"the game stopped on an unexpected error{where}")
    return 0


def class_settings(class_dir: Path, scenario: str | None, seed: int | None) -> tuple[str, int]:
    """The class's scenario and seed: the options given, else the class folder's settings
    (``DIR/.class/class.toml``, written by ``frontier-lab class new``), else the defaults."""
    import tomllib

    settings: dict[str, object] = {}
    path = class_dir / ".class" / "class.toml"
    if path.exists():
        try:
            settings = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UserError(f"{path}: cannot read the class settings ({exc})") from None
    if not class_dir.is_dir():
        raise UserError(f"{class_dir}: no such class folder (create one with "
                        "`frontier-lab class new DIR`)")
    scenario = scenario or str(settings.get("scenario") or "ipo-window")
    raw_seed = seed if seed is not None else settings.get("seed", 2026)
    if not isinstance(raw_seed, int) or raw_seed < 0:
        raise UserError(f"{path}: seed must be a whole number of zero or more")
    return scenario, raw_seed
