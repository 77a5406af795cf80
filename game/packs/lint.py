"""Warnings and notes: what loads, but is very likely not what its author meant.

``packs validate`` reports them beside the errors, in the same ``file:line:col`` form; they never
stop a pack from loading or a game from starting (``packs validate --strict`` counts warnings as
errors). Each says what is wrong and what to do:

- a ``*.toml`` file the loader does not read (``game.packs.layout``);
- in an expression, a comparison that is never or always true given the bounds of the names it
  reads, and a division whose divisor is always 0 (``game.packs.intervals``); a trigger that can
  never hold (the event never happens), a trigger or condition that always holds though the
  author wrote a comparison (the literal ``true`` is the default, not a mistake), a choice never
  offered, a modifier that never or always applies;
- an event whose choices all have conditions: where none holds, the lab has no choice;
- a cycle of follow-ups (``game.packs.chains``);
- a scenario's scripted event whose trigger cannot hold at the quarter it is scripted for;
- and a note on the director's pool of weighted events: the chance each has in a quarter.

One root cause, one message: an event that does not compile has its errors and no warning; a
comparison that is vacuous because one inside it is gives one warning; an event whose trigger can
never hold is not warned of again where a scenario scripts it. The checks across events (cycles,
scripts, the pool) need every event, so they wait until the packs load without an error.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from game.packs.chains import cycles
from game.packs.content import Content
from game.packs.director import PRESETS, CompiledEvent
from game.packs.economy import ScenarioFile
from game.packs.errors import MAX_MESSAGE, NOTE, WARNING, Problem
from game.packs.intervals import ALWAYS, NEVER, ZERO, Finding, Reading, read
from game.packs.layout import ignored_files
from game.packs.library import Library
from game.packs.reading import Pack, Source
from game.packs.schema import Event

Located = Mapping[str, tuple[Event, Source, str]]  # event id -> (event, where, pack id)
# The codes of the warnings (printed last, in brackets): an event's or a scripted entry's
# `allow = [...]` silences those it names (game.packs.schema.EVENT_WARNINGS).
NEVER_HOLDS, ALWAYS_HOLDS, VACUOUS = "never-holds", "always-holds", "vacuous-comparison"
DIVISION_BY_ZERO, NO_CHOICE, CYCLE = "division-by-zero", "no-choice", "follow-up-cycle"
SCRIPTED, POOL = "scripted-trigger", "pool"
SHOWN = 60  # characters of an expression's part quoted in a message
KNOWS = ("the check knows the quarter, the year and each name's bounds, not the rest of a "
         "game's state")


def lint(content: Content | None, events: Located,
         scenarios: Mapping[str, tuple[ScenarioFile, Source]], packs: Sequence[Pack],
         whole: bool, room: int, library: Library | None = None) -> list[Problem]:
    """The warnings and notes about the loaded packs (at most ``room`` of them). ``whole``: the
    packs loaded without an error, so the checks across events (and of the library's named
    triggers and effects lists) can run."""
    found: list[Problem] = []
    for pack in packs:
        found += ignored_files(pack.path, pack.files.items())
    if content is not None:
        linter = _Linter(content, found, room)
        quiet: set[tuple[Any, ...]] = set()  # what was linted and said nothing
        for ce in content.events:
            if len(found) >= room:
                break
            if ce.id in events:
                # An event whose every expression, window and choice reads as one already
                # linted with nothing to say has nothing to say either (generated packs repeat
                # a few shapes): only its id differs, and no check reads the id.
                shape = _shape(ce.event)
                if shape in quiet:
                    continue
                before = len(found)
                linter.event(ce, events[ce.id][1])
                if len(found) == before:
                    quiet.add(shape)
        if whole:
            if library is not None:
                linter.library(library)
            linter.cycles(events)
            linter.scripts(scenarios)
            linter.pool(events)
    return found[:room]



def _shape(ev: Event) -> tuple[Any, ...]:
    """What ``_Linter.event`` reads of an event, but its id, title and text."""
    return (ev.trigger, ev.earliest, ev.latest, ev.scripted, ev.on, tuple(ev.allow),
            tuple(m.condition for m in ev.modifiers),
            tuple((c.condition, c.ai_weight, _effect_texts(c.effects)) for c in ev.choices),
            _effect_texts(ev.effects))


def _effect_texts(items: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(next((getattr(e, f) for f in ("value", "factor", "size")
                       if isinstance(getattr(e, f, None), str)), None) for e in items)


class _Bounds(dict[str, tuple[float, float]]):
    """Each name's declared bounds, read from the names as they are asked for (most of a big
    pack's ``since.event.ID`` names are never made)."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        super().__init__()
        self.names = names

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if name not in self:
            found = self.names.get(name)
            if found is None:
                return default
            self[name] = (found.low, found.high)
        return self[name]

class _Linter:
    def __init__(self, content: Content, found: list[Problem], room: int):
        self.content = content
        self.found = found
        self.room = room
        self.bounds = _Bounds(content.names)
        self.readings: dict[tuple[str, tuple[tuple[str, float, float], ...]], Reading] = {}
        self.allow: Collection[str] = ()  # the codes the event being linted allows

    # --- reading expressions ------------------------------------------------------------------

    def reading(self, source: str, fixed: Mapping[str, tuple[float, float]] | None = None
                ) -> Reading:
        """What the expression can be, each name within its bounds (``fixed`` overrides some);
        each text read once per set of bounds."""
        key = (source, tuple(sorted((k, *v) for k, v in fixed.items())) if fixed else ())
        found = self.readings.get(key)  # most texts recur: generated packs repeat a few
        if found is None:
            over = fixed or {}
            found = self.readings[key] = read(source, lambda name: over.get(
                name) or self.bounds.get(name, (-math.inf, math.inf)))
        return found

    def why(self, got: Reading, fixed: Mapping[str, tuple[float, float]] | None = None
            ) -> tuple[str, str]:
        """Why a whole expression never (or always) holds, from its first finding or its value,
        and where that finding is (' (column N of the expression)', or '')."""
        if not got.findings:
            return f"its value is {'always 0' if got.truth == NEVER else 'never 0'}", ""
        first = got.findings[0]
        if first.kind == ZERO:
            said = f"`{_quote(first.text)}` divides by a divisor that is always 0, which gives 0"
        else:
            said = (f"`{_quote(first.text)}` is {first.kind} true"
                    f"{_bounds_of(first, self.bounds, fixed or {})}")
        return said, _column(first)

    def warn(self, src: Source, message: str, *where: str | int, code: str,
             severity: str = WARNING) -> None:
        if len(self.found) < self.room and code not in self.allow:
            self.found.append(dataclasses.replace(src.problem(message, *where),
                                                  severity=severity, code=code))

    # --- one event ----------------------------------------------------------------------------

    def event(self, ce: CompiledEvent, src: Source) -> None:
        ev = ce.event
        self.allow = ev.allow
        label = f"event '{ev.id}'"
        trigger = self.reading(ev.trigger)
        window = self.window(ev)
        rolled = self.reading(ev.trigger, {"quarter": window}) if window else trigger
        if trigger.truth == NEVER:
            said, at = self.why(trigger)
            self.warn(src, f"{label}: its trigger can never hold, so the event never happens: "
                           f"{said}{at}", "trigger", code=NEVER_HOLDS)
        elif window and rolled.truth == NEVER:
            said, at = self.why(rolled, {"quarter": window})
            how = ("let it roll, so it never happens by chance" if ev.on is None
                   else "let it happen at its moment, so it never does")
            self.warn(src, f"{label}: its trigger can never hold in quarters {_span(window)}, "
                           f"where earliest and latest {how}: {said}{at}", "trigger",
                      code=NEVER_HOLDS)
        elif trigger.truth == ALWAYS and trigger.reads:
            said, at = self.why(trigger)
            self.warn(src, f"{label}: its trigger always holds: {said}; drop the comparison "
                           "(the trigger's default is \"true\") or compare with a value within "
                           f"those bounds{at}", "trigger", code=ALWAYS_HOLDS)
        else:
            self.parts(src, label, "its trigger", trigger, "trigger")
        for i, m in enumerate(ev.modifiers):
            self.condition(src, label, self.reading(m.condition), ("modifiers", i, "condition"),
                           never="a modifier never applies: its condition can never hold",
                           always="a modifier always applies: its condition always holds",
                           fix="; fold its factor into mtth_quarters or weight",
                           what="a modifier's condition")
        open_choice = False  # some choice is offered whatever the state
        for i, choice in enumerate(ev.choices):
            name = f"choice '{_quote(choice.label)}'"
            got = self.reading(choice.condition) if choice.condition is not None else None
            open_choice = open_choice or got is None or got.truth == ALWAYS
            if got is not None:
                self.condition(src, label, got, ("choices", i, "condition"),
                               never=f"{name} is never offered: its condition can never hold",
                               always=f"the condition of {name} always holds",
                               fix="; drop the condition", what=f"the condition of {name}")
            self.parts(src, label, f"the ai_weight of {name}", self.reading(choice.ai_weight),
                       "choices", i, "ai_weight")
            self.effects(src, label, choice.effects, "choices", i)
        self.effects(src, label, ev.effects)
        if ev.choices and not open_choice and trigger.truth != NEVER:
            self.warn(src, f"{label}: every choice has a condition, so where none holds the "
                           "lab has no choice to make: the event happens with its own effects "
                           "and follow-ups only (a player sees it as news); give one choice no "
                           "condition", "choices", 0, code=NO_CHOICE)
        self.allow = ()

    def condition(self, src: Source, label: str, got: Reading, where: tuple[str | int, ...], *,
                  never: str, always: str, fix: str, what: str) -> None:
        """A condition that never holds, or always does (and reads the state); else its parts."""
        if got.truth == NEVER:
            said, at = self.why(got)
            self.warn(src, f"{label}: {never}: {said}{at}", *where, code=NEVER_HOLDS)
        elif got.truth == ALWAYS and got.reads:
            said, at = self.why(got)
            self.warn(src, f"{label}: {always}: {said}{fix}{at}", *where, code=ALWAYS_HOLDS)
        else:
            self.parts(src, label, what, got, *where)

    def window(self, ev: Event) -> tuple[float, float] | None:
        """The quarters a chance event can roll in (or a moment's event happen in), when its
        earliest or latest narrow them; a scheduled happening ignores them."""
        if ev.scripted or (ev.earliest == 0 and ev.latest is None):
            return None
        return float(ev.earliest), math.inf if ev.latest is None else float(ev.latest)

    def effects(self, src: Source, label: str, items: Sequence[Any], *at: str | int) -> None:
        for k, e in enumerate(items):
            key = next((f for f in ("value", "factor", "size") if isinstance(
                getattr(e, f, None), str)), None)
            if key is not None:
                self.parts(src, label, f"an effect's {key}", self.reading(getattr(e, key)),
                           *at, "effects", k, key)

    def parts(self, src: Source, label: str, what: str, got: Reading, *where: str | int
              ) -> None:
        """A part of an expression that is vacuous, or divides by 0, when the whole is not."""
        if not got.findings:
            return
        first = got.findings[0]
        more = len(got.findings) - 1
        tail = f" (and {more} more like it)" if more else ""
        if first.kind == ZERO:
            said = (f"{what} divides by 0 in `{_quote(first.text)}`: the divisor is always 0, "
                    "and a division by 0 gives 0; divide by something else, or write 0")
            code = DIVISION_BY_ZERO
        else:
            value = "0 (false)" if first.kind == NEVER else "1 (true)"
            said = (f"in {what}, `{_quote(first.text)}` is {first.kind} true"
                    f"{_bounds_of(first, self.bounds, {})}, so it always counts as {value}; "
                    "compare with a value within those bounds")
            code = VACUOUS
        self.warn(src, f"{label}: {said}{tail}{_column(first)}", *where, code=code)

    def library(self, library: Library) -> None:
        """The named triggers (what holds never or always, as an event's trigger) and the
        effects lists' expressions."""
        for key, (trig, src) in library.triggers.items():
            label = f"named trigger '{key}'"
            got = self.reading(trig.when)
            if got.truth == NEVER:
                said, at = self.why(got)
                self.warn(src, f"{label} can never hold: {said}{at}", "when", code=NEVER_HOLDS)
            elif got.truth == ALWAYS and got.reads:
                said, at = self.why(got)
                self.warn(src, f"{label} always holds: {said}; drop the comparison or compare "
                               f"with a value within those bounds{at}", "when",
                          code=ALWAYS_HOLDS)
            else:
                self.parts(src, label, "its condition", got, "when")
        for key, (effects, src) in library.lists.items():
            self.effects(src, f"effects list '{key}'", effects.effects)

    # --- across events ------------------------------------------------------------------------

    def cycles(self, events: Located) -> None:
        def always(ce: CompiledEvent) -> bool:
            return self.reading(ce.event.trigger).truth == ALWAYS

        by_id = {ce.id: ce for ce in self.content.events}
        for cycle in cycles(self.content.events, self.content.redirects, always):
            if len(self.found) >= self.room:
                return
            if any(CYCLE in by_id[e].event.allow for e in cycle.events):
                continue
            first = cycle.links[0]
            every = ("every quarter" if cycle.period == 1
                     else f"every {cycle.period} quarters")
            if cycle.certain:
                said = (f"each schedules the next whatever happens and their triggers always "
                        f"hold, so once one happens the chain repeats {every} until the game "
                        "ends; end it with a trigger (e.g. not flag.NAME, a flag the chain "
                        "sets) or leave it through a choice")
            else:
                unless = [w for w, yes in (
                    ("the lab takes the choices that follow up",
                     any(link.by_choice for link in cycle.links)),
                    ("their triggers hold", not all(always(by_id[e]) for e in cycle.events)))
                    if yes]
                said = f"it repeats {every} for as long as {' and '.join(unless)}"
            self.warn(events[first.source][1], f"event '{first.source}': follow-up cycle "
                                               f"{_spelt(cycle.events)}: {said}", *first.where,
                      code=CYCLE, severity=WARNING if cycle.certain else NOTE)

    def scripts(self, scenarios: Mapping[str, tuple[ScenarioFile, Source]]) -> None:
        by_id = {ce.id: ce for ce in self.content.events}
        for sid, (scen, src) in scenarios.items():
            economy = self.content.scenario_economy.get(sid, self.content.economy)
            start_year, start_q = int(scen.start[:4]), int(scen.start[5])
            for i, item in enumerate(scen.scripted):
                event_id = self.content.redirects.get(item.event, item.event)
                ce = by_id.get(event_id)
                if ce is None or self.reading(ce.event.trigger).truth == NEVER:
                    continue  # unknown, or its trigger never holds: said at the event
                q = float(item.quarter)
                year = float(start_year + (start_q - 1 + item.quarter) // 4)
                fixed = {"quarter": (q, q), "year": (year, year),
                         "ipo_min_sentiment": (economy.ipo.min_sentiment,) * 2,
                         "ipo_min_ttm_revenue": (economy.ipo.min_ttm_revenue,) * 2}
                got = self.reading(ce.event.trigger, fixed)
                if got.truth != NEVER:
                    continue
                self.allow = item.allow
                said, _ = self.why(got, fixed)
                self.warn(src, f"scenario '{sid}': scripted event '{event_id}' cannot happen "
                               f"at quarter {item.quarter}: its trigger never holds there: "
                               f"{said}; script it where its trigger can hold ({KNOWS})",
                          "scripted", i, "quarter", code=SCRIPTED)
                self.allow = ()

    def pool(self, events: Located) -> None:
        """One note per pack with weighted events: each one's chance in a quarter."""
        pooled = [ce for ce in self.content.events
                  if ce.event.weight is not None and not ce.event.scripted]
        total = sum(ce.event.weight or 0.0 for ce in pooled)
        by_pack: dict[str, list[CompiledEvent]] = {}
        for ce in pooled:
            if ce.id in events:
                by_pack.setdefault(events[ce.id][2], []).append(ce)
        standard = PRESETS["standard"].pool_rate
        others = ", ".join(f"{p.pool_rate:.0%} {name}" for name, p in PRESETS.items()
                           if name != "standard")
        head = (f"weighted events share one pool, drawn in {standard:.0%} of quarters in "
                f"standard pacing ({others}), one event by weight among the eligible; "
                + (f"with all {len(pooled)} eligible" if len(pooled) > 1 else "alone in it")
                + ", a quarter's chance (standard) is")
        tail = "; scaling every weight changes nothing (mtth_quarters: a clock of its own)"
        for mine in by_pack.values():
            listed = ""
            for n, ce in enumerate(mine):
                w = ce.event.weight or 0.0
                item = f" {ce.id} {standard * w / total:.1%} ({w:g}/{total:g})"
                if len(head + listed + item + tail) > MAX_MESSAGE - 40:
                    listed += f", {len(mine) - n} more: {standard:.0%} × weight / {total:g}"
                    break
                listed += ("," if n else "") + item
            self.warn(events[mine[0].id][1], head + listed + tail, "weight", code=POOL,
                      severity=NOTE)


def _quote(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


def _number(v: float) -> str:
    return f"{v:g}"


def _span(low_high: tuple[float, float]) -> str:
    low, high = low_high
    if low == high:
        return _number(low)
    return f"{_number(low)} and on" if math.isinf(high) else f"{_number(low)} – {_number(high)}"


def _bounds_of(finding: Finding, bounds: Mapping[str, tuple[float, float]],
               fixed: Mapping[str, tuple[float, float]]) -> str:
    """'(unserved is 0 – 1)' for the names of a finding that have bounds; '' when none do."""
    said = []
    for name in finding.names:
        low, high = fixed.get(name) or bounds.get(name, (-math.inf, math.inf))
        if low == high:
            said.append(f"{name} is {_number(low)} there")
        elif not math.isinf(low) and not math.isinf(high):
            said.append(f"{name} is {_number(low)} – {_number(high)}")
        elif not math.isinf(low):
            said.append(f"{name} is at least {_number(low)}")
        elif not math.isinf(high):
            said.append(f"{name} is at most {_number(high)}")
    return f" ({'; '.join(said)})" if said else ""


def _column(finding: Finding) -> str:
    return f" (column {finding.col} of the expression)"


def _spelt(ids: list[str]) -> str:
    """'a → b → a'; a long cycle with its middle left out."""
    if len(ids) > 6:
        ids = [*ids[:3], f"… ({len(ids) - 5} more)", *ids[-2:]]
    return " → ".join(ids)
