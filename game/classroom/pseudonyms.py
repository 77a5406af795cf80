"""The projector's names: each student (or lab) of a report as "Lab 7", and the report with no
real name in it.

``assign(report, key)`` gives every entry its ``pseudonym``: the students (by the roster's id
the server signed, else by lab name) are ordered by HMAC-SHA256 of who they are under the
class's key and numbered from 1. The numbers are stable (the same class, roster and key give
the same numbers at every run) and say nothing of the ranking or of the roster's order; without
the class's key anyone can work them out, so only a class folder's report keeps them private.
Each student learns their own from their page (``students/<id>.html``): on the projector, only
they can find their row.

``anonymised(report)`` is a copy of the report in which every lab, student, name and file is
the pseudonym (reasons that quote a file or lab included): what ``class report --anonymise``
writes and what report.html's projector toggle shows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from pathlib import Path

from game.classroom.report import ClassReport, Entry

_NO_KEY = b"frontier-lab pseudonyms"  # without a class key: stable, but anyone can compute them


def who(entry: Entry) -> str:
    """What makes a student one student in the report: their id, else their lab's name."""
    if entry.student:
        return "student:" + entry.student
    return "lab:" + (entry.lab.casefold() if entry.lab else entry.file)


def assign(report: ClassReport, key: bytes | None) -> None:
    """Give every entry of the report its pseudonym ("Lab N")."""
    people = sorted({who(e) for e in report.entries},
                    key=lambda w: hmac.new(key or _NO_KEY, w.encode(), hashlib.sha256).digest())
    number = {w: n for n, w in enumerate(people, 1)}
    for e in report.entries:
        e.pseudonym = f"Lab {number[who(e)]}"


def anonymised(report: ClassReport) -> ClassReport:
    """The report with every name replaced by its pseudonym (``assign`` first)."""
    names: dict[str, str] = {}
    for e in report.entries:
        for name in (e.file, str(e.path), e.path.stem, e.lab, e.student or "", e.student_name):
            if name.strip():
                names.setdefault(name, e.pseudonym)
    order = sorted(names, key=len, reverse=True)

    def scrub(text: str | None) -> str | None:
        if text is None:
            return None
        for name in order:
            text = text.replace(name, names[name])
        return text

    twins: dict[int, Entry] = {}

    def twin(e: Entry) -> Entry:
        copy = dataclasses.replace(
            e, path=Path(e.pseudonym.lower().replace(" ", "-") + ".toml"), lab=e.pseudonym,
            student=None, student_name="", reason=scrub(e.reason),
            problems=[scrub(p) or "" for p in e.problems])
        twins[id(e)] = copy
        return copy

    out = dataclasses.replace(
        report, ranked=[twin(e) for e in report.ranked], flagged=[twin(e) for e in report.flagged],
        unsigned=[twin(e) for e in report.unsigned])
    out.same_quarter = [{**row, "entry": twins[id(row["entry"])]} for row in report.same_quarter]
    out.market_story = [scrub(line) or "" for line in report.market_story]
    return out
