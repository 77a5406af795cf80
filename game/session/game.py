"""One player's game: a scenario, the loaded packs, a seed, and everything decided so far.

A ``Game`` is the engine at batch size one plus what a person needs around it:

- the **state** at the start of the current quarter, and the **history** of headline metrics
  after each quarter played;
- the **pending events**: what happens to the lab this quarter, rolled when the quarter starts
  (with the same keyed draws a batch run would make), shown with their choices while the player
  plans; ``choose(event, choice)`` answers one;
- the **plan**: ``submit(plan)`` checks it against the state and keeps it;
- ``end_quarter()`` plays the quarter: events with the player's choices, then the plan;
- the **action log**: every plan and every choice by quarter. Replaying the log from the seed
  reproduces the game exactly, which is what saves rely on, and ``fork(q)`` replays it up to
  quarter q so the player can decide differently with the same luck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from game.bots.strategies import Policy
from game.engine import (
    IPO_STAGES,
    OUTCOMES,
    Economy,
    Ledger,
    Plan,
    PlanError,
    Rng,
    State,
    compile_economy,
    initial_state,
    step,
)
from game.engine.outcome import score as engine_score
from game.engine.plan import IPO_ACTIONS, plan_problems
from game.engine.plan_check import check_plan
from game.engine.state import RUNNING
from game.packs import Content
from game.packs import effects as fx
from game.packs.director import Director
from game.packs.expressions import holds
from game.packs.names import render_text
from game.packs.schema import Event


class GameError(ValueError):
    """Something the player asked for that cannot be done now; the message says why."""


@dataclass(frozen=True)
class ChoiceView:
    index: int
    label: str
    note: str
    available: bool


@dataclass
class PendingEvent:
    """An event happening to the lab this quarter, as the player sees it."""

    id: str
    title: str
    text: str
    category: str
    concept: str | None
    major: bool
    choices: list[ChoiceView]
    chosen: int | None = None
    # A class's live event: sent by the instructor (with what they said of it, if anything)
    live: bool = False
    live_note: str = ""

    @property
    def needs_choice(self) -> bool:
        """Whether the player must answer it: it has a choice open to the lab, and none is
        taken yet. With every choice closed (each has a condition, and none holds) there is
        nothing to answer: it happens as news, with its own effects only, as for a bot."""
        return self.chosen is None and any(c.available for c in self.choices)


@dataclass(frozen=True)
class Classmate:
    """Another lab of the class, in a shared market, as the player sees it (game.session.market)."""

    lab: str  # its name ("" before its game has begun)
    capability: float
    price: float  # × the market's going rate, as the player's own price
    share: float  # of the class's pooled market's usage


@dataclass
class QuarterRecord:
    """What was decided in one quarter: the action log's line."""

    quarter: int
    plan: dict[str, Any]
    choices: list[tuple[str, int]]  # (event id, choice index) for events with choices
    injected: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # every event that happened, in order
    dev: list[str] = field(default_factory=list)  # the console's changes ("flag NAME on")


# The headline metrics kept after each quarter: what the dashboard, the debrief and the class
# report draw, and what a replay checks. Every value is a finite float.
def headline(state: State, econ: Economy) -> dict[str, float]:
    k = 0
    out = {
        "cash": state.cash[k],
        "revenue": state.revenue[k],
        "runrate": 4.0 * state.revenue[k],
        "burn": state.burn[k],
        "debt": state.debt[k],
        "sentiment": state.sentiment[k],
        "valuation": state.valuation[k],
        "ownership": state.ownership[k],
        "capability": state.capability[k],
        "share": state.share[k],
        "capacity_h100e": state.capacity[k],
        "utilisation": state.utilisation[k],
        "rental_price": state.rental_price[k],
        "market": state.market[k],
        "unserved": state.unserved[k],
        "ipo_stage": float(state.ipo_stage[k]),
        "outcome": float(state.outcome[k]),
    }
    for r, rival in enumerate(econ.params.rivals):
        out[f"rival.{rival.id}"] = state.rival_capability[k, r]
    return {name: float(v) for name, v in out.items()}


def _one(value: Any) -> Any:
    """A plan value for one world: a number (or string, or flag) from a scalar or a 1-array."""
    if isinstance(value, str | bool | int):
        return value
    arr = np.asarray(value).reshape(-1)
    if arr.dtype == bool:
        return bool(arr[0])
    if arr.dtype.kind in "iu":
        return int(arr[0])
    if arr.dtype.kind in "US":
        return str(arr[0])
    return float(arr[0])


HISTORY_METRICS = ("runrate", "valuation", "rental_price")
"""The figures a scenario's [[history]] records, by their names in ``headline``."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One recorded figure of what really happened, beside the game's at the same quarter."""

    quarter: str  # calendar quarter, "2024Q4"
    metric: str  # one of HISTORY_METRICS
    recorded: float
    played: float


# Plan fields that are tables by GPU generation.
PER_GENERATION = ("gpu_orders", "sell_gpus")


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """A plan as plain TOML-ready values (one world: numbers, strings, tables by GPU). A field
    left unset (``None``: the industry's tokens per parameter) is left out, as TOML has no null;
    ``Plan(**d)`` reads it back as unset."""
    out: dict[str, Any] = {}
    for name, value in plan.model_dump().items():
        if value is None:
            continue
        if name in PER_GENERATION:
            out[name] = {g: _one(v) for g, v in value.items()}
        elif name == "ipo":
            code = _one(value)
            out[name] = code if isinstance(code, str) else IPO_ACTIONS[int(code)]
        else:
            out[name] = _one(value)
    return out


# Decisions that stand until changed; everything else (orders and sales of GPUs, leases,
# rounds, the IPO action) is for one quarter only.
STANDING = ("training", "inference", "research", "price", "lease_quarters",
            "tokens_per_parameter")


def carry_over(plan: Plan) -> Plan:
    """Next quarter's starting plan: this quarter's standing decisions, nothing one-off."""
    return Plan(**{name: getattr(plan, name) for name in STANDING})


class _PlayerChoices:
    """The director's chooser in a live game: the player's answer for each event."""

    def __init__(self) -> None:
        self.answers: dict[str, int] = {}

    def choose(self, event: Event, available: np.ndarray, state: State, econ: Economy,
               worlds: np.ndarray) -> np.ndarray | None:
        answer = self.answers.get(event.id)
        return None if answer is None else np.array([answer])


class Game:
    """A single game at batch size one; see the module docstring."""

    def __init__(self, content: Content, scenario: str, seed: int, lab: str = "Frontier Lab"):
        if seed < 0:
            raise GameError(f"a seed must be zero or more, got {seed}")
        self.content = content
        self.scenario_id = scenario
        self.seed = seed
        self.lab = lab
        self.params = content.params(scenario)
        self.econ = compile_economy(self.params)
        self.scenario = content.scenarios[scenario]
        self._answers = _PlayerChoices()
        self.director: Director = content.director_for(scenario, chooser=self._answers)
        self.director.on_fire = self._fired
        self.rng = Rng.for_batch(seed, 1)
        self.state: State = initial_state(self.params, 1)
        self.start = headline(self.state, self.econ)  # the metrics before the first quarter
        self.quarter = 0
        self.plan = Plan()
        self.log: list[QuarterRecord] = []
        self.history: list[dict[str, float]] = []
        self.ledgers: list[Ledger] = []
        self.pending: list[PendingEvent] = []
        self._injected: list[str] = []
        self._live_notes: dict[str, str] = {}  # what the instructor said of a live event
        self._dev: list[str] = []  # the developer console's changes this quarter, in order
        self.dev_used = False  # the developer console touched this game (never ranked)
        self._happened: list[tuple[str, int]] = []
        self.created: datetime | None = None  # when the game was first saved
        self.save_path: Path | None = None  # where it saves (chosen at the first save)
        self.game_id: str | None = None  # a class game's id, given by the class's server
        self.student: str | None = None  # who plays it: the class roster's id (signed with it)
        self.continued_from: dict[str, Any] | None = None  # an older save it replays anew
        self.classmates: list[Classmate] = []  # in a shared market: the class's other labs
        self.market_story: list[str] = []  # in a shared market: who took share, and when
        self._roll_pending()

    # --- what the player sees ------------------------------------------------------------

    @property
    def horizon(self) -> int:
        return self.params.scenario.horizon_quarters

    @property
    def running(self) -> bool:
        return bool(self.state.outcome[0] == RUNNING) and self.quarter < self.horizon

    @property
    def outcome(self) -> str:
        return OUTCOMES[int(self.state.outcome[0])]

    @property
    def ipo_stage(self) -> str:
        return IPO_STAGES[int(self.state.ipo_stage[0])]

    @property
    def score(self) -> float:
        return float(engine_score(self.state, self.params.scenario.score)[0])

    def calendar(self, quarter: int | None = None) -> str:
        return self.params.calendar(self.quarter if quarter is None else quarter)

    def against_history(self) -> list[HistoryRow]:
        """The scenario's record of what really happened ([[history]]) beside this game, at
        each recorded quarter played so far (empty when the scenario has no record)."""
        rows = []
        for point in self.scenario.history:
            q = self.scenario.history_quarter(point.quarter)
            if q >= len(self.history):
                continue  # not played yet
            played = self.history[q]  # the figures at the end of that quarter
            for metric in HISTORY_METRICS:
                recorded = getattr(point, metric)
                if recorded is not None:
                    rows.append(HistoryRow(point.quarter, metric, recorded, played[metric]))
        return rows

    def timeline(self) -> tuple[list[str], list[dict[str, float]]]:
        """The headline metrics at the start of each quarter so far (the last is now)."""
        points = [self.start, *self.history]
        return [self.calendar(q) for q in range(len(points))], points

    def metrics(self) -> dict[str, float]:
        """The headline metrics now (at the start of the current quarter)."""
        return headline(self.state, self.econ)

    # --- decisions -----------------------------------------------------------------------

    def submit(self, plan: Plan) -> None:
        """Keep ``plan`` for this quarter, if the lab can carry it out (else PlanError)."""
        self._require_running()
        problems = check_plan(plan, self.state, self.econ)
        if problems:
            raise PlanError(problems)
        self.plan = plan

    def choose(self, event_id: str, choice: int) -> None:
        """Answer a pending event with one of its open choices."""
        self._require_running()
        pending = next((p for p in self.pending if p.id == event_id), None)
        if pending is None:
            happening = ", ".join(p.id for p in self.pending) or "none"
            raise GameError(f"event '{event_id}' is not happening this quarter "
                            f"(happening: {happening})")
        if not pending.choices:
            raise GameError(f"'{pending.title}' has no choices to make")
        if not 0 <= choice < len(pending.choices):
            raise GameError(f"'{pending.title}' has choices 0–{len(pending.choices) - 1}, "
                            f"not {choice}")
        if not pending.choices[choice].available:
            raise GameError(f"'{pending.choices[choice].label}' is not open to the lab now")
        pending.chosen = choice
        self._answers.answers[event_id] = choice

    @property
    def injected(self) -> tuple[str, ...]:
        """The events injected into the quarter now starting (a class's live events); they go
        into the action log when the quarter is played."""
        return tuple(self._injected)

    def inject(self, event_id: str, note: str = "") -> None:
        """Make an event happen this quarter (a classroom's live event), if its trigger holds;
        ``note`` is what the instructor said of it, shown with it (not part of the log)."""
        self._require_running()
        if event_id not in self.director.index:
            raise GameError(f"no event '{event_id}' in the loaded packs")
        if note:
            self._live_notes[event_id] = note
        if event_id not in self._injected:
            self._injected.append(event_id)
            self._roll_pending()

    # --- the developer console (play --dev): changes recorded in the log, so they replay ----

    def dev(self, change: str) -> str:
        """Make a console change to the quarter now starting, recorded in the action log:
        ``flag NAME on|off`` or ``fire EVENT`` (fired if its trigger holds now). Returns what
        happened, in a sentence; GameError for a change that cannot be made."""
        self._require_running()
        words = change.split()
        if len(words) == 3 and words[0] == "flag" and words[2] in ("on", "off"):
            name = words[1]
            if f"flag.{name}" not in self.director.names:
                known = ", ".join(sorted(n[5:] for n in self.director.names
                                         if n.startswith("flag."))) or "none"
                raise GameError(f"no flag '{name}' in the loaded packs (flags: {known})")
            key = f"flag.{name}"
            current = self.state.extra.get(key)
            flags = (np.zeros(self.state.n_worlds, dtype=bool) if current is None
                     else current.copy())
            flags[:] = words[2] == "on"
            self.state.extra[key] = flags  # (a copy: the extras are shared between states)
            if words[2] == "on":  # set now, for since.flag.NAME
                self.state.extra[f"flag_at.{name}"] = np.full(self.state.n_worlds, self.quarter,
                                                              dtype=np.int16)
            said = f"flag {name} is {words[2]}"
        elif len(words) == 3 and words[0] == "var":
            said = self._dev_var(words[1], words[2])
        elif len(words) == 2 and words[0] == "fire":
            before = {p.id for p in self.pending}
            self.inject(words[1])
            fired = words[1] in {p.id for p in self.pending} - before
            said = (f"{words[1]} happens this quarter" if fired else
                    f"{words[1]} does not happen now: its trigger does not hold, or it has "
                    "already happened")
        else:
            raise GameError(f"'{change}': the console's changes are 'flag NAME on|off', "
                            "'var NAME NUMBER' and 'fire EVENT'")
        self.dev_used = True
        if words[0] in ("flag", "var"):  # the quarter's events, rolled again with it as it is
            self._dev.append(change)
            self._roll_pending()
        return said

    def _dev_var(self, name: str, number: str) -> str:
        """The console's ``var NAME NUMBER``: a pack variable set, within its bounds."""
        var = self.content.variables.get(f"var.{name}")
        if var is None:
            known = ", ".join(sorted(k[4:] for k in self.content.variables)) or "none"
            raise GameError(f"no variable '{name}' in the loaded packs (variables: {known})")
        try:
            value = float(number)
        except ValueError:
            raise GameError(f"'{number}' is not a number") from None
        if not math.isfinite(value):
            raise GameError(f"'{number}' is not a finite number")
        kept = min(max(value, var.min), var.max)
        self.state.extra[f"var.{name}"] = np.full(self.state.n_worlds, kept)
        bounds = "" if kept == value else f" (kept within [{var.min:g}, {var.max:g}])"
        return f"var {name} is {kept:g}{bounds}"

    def end_quarter(self, auto_choose: bool = False) -> Ledger:
        """Play the quarter: the events with the player's choices, then the plan.

        Unanswered choices are an error, unless ``auto_choose`` lets the director choose by
        ai_weight (bots, and replays of games whose log says nothing else).
        """
        self._require_running()
        waiting = [p.title for p in self.pending if p.needs_choice]
        if waiting and not auto_choose:
            raise GameError("choose first: " + "; ".join(f"'{t}'" for t in waiting))
        q = self.quarter
        self._happened = []
        state, ledger = step(self.state, self.plan, self.econ, self.rng, q, self._hook)
        if state.outcome[0] != RUNNING:  # the events that tell the ending (``on`` an ending)
            state = self.director.ended(state, self.econ, self.rng, q, state.outcome != RUNNING)
        record = QuarterRecord(
            quarter=q,
            plan=plan_to_dict(self.plan),
            choices=[(e, c) for e, c in self._happened if c >= 0],
            injected=list(self._injected),
            events=[e for e, _ in self._happened],
            dev=list(self._dev),
        )
        self.state = state
        self.log.append(record)
        self.history.append(headline(state, self.econ))
        self.ledgers.append(ledger)
        self.quarter = q + 1
        self._injected = []
        self._live_notes = {}
        self._dev = []
        self._answers.answers.clear()
        self.plan = carry_over(self.plan)
        self._roll_pending()
        return ledger

    def autoplay(self, policy: Policy, quarters: int | None = None) -> None:
        """Let a bot play (the rest of the game, or ``quarters`` of it): its plans as it makes
        them (the engine trims what the lab cannot afford), its event choices by ai_weight."""
        stop = self.horizon if quarters is None else self.quarter + quarters
        while self.running and self.quarter < stop:
            # In the one-world form the log keeps (numbers, not one-element arrays), so the
            # screens can show it and a replay plays exactly it.
            self.plan = Plan(**plan_to_dict(policy.plan(self.state, self.econ)))
            self.end_quarter(auto_choose=True)

    # --- replay and counterfactuals -----------------------------------------------------

    def apply_record(self, record: QuarterRecord) -> None:
        """Play one logged quarter again: the console's changes, its injected events, plan and
        choices."""
        for change in record.dev:
            self.dev(change)
        for event_id in record.injected:
            self.inject(event_id)
        self.plan = Plan(**record.plan)  # as played: the engine trims what it cannot afford
        for event_id, choice in record.choices:
            self.choose(event_id, choice)
        self.end_quarter(auto_choose=True)

    def replay_decisions(self, log: list[QuarterRecord]) -> list[str]:
        """Play another game's decisions on this one, quarter by quarter, as far as it goes:
        answers to events that do not happen here are dropped (new events are answered by
        ai_weight), live events this content lacks are passed over, and a plan these rules
        refuse leaves the last one standing. Returns what was left out, as sentences."""
        left_out: list[str] = []
        for record in log:
            if not self.running:
                left_out.append(f"the game ended in {self.calendar(self.quarter - 1)}: "
                                f"{len(log) - self.quarter} later quarters were not played")
                break
            for change in record.dev:
                try:
                    self.dev(change)
                except GameError as exc:
                    left_out.append(f"{self.calendar()}'s console change ({exc})")
            for event_id in record.injected:
                if event_id in self.director.index:
                    self.inject(event_id)
            try:
                self.plan = Plan(**record.plan)
            except ValidationError as exc:
                left_out.append(f"{self.calendar()}'s plan ({'; '.join(plan_problems(exc))})")
            except (ValueError, PlanError) as exc:
                left_out.append(f"{self.calendar()}'s plan ({str(exc).splitlines()[0]})")
            pending = {p.id: p for p in self.pending}
            for event_id, choice in record.choices:
                p = pending.get(event_id)
                if p is not None and choice < len(p.choices) and p.choices[choice].available:
                    self.choose(event_id, choice)
            self.end_quarter(auto_choose=True)
        return left_out

    def fork(self, quarter: int) -> Game:
        """A new game replaying this one's decisions up to ``quarter`` (0 = from the start):
        the same luck, ready for different decisions from there."""
        if not 0 <= quarter <= len(self.log):
            raise GameError(f"can fork from quarters 0–{len(self.log)}, not {quarter}")
        other = Game(self.content, self.scenario_id, self.seed, self.lab)
        for record in self.log[:quarter]:
            other.apply_record(record)
        return other

    # --- internals ------------------------------------------------------------------------

    def _require_running(self) -> None:
        if not self.running:
            raise GameError(f"the game is over ({self.outcome} in {self.calendar()})")

    def _prepared(self, state: State) -> State:
        """The state the quarter's events are rolled on: the director's memory in place and
        any injected events due now."""
        s = state.shallow()
        self.director._memory(s)
        self.director.make_due(s, self.quarter, self._injected)
        return s

    def _roll_pending(self) -> None:
        """Roll this quarter's events (the same draws ``end_quarter`` will make)."""
        self.pending = []
        if not self.running:
            return
        s = self._prepared(self.state)
        fired = self.director.roll(s, self.econ, self.rng, self.quarter)
        env = None
        for i in fired:
            ce = self.director.events[i]
            ev = ce.event
            choices = []
            for c, cc in enumerate(ce.choices):
                if cc.condition is None:
                    open_ = True
                else:
                    env = env or fx.env_for(s, self.econ, self.director.names, cache=True)
                    open_ = bool(holds(cc.condition, env))
                choices.append(ChoiceView(c, cc.choice.label, render_text(
                    cc.choice.note, s, self.econ, self.director.names), open_))
            self.pending.append(PendingEvent(
                id=ev.id, title=ev.title,
                text=render_text(ev.text, s, self.econ, self.director.names),
                category=ev.category, concept=ev.concept, major=ev.major, choices=choices,
                live=ev.id in self._injected, live_note=self._live_notes.get(ev.id, "")))

    def _hook(self, state: State, econ: Economy, rng: Rng, q: int, ledger: Ledger) -> State:
        """The quarter's events, as the engine's stage-0 hook, with the player's choices."""
        s = self._prepared(state)
        fired = self.director.roll(s, econ, rng, q)
        if fired:
            picks = self.director.choose(s, econ, rng, q, fired)
            self.director.apply(s, econ, q, picks, ledger)
        return s

    def _fired(self, i: int, idx: np.ndarray, picked: np.ndarray) -> None:
        self._happened.append((self.director.events[i].id, int(picked[0])))

