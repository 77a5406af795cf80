"""A shared market's rounds: the class's plans collected, each round's record, the class's logs.

A class made with ``class new DIR --rounds market`` plays its students' labs in one market
(game.session.market): every lab of the roster, in the roster's order, is a lab of the market
from the first round. Round k is the market's k-th quarter:

    DIR/.class/market/
      round-001/<student>.toml   a student's plan for round 1, with their answers to its events
      round-001.toml             the round's record: every lab's plan as played (written once)

A student's game ends its quarter by **submitting** (``submit``): the plan, the answers and the
live events it took. The round **closes** (``close``) when every lab's plan is in, when its
deadline passes (game.classroom.rounds), or when the instructor closes it; then its record is
written once, under the class's lock, with each lab's submission, or, for a lab that sent none,
its **standing plan**: the plan in progress its game saved (the draft) if that game stands at
this round, else its plan of the round before carried over (standing decisions only), else the
default plan, with its events answered by their default. Every game of the class then plays the
rounds' records together (game.session.market) and shows its own lab: the records are the
class's action log, so the market replays exactly, and the class report verifies each student's
save against them.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from game.classroom.folder import (
    LOCK_FILE,
    ClassError,
    _read_toml,
    locked,
    meta_dir,
    read_settings,
    utc_now,
    write_atomic,
)
from game.classroom.roster import Student, read_roster, student_save
from game.classroom.rounds import read_rounds
from game.engine import Plan
from game.session.game import QuarterRecord, carry_over, plan_to_dict

MARKET_DIR = "market"
_STUDENT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_RECORD_HEADER = """\
# A round of the class's shared market, written once when the round closed. Every lab's plan as
# played: the class's action log, which the class report replays. Do not edit.
"""


@dataclass(frozen=True)
class Entry:
    """One lab's decisions in one round."""

    student: str
    plan: dict[str, Any]
    choices: list[tuple[str, int]] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    submitted: bool = True  # False: the standing plan played
    lab: str = ""  # the lab's name, as its classmates see it ("": its game has not begun)

    def record(self, quarter: int) -> QuarterRecord:
        return QuarterRecord(quarter=quarter, plan=dict(self.plan), choices=list(self.choices),
                             injected=list(self.injected))


def market_dir(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / MARKET_DIR


def record_path(class_dir: str | Path, k: int) -> Path:
    return market_dir(class_dir) / f"round-{k:03d}.toml"


def submission_path(class_dir: str | Path, k: int, student: str) -> Path:
    if not _STUDENT.match(student):
        raise ClassError(f"'{student}' is not a roster id")
    return market_dir(class_dir) / f"round-{k:03d}" / f"{student}.toml"


def labs(class_dir: str | Path) -> list[Student]:
    """The market's labs: the roster's students, in its order, as they were when the first
    round closed (a student added later has no lab in this market: every round's batch is the
    same)."""
    students = read_roster(class_dir)
    if not students:
        raise ClassError(f"{Path(class_dir) / '.class' / 'roster.toml'}: a shared market plays "
                         "the roster's labs; add students with `class roster DIR --import CSV`")
    first = read_record(class_dir, 1) if record_path(class_dir, 1).exists() else None
    if first is None:
        return students
    known = {s.id: s for s in students}
    return [known.get(e.student) or Student(e.student, e.student, "") for e in first]


# --- writing ---------------------------------------------------------------------------------


def submit(class_dir: str | Path, k: int, entry: Entry) -> Path:
    """A student's plan for round ``k`` (again: the later one counts, until the round closes)."""
    if record_path(class_dir, k).exists():
        raise ClassError(f"round {k} has closed: its market has played")
    path = submission_path(class_dir, k, entry.student)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, tomli_w.dumps(_entry_table(entry)))
    except OSError as exc:
        raise ClassError(f"{path}: cannot record the plan ({exc.strerror or exc})") from None
    return path


def close(class_dir: str | Path, k: int) -> tuple[list[Entry], bool]:
    """Round ``k``'s record, and whether this call wrote it: written now from the submissions
    and standing plans, unless it is written already (then it is read: a round closes once,
    whoever closes it first)."""
    if k > 1 and read_record(class_dir, k - 1) is None:
        close(class_dir, k - 1)
    with locked(meta_dir(class_dir) / LOCK_FILE):
        done = read_record(class_dir, k)
        if done is not None:
            return done, False
        sent = submissions(class_dir, k)
        before = read_record(class_dir, k - 1) if k > 1 else None
        last = {e.student: e for e in before or []}
        entries = []
        for student in labs(class_dir):
            entry = sent.get(student.id)
            if entry is None:
                entry = (_draft(class_dir, student.id, k)
                         or _standing(student.id, last.get(student.id)))
            entries.append(entry)
        path = record_path(class_dir, k)
        rows = [_entry_table(e) for e in entries]
        try:
            write_atomic(path, _RECORD_HEADER + tomli_w.dumps({
                "round": k, "closed": utc_now(), "lab": rows}))
        except OSError as exc:
            raise ClassError(f"{path}: cannot write the round ({exc.strerror or exc})") \
                from None
        return entries, True


def _draft(class_dir: str | Path, student: str, k: int) -> Entry | None:
    """The plan in progress the student's game saved, if that game stands at round ``k``."""
    from game.session.saves.errors import SaveError
    from game.session.saves.reader import read_save

    settings = read_settings(class_dir)
    if settings is None:
        return None
    path = student_save(class_dir, student, settings.scenario)
    try:
        save = read_save(path) if path.exists() else None
    except SaveError:
        return None
    if save is None or save.draft is None or len(save.log) != k - 1:
        return None
    try:
        plan_to_dict(Plan(**save.draft.plan))
    except (ValueError, TypeError):
        return None
    return Entry(student, dict(save.draft.plan),
                 [(c.event, c.choice) for c in save.draft.choices], submitted=False,
                 lab=save.lab)


def _standing(student: str, last: Entry | None) -> Entry:
    plan = carry_over(Plan(**last.plan)) if last is not None else Plan()
    return Entry(student, plan_to_dict(plan), submitted=False,
                 lab=last.lab if last is not None else "")


# --- reading ---------------------------------------------------------------------------------


def submissions(class_dir: str | Path, k: int) -> dict[str, Entry]:
    """The plans sent for round ``k`` (a broken file is passed over: its standing plan plays)."""
    folder = market_dir(class_dir) / f"round-{k:03d}"
    out: dict[str, Entry] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.toml")):
        with contextlib.suppress(ClassError):
            entry = _entry(_read_toml(path), path)
            if path.stem == entry.student:
                out[entry.student] = entry
    return out


def read_record(class_dir: str | Path, k: int) -> list[Entry] | None:
    """Round ``k``'s record (None: not closed yet)."""
    path = record_path(class_dir, k)
    if not path.exists():
        return None
    data = _read_toml(path)
    rows = data.get("lab")
    if not isinstance(rows, list):
        raise ClassError(f"{path}: 'lab' must be an array of tables ([[lab]])")
    return [_entry(row, path) for row in rows]


def closed_rounds(class_dir: str | Path) -> int:
    """How many rounds of the market have been played (records 1, 2, … without a gap)."""
    k = 0
    while record_path(class_dir, k + 1).exists():
        k += 1
    return k


def lab_names(class_dir: str | Path) -> dict[str, str]:
    """Each lab's name as its last closed round recorded it (roster id -> name)."""
    k = closed_rounds(class_dir)
    return {e.student: e.lab for e in read_record(class_dir, k) or []} if k else {}


def class_logs(class_dir: str | Path) -> tuple[list[str], list[list[QuarterRecord]]]:
    """The market's labs (their roster ids, in order) and each one's log of the rounds closed."""
    rounds = closed_rounds(class_dir)
    students = [s.id for s in labs(class_dir)]
    logs: list[list[QuarterRecord]] = [[] for _ in students]
    for k in range(1, rounds + 1):
        entries = read_record(class_dir, k)
        if entries is None:
            raise ClassError(f"{record_path(class_dir, k)}: round {k} has not closed")
        found = {e.student: e for e in entries}
        for i, student in enumerate(students):
            entry = found.get(student) or _standing(student, None)
            logs[i].append(entry.record(k - 1))
    return students, logs


def _entry_table(entry: Entry) -> dict[str, Any]:
    return {"student": entry.student, "lab": entry.lab, "plan": entry.plan,
            "submitted": entry.submitted,
            "choices": [{"event": e, "choice": c} for e, c in entry.choices],
            "injected": list(entry.injected)}


def _entry(row: object, path: Path) -> Entry:
    if not isinstance(row, dict):
        raise ClassError(f"{path}: a lab's entry must be a table")
    student, plan = row.get("student"), row.get("plan")
    if not isinstance(student, str) or not _STUDENT.match(student):
        raise ClassError(f"{path}: 'student' must be a roster id")
    if not isinstance(plan, dict):
        raise ClassError(f"{path}: 'plan' must be a table")
    try:
        Plan(**plan)
    except (ValueError, TypeError) as exc:
        raise ClassError(f"{path}: not a plan ({str(exc).splitlines()[0]})") from None
    choices = []
    for c in row.get("choices", []):
        if (not isinstance(c, dict) or not isinstance(c.get("event"), str)
                or isinstance(c.get("choice"), bool) or not isinstance(c.get("choice"), int)):
            raise ClassError(f"{path}: each choice is {{event = \"ID\", choice = N}}")
        choices.append((c["event"], c["choice"]))
    injected = row.get("injected", [])
    if not isinstance(injected, list) or not all(isinstance(i, str) for i in injected):
        raise ClassError(f"{path}: 'injected' must be a list of event ids")
    lab = row.get("lab", "")
    return Entry(student, plan, choices, list(injected), bool(row.get("submitted", True)),
                 lab if isinstance(lab, str) else "")


def close_due(class_dir: str | Path) -> list[int]:
    """Close the market's rounds that are over: a round before the open one, the open one at its
    deadline, or once every lab's plan is in. Any game of the class, its server and the
    instructor's commands call this; a round closes once, whoever comes first. Returns the
    rounds closed by this call."""
    settings = read_settings(class_dir)
    if settings is None or settings.rounds != "market":
        return []
    state = read_rounds(class_dir)
    done: list[int] = []
    k = closed_rounds(class_dir) + 1
    while k <= state.open_through:
        over = k < state.open_through or state.overdue(k - 1)
        if not over and (state.paused or not _all_in(class_dir, k)):
            break
        if close(class_dir, k)[1]:
            done.append(k)
        k += 1
    return done


def _all_in(class_dir: str | Path, k: int) -> bool:
    sent = submissions(class_dir, k)
    return all(s.id in sent for s in labs(class_dir))


def where(class_dir: str | Path) -> dict[str, int]:
    """A shared market's rounds (those due closed first): rounds played, labs, and plans in
    for the next."""
    close_due(class_dir)
    played = closed_rounds(class_dir)
    return {"played": played, "labs": len(labs(class_dir)),
            "plans_in": len(submissions(class_dir, played + 1))}
