"""``frontier-lab class new|show|events|inject|report``: running a class.

- ``class new DIR --scenario ID [--seed N]``: a class folder whose games all share one scenario
  and seed (secret unless given), and the key that signs them (``game.classroom.folder``
  describes the layout, ``game.classroom.secret`` the key).
- ``class show DIR``: the class's settings, live events and saves.
- ``class roster DIR [--import CSV] [--add NAME]``: who plays, and each student's join code
  (``game.classroom.roster``).
- ``class events``: the events an instructor can inject, with what they teach.
- ``class inject EVENT_ID --class DIR``: a live event every running game takes at its next
  quarter start (``game.classroom.inject``).
- ``class broadcast DIR TEXT``: a message every open game shows within seconds
  (``game.classroom.broadcast``).
- ``class report SAVE|DIR... --out DIR``: every save replayed and verified, ranked, compared
  (``game.classroom.report``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from game.commands.console import UserError, emit_json, load_packs
from game.text import printable


def run_class(args: argparse.Namespace) -> int:
    from game.classroom.folder import ClassError

    action = {"new": _new, "show": _show, "events": _events, "inject": _inject,
              "report": _report, "roster": _roster, "round": _round,
              "broadcast": _broadcast}[args.class_command]
    try:
        return action(args)
    except ClassError as exc:
        raise UserError(str(exc)) from None


def _content(args: argparse.Namespace) -> Any:
    return load_packs(args)


def _check_scenario(content: Any, scenario: str) -> None:
    from game.packs.errors import did_you_mean

    if scenario not in content.scenarios:
        raise UserError(f"no scenario '{scenario}'{did_you_mean(scenario, content.scenarios)}; "
                        f"known: {', '.join(sorted(content.scenarios))}")


# --- new, show -------------------------------------------------------------------------------


def _new(args: argparse.Namespace) -> int:
    import secrets

    from game.classroom import folder
    from game.classroom.secret import create_secret, secret_path
    from game.packs import DEFAULT_SCENARIO

    args.exact_packs = True  # the class plays these packs, not this account's mods
    content = _content(args)
    scenario = args.scenario or DEFAULT_SCENARIO
    _check_scenario(content, scenario)
    # A secret seed unless one is given, so students cannot rehearse the class's luck offline;
    # a scenario with a seed of its own (the tutorial, whose hints are written for it) keeps it.
    public = args.seed if args.seed is not None else content.scenarios[scenario].seed
    secret_seed = secrets.randbelow(2**31) if public is None else None
    class_dir: Path = args.dir
    name = args.name or class_dir.resolve().name
    packs = tuple(str(p.resolve()) for p in args.pack)
    rounds = getattr(args, "rounds", "free")
    path = folder.write_settings(class_dir, folder.ClassSettings(name, scenario, public,
                                                                 packs=packs, rounds=rounds),
                                 replace=args.force)
    create_secret(class_dir, secret_seed)
    whose = "" if args.seed is not None else ", the scenario's own"
    seed_said = "a secret seed" if public is None else f"seed {public} (public{whose})"
    if args.format == "json":
        emit_json({"class": str(class_dir), "settings": str(path), "name": name,
                   "scenario": scenario, "seed": public, "secret_seed": public is None,
                   "rounds": rounds, "key": str(secret_path(class_dir))})
        return 0
    title = content.scenarios[scenario].title
    d, r = _quoted(class_dir), _quoted(class_dir / "report")
    sys.stdout.write(
        f"Class '{name}' ready in {class_dir}: scenario {scenario} ({title}), {seed_said}.\n"
        f"  its key (signs the games its server plays; yours only): {secret_path(class_dir)}\n"
        f"  students in a terminal:  frontier-lab play --class {d}\n"
        f"  students in a browser:   frontier-lab serve --class {d}\n"
        + (f"  next round (quarter):    frontier-lab class round {d} --open  (the first is "
           "open)\n" if rounds != "free" else "")
        + f"  a live event:            frontier-lab class inject EVENT_ID --class {d}\n"
        f"  the report:              frontier-lab class report {d} --out {r}\n")
    return 0


def _show(args: argparse.Namespace) -> int:
    from game.classroom import folder
    from game.commands.saves import save_line
    from game.session.saves.errors import SaveError
    from game.session.saves.folder import list_saves

    class_dir: Path = args.dir
    if not class_dir.is_dir():
        raise UserError(f"{class_dir}: no such class folder (create one with "
                        "`frontier-lab class new DIR`)")
    settings = folder.read_settings(class_dir)
    injections = folder.read_injections(class_dir)
    try:
        saves = list_saves(class_dir)
    except SaveError as exc:
        raise UserError(str(exc)) from None
    if args.format == "json":
        emit_json({
            "class": str(class_dir),
            "settings": None if settings is None else {
                "name": settings.name, "scenario": settings.scenario, "seed": settings.seed},
            "injections": [{"id": i.id, "event": i.event, "time": i.time.isoformat(),
                            "note": i.note} for i in injections],
            "saves": [{"file": s.path.name, "lab": s.lab, "scenario": s.scenario,
                       "quarter": s.quarter, "outcome": s.outcome, "updated": s.updated,
                       "error": s.error} for s in saves]})
        return 0
    out = sys.stdout
    if settings is None:
        out.write(f"{class_dir}: no class settings (.class/class.toml); games use the options "
                  "given to play/serve, else ipo-window with seed 2026\n")
    else:
        seed = "secret" if settings.seed is None else settings.seed
        out.write(f"Class '{settings.name}' in {class_dir}: scenario {settings.scenario}, "
                  f"seed {seed}\n")
    out.write(f"Live events: {len(injections) or 'none'}\n")
    for i in injections:
        note = f" — {i.note}" if i.note else ""
        out.write(f"  {i.time:%Y-%m-%d %H:%M:%S} UTC  {i.event}  ({i.id}){note}\n")
    out.write(f"Saves: {len(saves) or 'none'}\n")
    out.writelines(save_line(s, scenario=False) for s in saves)
    return 0


def _roster(args: argparse.Namespace) -> int:
    """The class's roster: students added from a CSV or by name, then every student's code."""
    from game.classroom import folder, roster

    class_dir: Path = args.dir
    if folder.read_settings(class_dir) is None:
        raise UserError(f"{class_dir}: no class here (create one with `frontier-lab class new "
                        "DIR`), so no roster")
    names: list[tuple[str | None, str]] = []
    if args.import_csv is not None:
        names += roster.read_csv(args.import_csv)
    names += [(None, n) for n in args.add or []]
    added: list[roster.Student] = []
    if names:
        students, added = roster.add_students(class_dir, names)
    else:
        students = roster.read_roster(class_dir) or []
    if args.codes is not None:  # the handout: one line per student, for a spreadsheet
        try:
            with open(args.codes, "w", encoding="utf-8-sig", newline="") as f:
                import csv

                writer = csv.writer(f)
                writer.writerow(["id", "name", "join code"])
                writer.writerows([s.id, s.name, s.code] for s in students)
        except OSError as exc:
            raise UserError(f"{args.codes}: cannot be written ({exc.strerror or exc})") from None
    if args.format == "json":
        emit_json({"class": str(class_dir), "added": [s.id for s in added],
                   "students": [{"id": s.id, "name": s.name, "code": s.code}
                                for s in students]})
        return 0
    out = sys.stdout
    if not students:
        out.write(f"{class_dir}: no roster yet. Add students with --import FILE.csv (a header "
                  "with name, and optionally id) or --add NAME.\n")
        return 0
    if names:
        out.write(f"Added {len(added)} student{'s' * (len(added) != 1)}; "
                  f"{len(students)} in the roster ({roster.roster_path(class_dir)}).\n")
    width = max(len(s.id) for s in students)
    out.write(f"{'id':<{width}}  {'join code':<9}  name\n")
    out.writelines(f"{s.id:<{width}}  {s.code:<9}  {printable(s.name)}\n" for s in students)
    out.write("\nEach student opens the class's page and types their code: it always brings "
              "them back to their own game.\n")
    if args.codes is not None:
        out.write(f"The codes, for handing out: {args.codes}\n")
    return 0


# --- events, inject ----------------------------------------------------------------------------


def _round(args: argparse.Namespace) -> int:
    """A lockstep class's round: opened, closed, paused, resumed, or shown."""
    from game.classroom import folder, market_rounds
    from game.classroom.rounds import change_rounds, read_rounds

    class_dir: Path = args.dir
    settings = folder.read_settings(class_dir) if class_dir.is_dir() else None
    if settings is None:
        raise UserError(f"{class_dir}: no such class folder (create one with "
                        "`frontier-lab class new DIR --rounds lockstep`)")
    if settings.rounds == "free":
        raise UserError(f"{class_dir}: this class is not played in rounds (make one with "
                        "`class new DIR --rounds lockstep`, or market)")
    how = args.how or ("deadline" if args.minutes is not None else None)
    if args.minutes is not None and how not in ("open", "deadline"):
        raise UserError("--minutes goes with --open, or alone (this round's deadline)")
    state = change_rounds(class_dir, how, args.minutes) if how else read_rounds(class_dir)
    deadline = state.deadline.isoformat() if state.deadline else None
    market = market_rounds.where(class_dir) if settings.rounds == "market" else None
    if args.format == "json":
        emit_json({"class": str(class_dir), "mode": settings.rounds,
                   "open_through": state.open_through, "deadline": deadline,
                   "paused": state.paused, "market": market})
        return 0
    said = f"Round {state.open_through} of '{settings.name}' is open"
    if state.paused:
        said += ", paused (--resume ends the pause)"
    if state.deadline is not None:
        left = state.seconds_left() or 0.0
        minutes, seconds = divmod(round(left), 60)
        said += (f"; it closes at {state.deadline:%H:%M:%S} UTC (in {minutes}:{seconds:02d})"
                 if left else "; closed: games short of it play their standing plan")
    if market is not None:
        said += (f". The market has played {market['played']} round(s); "
                 f"{market['plans_in']} of {market['labs']} labs' plans are in for the next")
    sys.stdout.write(said + ".\n")
    return 0


def _market_story(report: Any, class_dir: Path, content: Any) -> list[str]:
    """A shared market's story, its labs named as the report names them."""
    from game.classroom.folder import ClassError
    from game.classroom.market_play import class_market
    from game.session.market_story import tell

    if report.seed is None:
        return []
    try:
        students, market = class_market(class_dir, content, report.scenario, report.seed)
    except ClassError:
        return []  # the saves' checks say what is wrong
    labs = {e.student: e.lab for e in report.entries if e.student}
    return tell(market, [labs.get(s, "") for s in students])


def _events(args: argparse.Namespace) -> int:
    content = _content(args)
    events = [ce.event for ce in content.events]
    if args.category:
        categories = sorted({e.category for e in events})
        if args.category not in categories:
            from game.packs.errors import did_you_mean

            raise UserError(f"no category '{args.category}'"
                            f"{did_you_mean(args.category, categories)}; known: "
                            f"{', '.join(categories)}")
        events = [e for e in events if e.category == args.category]
    if args.format == "json":
        emit_json({"events": [{"id": e.id, "title": e.title, "category": e.category,
                               "concept": e.concept, "trigger": e.trigger, "major": e.major}
                              for e in events]})
        return 0
    out = sys.stdout
    for e in sorted(events, key=lambda e: (e.category, e.id)):
        concept = content.glossary[e.concept].term if e.concept in content.glossary else "—"
        out.write(f"{e.id:<44} {e.category:<11} {e.title}  [{concept}; when {e.trigger}]\n")
    out.write(f"{len(events)} events. Inject one with "
              "`frontier-lab class inject EVENT_ID --class DIR`.\n")
    return 0


def _resolve_event(content: Any, event_id: str) -> Any:
    """The event called ``event_id`` (or, when unambiguous, ``<pack>.event_id``)."""
    import difflib

    by_id = {ce.event.id: ce.event for ce in content.events}
    if event_id in by_id:
        return by_id[event_id]
    short = [i for i in by_id if i.split(".", 1)[-1] == event_id]
    if len(short) == 1:
        return by_id[short[0]]
    close = difflib.get_close_matches(event_id, sorted(by_id), n=3, cutoff=0.5)
    hint = (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else
            "; `frontier-lab class events` lists them")
    raise UserError(f"no event '{event_id}' in the installed packs{hint}")


def _inject(args: argparse.Namespace) -> int:
    from game.classroom import folder

    class_dir: Path = args.class_dir
    if not class_dir.is_dir():
        raise UserError(f"{class_dir}: no such class folder (create one with "
                        "`frontier-lab class new DIR`)")
    content = _content(args)
    event = _resolve_event(content, args.event)
    made = folder.add_injection(class_dir, event.id, note=args.note or "")
    if args.format == "json":
        emit_json({"class": str(class_dir), "id": made.id, "event": made.event,
                   "time": made.time.isoformat(), "note": made.note})
        return 0
    sys.stdout.write(
        f"Live event {made.id}: '{event.title}' ({event.id}).\n"
        f"Every running game of {class_dir} takes it once, at its next quarter start"
        + ("" if event.trigger.strip() == "true" else
           f", if its condition holds for that lab then ({event.trigger})")
        + ". Games begun later do not take it.\n")
    return 0


def _broadcast(args: argparse.Namespace) -> int:
    from game.classroom import folder
    from game.classroom.broadcast import SHOWN_S, add_broadcast

    class_dir: Path = args.dir
    if not class_dir.is_dir() or folder.read_settings(class_dir) is None:
        raise UserError(f"{class_dir}: no such class folder (create one with "
                        "`frontier-lab class new DIR`)")
    made = add_broadcast(class_dir, args.text)
    if args.format == "json":
        emit_json({"class": str(class_dir), "id": made.id, "time": made.time.isoformat(),
                   "text": made.text})
        return 0
    sys.stdout.write(f"Message {made.id} sent: every open game of {class_dir} shows it within "
                     f"a few seconds, for {SHOWN_S:.0f} s.\n")
    return 0


# --- report ------------------------------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    from game.classroom import folder, pseudonyms, report_files, roster
    from game.classroom import report as rp
    from game.classroom.secret import read_secret

    t0 = time.perf_counter()
    scenario, seed, in_class = args.scenario, args.seed, False
    key, injections, names, students = None, None, None, None
    market_dir: Path | None = None  # a class that plays one shared market
    for path in args.saves:  # a class folder's settings, unless the options say otherwise
        if path.is_dir():
            settings = folder.read_settings(path)
            if settings is not None:
                secret = read_secret(path)
                scenario = scenario or settings.scenario
                if seed is None:
                    seed = settings.seed if secret is None or secret.seed is None else secret.seed
                in_class = True
                if secret is not None:  # the class signs its games: rank only those
                    key, injections = secret.key, folder.read_injections(path)
                students = roster.read_roster(path)
                if students is not None:
                    names = {s.id: s.name for s in students}
                if settings.rounds == "market":
                    market_dir = path
                args.pack, args.exact_packs = [Path(p) for p in settings.packs], True
                break
    content = _content(args)
    one_per_lab = in_class if args.one_per_lab is None else args.one_per_lab
    if scenario is not None:
        _check_scenario(content, scenario)
    show = sys.stderr.isatty() and args.format == "table"
    bar = _ProgressBar(sys.stderr) if show else None
    try:
        report = rp.build(args.saves, content, scenario=scenario, seed=seed,
                          progress=bar.update if bar else None, one_per_lab=one_per_lab,
                          key=key, injections=injections, roster=names,
                          at_quarter=args.at_quarter, abandoned_below=args.abandoned_below)
        if market_dir is not None:
            report.market_story = _market_story(report, market_dir, content)
        pseudonyms.assign(report, key)
        if bar:
            bar.note("writing the report")
        grading = report_files.Grading(args.grade_by, args.grade_scale, args.abandoned_credit,
                                       args.lms_id)
        written = report_files.write(report, args.out, content, students=students,
                                     grading=grading, anonymise=args.anonymise)
    except rp.ReportError as exc:
        raise UserError(str(exc)) from None
    finally:
        if bar:
            bar.clear()
    report.seconds = time.perf_counter() - t0  # everything: content, replays, files
    if args.format == "json":
        from game.classroom.live_events import live_events

        shown = pseudonyms.anonymised(report) if args.anonymise else report
        emit_json(report_files.summary(shown, args.out, live_events(shown, content)))
        return 0
    out = sys.stdout
    out.write(f"Class report: {report.scenario_title} ({report.scenario}"
              + (f", seed {report.seed}" if report.seed is not None else "")
              + f"): {len(report.entries)} saves, {len(report.ranked)} ranked, "
              f"{len(report.flagged)} flagged"
              + (f", {len(report.unsigned)} not signed by the class" if report.unsigned else "")
              + "\n")
    for e in report.ranked[:10]:
        lab = e.pseudonym if args.anonymise else printable(e.lab)
        out.write(f"  {e.rank:>3}. {lab:<28} {e.outcome:<11} score {e.score:>10,.1f}"
                  + ("  (abandoned)" if e.status == "abandoned" else "") + "\n")
    if len(report.ranked) > 10:
        out.write(f"       … and {len(report.ranked) - 10} more in leaderboard.csv\n")
    for e in report.flagged:
        out.write(f"  flagged {e.file}: {e.reason}\n")
    for e in report.unsigned:
        out.write(f"  not ranked {e.file}: {e.reason}\n")
    html_path = next(p for p in written if p.name == "report.html")
    out.write(f"Wrote {len(written)} files to {args.out} (open {html_path.name} in any "
              "browser; it works offline)\n")
    return 0


class _ProgressBar:
    """A one-line progress bar on a terminal (the command shows none when stderr is piped)."""

    WIDTH = 30

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.t0 = time.perf_counter()

    def update(self, done: int, total: int, name: str) -> None:
        filled = self.WIDTH * done // max(total, 1)
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / done * (total - done) if done else 0.0
        text = (f"\r  replaying saves [{'█' * filled}{'·' * (self.WIDTH - filled)}] "
                f"{done}/{total}  {elapsed:4.1f}s, about {eta:3.0f}s left  {name[:30]:<30}")
        self.stream.write(text)
        self.stream.flush()

    def note(self, text: str) -> None:
        self.stream.write(f"\r  {text}" + " " * 90)
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r" + " " * 110 + "\r")
        self.stream.flush()


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
