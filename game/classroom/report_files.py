"""The class report's files: CSV tables, ``summary.json`` and the self-contained ``report.html``.

``write(report, out, content)`` writes them all into one folder and names what it wrote;
``summary(report)`` is the JSON summary (also what ``class report --format json`` prints). CSV
cells that a spreadsheet would run as a formula are quoted; JSON has no NaN.

With the roster (``students``), it also writes the grades (``game.classroom.grades``: the
decision and the Canvas and Moodle imports) and a page per student
(``game.classroom.student_pages``). ``anonymise=True`` writes every file with pseudonyms
instead of names (``game.classroom.pseudonyms``), and neither grades nor student pages.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.classroom import grades as gr
from game.classroom import pseudonyms, student_pages
from game.classroom.html_report import render
from game.classroom.live_events import LiveEvent, live_events
from game.classroom.report import DECISIONS, ClassReport, ReportError
from game.classroom.roster import Student
from game.packs import Content


@dataclass(frozen=True)
class Grading:
    """How a game becomes a grade (``game.classroom.grades``)."""

    by: str = "quartile"
    points: float = 100.0
    abandoned_credit: float = 0.5
    lms_id: str = "sis-user"


def summary(report: ClassReport, out: Path | None = None,
            events: list[LiveEvent] | None = None) -> dict[str, Any]:
    """The report as JSON-ready data (``--format json`` and ``summary.json``)."""
    return _finite({
        "scenario": report.scenario,
        "seed": report.seed,
        "saves": len(report.entries),
        "ranked": len(report.ranked),
        "flagged": len(report.flagged),
        "unsigned": len(report.unsigned),
        "seconds": round(report.seconds, 3),
        "out": str(out) if out is not None else None,
        "outcomes": report.outcomes(),
        "market_story": report.market_story,
        "abandoned": sum(e.status == "abandoned" for e in report.ranked),
        "leaderboard": [
            {"rank": e.rank, "student": e.student, "name": e.student_name, "lab": e.lab,
             "pseudonym": e.pseudonym, "file": str(e.path), "outcome": e.outcome,
             "finished": e.finished, "status": e.status,
             "score": e.score, "quarters": e.quarters, "seed": e.seed, "quartile": e.quartile,
             "ipo_filed": e.ipo_filed, "decisions": e.decisions,
             "concepts": [c.id for c in e.concepts]}
            for e in report.ranked],
        "flagged_saves": [{"file": str(e.path), "lab": e.lab, "scenario": e.scenario,
                           "reason": e.reason} for e in report.flagged],
        "unsigned_saves": [{"file": str(e.path), "lab": e.lab, "scenario": e.scenario,
                            "reason": e.reason} for e in report.unsigned],
        "quartiles": report.quartiles(),
        "concepts": [{"id": cid, "term": term, "students": n}
                     for cid, term, n in report.concept_counts()],
        "at_quarter": report.at_quarter, "at_date": report.at_label,
        "same_quarter": _same_quarter_rows(report),
        "live_events": _live_rows(events or []),
    })


def _same_quarter_rows(report: ClassReport) -> list[dict[str, Any]]:
    return [{"rank": row["rank"], "student": row["entry"].student or "",
             "lab": row["entry"].lab, "file": row["entry"].file, "status": row["entry"].status,
             "then": row["state"], "date": row["date"],
             **{k: row[k] for k in ("cash", "valuation", "ownership", "stake", "sentiment",
                                    "capability")},
             "final_rank": row["entry"].rank} for row in report.same_quarter]


def _live_rows(events: list[LiveEvent]) -> list[dict[str, Any]]:
    rows = []
    for ev in events:
        worst, best = ev.hurt_most(), ev.helped_most()
        rows.append({
            "id": ev.injection.id, "event": ev.injection.event, "title": ev.title,
            "sent": ev.injection.time.isoformat(), "note": ev.injection.note,
            "labs": len(ev.hits), "could_take": ev.games, "judged_by": ev.metric,
            "hurt_most": _hit(worst, ev.metric), "helped_most": _hit(best, ev.metric),
            "effects": [_hit(h, ev.metric) for h in ev.ordered()]})
    return rows


def _hit(h: Any, metric: str) -> dict[str, Any] | None:
    if h is None:
        return None
    return {"lab": h.entry.lab, "student": h.entry.student or "", "file": h.entry.file,
            "date": h.date, "happened": h.happened, **h.effects,
            f"share_of_{metric}": h.share(metric)}


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such a number (none is expected) becomes null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def write(report: ClassReport, out: Path, content: Content,
          students: Sequence[Student] | None = None, grading: Grading | None = None,
          anonymise: bool = False) -> list[Path]:
    """Write the CSV files, summary.json and report.html into ``out`` (with the roster, the
    grades and the student pages too); the files written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{out}: cannot create the report folder ({exc.strerror or exc})") \
            from None
    if any(not e.pseudonym for e in report.entries):
        pseudonyms.assign(report, None)
    twin = pseudonyms.anonymised(report)
    if anonymise:
        report, twin = twin, None
    events = live_events(report, content)
    written = [
        _csv(out / "leaderboard.csv", _leaderboard_rows(report)),
        _csv(out / "flagged.csv", [{"file": e.file, "lab": e.lab, "scenario": e.scenario,
                                    "reason": e.reason} for e in report.flagged],
             ["file", "lab", "scenario", "reason"]),
        _csv(out / "unsigned.csv", [{"file": e.file, "lab": e.lab, "scenario": e.scenario,
                                     "reason": e.reason} for e in report.unsigned],
             ["file", "lab", "scenario", "reason"]),
        _csv(out / "outcomes.csv", [{"outcome": o, "students": n,
                                     "share": round(n / max(len(report.ranked), 1), 4)}
                                    for o, n in report.outcomes().items()],
             ["outcome", "students", "share"]),
        _csv(out / "timeline.csv", _timeline_rows(report)),
        _csv(out / "decisions_by_quartile.csv", [
            {**{k: v for k, v in row.items() if k != "outcomes"},
             "outcomes": "; ".join(f"{o} {n}" for o, n in row["outcomes"].items())}
            for row in report.quartiles()]),
        _csv(out / "concepts.csv", [
            {"rank": e.rank, "lab": e.lab, "file": e.file, "concept": c.id, "term": c.term,
             "times": c.times, "first_met": c.first, "events": " ".join(c.events)}
            for e in report.ranked for c in e.concepts],
             ["rank", "lab", "file", "concept", "term", "times", "first_met", "events"]),
        _csv(out / "same_quarter.csv", _same_quarter_rows(report)),
        _csv(out / "live_events.csv", [
            {"event": ev["event"], "title": ev["title"], "sent": ev["sent"], "note": ev["note"],
             **{k: v for k, v in (h or {}).items()}}
            for ev in _live_rows(events) for h in ev["effects"]]),
    ]
    pages: dict[str, str] = {}
    if not anonymise:
        written += _grades(report, out, students, grading or Grading())
        page_files = student_pages.write(report, out, content, notes={
            (h.entry.file, h.quarter): ev.injection.note for ev in events for h in ev.hits})
        written += page_files
        pages = {e.file: f"students/{student_pages.page_id(e)}.html" for e in report.ranked}
    path = out / "summary.json"
    _write_text(path, json.dumps(summary(report, out, events), indent=2, allow_nan=False)
                + "\n")
    written.append(path)
    path = out / "report.html"
    _write_text(path, render(report, content, twin=twin, events=events, pages=pages))
    written.append(path)
    return written


def _grades(report: ClassReport, out: Path, students: Sequence[Student] | None,
            g: Grading) -> list[Path]:
    rows = gr.grades(report, students, g.by, g.points, g.abandoned_credit)
    title = gr.assignment_title(report)
    canvas_header, canvas = gr.canvas_rows(rows, title, g.points, g.lms_id)
    moodle_header, moodle = gr.moodle_rows(rows, title)
    return [
        _csv(out / "grades.csv", gr.decision_rows(rows),
             ["student", "name", "lab", "status", "rank", "grade", "why"]),
        _csv(out / "grades-canvas.csv", canvas, canvas_header),
        _csv(out / "grades-moodle.csv", moodle, moodle_header),
    ]



def _leaderboard_rows(report: ClassReport) -> list[dict[str, Any]]:
    rows = []
    for e in report.ranked:
        f = e.final
        rows.append({
            "rank": e.rank, "student": e.student or "", "name": e.student_name,
            "lab": e.lab, "pseudonym": e.pseudonym, "file": e.file, "outcome": e.outcome,
            "finished": "yes" if e.finished else "no", "status": e.status,
            "score": e.score, "quarters": e.quarters, "seed": e.seed, "quartile": e.quartile,
            "ipo_filed": e.ipo_filed or "",
            "cash": f.get("cash"), "valuation": f.get("valuation"),
            "ownership": f.get("ownership"), "sentiment": f.get("sentiment"),
            "capability": f.get("capability"),
            **{k: e.decisions.get(k) for k in DECISIONS},
            "concepts": len(e.concepts),
        })
    return rows


def _timeline_rows(report: ClassReport) -> list[dict[str, Any]]:
    rows = []
    for e in report.ranked:
        for k, (label, point) in enumerate(zip(e.labels, e.timeline, strict=True)):
            rows.append({"rank": e.rank, "student": e.student or "", "lab": e.lab,
                         "file": e.file, "quarter": k,
                         "date": label, **point})
    return rows


def _csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    columns = header or (list(dict.fromkeys(k for r in rows for k in r)) if rows else [])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    _write_text(path, buf.getvalue())
    return path


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    text = str(value)
    # a spreadsheet would run a cell starting with these as a formula (CSV injection)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _write_text(path: Path, text: str) -> None:
    # CSV with a byte-order mark: Excel on Windows reads it as UTF-8 ("—" and accents intact)
    encoding = "utf-8-sig" if path.suffix == ".csv" else "utf-8"
    try:
        path.write_text(text, encoding=encoding)
    except OSError as exc:
        raise ReportError(f"{path}: cannot write ({exc.strerror or exc})") from None
