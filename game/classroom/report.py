"""The class report: every save replayed and verified, then ranked, compared and explained.

``build(paths, content)`` reads each save (or every save in a folder), replays it from its seed
with ``game.session.store.verify`` and sorts the class into

- **ranked** games: verified, of the class's scenario (and seed, when the class fixes one), in
  order of score; and
- **flagged** games, never ranked, each with the reason: unreadable, edited after it was saved,
  made with other content, another scenario, another seed, or a copy of another student's save.

In a class, ``one_per_lab`` also flags every game of a lab name after its first: the replays a
student starts from the debrief (same luck, known in advance) and second attempts.

The class's scenario is ``scenario`` when given, else the class folder's settings, else the most
common scenario among the saves that can be read.

``game.classroom.report_files`` writes it out: the CSV files, ``summary.json`` and one
self-contained ``report.html`` (``game.classroom.html_report``).

The decisions compared are computed from each game's replay, never from numbers in the file
(a save cannot claim them):

- **capex share of spending**: (GPU purchases + data-center construction) ÷ everything the lab
  spent (those two, plus leases, spot compute, power, data-center operations, staff, other
  operating costs, lease-break penalties and interest), summed over the quarters played, from the
  engine's cash ledger. High: the lab bought its future; low: it rented it.
- **rented share of compute spending**: (leases + spot compute) ÷ (leases + spot compute + GPU
  purchases + data-center construction + power + data-center operations): of the money spent on
  compute, the share that rented capacity rather than owned it.
- **training share** and **research share**: the mean share of compute the plans gave training
  and research, over the quarters played.
- **price**: the mean price the plans set (1.0 = the market's list price).
- **equity raised** and **debt drawn**: $B over the game (debt includes automatic credit-line
  draws).
- **IPO filed**: the first quarter the lab's IPO stage was "filed" or beyond.

Quartiles are by rank: Q1 is the top quarter of the ranked class (positions 1 to ⌈n/4⌉).

**Finished, running, abandoned.** A ranked game is *finished* when it reached an ending, else
*running*; a running game is *abandoned* when it stopped early: fewer quarters than half the
class's pace (the median quarters played, a finished game counting its whole horizon), or its
last save more than
``STALE_MINUTES`` older than the class's newest while behind that pace (``abandoned_below=N``
instead: fewer than N quarters). The ranking puts finished games first, then running ones, then
abandoned ones, each by score: an abandoned game never outranks a finished one.

**The same quarter.** ``ClassReport.at_quarter`` is one quarter every counted (not abandoned)
game reached: by default the last quarter every running game has played (every game's ending,
when all have finished), or ``at_quarter=N``; ``same_quarter`` holds each ranked game's headline
numbers then, ranked by the stake's value (ownership × valuation, the score before the
outcome's weight). A game that ended earlier holds its ending; an abandoned game that stopped
earlier is listed with where it stopped and not ranked there.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from game.classroom.folder import Injection
from game.classroom.market_play import Verifier
from game.engine import OUTCOMES
from game.packs import Content
from game.session.saves import signature
from game.session.saves.errors import SaveError
from game.session.saves.record import SaveFile
from game.session.store import Verification

Progress = Callable[[int, int, str], None]
"""Called as (done, total, file name) after each save."""

SERIES = ("cash", "sentiment", "capability")
"""The headline metrics drawn over time for every student."""

CAPEX = ("GPU purchases", "data-center construction")
OPEX = ("leases", "spot compute", "power", "data-center operations", "staff", "other opex",
        "lease break penalty", "interest")
RENTED = ("leases", "spot compute")
OWNED = ("GPU purchases", "data-center construction", "power", "data-center operations")

DECISIONS: dict[str, str] = {
    "capex_share": "Capex share of spending",
    "rented_share": "Rented share of compute spending",
    "training_share": "Training share of compute",
    "research_share": "Research share of compute",
    "price": "Price (1 = list)",
    "equity_raised": "Equity raised ($B)",
    "debt_drawn": "Debt drawn ($B)",
}
"""Decision metrics: key -> column title (see the module docstring for the definitions)."""


STATUSES = ("finished", "running", "abandoned")
"""A ranked game's status, in ranking order (see the module docstring)."""
STALE_MINUTES = 30
FLOWS = ("cash", "valuation", "revenue")
"""The ledger's metrics each entry keeps per quarter (for the live events' effects)."""


class ReportError(Exception):
    """Nothing to report on (no such file, no saves); one line."""


@dataclass
class Concept:
    """A concept a student met: through which events, how often, first when."""

    id: str
    term: str
    events: list[str]
    times: int
    first: str  # calendar quarter, e.g. 2026Q3


@dataclass
class Entry:
    """One save in the report: ranked (``reason`` is None) or flagged with the reason."""

    path: Path
    lab: str = ""
    scenario: str = ""
    seed: int | None = None
    outcome: str = ""
    score: float | None = None
    quarters: int = 0
    horizon: int = 0
    reason: str | None = None
    problems: list[str] = field(default_factory=list)
    rank: int | None = None
    quartile: int | None = None
    labels: list[str] = field(default_factory=list)  # calendar quarter of each timeline point
    timeline: list[dict[str, float]] = field(default_factory=list)  # start, then each quarter
    decisions: dict[str, float | None] = field(default_factory=dict)
    ipo_filed: str | None = None
    concepts: list[Concept] = field(default_factory=list)
    created: dt.datetime | None = None
    student: str | None = None  # the roster's id, signed by the class's server
    student_name: str = ""  # from the roster, when the report has it
    updated: dt.datetime | None = None  # when the save was last written
    status: str = ""  # finished, running or abandoned (ranked games)
    pseudonym: str = ""  # "Lab 7": the projector's name (game.classroom.pseudonyms)
    records: list[Any] = field(default_factory=list)  # the action log (plans, events, injected)
    # each quarter's ledger lines for FLOWS: metric -> line -> $B (the replay's, one world)
    flows: list[dict[str, dict[str, float]]] = field(default_factory=list)
    _copy_key: tuple[Any, ...] | None = None

    @property
    def finished(self) -> bool:
        """The game reached an ending (listing, bankruptcy, ouster, irrelevance, time)."""
        return self.outcome not in ("", "running")

    @property
    def stake(self) -> float | None:
        """Ownership × valuation ($B) now: the score before the outcome's weight."""
        f = self.final
        return f["ownership"] * f["valuation"] if "ownership" in f and "valuation" in f else None

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def final(self) -> dict[str, float]:
        return self.timeline[-1] if self.timeline else {}


@dataclass
class ClassReport:
    scenario: str
    scenario_title: str
    seed: int | None  # the class's seed, when it fixes one
    ranked: list[Entry]
    flagged: list[Entry]
    generated: dt.datetime
    seconds: float = 0.0
    # a class with a key: the games its server did not sign (practice, or played elsewhere)
    unsigned: list[Entry] = field(default_factory=list)
    at_quarter: int = 0  # the quarter the labs are compared at (see the module docstring)
    at_label: str = ""  # its calendar quarter, e.g. 2027Q2
    same_quarter: list[dict[str, Any]] = field(default_factory=list)
    injections: list[Injection] = field(default_factory=list)  # the class's live events
    market_story: list[str] = field(default_factory=list)  # a shared market's: who took share

    @property
    def entries(self) -> list[Entry]:
        return [*self.ranked, *self.flagged, *self.unsigned]

    def outcomes(self) -> dict[str, int]:
        """Ranked games by outcome, in the engine's order (running games included)."""
        counts = Counter(e.outcome for e in self.ranked)
        return {o: counts[o] for o in OUTCOMES if counts[o]} | {
            o: n for o, n in counts.items() if o not in OUTCOMES}

    def quartiles(self) -> list[dict[str, Any]]:
        """Per quartile of the ranking: size, scores, outcomes and each decision's mean."""
        rows = []
        for q in (1, 2, 3, 4):
            group = [e for e in self.ranked if e.quartile == q]
            if not group:
                continue
            row: dict[str, Any] = {
                "quartile": f"Q{q}", "students": len(group),
                "best_score": max(e.score or 0.0 for e in group),
                "worst_score": min(e.score or 0.0 for e in group),
                "outcomes": dict(Counter(e.outcome for e in group).most_common()),
            }
            for key in DECISIONS:
                row[key] = _mean(e.decisions.get(key) for e in group)
            rows.append(row)
        return rows

    def concept_counts(self) -> list[tuple[str, str, int]]:
        """(concept id, term, ranked students who met it), most met first."""
        met: Counter[str] = Counter()
        terms: dict[str, str] = {}
        for e in self.ranked:
            for c in e.concepts:
                met[c.id] += 1
                terms[c.id] = c.term
        return [(cid, terms[cid], n) for cid, n in sorted(met.items(), key=lambda t: (-t[1], t[0]))]


# --- finding and reading saves ----------------------------------------------------------------


def find_saves(paths: Sequence[Path]) -> list[Path]:
    """The save files named, and every save (``*.toml``, not hidden) in the folders named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir()
                            if p.suffix == ".toml" and not p.name.startswith(".") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise ReportError(f"{path}: no such file or folder")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise ReportError("no saves found in " + ", ".join(str(p) for p in paths))
    return unique


def build(paths: Sequence[Path], content: Content, scenario: str | None = None,
          seed: int | None = None, progress: Progress | None = None,
          one_per_lab: bool = False, key: bytes | None = None,
          injections: Sequence[Injection] | None = None,
          roster: dict[str, str] | None = None, at_quarter: int | None = None,
          abandoned_below: int | None = None) -> ClassReport:
    """Replay and verify every save, rank the class and gather what it decided and met.

    ``one_per_lab`` ranks only the first game of each lab name (a class gives every student
    their own name; later games by the same name are replays from the debrief, which know the
    luck ahead, or second attempts).

    With the class's ``key``, only games its server signed are ranked: the others are listed
    apart (``unsigned``), with the reason, and a game is known by the id the server gave it (a
    copy of a game, renamed or not, is flagged). With the class's ``injections``, a game that
    took a live event the class never sent is flagged.

    A game signed for a student of the class's roster (``roster``: id -> name) is that
    student's, whatever its lab is called: ``one_per_lab`` then keeps each student's first game
    (the earliest begun), and the report names the student.

    Finished games rank first, by score; then games still running, then abandoned ones (the
    module docstring says which): a game left at quarter 3 never outranks a lab that played to
    its ending. The labs are also compared at one quarter (``at_quarter``, or the last every
    counted game reached).
    """
    t0 = time.perf_counter()
    files = find_saves(paths)
    replays: list[tuple[Path, Verification | str]] = []
    verify = Verifier(content)  # (a shared market's saves: against the class's market)
    for n, path in enumerate(files, 1):
        try:
            replays.append((path, verify(path)))
        except SaveError as exc:
            replays.append((path, f"unreadable: {_strip_path(str(exc), path)}"))
        if progress is not None:
            progress(n, len(files), path.name)
    if scenario is None:  # the most common scenario among the saves read (ties: first seen)
        seen = [r.save.scenario for _, r in replays if isinstance(r, Verification) and r.save]
        scenario = Counter(seen).most_common(1)[0][0] if seen else "?"
    ranked: list[Entry] = []
    flagged: list[Entry] = []
    unsigned: list[Entry] = []
    copies: dict[tuple[Any, ...], Entry] = {}
    for path, result in replays:
        entry = _examine(path, result, content, scenario, seed)
        save = result.save if isinstance(result, Verification) else None
        if key is not None and save is not None:
            why_unsigned = _unsigned(save, key)
            if why_unsigned is not None:
                entry.reason = why_unsigned
                unsigned.append(entry)
                continue
            assert save.signed is not None
            entry._copy_key = ("game id", save.signed.game_id)
            entry.student = save.signed.student
            entry.student_name = (roster or {}).get(entry.student or "", "")
        if entry.reason is None and save is not None and injections is not None:
            entry.reason = _injection_problem(save, injections)
        if entry.reason is None and entry._copy_key is not None:
            first = copies.setdefault(entry._copy_key, entry)
            if first is not entry:
                entry.reason = f"a copy of {first.file} (the same game, saved twice)"
        (flagged if entry.reason else ranked).append(entry)
    if one_per_lab:
        first: dict[tuple[str, str], Entry] = {}
        never = dt.datetime.max.replace(tzinfo=dt.UTC)
        # the first game: the earliest begun (to the second), then LAB before LAB-2, LAB-3 …
        # (a student's games, by the roster's id the server signed, whatever their labs)
        for e in sorted(ranked, key=lambda e: (e.created or never, len(e.file), e.file)):
            who = ("student", e.student) if e.student else ("lab", e.lab.casefold())
            kept = first.setdefault(who, e)
            if kept is not e:
                whose = (f"student {e.student}" if e.student else f"'{e.lab}'")
                e.reason = (f"a later game of {whose} (the first, {kept.file}, is ranked; "
                            "replays from the debrief and new attempts are not)")
        flagged += [e for e in ranked if e.reason]
        ranked = [e for e in ranked if not e.reason]
    _mark_abandoned(ranked, abandoned_below)
    ranked.sort(key=lambda e: (STATUSES.index(e.status), -(e.score or 0.0), e.lab.casefold(),
                               e.file))
    for i, e in enumerate(ranked):
        tie = (i > 0 and e.score == ranked[i - 1].score and e.status == ranked[i - 1].status)
        e.rank = ranked[i - 1].rank if tie else i + 1  # ties share a rank
        e.quartile = 1 + (4 * i) // len(ranked)
    sc = content.scenarios.get(scenario)
    report = ClassReport(scenario=scenario, scenario_title=sc.title if sc else scenario,
                         seed=seed, ranked=ranked, flagged=flagged,
                         generated=dt.datetime.now(dt.UTC), seconds=time.perf_counter() - t0,
                         unsigned=unsigned, injections=list(injections or []))
    _compare(report, at_quarter)
    return report


def _mark_abandoned(ranked: list[Entry], below: int | None) -> None:
    """Set each ranked game's status (the rule is in the module docstring)."""
    # the class's pace: the median of the quarters played, a finished game counting as
    # having gone the whole way (its horizon)
    went = sorted(e.horizon if e.finished else e.quarters for e in ranked)
    pace = went[len(went) // 2] if went else 0  # the median (the upper, for an even count)
    times = [e.updated for e in ranked if e.updated is not None]
    newest = max(times) if times else None
    for e in ranked:
        if e.finished:
            e.status = "finished"
            continue
        if below is not None:
            stopped = e.quarters < below
        else:
            stale = (newest is not None and e.updated is not None
                     and newest - e.updated > dt.timedelta(minutes=STALE_MINUTES))
            stopped = 2 * e.quarters < pace or (stale and e.quarters < pace)
        e.status = "abandoned" if stopped else "running"


def _compare(report: ClassReport, at: int | None) -> None:
    """The labs at one quarter (``at_quarter`` and ``same_quarter``, module docstring)."""
    counted = [e for e in report.ranked if e.status != "abandoned"]
    if not counted:
        return
    running = [e.quarters for e in counted if e.status == "running"]
    longest = max(e.quarters for e in report.ranked)
    q = min(running) if running else longest
    q = max(0, min(q if at is None else at, longest))
    report.at_quarter = q
    rows = []
    for e in report.ranked:
        k = min(q, len(e.timeline) - 1)
        point = e.timeline[k] if e.timeline else {}
        reached = e.quarters >= q or e.finished
        rows.append({
            "entry": e, "reached": reached,
            "state": ("playing" if e.quarters > q or not e.finished else f"ended: {e.outcome}")
            if reached else f"stopped at quarter {e.quarters}",
            "date": e.labels[k] if e.labels else "",
            **{m: point.get(m) for m in ("cash", "valuation", "ownership", "sentiment",
                                         "capability", "revenue")},
            "stake": point["ownership"] * point["valuation"]
            if "ownership" in point and "valuation" in point else None,
        })
    compared = sorted((r for r in rows if r["reached"]), key=lambda r: -(r["stake"] or 0.0))
    for i, row in enumerate(compared):
        prev = compared[i - 1] if i else None
        row["rank"] = prev["rank"] if prev and prev["stake"] == row["stake"] else i + 1
    for row in rows:
        row.setdefault("rank", None)
    report.at_label = next((e.labels[q] for e in report.ranked if len(e.labels) > q), "")
    report.same_quarter = sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0))


def _unsigned(save: SaveFile, key: bytes) -> str | None:
    """Why a save does not count as the class's game, or None when the class's server signed
    it and nothing in it has changed since."""
    if save.signed is None:
        return ("not signed by the class: played outside the class's server (practice, or a "
                "game made or copied elsewhere)")
    if not signature.signed_by(save, key):
        return ("its signature does not check: changed since the class's server saved it (its "
                "lab, dates, content or quarters), or signed for another class")
    return None


def _injection_problem(save: SaveFile, injections: Sequence[Injection]) -> str | None:
    """A live event the game took that the class never sent (by the game's last save)."""
    # a save's time is to the second, an injection's to the microsecond: one made in the second
    # the game was saved counts as sent by then
    sent = Counter(i.event for i in injections if i.time.replace(microsecond=0) <= save.updated)
    took = Counter(event for record in save.log for event in record.injected)
    extra = took - sent
    if not extra:
        return None
    names = ", ".join(f"{event} ×{n}" if n > 1 else event for event, n in sorted(extra.items()))
    return (f"took live events the class never sent: {names} (only the instructor's "
            "`class inject` sends them)")


def _examine(path: Path, result: Verification | str, content: Content, scenario: str,
             seed: int | None) -> Entry:
    entry = Entry(path)
    if isinstance(result, str):
        entry.reason = result
        return entry
    save = result.save
    assert save is not None
    entry.lab, entry.scenario, entry.seed = save.lab, save.scenario, save.seed
    entry.outcome, entry.score, entry.quarters = save.outcome, save.score, save.quarters
    entry.created, entry.updated = save.created, save.updated
    entry.problems = list(result.problems)
    if save.scenario != scenario:
        entry.reason = f"another scenario: '{save.scenario}' (the class plays '{scenario}')"
    elif not result.verified:
        entry.reason = "does not verify: " + "; ".join(result.problems)
    elif save.dev or any(r.dev for r in save.log):
        entry.reason = "made with the developer console (play --dev): never ranked"
    elif seed is not None and save.seed != seed:
        entry.reason = (f"another seed: {save.seed} (the class plays seed {seed}, so this game "
                        "had different luck)")
    game = result.game
    if game is None or not result.verified:
        return entry
    entry.outcome, entry.score = game.outcome, game.score
    entry.horizon = game.horizon
    entry.labels, entry.timeline = game.timeline()
    entry.decisions = decisions(game)
    entry.ipo_filed = next((entry.labels[k + 1] for k, h in enumerate(game.history)
                            if h.get("ipo_stage", 0.0) >= 1.0), None)
    entry.concepts = concepts_met(game, content)
    entry.records = list(game.log)
    entry.flows = [{m: {name: float(v[0]) for name, v in ledger.entries[m].items()}
                    for m in FLOWS} for ledger in game.ledgers]
    last_seal = save.log[-1].seal if save.log else ""
    entry._copy_key = (save.lab, save.created, save.seed, save.scenario, last_seal)
    return entry


def _strip_path(message: str, path: Path) -> str:
    for prefix in (f"{path}: ", f"{path.name}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


# --- what a game decided and met ---------------------------------------------------------------


def decisions(game: Any) -> dict[str, float | None]:
    """The decision metrics of a replayed game (definitions in the module docstring)."""
    flows: Counter[str] = Counter()
    for ledger in game.ledgers:
        for name, values in ledger.entries["cash"].items():
            flows[name] += float(values[0])
    spent = {name: -flows[name] for name in (*CAPEX, *OPEX)}
    capex = sum(spent[n] for n in CAPEX)
    total = capex + sum(spent[n] for n in OPEX)
    rented = sum(spent[n] for n in RENTED)
    compute = rented + sum(spent[n] for n in OWNED)
    plans = [r.plan for r in game.log]
    return {
        "capex_share": capex / total if total > 0 else None,
        "rented_share": rented / compute if compute > 0 else None,
        "training_share": _mean(_num(p.get("training")) for p in plans),
        "research_share": _mean(_num(p.get("research")) for p in plans),
        "price": _mean(_num(p.get("price")) for p in plans),
        "equity_raised": flows["equity raised"],
        "debt_drawn": flows["debt drawn"] + flows["credit line (automatic)"],
    }


def concepts_met(game: Any, content: Content) -> list[Concept]:
    """The glossary concepts of the events that happened to the lab, in the order first met."""
    concept_of = {ce.event.id: ce.event.concept for ce in content.events}
    met: dict[str, Concept] = {}
    for k, record in enumerate(game.log):
        for event_id in record.events:
            cid = concept_of.get(event_id)
            if not cid:
                continue
            if cid not in met:
                term = content.glossary[cid].term if cid in content.glossary else cid
                met[cid] = Concept(cid, term, [], 0, game.calendar(k))
            c = met[cid]
            c.times += 1
            if event_id not in c.events:
                c.events.append(event_id)
    return list(met.values())


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mean(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None and math.isfinite(v)]
    return sum(xs) / len(xs) if xs else None


# --- output ------------------------------------------------------------------------------------
