"""From the report's ranking to a grade per student, and the files an LMS imports as they are.

How a game becomes a grade (``--grade-by``; the points are ``--grade-scale``, 100 by default):

- ``quartile`` (the default): Q1 of the ranking 100% of the points, Q2 90%, Q3 80%, Q4 70%.
- ``rank``: 100% for the first, falling evenly to 60% for the last.
- ``score``: 60% plus 40% × the score's place between the class's lowest and highest.
- ``completion``: 100% for every ranked game, finished or still running.

An **abandoned** game (the report's rule: it stopped early) ranks below every finished and
running one, and then gets ``--abandoned-credit`` (0.5 by default) times what its place gives.
A student on the roster with **no ranked game** (none played, or every game flagged) gets an
**empty** grade, not 0, with the reason in ``grades.csv``: an empty cell shows in the gradebook
as not graded, so you decide (an excused absence, a flagged save you have looked into), where a
0 would be counted silently.

The files (UTF-8 with a byte-order mark, like every CSV of the report):

- ``grades.csv``: the decision, student by student (id, name, lab, status, rank, grade, why).
- ``grades-canvas.csv``: Canvas's Gradebook import: ``Student, ID, SIS User ID, SIS Login ID,
  Section`` then the assignment's column, and a ``Points Possible`` row. The roster's id goes in
  ``SIS User ID`` (``--lms-id sis-login``: in ``SIS Login ID``), the column Canvas matches a
  student by when ``ID`` (Canvas's own number, which the roster does not know) is empty.
- ``grades-moodle.csv``: Moodle's grade import (CSV): ``ID number, Full name`` then the grade
  item's column; on the import page, map ``ID number`` to the users' ID number (or username, or
  email address: whichever your roster's ids are), and the grade column to the grade item.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from game.classroom.report import ClassReport, Entry
from game.classroom.roster import Student

GRADE_BY = ("quartile", "rank", "score", "completion")
QUARTILE_SHARE = {1: 1.0, 2: 0.9, 3: 0.8, 4: 0.7}
FLOOR = 0.6  # the last place's share, by rank or score
LMS_IDS = ("sis-user", "sis-login")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("ID number", "Full name")


@dataclass
class Grade:
    student: str  # the roster's id (without a roster: the save's file name)
    name: str
    lab: str
    status: str  # finished, running, abandoned, or "no ranked game"
    rank: int | None
    grade: float | None  # None: no ranked game (an empty cell)
    why: str


def assignment_title(report: ClassReport) -> str:
    return f"Frontier Lab: {report.scenario_title}"


def grades(report: ClassReport, students: Sequence[Student] | None, by: str = "quartile",
           points: float = 100.0, abandoned_credit: float = 0.5) -> list[Grade]:
    """A grade for each student of the roster (each ranked game, without a roster)."""
    if by not in GRADE_BY:
        raise ValueError(f"grade by one of {', '.join(GRADE_BY)}, not '{by}'")
    ranked = report.ranked
    scores = [e.score or 0.0 for e in ranked]
    low, high = (min(scores), max(scores)) if scores else (0.0, 0.0)

    def share(i: int, e: Entry) -> tuple[float, str]:
        if by == "quartile":
            part, how = QUARTILE_SHARE[e.quartile or 4], f"quartile Q{e.quartile}"
        elif by == "rank":
            part = 1.0 - (1.0 - FLOOR) * (i / (len(ranked) - 1) if len(ranked) > 1 else 0.0)
            how = f"rank {e.rank} of {len(ranked)}"
        elif by == "score":
            place = ((e.score or 0.0) - low) / (high - low) if high > low else 1.0
            part, how = FLOOR + (1.0 - FLOOR) * place, f"score {e.score or 0.0:,.1f}"
        else:
            part, how = 1.0, "a ranked game"
        if e.status == "abandoned":
            part *= abandoned_credit
            how += f", abandoned at quarter {e.quarters} (× {abandoned_credit:g})"
        return part, how

    graded: dict[str, Grade] = {}
    for i, e in enumerate(ranked):
        part, how = share(i, e)
        key = e.student or e.file
        graded[key] = Grade(key, e.student_name, e.lab, e.status, e.rank,
                            round(points * part, 2), how)
    if students is None:
        return list(graded.values())
    out: list[Grade] = []
    for s in students:
        if s.id in graded:
            out.append(graded[s.id])
            continue
        theirs = [e for e in (*report.flagged, *report.unsigned) if e.student == s.id]
        why = ("no ranked game: " + (theirs[0].reason or "") if theirs
               else "no game in the class")
        out.append(Grade(s.id, s.name, theirs[0].lab if theirs else "", "no ranked game", None,
                         None, why))
    return out


def grade_cell(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.2f}"


def decision_rows(rows: list[Grade]) -> list[dict[str, object]]:
    """``grades.csv``: the grade of each student and why."""
    return [{"student": g.student, "name": g.name, "lab": g.lab, "status": g.status,
             "rank": g.rank, "grade": grade_cell(g.grade), "why": g.why} for g in rows]


def canvas_rows(rows: list[Grade], title: str, points: float,
                lms_id: str = "sis-user") -> tuple[list[str], list[dict[str, object]]]:
    """``grades-canvas.csv``'s header and rows (the first row: Points Possible)."""
    column = "SIS User ID" if lms_id == "sis-user" else "SIS Login ID"
    header = [*CANVAS_COLUMNS, title]
    out: list[dict[str, object]] = [{"Student": "Points Possible", title: grade_cell(points)}]
    for g in rows:
        out.append({"Student": g.name or g.lab, column: g.student, title: grade_cell(g.grade)})
    return header, out


def moodle_rows(rows: list[Grade], title: str) -> tuple[list[str], list[dict[str, object]]]:
    """``grades-moodle.csv``'s header and rows."""
    header = [*MOODLE_COLUMNS, title]
    return header, [{"ID number": g.student, "Full name": g.name or g.lab,
                     title: grade_cell(g.grade)} for g in rows]
