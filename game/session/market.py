"""A class in one market: the W labs of a class played together from their action logs.

``ClassMarket(content, scenario, seed, logs)`` plays the labs of a class round by round as one
batched ``State`` of W worlds, the engine's shared step (``step(..., shared=True)``; docs/ENGINE.md,
"A shared market") and one batched event ``Director``, on the class's common luck (world index 0
for every lab: a solo class game's luck). Lab i is ``logs[i]``, in the order the caller gives;
the order changes nothing but where each lab sits.

Each round q, lab i plays its record for quarter q (``logs[i][q]``): the console's changes, its
live events (``injected``), its plan and its event choices; choices its record lacks (or that do
not fit: an index out of range, a choice not open to the lab) are made by ai_weight, as
``Game.end_quarter(auto_choose=True)`` makes them. The rules for the rest (docs/DECISIONS.md):

- **every lab plays every round**: a lab with no record for a round (it joined late, or has not
  sent its plan) plays its standing plan (``carry_over`` of its last, the default plan before
  its first) with choices by ai_weight, and the round's record says so;
- **a lab whose game ended** (bankrupt, listed, ...) stays in the batch, frozen, as the engine
  keeps ended worlds; its records after that are not played, and its customers are gone from the
  market.

What it gives back, for each lab (``lab(i)``): what the student's game shows — its state after
each quarter, its ``headline`` history, its ledgers (the Why? and the consequences read them),
the events that happened with the choice taken, and the log as played. ``game(i)`` (a new Game)
and ``adopt(game, i)`` (an existing one) make a ``Game`` whose state, log, history, ledgers and
quarter are lab i's, with the next quarter's events rolled as a Game rolls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from game.engine import Economy, Ledger, Plan, Rng, State, compile_economy, initial_state, step
from game.engine.plan import PlanArrays, resolve, stack
from game.packs import Content
from game.packs import effects as fx
from game.packs.director import Director
from game.packs.expressions import holds
from game.session.game import (
    Classmate,
    Game,
    GameError,
    QuarterRecord,
    carry_over,
    headline,
    plan_to_dict,
)


@dataclass
class LabPlay:
    """One lab of the class as its student's game shows it."""

    market: ClassMarket
    lab: int
    history: list[dict[str, float]]  # ``headline`` after each quarter
    ledgers: list[Ledger]  # one world's ledger for each quarter
    log: list[QuarterRecord]  # what it played, quarter by quarter (events with their choice)

    @property
    def states(self) -> list[State]:
        """Its state (one world) after each quarter it played."""
        return [self.market.lab_state(self.lab, q) for q in range(len(self.log))]


class _ClassEvents:
    """The director as the shared step's hook: each lab's live events and answers, its own."""

    def __init__(self, director: Director, n_labs: int) -> None:
        self.director = director
        self.answers: list[dict[str, int]] = [{} for _ in range(n_labs)]
        self.injected: list[list[str]] = [[] for _ in range(n_labs)]
        self.happened: list[list[tuple[int, int]]] = [[] for _ in range(n_labs)]
        director.on_fire = self._fired

    def __call__(self, state: State, econ: Economy, rng: Rng, q: int, ledger: Ledger) -> State:
        d = self.director
        s = state.shallow()
        d._memory(s)
        if any(self.injected):  # a lab's live events are due in its own world only
            due = s.extra["events.due"] = s.extra["events.due"].copy()
            for i, ids in enumerate(self.injected):
                for event_id in ids:
                    due[i, d.index[event_id]] = q
        fired, late = d._fired(s, econ, rng, q)
        if fired:
            picks = self._answered(s, econ, d.choose(s, econ, rng, q, fired))
            d.apply(s, econ, q, picks, ledger, late)
            self._in_solo_order(late)
        return s

    def ended(self, s: State, econ: Economy, rng: Rng, q: int, now: np.ndarray) -> State:
        return self.director.ended(s, econ, rng, q, now)

    def _answered(self, s: State, econ: Economy,
                  picks: dict[int, tuple[np.ndarray, np.ndarray]]
                  ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """The director's picks (by ai_weight) with each lab's own answers where it gave one
        that fits: a choice of the event, open to the lab now."""
        env = None
        out = {}
        for i, (idx, picked) in picks.items():
            ce = self.director.events[i]
            mine = picked
            for k, w in enumerate(idx):
                answer = self.answers[w].get(ce.id)
                if answer is None or not 0 <= answer < len(ce.choices):
                    continue
                cond = ce.choices[answer].condition
                if cond is not None:
                    env = env or fx.env_for(s, econ, self.director.names, cache=True)
                    if not bool(np.all(holds(cond, fx.subset(env, np.array([w]))))):
                        continue
                mine = mine.copy() if mine is picked else mine
                mine[k] = answer
            out[i] = (idx, mine)
        return out

    def _fired(self, i: int, idx: np.ndarray, picked: np.ndarray) -> None:
        for w, c in zip(idx.tolist(), picked.tolist(), strict=True):
            self.happened[w].append((i, int(c)))

    def _in_solo_order(self, late: dict[int, np.ndarray]) -> None:
        """Each lab's events in the order its own game lists them: those it rolled first, then
        those due there without being rolled (``late``), by event."""
        for w, events in enumerate(self.happened):
            if len(events) > 1 and any(w in idx for idx in late.values()):
                rank = {e: n for n, (e, _) in enumerate(events)}
                events.sort(key=lambda ec: (1, ec[0]) if ec[0] in late and w in late[ec[0]]
                            else (0, rank[ec[0]]))


def _key(logged: dict[str, Any]) -> tuple:
    """A logged plan as a dictionary key."""
    return tuple(sorted((k, tuple(sorted(v.items())) if isinstance(v, dict) else v)
                        for k, v in logged.items()))


def _headlines(state: State, econ: Economy) -> list[dict[str, float]]:
    """``headline`` of every world, computed for the batch at once (the same numbers)."""
    one = headline(state, econ)  # the names, in order
    columns = {}
    for name in one:
        if name.startswith("rival."):
            r = next(k for k, rv in enumerate(econ.params.rivals) if f"rival.{rv.id}" == name)
            columns[name] = state.rival_capability[:, r]
        elif name == "runrate":
            columns[name] = 4.0 * state.revenue
        elif name == "capacity_h100e":
            columns[name] = state.capacity
        else:
            columns[name] = getattr(state, name)
    lists = {name: np.asarray(col, dtype=float).tolist() for name, col in columns.items()}
    return [{name: lists[name][i] for name in one} for i in range(state.n_worlds)]


def _one_world(ledger: Ledger, i: int) -> Ledger:
    """World i's column of a batch's ledger, as a one-world game's ledger holds it."""
    out = Ledger()
    for metric, book in ledger.entries.items():
        out.entries[metric] = {name: np.atleast_1d(np.asarray(v))[i:i + 1].copy()
                               if np.ndim(v) else np.array([float(v)])
                               for name, v in book.items()}
    return out


class ClassMarket:
    """The labs of a class played together in one market; see the module docstring."""

    def __init__(self, content: Content, scenario: str, seed: int,
                 logs: list[list[QuarterRecord]]) -> None:
        if not logs:
            raise GameError("a class market needs at least one lab")
        self.content = content
        self.scenario = scenario
        self.seed = seed
        self.n_labs = W = len(logs)
        self.logs = logs
        self.params = content.params(scenario)
        self.econ = compile_economy(self.params)
        self.events = _ClassEvents(content.director_for(scenario), W)
        worlds = np.zeros(W, dtype=np.uint64)  # the class's common luck
        self.rng = Rng(seed, worlds)
        self.start = initial_state(self.params, W, worlds)
        self.state = self.start
        self.states: list[State] = []  # the class after each round
        self.ledgers: list[Ledger] = []
        self.played: list[list[QuarterRecord]] = [[] for _ in range(W)]
        self.plans: list[Plan] = [Plan() for _ in range(W)]  # each lab's standing plan
        self._headlines: list[list[dict[str, float]]] = []  # each round's, lab by lab
        # A plan as logged -> (Plan, resolved for one world, as the log keeps it, carried over):
        # a class's labs often play the same plans, and a Plan is slow to build and check.
        self._known: dict[tuple, tuple[Plan, PlanArrays, dict[str, Any], Plan]] = {}

    @property
    def quarter(self) -> int:
        return len(self.states)

    @property
    def horizon(self) -> int:
        return self.params.scenario.horizon_quarters

    def play(self, rounds: int | None = None) -> ClassMarket:
        """Play the rounds the logs hold (the longest log's length), or up to ``rounds``."""
        stop = max(len(log) for log in self.logs) if rounds is None else rounds
        while self.quarter < min(stop, self.horizon) and self.state.running.any():
            self.play_round()
        return self

    def play_round(self) -> None:
        """Play the next round: each running lab's record for it (or its standing plan)."""
        q = self.quarter
        running = self.state.running
        ev = self.events
        plans = []
        for i in range(self.n_labs):
            ev.answers[i], ev.injected[i], ev.happened[i] = {}, [], []
            log = self.logs[i]
            record = log[q] if q < len(log) and running[i] else None
            if record is not None:
                if record.quarter != q:
                    raise GameError(f"lab {i}: its log's record {q} is for quarter "
                                    f"{record.quarter}; a log holds one record per quarter, "
                                    "in order")
                self._dev(i, record.dev)
                for event_id in record.injected:
                    if event_id not in ev.director.index:
                        raise GameError(f"lab {i}, quarter {q}: no event '{event_id}' in the "
                                        "loaded packs")
                    if event_id not in ev.injected[i]:
                        ev.injected[i].append(event_id)
                self.plans[i] = self._known_plan(record.plan)[0]
                ev.answers[i] = dict(record.choices)
            plans.append(self._known_plan(plan_to_dict(self.plans[i]), self.plans[i])[1])
        state, ledger = step(self.state, stack(plans), self.econ, self.rng, q, ev, shared=True)
        names = [e.id for e in ev.director.events]
        for i in range(self.n_labs):
            if not running[i]:
                continue
            log = self.logs[i]
            record = log[q] if q < len(log) else None
            happened = [(names[e], c) for e, c in ev.happened[i]]
            _, _, as_logged, carried = self._known_plan(plan_to_dict(self.plans[i]),
                                                        self.plans[i])
            self.played[i].append(QuarterRecord(
                quarter=q, plan=dict(as_logged),
                choices=[(e, c) for e, c in happened if c >= 0],
                injected=list(ev.injected[i]), events=[e for e, _ in happened],
                dev=list(record.dev) if record is not None else []))
            self.plans[i] = carried
        self.state = state
        self.states.append(state)
        self.ledgers.append(ledger)
        self._headlines.append(_headlines(state, self.econ))

    def _known_plan(self, logged: dict[str, Any], plan: Plan | None = None
                    ) -> tuple[Plan, PlanArrays, dict[str, Any], Plan]:
        """A logged plan made (once): the Plan, resolved for one world, its log form and the
        plan it leaves standing."""
        try:
            key = _key(logged)
            known = self._known.get(key)
        except TypeError:  # a value no key can hold (a hand-written log's list): not kept
            key, known = None, None
        if known is None:
            plan = Plan(**logged) if plan is None else plan
            known = (
                plan, resolve(plan, self.econ.gpu_names, 1,
                              self.params.training.tokens_per_parameter),
                plan_to_dict(plan), carry_over(plan))
            if key is not None:
                self._known[key] = known
        return known

    def _dev(self, i: int, changes: list[str]) -> None:
        """A record's console changes (``flag NAME on|off``, ``var NAME NUMBER``) in lab i's
        world, as ``Game.dev`` makes them (checked and made by a one-world Game)."""
        if not changes:
            return
        self.state = self.state.shallow()
        self.events.director._memory(self.state)  # every flag and variable has its column
        game = Game(self.content, self.scenario, self.seed)
        game.state = self.state.take(np.array([i]))
        game.quarter = self.quarter
        for change in changes:
            try:
                game.dev(change)
            except GameError as exc:
                raise GameError(f"lab {i}, quarter {self.quarter}: {exc}") from None
        for key, v in game.state.extra.items():
            column = self.state.extra[key].copy()  # never written into: shared with the past
            column[i] = v[0]
            self.state.extra[key] = column

    # --- what each lab's game shows --------------------------------------------------------

    def lab_state(self, i: int, q: int) -> State:
        """Lab i's state (one world) after quarter q."""
        return self.states[q].take(np.array([i]))

    def lab(self, i: int) -> LabPlay:
        """Lab i's quarters: headline history, ledgers, the log as played (and its states)."""
        n = len(self.played[i])
        return LabPlay(self, i, history=[dict(self._headlines[q][i]) for q in range(n)],
                       ledgers=[_one_world(self.ledgers[q], i) for q in range(n)],
                       log=list(self.played[i]))

    def adopt(self, game: Game, i: int, quarters: int | None = None) -> Game:
        """Make ``game`` lab i's, as it stood after all the rounds played (or after its first
        ``quarters``): its state, log, history, ledgers and quarter, the standing plan, and the
        next quarter's events rolled as a Game rolls them. The game's identity (lab name, save
        path, class game id, student) stays."""
        if (game.scenario_id, game.seed) != (self.scenario, self.seed):
            raise GameError(f"the game plays {game.scenario_id} with seed {game.seed}; the "
                            f"class plays {self.scenario} with seed {self.seed}")
        play = self.lab(i)
        n = len(play.log) if quarters is None else min(quarters, len(play.log))
        game.state = self.lab_state(i, n - 1) if n else self.start.take(np.array([i]))
        game.log = play.log[:n]
        game.history = play.history[:n]
        game.ledgers = play.ledgers[:n]
        game.quarter = n
        game.plan = (self.plans[i] if n == len(play.log) else
                     carry_over(Plan(**play.log[n - 1].plan)) if n else Plan())
        game._injected, game._live_notes, game._dev = [], {}, []
        game._answers.answers.clear()
        game._roll_pending()
        return game

    def classmates(self, i: int, names: list[str]) -> list[Classmate]:
        """Lab i's classmates after the last round played, named by ``names`` (one per lab)."""
        s, W = self.state, self.n_labs
        return [Classmate(names[j], float(s.capability[j]), float(s.price[j]),
                          float(s.share[j]) / W) for j in range(W) if j != i]

    def game(self, i: int, lab: str = "Frontier Lab") -> Game:
        """A new Game that is lab i of the class (see ``adopt``)."""
        return self.adopt(Game(self.content, self.scenario, self.seed, lab), i)
