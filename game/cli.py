"""The ``frontier-lab`` command line.

Exit codes: 0 success; 1 a user-facing error (bad content, invalid plan); 2 usage. Nothing a user
can type produces a traceback. Heavy modules are imported inside the commands that need them, so
``frontier-lab --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from game import __version__
from game.commands.console import UserError

MAX_WORLDS = 1_000_000
WARM_COMMAND = "__warm-games__"  # game.commands.warm.COMMAND (not imported: --help stays instant)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2) that point at --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_in(lo: int, hi: int, what: str) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a whole number, got '{text}'") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{what} must be between {lo:,} and {hi:,}, got {value:,}")
        return value

    return parse


def _number_in(lo: float, hi: float, what: str) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got '{text}'") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{what} must be between {lo:g} and {hi:g}, got {value:g}")
        return value

    return parse


_points = _number_in(0.01, 100_000, "--grade-scale")
_fraction = _number_in(0.0, 1.0, "--abandoned-credit")


def _add_pack_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pack", action="append", type=Path, default=[], metavar="DIR",
                        help="play with this pack (or folder of packs) too; repeatable "
                             "(also: $FRONTIER_LAB_PACKS, and the mods folder: packs mods)")


def _language(text: str) -> str:
    """--lang: a language code such as fr or pt-BR (the packs' locales/<lang>.toml; the pattern
    is game.packs.locales.LANG, not imported here so that --help stays instant)."""
    import re

    if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}", text):
        raise argparse.ArgumentTypeError(
            f"--lang takes a language code such as fr or pt-BR, got '{text}'")
    return text


def _add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", type=_language, default=None, metavar="LANG",
                        help="show the packs' text (events, glossary, scenarios) in this "
                             "language where a pack translates it, e.g. fr (also: "
                             "$FRONTIER_LAB_LANG; default: English); the game's own words stay "
                             "English")


def build_parser() -> argparse.ArgumentParser:
    from game.bots.strategies import STRATEGIES  # light: no numpy work at import

    parser = _Parser(
        prog="frontier-lab",
        description="Frontier Lab: run a frontier AI lab's compute budget before its IPO.",
    )
    parser.add_argument("--version", action="version", version=f"frontier-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    play = sub.add_parser(
        "play", help="play in the terminal (the default command)",
        description="Play Frontier Lab in the terminal: the title screen, or straight into a "
                    "game with --scenario, --seed or --lab, or a save with --load.")
    play.add_argument("--scenario", default=None, help="scenario id (default: ipo-window)")
    play.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=None)
    play.add_argument("--lab", default=None, help="your lab's name")
    play.add_argument("--load", type=Path, default=None, metavar="SAVE",
                      help="continue a saved game")
    play.add_argument("--anew", action="store_true",
                      help="with --load: a save that cannot replay here (an earlier version's, "
                           "or made with packs that changed) played again under this version's "
                           "rules, as a new game")
    play.add_argument("--class", dest="class_dir", type=Path, default=None, metavar="DIR",
                      help="play in a class: saves go to DIR, the class fixes scenario and seed")
    play.add_argument("--dev", action="store_true",
                      help="the developer console (F2) for trying packs: fire events, set "
                           "flags, jump quarters; a game that uses it is marked, never ranked")
    _add_lang_option(play)
    play.add_argument("--theme", default="textual-dark",
                      choices=("textual-dark", "textual-light", "ansi-dark", "ansi-light"),
                      help="colours (ansi-*: for 16-colour terminals)")
    # --saves before the command or after it: the subcommand's copy has no default of its own,
    # so it never overwrites the value given before the command
    parser.add_argument("--saves", type=Path, default=None, metavar="DIR",
                        help="where saves go (default: $FRONTIER_LAB_SAVES or ./saves)")
    play.add_argument("--saves", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                      help="where saves go (default: $FRONTIER_LAB_SAVES or ./saves)")

    sim = sub.add_parser(
        "simulate",
        help="play a scripted strategy over one or many worlds",
        description="Play a scripted strategy (or a fixed plan) through a scenario, headless.",
    )
    sim.add_argument("--scenario", default=None, help="scenario id (default: ipo-window)")
    sim.add_argument("--strategy", default="balanced", choices=sorted(STRATEGIES),
                     help="which bot plays (default: balanced)")
    sim.add_argument("--plan", type=Path, default=None, metavar="PLAN.toml",
                     help="play this fixed plan every quarter instead of a strategy")
    sim.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=None,
                     help="(default: 7; with --class, the class's)")
    sim.add_argument("--worlds", type=_int_in(1, MAX_WORLDS, "--worlds"), default=1)
    sim.add_argument("--quarters", type=_int_in(1, 40, "--quarters"), default=None,
                     help="quarters to play (default: the scenario's horizon)")
    sim.add_argument("--format", choices=("table", "json"), default="table")
    sim.add_argument("--events", action=argparse.BooleanOptionalAction, default=True,
                     help="let the packs' events happen (default: yes)")
    sim.add_argument("--save", type=Path, default=None, metavar="PATH",
                     help="save the game (one world) exactly as a player's game is saved")
    sim.add_argument("--class", dest="class_dir", type=Path, default=None, metavar="DIR",
                     help="play the class's scenario and seed and sign the saved game with the "
                          "class's key (a benchmark the class report ranks; needs --save)")
    sim.add_argument("--replace", action="store_true",
                     help="let --save replace a file that holds another game's save")

    bench = sub.add_parser(
        "bench",
        help="measure engine throughput",
        description="Measure the engine at batch W and at batch 1 in the same run.",
    )
    bench.add_argument("--worlds", type=_int_in(1, MAX_WORLDS, "--worlds"), default=10_000)
    bench.add_argument("--quarters", type=_int_in(1, 40, "--quarters"), default=20)
    bench.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=7)
    bench.add_argument("--format", choices=("table", "json"), default="table")
    bench.add_argument("--events", action=argparse.BooleanOptionalAction, default=True,
                       help="include the packs' events (default: yes; --no-events measures "
                            "the engine alone)")
    bench.add_argument("--rounds", type=_int_in(1, 20, "--rounds"), default=3,
                       help="repeat each measurement on the same work and keep the fastest "
                            "(default: 3; the spread is reported)")
    rep = sub.add_parser(
        "replay", help="verify a save by replaying it from its seed",
        description="Replay a save's action log from its seed with the installed packs and "
                    "check every recorded quarter. Exit code 1 when it does not verify.")
    rep.add_argument("save", type=Path, metavar="SAVE")
    rep.add_argument("--format", choices=("table", "json"), default="table")

    sv = sub.add_parser("saves", help="list saved games (lab, scenario, quarter, outcome)",
                        description="List the saves in the saves folder.")
    sv.add_argument("--saves", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                    help="the folder (default: $FRONTIER_LAB_SAVES or ./saves)")
    sv.add_argument("--format", choices=("table", "json"), default="table")

    bal = sub.add_parser(
        "balance", help="every bot over many worlds of every scenario",
        description="Play every strategy over many worlds of each scenario: the outcome mix, "
                    "wins, failures and mean score, with a warning when one strategy "
                    "dominates.")
    bal.add_argument("--scenario", default=None, help="one scenario (default: all of them)")
    bal.add_argument("--worlds", type=_int_in(1, MAX_WORLDS, "--worlds"), default=10_000,
                     help="worlds per strategy and scenario (default: 10,000)")
    bal.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=7)
    bal.add_argument("--format", choices=("table", "json"), default="table")
    bal.add_argument("--check", action="store_true",
                     help="exit 1 when the game is unbalanced (for CI and content tuning)")
    bal.add_argument("--adversary", action="store_true",
                     help="also search for the strongest strategies (fixed plans, price and "
                          "filing schedules, a parametric policy) and hold them to the balance "
                          "rules; see docs/ENGINE.md, Balance")
    bal.add_argument("--budget", type=_int_in(8, 100_000, "--budget"), default=None,
                     help="with --adversary: candidates tried per family and scenario "
                          "(default: 240)")
    bal.add_argument("--search-worlds", type=_int_in(10, MAX_WORLDS, "--search-worlds"),
                     default=None, help="with --adversary: worlds each candidate plays "
                                        "(default: 300)")

    packs = sub.add_parser(
        "packs", help="validate, list, create and measure content packs",
        description="Content packs: TOML events, rivals, scenarios, glossary and economy.")
    psub = packs.add_subparsers(dest="packs_command", metavar="ACTION", required=True,
                                parser_class=_Parser)
    pv = psub.add_parser("validate", help="check packs like a compiler: every problem, with "
                                          "file:line:col")
    pv.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                    help="extra packs (or folders of packs) besides the shipped content")
    pv.add_argument("--strict", action="store_true",
                    help="count warnings as errors (exit 1 when there is one)")
    pv.add_argument("--format", choices=("text", "json"), default="text",
                    help="json: one object with every problem and its severity")
    pv.add_argument("--lang", type=_language, default=None, metavar="LANG",
                    help="also list every text of the packs translated into LANG that "
                         "LANG's locale files leave untranslated")
    pl = psub.add_parser("list", help="installed packs in load order, and conflicts")
    pl.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    pn = psub.add_parser("new", help="create a pack whose sample event validates and fires")
    pn.add_argument("name", help="the pack's id (letters, digits, _)")
    pn.add_argument("--dir", default=".", help="where to create it (default: here)")
    ps = psub.add_parser("schema", help="JSON Schema of pack files (for editors)")
    ps.add_argument("--kind", default="events",
                    choices=("pack", "events", "glossary", "scenario", "economy",
                             "economy_patch", "rivals", "variables", "library", "locale",
                             "all"))
    ps.add_argument("--out", default=None, help="a file, or a folder for --kind all")
    pst = psub.add_parser("stats", help="how often each event fires in simulated worlds")
    pst.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    pst.add_argument("--worlds", type=_int_in(1, MAX_WORLDS, "--worlds"), default=2000)
    pst.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=7)
    pst.add_argument("--format", choices=("table", "json"), default="table")
    pm = psub.add_parser("mods", help="the packs in your mods folder, and which play")
    pm.add_argument("--format", choices=("table", "json"), default="table")
    for verb, does in (("enable", "play"), ("disable", "not play")):
        pe = psub.add_parser(verb, help=f"make a pack of the mods folder {does}")
        pe.add_argument("name", metavar="NAME", help="the mod's folder name")
    for command in (play, sim, bench, rep, sv, bal, pst):
        _add_pack_option(command)
    _add_classroom(sub)
    return parser


def _add_classroom(sub: Any) -> None:
    """``class new|show|events|inject|report`` and ``serve`` (docs/CLASSROOM.md)."""
    seed = _int_in(0, 2**63 - 1, "--seed")
    cls = sub.add_parser(
        "class", help="run a class: its folder, live events and the verified report",
        description="Run a class: a folder whose games share a scenario and seed "
                    "(docs/CLASSROOM.md).")
    csub = cls.add_subparsers(dest="class_command", metavar="ACTION", required=True,
                              parser_class=_Parser)
    cn = csub.add_parser("new", help="create a class folder with a fixed scenario and seed")
    cn.add_argument("dir", type=Path, metavar="DIR")
    cn.add_argument("--scenario", default=None, help="scenario id (default: ipo-window)")
    cn.add_argument("--seed", type=seed, default=None,
                    help="a public seed, which students can rehearse offline (default: a "
                         "secret one, known only to the class's server)")
    cn.add_argument("--name", default=None, help="the class's name (default: the folder's)")
    cn.add_argument("--rounds", choices=("free", "lockstep", "market"), default="free",
                    help="free: each game at its own pace (the default); lockstep: quarter by "
                         "quarter, each round opened by the instructor; market: lockstep, in "
                         "one market shared by the class's labs")
    cn.add_argument("--force", action="store_true", help="change an existing class's settings")
    cn.add_argument("--format", choices=("table", "json"), default="table")
    cs = csub.add_parser("show", help="a class's settings, live events and saves")
    cs.add_argument("dir", type=Path, metavar="DIR")
    cs.add_argument("--format", choices=("table", "json"), default="table")
    cr = csub.add_parser("roster", help="who plays, and each student's join code")
    cr.add_argument("dir", type=Path, metavar="DIR")
    cr.add_argument("--import", dest="import_csv", type=Path, default=None, metavar="CSV",
                    help="add the students of a CSV (a header with name, optionally id)")
    cr.add_argument("--add", action="append", metavar="NAME", help="add a student by name "
                    "(repeatable)")
    cr.add_argument("--codes", type=Path, default=None, metavar="FILE.csv",
                    help="also write id, name and join code to a CSV, for handing out")
    cr.add_argument("--format", choices=("table", "json"), default="table")
    crd = csub.add_parser("round", help="a lockstep class's round: open, close, pause, resume")
    crd.add_argument("dir", type=Path, metavar="DIR")
    how = crd.add_mutually_exclusive_group()
    for action, said in (("open", "open the next round (quarter)"),
                         ("close", "close this round now: games short of it play their "
                                   "standing plan"),
                         ("pause", "no quarter ends until --resume"), ("resume", "end a pause")):
        how.add_argument(f"--{action}", dest="how", action="store_const", const=action,
                         help=said)
    crd.add_argument("--minutes", type=float, default=None, metavar="M",
                     help="with --open: the round closes M minutes from now; alone: set this "
                          "round's deadline M minutes from now")
    crd.add_argument("--format", choices=("table", "json"), default="table")
    ce = csub.add_parser("events", help="the events an instructor can inject")
    ce.add_argument("--category", default=None, help="only this category (e.g. supply)")
    ce.add_argument("--format", choices=("table", "json"), default="table")
    ci = csub.add_parser("inject", help="a live event for every running game of the class")
    ci.add_argument("event", metavar="EVENT_ID")
    ci.add_argument("--class", dest="class_dir", type=Path, required=True, metavar="DIR")
    ci.add_argument("--note", default="", help="a word on why, shown to students with the "
                    "event (and by `class show`)")
    ci.add_argument("--format", choices=("table", "json"), default="table")
    cb = csub.add_parser("broadcast", help="a message every open game of the class shows")
    cb.add_argument("dir", type=Path, metavar="DIR")
    cb.add_argument("text", metavar="TEXT", help="the message (at most 500 characters)")
    cb.add_argument("--format", choices=("table", "json"), default="table")
    cr = csub.add_parser(
        "report", help="replay and verify every save; leaderboard, charts, CSV and HTML",
        description="Replay and verify every save (files, or every save in a folder) and write "
                    "CSV files, summary.json and one self-contained report.html to --out.")
    cr.add_argument("saves", nargs="+", type=Path, metavar="SAVE",
                    help="save files, or folders of saves (a class folder)")
    cr.add_argument("--out", type=Path, required=True, metavar="DIR")
    cr.add_argument("--scenario", default=None,
                    help="the class's scenario (default: the class folder's, else the most "
                         "common among the saves)")
    cr.add_argument("--seed", type=seed, default=None,
                    help="flag saves of another seed (default: the class folder's seed)")
    cr.add_argument("--one-per-lab", action=argparse.BooleanOptionalAction, default=None,
                    help="rank only each lab's first game, not its replays (default: yes for "
                         "a class folder)")
    cr.add_argument("--at-quarter", type=_int_in(0, 400, "--at-quarter"), default=None,
                    metavar="N", help="compare the labs at quarter N (default: the last quarter "
                    "every counted game reached)")
    cr.add_argument("--abandoned-below", type=_int_in(0, 400, "--abandoned-below"),
                    default=None, metavar="N", help="a game still running with fewer than N "
                    "quarters is abandoned (default: behind half the class's pace, or idle)")
    cr.add_argument("--grade-by", choices=("quartile", "rank", "score", "completion"),
                    default="quartile", help="how a game becomes a grade (default: quartile)")
    cr.add_argument("--grade-scale", type=_points, default=100.0, metavar="POINTS",
                    help="the assignment's points possible (default: 100)")
    cr.add_argument("--abandoned-credit", type=_fraction, default=0.5, metavar="F",
                    help="an abandoned game's share of the grade its place gives (default 0.5)")
    cr.add_argument("--lms-id", choices=("sis-user", "sis-login"), default="sis-user",
                    help="the Canvas column the roster's id goes in (default: SIS User ID)")
    cr.add_argument("--anonymise", action="store_true",
                    help="pseudonyms (Lab 7) instead of student and lab names in every file, "
                         "for the projector; no grades or student pages")
    cr.add_argument("--format", choices=("table", "json"), default="table")

    srv = sub.add_parser(
        "serve", help="the game in browser tabs for a class (no authentication of its own)",
        description="Serve the game to browsers with textual-serve: one game per tab, saving "
                    "into the class folder. It has no authentication: it binds 127.0.0.1 "
                    "unless --host is given.")
    srv.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default: 127.0.0.1, this computer only)")
    srv.add_argument("--port", type=_int_in(1, 65535, "--port"), default=8000)
    srv.add_argument("--class", dest="class_dir", type=Path, default=None, metavar="DIR",
                     help="the class folder (default: the saves folder)")
    srv.add_argument("--scenario", default=None, help="fix the scenario (default: the class's)")
    srv.add_argument("--seed", type=seed, default=None, help="fix the seed (default: the class's)")
    srv.add_argument("--public-url", default=None, metavar="URL",
                     help="the address browsers use, when a proxy cannot tell the page")
    srv.add_argument("--max-games", type=_int_in(1, 10_000, "--max-games"), default=None,
                     metavar="N", help="games at once; the next tab is told the class is full "
                                       "(default: one per 80 MB of memory, at most 30 per "
                                       "core)")
    srv.add_argument("--yes", action="store_true",
                     help="serve on a --host beyond this machine without asking")
    _add_pack_option(srv)
    _add_lang_option(srv)
    _add_pack_option(cn)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [WARM_COMMAND]:  # serve's warm game starter (never typed)
        from game.commands.warm import run_starter

        return run_starter(argv[1:], main, build_parser().parse_args)
    parser = build_parser()
    args = parser.parse_args(argv)
    from game.packs.errors import ContentError

    try:
        if args.command in (None, "play"):
            from game.commands.play import run_play

            return run_play(args)
        if args.command == "simulate":
            from game.commands.simulate import run_simulate

            return run_simulate(args)
        if args.command == "bench":
            from game.commands.bench import run_bench

            return run_bench(args)
        if args.command == "replay":
            from game.commands.saves import run_replay

            return run_replay(args)
        if args.command == "saves":
            from game.commands.saves import run_saves

            return run_saves(args)
        if args.command == "balance":
            from game.commands.balance import run_balance

            return run_balance(args)
        if args.command == "packs":
            from game.commands.packs import run_packs

            return run_packs(args)
        if args.command == "class":
            from game.commands.classroom import run_class

            return run_class(args)
        if args.command == "serve":
            from game.commands.serve import run_serve

            return run_serve(args)
    except ContentError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except UserError as exc:
        print(f"frontier-lab {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"frontier-lab {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    parser.error(f"unknown command '{args.command}'")
