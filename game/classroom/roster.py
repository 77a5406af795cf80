"""A class's roster: who plays, and the join code each student signs in with.

``DIR/.class/roster.toml`` (mode 600, like the class's key: only the instructor's account and
the class's server read it)::

    [[student]]
    id = "s01"              # the student's id: the instructor's own (a CSV's id column)
    name = "Ada Lovelace"
    code = "K7MQ-3XPA"      # what the student types to join

A student who joins with their code always returns to their own game: after a reload, a
closed tab, a crash or a lost connection (docs/CLASSROOM.md, "4. Students join"). Codes
are 8 characters of an alphabet without look-alikes (no 0/O, no 1/I), 40 bits: typed with or
without the dash, in any case. The roster is only ever replaced whole, under the class's lock.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from game.classroom.folder import ClassError, locked, meta_dir, write_atomic

ROSTER_FILE = "roster.toml"
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0, O, 1, I: read aloud and typed alike
CODE_LENGTH = 8
MAX_STUDENTS = 2000  # a large course; a roster of more is a mistake (the wrong file)
MAX_CSV_BYTES = 2_000_000
STUDENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")  # it names the student's save file
_ID_COLUMNS = ("id", "student_id", "student id", "sis id", "username", "login")
_NAME_COLUMNS = ("name", "student", "full name", "student name")

_HEADER = """\
# The class's roster, written by `frontier-lab class roster`: each student's id, name and join
# code. Keep it private (it is mode 600): a code lets whoever types it play that student's game.
"""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    code: str


def student_save(class_dir: str | Path, student: str, scenario: str) -> Path:
    """Where a student's graded game of the class is saved."""
    return Path(class_dir) / f"{student}.{scenario}.toml"


def roster_path(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / ROSTER_FILE


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normal_code(typed: str) -> str:
    """A code as typed (any case, spaces or dashes anywhere) in its written form."""
    raw = re.sub(r"[\s-]", "", typed).upper()
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == CODE_LENGTH else raw


def read_roster(class_dir: str | Path) -> list[Student] | None:
    """The class's students, or None when it has no roster (ClassError when unreadable)."""
    path = roster_path(class_dir)
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ClassError(f"{path}: cannot be read ({exc})") from None
    rows = data.get("student", [])
    if not isinstance(rows, list):
        raise ClassError(f"{path}: expected [[student]] tables")
    students = []
    for i, row in enumerate(rows):
        if not (isinstance(row, dict) and all(isinstance(row.get(k), str)
                                              for k in ("id", "name", "code"))):
            raise ClassError(f"{path}: student {i + 1} needs an id, a name and a code")
        students.append(Student(row["id"], row["name"], row["code"]))
    return students


def write_roster(class_dir: str | Path, students: list[Student]) -> Path:
    path = roster_path(class_dir)
    text = _HEADER + tomli_w.dumps({"student": [
        {"id": s.id, "name": s.name, "code": s.code} for s in students]})
    write_atomic(path, text)
    os.chmod(path, 0o600)
    return path


def find(students: list[Student], typed: str) -> Student | None:
    """The student whose code this is (typed in any case, with or without the dash)."""
    code = normal_code(typed)
    return next((s for s in students if secrets.compare_digest(s.code, code)), None)


def add_students(class_dir: str | Path, names: list[tuple[str | None, str]]
                 ) -> tuple[list[Student], list[Student]]:
    """Add students — (id or None, name) — to the roster, each with a new code; a student whose
    id is already there keeps their code (and takes the new name). Returns (the whole roster,
    the students added)."""
    with locked(meta_dir(class_dir) / "lock"):
        students = read_roster(class_dir) or []
        by_id = {s.id: s for s in students}
        codes = {s.code for s in students}
        added = []
        for given, name in names:
            name = " ".join(name.split())[:80]
            if not name:
                raise ClassError("a student needs a name")
            sid = given if given is not None else _free_id(name, by_id)
            if not STUDENT_ID.match(sid):
                raise ClassError(f"'{sid}' cannot be a student id: letters, digits, '.', '_' "
                                 "and '-', at most 40")
            if sid in by_id:
                by_id[sid] = Student(sid, name, by_id[sid].code)
                continue
            code = new_code()
            while code in codes:  # 40 bits: a clash is rare, never kept
                code = new_code()
            codes.add(code)
            by_id[sid] = Student(sid, name, code)
            added.append(by_id[sid])
        if len(by_id) > MAX_STUDENTS:
            raise ClassError(f"a roster of {len(by_id):,} students: at most {MAX_STUDENTS:,}")
        write_roster(class_dir, list(by_id.values()))
        return list(by_id.values()), added


def _free_id(name: str, taken: dict[str, Student]) -> str:
    """An id made from a name: its letters and digits, lowercase, numbered when taken."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    base = base[:32] or "student"
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}-{n}", n + 1
    return sid


def read_csv(path: Path) -> list[tuple[str | None, str]]:
    """(id or None, name) of each row of a CSV with a header: a name column (name, student,
    full name) and optionally an id column (id, student_id, username…). ClassError naming the
    file and the line otherwise."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise ClassError(f"{path}: larger than {MAX_CSV_BYTES // 1_000_000} MB; a roster is "
                             "a list of names")
        text = path.read_bytes().decode("utf-8-sig")  # Excel writes a BOM
    except OSError as exc:
        raise ClassError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ClassError(f"{path}: not UTF-8 text; save it from your spreadsheet as "
                         "'CSV UTF-8'") from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise ClassError(f"{path}: empty; give a header line (name, and optionally id) and a "
                         "line per student")
    header = [h.strip().lower() for h in rows[0]]
    name_col = next((header.index(c) for c in _NAME_COLUMNS if c in header), None)
    id_col = next((header.index(c) for c in _ID_COLUMNS if c in header), None)
    if name_col is None:
        raise ClassError(f"{path}:1: no name column (the header needs one of: "
                         f"{', '.join(_NAME_COLUMNS)}); found {', '.join(header) or 'nothing'}")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        name = row[name_col].strip() if name_col < len(row) else ""
        sid = row[id_col].strip() if id_col is not None and id_col < len(row) else ""
        if not name:
            raise ClassError(f"{path}:{line}: no name")
        if sid and not STUDENT_ID.match(sid):
            raise ClassError(f"{path}:{line}: '{sid[:40]}' cannot be a student id: letters, "
                             "digits, '.', '_' and '-', at most 40")
        out.append((sid or None, name))
    return out
