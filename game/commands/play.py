"""``frontier-lab`` / ``frontier-lab play``: the game in the terminal."""

from __future__ import annotations

import argparse
import gc
import os
from pathlib import Path
from typing import Any

from game.commands.console import UserError, load_packs


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
    key, hidden = None, False
    roster = None
    if class_dir is not None:
        if getattr(args, "dev", False):
            raise UserError("a class's games cannot use the developer console: drop --dev")
        scenario, seed, key, hidden = class_settings(class_dir, getattr(args, "scenario", None),
                                                     getattr(args, "seed", None))
        fixed = (scenario, seed)
        packs = class_packs(class_dir)
        if packs is not None:  # a class made with `class new`: its packs, exactly
            if getattr(args, "pack", None):
                raise UserError("a class plays the packs it was made with (`class new DIR "
                                "--pack …`): drop --pack")
            args.pack, args.exact_packs = packs, True
        saves = class_dir
        roster = class_roster(class_dir)
        args.scenario = args.seed = None  # chosen in the new-game form, within the class's
    game = None
    content = None
    scenario = getattr(args, "scenario", None)
    seed = getattr(args, "seed", None)
    lab = getattr(args, "lab", None)
    load = getattr(args, "load", None)
    if getattr(args, "anew", False) and load is None:
        raise UserError("--anew plays an older save again: give it with --load SAVE")
    # packs asked for by name load before the first frame, so their problems stop us here
    # (game.packs.sources is not imported for this: the title screen must draw fast)
    asked = getattr(args, "pack", None) or os.environ.get("FRONTIER_LAB_PACKS", "").strip()
    if (load is not None or scenario is not None or seed is not None or lab is not None
            or asked):
        content = load_packs(args)  # straight into a game: it is needed before the first frame
    if load is not None:
        from game.session.saves.errors import SaveError
        from game.session.store import continue_anew, load_game

        try:
            game = (continue_anew(load, content)[0] if getattr(args, "anew", False)
                    else load_game(load, content))
        except SaveError as exc:
            hint = ("; add --anew to play its decisions again under this version's rules, as "
                    "a new game" if "different content" in str(exc) else "")
            raise UserError(f"{exc}{hint}") from None
        if class_dir is not None:  # in a class a loaded save goes on in a copy (see app._loaded)
            game.save_path, game.created, game.game_id = None, None, None
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
                      class_dir=class_dir, fixed=fixed, class_key=key, secret_seed=hidden,
                      packs=list(getattr(args, "pack", None) or []),
                      exact_packs=getattr(args, "exact_packs", False),
                      dev=getattr(args, "dev", False), lang=getattr(args, "lang", None),
                      roster=roster)
    app.run()
    if app.return_code:
        where = f"; the details are in {app.crash_log}" if app.crash_log else ""
        raise UserError(f"the game stopped on an unexpected error{where}")
    return 0


def class_roster(class_dir: Path) -> list[Any] | None:
    """The class's students, when it has a roster (``class roster``): each joins with a code."""
    from game.classroom.folder import ClassError
    from game.classroom.roster import read_roster

    try:
        return read_roster(class_dir)
    except ClassError as exc:
        raise UserError(str(exc)) from None


def class_packs(class_dir: Path) -> list[Path] | None:
    """The packs a class plays besides the shipped ones (its class.toml's ``packs``); None for
    a folder that is no class (a saves folder served as one)."""
    from game.classroom.folder import ClassError, read_settings

    try:
        settings = read_settings(class_dir)
    except ClassError as exc:
        raise UserError(str(exc)) from None
    return [Path(p) for p in settings.packs] if settings else None


def class_settings(class_dir: Path, scenario: str | None, seed: int | None
                   ) -> tuple[str, int, bytes | None, bool]:
    """(scenario, seed, key, secret) of a class: the options given, else the class folder's
    settings (``DIR/.class/class.toml``, written by ``frontier-lab class new``), else the
    defaults; the class's key when this account may read it (the class's server; never a
    student), and whether the seed is the class's secret one (then never shown)."""
    from game.classroom.folder import ClassError, read_settings
    from game.classroom.secret import read_secret
    from game.packs.economy import DEFAULT_SEED

    if not class_dir.is_dir():
        raise UserError(f"{class_dir}: no such class folder (create one with "
                        "`frontier-lab class new DIR`)")
    try:
        settings = read_settings(class_dir)
        secret = read_secret(class_dir)
    except ClassError as exc:
        raise UserError(str(exc)) from None
    scenario = scenario or (settings.scenario if settings else "ipo-window")
    hidden = seed is None and settings is not None and settings.seed is None
    if hidden:
        if secret is None or secret.seed is None:
            raise UserError(f"{class_dir}: this class plays a secret seed, which only its "
                            "server knows: join it in the browser (the address your "
                            "instructor gives), or practise with `frontier-lab play`")
        seed = secret.seed
    elif seed is None:
        seed = settings.seed if settings and settings.seed is not None else DEFAULT_SEED
    return scenario, seed, secret.key if secret else None, hidden


def keep_class_content(args: argparse.Namespace) -> None:
    """For ``serve``'s warm game starter (game.commands.warm): the packs the class's games of
    these arguments play, loaded now and kept, so that each game forked after finds them
    loaded. A saves folder served as a class (no ``class new``) plays this account's mods, which
    may change between two games: its games load their packs themselves."""
    from game.packs.sources import keep_loaded

    class_dir = getattr(args, "class_dir", None)
    packs = class_packs(class_dir) if class_dir is not None else None
    if packs is not None:
        keep_loaded(packs)
