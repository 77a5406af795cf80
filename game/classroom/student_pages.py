"""A page per student that they can cite in their memo: ``students/<id>.html`` and ``.md``.

Each page holds the student's lab's path (its key decisions quarter by quarter, with its cash
and valuation after each), the outcome, their rank and the class's median, the events they met
(live ones marked, with the instructor's note), and the real-world sources behind the figures
they dealt with: the bibliography's entries (docs/sources.toml, ``game.docs.bibliography``) that
the content's parameters cite (``game.docs.citations``), for the scenario's own file and the
economy's tables the lab's decisions drew on (the GPU catalogue when it bought GPUs, the
data-center fleet when it built, financing when it raised or borrowed, the IPO's when it filed;
the market, demand, training and valuation always). The page also tells the student their
pseudonym on the projector. ``<id>`` is the roster's id (without a roster, the save's name).
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from game.classroom.report import ClassReport, Entry, ReportError
from game.packs import Content
from game.text import money, printable

ALWAYS = ("market", "demand", "training", "valuation")


@dataclass
class Cite:
    id: str
    title: str
    publisher: str
    url: str
    date: str
    figures: list[str]  # where the game's content cites it, e.g. "[market] rental_price"


def page_id(e: Entry) -> str:
    """The page's name: the roster's id, else the save's name made safe for a file."""
    return e.student or re.sub(r"[^A-Za-z0-9._-]+", "-", e.path.stem)[:60] or "game"


def bibliography() -> tuple[dict[str, Any], list[Any]]:
    """The sources and the content's cited parameters ({} and [] when not installed)."""
    from game.docs.bibliography import SourcesError, load_sources
    from game.docs.citations import content_files, parameters
    try:
        return load_sources(), parameters(content_files())
    except (OSError, ValueError, SourcesError):
        return {}, []  # an installed game without the repository's docs/sources.toml


def sources_for(content_tables: dict[str, list[str]],
                loaded: tuple[dict[str, Any], list[Any]]) -> list[Cite]:
    """The bibliography's entries the named tables cite: file name -> table names."""
    sources, cited_params = loaded
    where: dict[str, list[str]] = defaultdict(list)
    for cited in cited_params:
        tables = content_tables.get(cited.file.name)
        if tables is None or not any(cited.table.name == t or cited.table.name.startswith(t + ".")
                                     for t in tables):
            continue
        for sid in cited.ids:
            if sid in sources and cited.where not in where[sid]:
                where[sid].append(cited.where)
    return [Cite(s.id, s.title, s.publisher, s.url, s.date, where[s.id])
            for s in sorted((sources[k] for k in where), key=lambda s: (-len(where[s.id]), s.id))]


def tables_for(e: Entry, scenario: str) -> dict[str, list[str]]:
    """The content tables behind the figures this lab dealt with (see the module docstring)."""
    plans = [r.plan for r in e.records]
    used = list(ALWAYS)
    if any(p.get("gpu_orders") for p in plans):
        used.append("gpu")
    if any((p.get("datacenter_mw") or 0) > 0 for p in plans):
        used.append("fleet")
    if any((p.get("raise_equity") or 0) > 0 or (p.get("draw_debt") or 0) > 0 for p in plans):
        used.append("finance")
    if e.ipo_filed:
        used.append("ipo")
    return {"economy.toml": used, "rivals.toml": ["rival"],
            f"scenarios/{scenario}.toml": ["start_state", "outcome", "history", "economy",
                                           "rivals"]}


def path_rows(e: Entry, titles: dict[str, str], live: set[tuple[int, str]]) -> list[dict[str, Any]]:
    """The lab's key decisions and what happened, quarter by quarter."""
    rows = []
    for k, r in enumerate(e.records):
        p = r.plan
        gpus = sum(float(v) for v in (p.get("gpu_orders") or {}).values())
        moves = []
        if gpus:
            moves.append(f"ordered {gpus:,.0f} GPUs")
        for key, word in (("lease_h100e", "leased {:,.0f} H100e"), ("spot_h100e", "spot {:,.0f}"
                          " H100e"), ("datacenter_mw", "built {:,.0f} MW"),
                          ("raise_equity", "raised ${:,.1f}B equity"),
                          ("draw_debt", "borrowed ${:,.1f}B")):
            if (p.get(key) or 0) > 0:
                moves.append(word.format(float(p[key])))
        if p.get("ipo") not in (None, "hold"):
            moves.append(f"IPO: {p['ipo']}")
        after = e.timeline[k + 1] if k + 1 < len(e.timeline) else {}
        rows.append({
            "date": e.labels[k] if k < len(e.labels) else "",
            "split": f"{_pct(p.get('training'))} / {_pct(p.get('research'))}",
            "price": p.get("price"), "moves": "; ".join(moves) or "—",
            "events": [(titles.get(ev, ev), (k, ev) in live) for ev in r.events],
            "cash": after.get("cash"), "valuation": after.get("valuation")})
    return rows


def write(report: ClassReport, out: Path, content: Content,
          notes: dict[tuple[str, int], str] | None = None) -> list[Path]:
    """Write ``out/students/<id>.html`` and ``.md`` for every ranked game; the files written.
    ``notes``: (file, quarter) -> the instructor's note of the live event that landed then."""
    folder = out / "students"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{folder}: cannot create ({exc.strerror or exc})") from None
    titles = {ce.event.id: ce.event.title for ce in content.events}
    scores = [e.score or 0.0 for e in report.ranked]
    class_median = median(scores) if scores else None
    cache: dict[tuple[tuple[str, tuple[str, ...]], ...], list[Cite]] = {}
    loaded = bibliography()
    written = []
    for e in report.ranked:
        tables = tables_for(e, report.scenario)
        key = tuple(sorted((f, tuple(t)) for f, t in tables.items()))
        if key not in cache:
            cache[key] = sources_for(tables, loaded)
        cites = cache[key]
        live = {(k, ev) for k, r in enumerate(e.records) for ev in r.injected}
        rows = path_rows(e, titles, live)
        page = _Page(report, e, rows, cites, class_median, notes or {})
        name = page_id(e)
        written.append(write_text(folder / f"{name}.html", page.html()))
        written.append(write_text(folder / f"{name}.md", page.markdown()))
    return written


@dataclass
class _Page:
    report: ClassReport
    e: Entry
    rows: list[dict[str, Any]]
    cites: list[Cite]
    median: float | None
    notes: dict[tuple[str, int], str]

    def facts(self) -> list[tuple[str, str]]:
        e, r = self.e, self.report
        return [
            ("Lab", e.lab), ("Student", e.student_name or e.student or "—"),
            ("Scenario", f"{r.scenario_title} ({r.scenario})"
             + (f", seed {r.seed}" if r.seed is not None else "")),
            ("Outcome", f"{e.outcome} after {e.quarters} quarters ({e.status})"),
            ("Score", f"{e.score or 0.0:,.1f} (the class's median: "
             f"{_num(self.median)})"),
            ("Rank", f"{e.rank} of {len(r.ranked)} (quartile Q{e.quartile})"),
            ("On the projector", f"your lab is shown as {e.pseudonym}"),
            ("Save", f"{e.file}, replayed and verified by the class report of "
             f"{r.generated:%Y-%m-%d %H:%M} UTC"),
        ]

    def events(self) -> list[str]:
        out = []
        for k, row in enumerate(self.rows):
            for title, live in row["events"]:
                note = self.notes.get((self.e.file, k), "") if live else ""
                out.append(f"{row['date']}: {title}" + (" (live event from your instructor"
                           + (f": {note}" if note else "") + ")" if live else ""))
        return out

    def html(self) -> str:
        esc = html.escape
        e = self.e
        parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
                 f"<title>{esc(printable(e.lab))}: Frontier Lab summary</title>",
                 "<style>body{font:14px/1.4 system-ui,sans-serif;max-width:800px;margin:auto;"
                 "padding:1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:"
                 "1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}"
                 "td.num{text-align:right}@media print{a{color:inherit}}</style></head><body>",
                 f"<h1>{esc(printable(e.lab))}</h1><table>"]
        parts += [f"<tr><th>{esc(k)}</th><td>{esc(printable(v))}</td></tr>"
                  for k, v in self.facts()]
        parts.append("</table><h2>The lab's path</h2><table><tr><th>Quarter</th>"
                     "<th>Training / research</th><th class='num'>Price</th><th>Decisions</th>"
                     "<th class='num'>Cash after</th><th class='num'>Valuation after</th></tr>")
        for row in self.rows:
            parts.append(f"<tr><td>{esc(row['date'])}</td><td>{esc(row['split'])}</td>"
                         f"<td class='num'>{_num(row['price'], 2)}</td>"
                         f"<td>{esc(row['moves'])}</td><td class='num'>{_money(row['cash'])}"
                         f"</td><td class='num'>{_money(row['valuation'])}</td></tr>")
        parts.append("</table><h2>Events met</h2><ul>")
        parts += [f"<li>{esc(printable(line))}</li>" for line in self.events()] or ["<li>none</li>"]
        parts.append("</ul><h2>Sources behind the figures you dealt with</h2>")
        if not self.cites:
            parts.append("<p>The bibliography (docs/sources.toml) is not installed here.</p>")
        parts.append("<ol>")
        for c in self.cites:
            link = f" <a href='{esc(c.url)}'>{esc(c.url)}</a>" if c.url else ""
            parts.append(f"<li>{esc(c.publisher)} ({esc(c.date)}). <em>{esc(c.title)}</em>."
                         f"{link} <small>[{esc(c.id)}] — in the game: "
                         f"{esc(', '.join(c.figures[:4]))}</small></li>")
        parts.append("</ol></body></html>")
        return "\n".join(parts) + "\n"

    def markdown(self) -> str:
        e = self.e
        lines = [f"# {_md(e.lab)}", ""]
        lines += [f"- **{k}**: {_md(v)}" for k, v in self.facts()]
        lines += ["", "## The lab's path", "",
                  "| Quarter | Training / research | Price | Decisions | Cash after | "
                  "Valuation after |", "|---|---|---|---|---|---|"]
        lines += [f"| {row['date']} | {row['split']} | {_num(row['price'], 2)} | "
                  f"{_md(row['moves'])} | {_money(row['cash'])} | {_money(row['valuation'])} |"
                  for row in self.rows]
        lines += ["", "## Events met", ""]
        lines += [f"- {_md(line)}" for line in self.events()] or ["- none"]
        lines += ["", "## Sources behind the figures you dealt with", ""]
        lines += [f"{n}. {_md(c.publisher)} ({c.date}). *{_md(c.title)}*."
                  + (f" <{c.url}>" if c.url else "") + f" [{c.id}]; in the game: "
                  + ", ".join(f"`{w}`" for w in c.figures[:4])
                  for n, c in enumerate(self.cites, 1)]
        return "\n".join(lines) + "\n"


def write_text(path: Path, text: str) -> Path:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def _md(text: str) -> str:
    """Text as Markdown shows it as written (no markup, no HTML, one line)."""
    text = printable(" ".join(str(text).split()))
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~-])", r"\\\1", text)


def _ok(x: Any) -> bool:
    return isinstance(x, int | float) and x == x and abs(x) != float("inf")


def _num(x: Any, digits: int = 1) -> str:
    return f"{x:,.{digits}f}" if _ok(x) else "—"


def _pct(x: Any) -> str:
    return f"{100 * x:.0f}%" if _ok(x) else "—"


def _money(x: Any) -> str:
    return money(x) if _ok(x) else "—"
