"""``frontier-lab serve``: the game in browser tabs, through textual-serve.

Each browser tab that opens the page gets its own ``frontier-lab play --class DIR`` process
(one game per tab), forked by a warm game starter that has loaded everything a game needs
(game.commands.warm; a game starts cold when the starter is not there), so every student's game
saves into the class folder with the class's scenario and seed, and takes the class's live
events. The server has no accounts and no
passwords: it binds 127.0.0.1 unless ``--host`` says otherwise, and says how to put it behind
something that does authenticate.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import threading
import time
from pathlib import Path

from game.commands.console import UserError, load_packs
from game.commands.serve_web import (
    ClassServer,
    Limits,
    default_max_games,
    game_environment,
    is_loopback,
    setup_logging,
    url_host,
)
from game.commands.warm import COLD_VARIABLE, Warm
from game.text import printable

log = logging.getLogger("frontier-lab.serve")

NO_AUTH = """\
This server has NO AUTHENTICATION of its own: anyone who can reach it can start games in the
class folder. {where}
To let students in, put something in front of it that checks who they are:
  - an SSH tunnel per student: ssh -N -L 8000:127.0.0.1:{port} you@this-machine, then they
    open http://localhost:8000;
  - or a reverse proxy with HTTPS and a password (Caddy's basic_auth, nginx's auth_basic)
    forwarding to 127.0.0.1:{port}, WebSockets included (add --public-url URL if the proxy
    rewrites the address).
"""


def command_for(class_dir: Path, scenario: str | None, seed: int | None,
                packs: list[Path] | None = None, lang: str | None = None) -> str:
    """The shell command each browser tab runs when it starts cold: this Python, this game, and
    ``play_arguments``."""
    return cold_command(play_arguments(class_dir, scenario, seed, packs, lang))


def cold_command(arguments: list[str]) -> str:
    """``frontier-lab`` with these arguments, as a shell command: this Python, this game."""
    return shlex.join([sys.executable, "-m", "game", *arguments])


def play_arguments(class_dir: Path, scenario: str | None, seed: int | None,
                   packs: list[Path] | None = None, lang: str | None = None) -> list[str]:
    """What follows ``frontier-lab`` for each browser tab's game: play, the class folder (and
    the packs it plays with, and the language its text shows in)."""
    parts = ["play", "--class", str(class_dir.absolute())]
    for pack in packs or []:
        parts += ["--pack", str(pack.absolute())]
    if lang is not None:
        parts += ["--lang", lang]
    if scenario is not None:
        parts += ["--scenario", scenario]
    if seed is not None:
        parts += ["--seed", str(seed)]
    return parts


def run_serve(args: argparse.Namespace) -> int:
    from game.classroom import folder
    from game.session.saves.folder import saves_dir

    if args.class_dir is not None:
        class_dir = args.class_dir
        if not class_dir.is_dir():
            raise UserError(f"{class_dir}: no such class folder (create one with "
                            "`frontier-lab class new DIR`)")
    else:
        class_dir = saves_dir(getattr(args, "saves", None))
        try:
            class_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{class_dir}: cannot create the saves folder "
                            f"({exc.strerror or exc})") from None
    try:
        settings = folder.read_settings(class_dir)
    except folder.ClassError as exc:
        raise UserError(str(exc)) from None
    if settings is not None:  # a class plays the packs it was made with, exactly
        if args.pack:
            raise UserError("a class plays the packs it was made with (`class new DIR --pack "
                            "…`): drop --pack")
        args.pack, args.exact_packs = [Path(p) for p in settings.packs], True
    scenario = args.scenario or (settings.scenario if settings else None)
    seed = args.seed if args.seed is not None else (settings.seed if settings else None)
    secret = settings is not None and settings.seed is None and args.seed is None
    from game.packs import DEFAULT_SCENARIO
    from game.packs.errors import did_you_mean

    content = load_packs(args)
    shown = scenario or DEFAULT_SCENARIO
    if shown not in content.scenarios:
        raise UserError(f"no scenario '{shown}'{did_you_mean(shown, content.scenarios)}; "
                        f"known: {', '.join(sorted(content.scenarios))}")
    arguments = play_arguments(class_dir, args.scenario, args.seed,
                               None if settings is not None else list(args.pack),
                               getattr(args, "lang", None))
    command = cold_command(arguments)
    local = is_loopback(args.host)
    if not local:
        confirm_open_host(args.host, getattr(args, "yes", False))
    shown_host = args.host
    if args.host in ("0.0.0.0", "::", ""):  # every interface: name this machine instead
        import socket

        shown_host = socket.gethostname()
    url = args.public_url or f"http://{url_host(shown_host)}:{args.port}"
    where = ("It listens on this computer only (127.0.0.1)." if local else
             f"It listens on {args.host}: every machine that can reach this one can play, "
             "with no password.")
    logs = class_dir / ".class" if settings is not None else class_dir
    log_path = logs.absolute() / "serve.log"
    max_games = args.max_games or default_max_games()
    try:
        setup_logging(log_path, sys.stderr)
    except OSError as exc:
        raise UserError(f"{log_path}: cannot write the server's log ({exc.strerror or exc})"
                        ) from None
    out = sys.stdout
    out.write(f"Frontier Lab in the browser: open {url} (each tab is one game).\n"
              f"Class folder {class_dir.absolute()}: scenario {shown}, "
              + ("a secret seed; every game saves there, signed by the class's key.\n"
                 if secret else
                 f"seed {seed if seed is not None else 2026}; every game saves there.\n")
              + f"At most {max_games} games at once (--max-games); the server's errors go to "
                f"{log_path.absolute()}, a line each here.\n\n")
    out.write(NO_AUTH.format(where=where, port=args.port))
    dashboard = None
    if settings is not None:  # a class: the instructor's dashboard, beside the games
        from game.commands.dashboard_web import Dashboard, instructor_token

        try:
            token = instructor_token(class_dir)
        except OSError as exc:
            raise UserError(f"{class_dir / '.class'}: cannot keep the instructor's token "
                            f"({exc.strerror or exc})") from None
        events = [{"id": ce.event.id, "title": printable(ce.event.title),
                   "category": ce.event.category} for ce in content.events]
        dashboard = Dashboard(class_dir, token, sorted(events, key=lambda e: e["title"]))
        out.write(f"\nInstructor dashboard: {url.rstrip('/')}/instructor?token={token}\n"
                  "(keep this address to yourself: it lets whoever opens it run the class)\n")
    out.write("\nPress Ctrl+C to stop.\n")
    out.flush()
    warm = (None if os.environ.get(COLD_VARIABLE, "").strip().lower() in ("1", "yes", "on")
            else Warm(arguments, game_environment()))
    if warm is not None:
        warm.start()  # before listening: the first tab's game is forked (else started cold)
    server = ClassServer(command, args.host, args.port, args.public_url, Limits(max_games),
                         dashboard, warm)
    if settings is not None and settings.rounds == "market":
        coordinate_rounds(class_dir)
    try:
        server.serve()
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port} "
                        f"({exc.strerror or exc}); is another server on that port? "
                        "Choose another with --port") from None
    finally:
        if warm is not None:
            warm.close()
    return 0


def coordinate_rounds(class_dir: Path, every: float = 1.0) -> threading.Thread:
    """A shared market's rounds closed when due even while no student's game is open (at the
    deadline, say): a thread that looks once a second. Every server of the class, and every
    game, may do so: a round closes once, under the class's lock."""
    from game.classroom.folder import ClassError
    from game.classroom.market_rounds import close_due

    def run() -> None:
        told = False
        while True:
            try:
                for k in close_due(class_dir):
                    log.info("the market's round %s closed", k)
                told = False
            except (ClassError, OSError) as exc:
                if not told:  # once until it works again
                    log.warning("cannot close the market's rounds: %s", exc)
                    told = True
            except Exception:
                log.exception("the market's rounds")
            time.sleep(every)

    thread = threading.Thread(target=run, name="market-rounds", daemon=True)
    thread.start()
    return thread


def confirm_open_host(host: str, yes: bool) -> None:
    """Serving beyond this machine, with no password: asked on a terminal, refused elsewhere
    unless ``--yes`` says so."""
    question = (f"--host {host or '(every address)'}: anyone who can reach this machine can "
                "play, with no password.")
    if yes:
        return
    if not sys.stdin.isatty():
        raise UserError(f"{question} Add --yes to serve anyway (there is no terminal to ask "
                        "on)")
    try:
        answer = input(f"{question} Serve anyway? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise UserError("not serving (answer y to serve beyond this machine)")
