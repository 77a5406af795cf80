"""The pacing director: which events happen in which worlds, and what the lab chooses.

Each quarter, for every world at once:
1. **Eligible** events: the trigger holds, the quarter is within [earliest, latest], the cooldown
   has passed, a `once` event has not happened, and the event is not `scripted`.
2. **Rolls.** An event with ``mtth_quarters`` M happens with probability
   p = 1 − 2^(−1/M) (so half of eligible worlds see it within M quarters), times the factors of its
   modifiers whose conditions hold, times the preset's ``frequency``. Events with a ``weight`` are
   drawn from a pool: with probability ``pool_rate`` the director picks one eligible pool event,
   in proportion to weight × modifiers.
3. **Pacing.** At most ``max_per_quarter`` rolled events happen in a world (the least likely
   rolls are dropped first), at most one of them major, and a major event only when
   ``major_spacing`` quarters have passed since the last. Scheduled events (follow-ups, offers,
   scenario scripts) happen when due, outside these limits, if their trigger holds.
4. **Choices.** Where an event has choices, the lab picks one among those whose condition holds:
   a bot's ``choose`` method if it has one, else in proportion to ``ai_weight``.
5. **Effects** of the event and of the choice apply, and follow-ups are scheduled.

Every roll has its own random channel (``events.<id>``, ``events.<id>.choice``), drawn in one
pass with the engine's keyed generator: a world's events do not depend on the batch or on which
other events exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from game.engine import Economy, Ledger, Rng, State
from game.engine.state import RUNNING
from game.packs import effects as fx
from game.packs.expressions import Compiled, evaluate, holds
from game.packs.names import Name
from game.packs.schema import Choice, Event

NEVER = -1000


@dataclass(frozen=True)
class Preset:
    """A pacing preset (RimWorld's storytellers, in spirit): how eventful the game feels."""

    name: str
    frequency: float  # multiplies every mtth probability
    pool_rate: float  # chance a quarter draws one weighted event
    max_per_quarter: int
    major_spacing: int  # quarters between major shocks
    description: str


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("calm", 0.6, 0.2, 1, 4, "Few surprises, far apart: learn the economy first."),
    Preset("standard", 1.0, 0.35, 1, 3, "A lab's normal life: about an event a quarter, a "
                                        "major shock a year."),
    Preset("volatile", 1.5, 0.6, 2, 2, "Markets, rivals and suppliers keep moving the ground."),
)}


@dataclass(frozen=True)
class CompiledChoice:
    choice: Choice
    condition: Compiled | None
    ai_weight: Compiled
    effects: list[fx.CompiledEffect]
    follow_ups: list[tuple[str, int]]


@dataclass(frozen=True)
class CompiledEvent:
    event: Event
    trigger: Compiled
    modifiers: list[tuple[float, Compiled]]
    effects: list[fx.CompiledEffect]
    choices: list[CompiledChoice]
    follow_ups: list[tuple[str, int]]

    @property
    def id(self) -> str:
        return self.event.id


class Chooser(Protocol):
    """A bot that makes its own event choices.

    ``available`` is (k, C): which choices are open in the k worlds (positions ``worlds``) where
    the event happened. Return k choice indices, or None to choose by ai_weight.
    """

    def choose(self, event: Event, available: np.ndarray, state: State, econ: Economy,
               worlds: np.ndarray) -> np.ndarray | None: ...


@dataclass
class Director:
    """Rolls, chooses and applies events: an engine ``QuarterHook``."""

    events: list[CompiledEvent]
    names: dict[str, Name]
    rival_index: dict[str, int]
    preset: Preset = PRESETS["standard"]
    chooser: Chooser | None = None
    index: dict[str, int] = field(init=False)
    # Called for each event that happened: (event index, world positions, choices taken).
    on_fire: Callable[[int, np.ndarray, np.ndarray], None] | None = None

    def __post_init__(self) -> None:
        self.index = {ce.id: i for i, ce in enumerate(self.events)}
        self._mtth = np.array([1.0 - 2.0 ** (-1.0 / ce.event.mtth_quarters)
                               if ce.event.mtth_quarters else 0.0 for ce in self.events])
        self._pool = np.array([ce.event.weight or 0.0 for ce in self.events])
        self._major = np.array([ce.event.major for ce in self.events], dtype=bool)
        self._scripted = np.array([ce.event.scripted for ce in self.events], dtype=bool)
        self._cooldown = np.array([ce.event.cooldown for ce in self.events])
        self._once = np.array([ce.event.once for ce in self.events], dtype=bool)
        self._earliest = np.array([ce.event.earliest for ce in self.events])
        self._latest = np.array([ce.event.latest if ce.event.latest is not None else 10**6
                                 for ce in self.events])
        self._channels = (*(f"events.{ce.id}" for ce in self.events), "events.pool",
                          "events.pool_pick")

    # --- bookkeeping kept in State.extra -------------------------------------------------------

    def _memory(self, s: State) -> None:
        """Make sure the director's arrays exist (first quarter of a game)."""
        W, E = s.n_worlds, len(self.events)
        s.extra.setdefault("events.last", np.full((W, E), NEVER, dtype=np.int16))
        s.extra.setdefault("events.due", np.full((W, E), -1, dtype=np.int16))
        s.extra.setdefault("events.count", np.zeros((W, E), dtype=np.int16))
        s.extra.setdefault("events.last_major", np.full(W, NEVER, dtype=np.int16))

    # --- the hook ------------------------------------------------------------------------------

    def __call__(self, state: State, econ: Economy, rng: Rng, quarter: int,
                 ledger: Ledger) -> State:
        s = state.evolve()
        self._memory(s)
        fired = self.roll(s, econ, rng, quarter)
        if fired.any():
            self.apply(s, econ, quarter, fired, self.choose(s, econ, rng, quarter, fired), ledger)
        return s

    def roll(self, s: State, econ: Economy, rng: Rng, q: int) -> np.ndarray:
        """(W, E) bool: the events that happen in each world this quarter."""
        W, E = s.n_worlds, len(self.events)
        self._memory(s)
        running = s.outcome == RUNNING
        last, due = s.extra["events.last"], s.extra["events.due"]
        block = rng.uniform_block(q, self._channels)
        u, u_pool, u_pick = block[:, :E], block[:, E], block[:, E + 1]
        env = fx.env_for(s, econ, self.names, cache=True)
        # Everything but the triggers, for all events at once.
        is_due = (due == q) & running[:, None]
        rollable = (~self._scripted & (q >= self._earliest) & (q <= self._latest))[None, :]
        spaced = ((q - s.extra["events.last_major"]) >= self.preset.major_spacing)[:, None]
        ok_all = (running[:, None] & ((q - last) >= self._cooldown[None, :]) & rollable
                  & ~(self._once[None, :] & (s.extra["events.count"] > 0))
                  & (~self._major[None, :] | spaced))
        candidates = np.flatnonzero((ok_all | is_due).any(axis=0))
        trigger = np.zeros((W, E), dtype=bool)
        if len(candidates):
            values = [holds(self.events[i].trigger, env) for i in candidates]
            trigger[:, candidates] = (np.array(values, dtype=bool)[None, :] if W == 1
                                      else np.stack(np.broadcast_arrays(*values), axis=1))
        scheduled = is_due & trigger
        ok = ok_all & trigger
        factor = np.ones((W, E))
        for i in candidates:
            modifiers = self.events[i].modifiers
            if modifiers and ok[:, i].any():
                f: np.ndarray | float = 1.0
                for m, cond in modifiers:
                    f = f * np.where(holds(cond, env), m, 1.0)
                factor[:, i] = f
        p = ok * np.minimum(self._mtth[None, :] * factor * self.preset.frequency, 1.0)
        pool_w = ok * (self._pool[None, :] * factor)
        rolled = u < p
        # The pool: one weighted event with probability pool_rate, chosen by weight.
        total = pool_w.sum(axis=1)
        draw_pool = (u_pool < self.preset.pool_rate) & (total > 0)
        if draw_pool.any():
            cum = np.cumsum(pool_w, axis=1)
            target = u_pick * total
            pick = np.minimum((cum <= target[:, None]).sum(axis=1), E - 1)
            picked = np.zeros((W, E), dtype=bool)
            picked[np.arange(W), pick] = True
            rolled |= picked & draw_pool[:, None]
        rolled = self._pace(rolled, u, p)
        return rolled | scheduled

    def _pace(self, rolled: np.ndarray, u: np.ndarray, p: np.ndarray) -> np.ndarray:
        """At most max_per_quarter rolled events per world, at most one major."""
        k = self.preset.max_per_quarter
        busy = np.flatnonzero((rolled.sum(axis=1) > k)
                              | ((rolled & self._major[None, :]).sum(axis=1) > 1))
        if not len(busy):
            return rolled
        sub, su, sp = rolled[busy], u[busy], p[busy]
        # Rank by how unlikely the roll was (u / p small: it would have happened anyway).
        score = np.where(sub, su / np.maximum(sp, 1e-12), np.inf)
        score = np.where(sub & (sp == 0), 0.5, score)  # pool picks rank in the middle
        rolled = rolled.copy()
        if k == 1:  # the common case: the single best roll of each busy world
            best = np.argmin(score, axis=1)
            sub = np.zeros_like(sub)
            sub[np.arange(len(busy)), best] = True
            rolled[busy] = sub
            return rolled
        major_score = np.where(self._major[None, :], score, np.inf)
        sub &= ~self._major[None, :] | (major_score <= major_score.min(axis=1, keepdims=True))
        if sub.shape[1] > k:
            score = np.where(sub, score, np.inf)
            sub &= score <= np.partition(score, k - 1, axis=1)[:, k - 1:k]
        rolled[busy] = sub
        return rolled

    def choose(self, s: State, econ: Economy, rng: Rng, q: int,
               fired: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """For each event that happened: (world positions, choice taken there; −1: none)."""
        full = fx.env_for(s, econ, self.names, cache=True)
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        by_event = np.ascontiguousarray(fired.T)
        for i in np.flatnonzero(by_event.any(axis=1)):
            ce = self.events[i]
            idx = np.flatnonzero(by_event[i])
            n = len(idx)
            if not ce.choices:
                out[i] = (idx, np.full(n, -1))
                continue
            env = fx.subset(full, idx)
            available = np.stack([
                np.broadcast_to(holds(c.condition, env), (n,)) if c.condition
                else np.ones(n, dtype=bool) for c in ce.choices], axis=1)
            own = getattr(self.chooser, "choose", None)
            picked = own(ce.event, available, s, econ, idx) if own is not None else None
            if picked is None:
                weights = np.stack([np.maximum(evaluate(c.ai_weight, env, n), 0.0)
                                    for c in ce.choices], axis=1) * available
                total = weights.sum(axis=1)
                # No weight anywhere: take the first available choice.
                weights = np.where(total[:, None] > 0, weights, available.astype(float))
                total = np.maximum(weights.sum(axis=1), 1e-300)
                u = rng.subset(idx).uniform(q, f"events.{ce.id}.choice") * total
                picked = np.minimum((np.cumsum(weights, axis=1) <= u[:, None]).sum(axis=1),
                                    len(ce.choices) - 1)
                picked = np.where(available.any(axis=1), picked, -1)
            out[i] = (idx, np.asarray(picked))
        return out

    def apply(self, s: State, econ: Economy, q: int, fired: np.ndarray,
              picks: dict[int, tuple[np.ndarray, np.ndarray]], ledger: Ledger) -> None:
        """Apply what happened: effects, choices, follow-ups and the bookkeeping."""
        work = fx.Work(s, econ, self.names, ledger, self.rival_index, self.index, q)
        for i, (idx, picked) in picks.items():
            ce = self.events[i]
            label = ce.event.title
            for e in ce.effects:
                fx.apply(e, idx, work, label)
            for event_id, delay in ce.follow_ups:
                work.schedule(event_id, idx, delay)
            for c, cc in enumerate(ce.choices):
                took = idx[picked == c]
                if not len(took):
                    continue
                for e in cc.effects:
                    fx.apply(e, took, work, label)
                for event_id, delay in cc.follow_ups:
                    work.schedule(event_id, took, delay)
            if self.on_fire is not None:
                self.on_fire(i, idx, picked)
        due = work.due
        s.extra["events.due"] = np.where(fired & (due == q), -1, due).astype(np.int16)
        s.extra["events.last"] = np.where(fired, q, s.extra["events.last"]).astype(np.int16)
        s.extra["events.count"] = (s.extra["events.count"] + fired).astype(np.int16)
        major = (fired & self._major[None, :]).any(axis=1)
        s.extra["events.last_major"] = np.where(major, q, s.extra["events.last_major"]).astype(
            np.int16)
