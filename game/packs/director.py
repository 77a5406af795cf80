"""The pacing director: which events happen in which worlds, and what the lab chooses.

Each quarter, for every world at once:
1. **Eligible** events: the trigger holds, the quarter is within [earliest, latest], the cooldown
   has passed, a `once` event has not happened, and the event is not `scripted`.
2. **Rolls.** An event with ``mtth_quarters`` M happens with probability
   p = 1 − 2^(−1/M) (so half of eligible worlds see it within M quarters), times the factors of its
   modifiers whose conditions hold, times the preset's ``frequency``. Events with a ``weight`` are
   drawn from a pool: with probability ``pool_rate`` the director picks one eligible pool event,
   in proportion to weight × modifiers.
3. **Pacing.** At most ``max_per_quarter`` rolled events happen in a world, at most one of them
   major; the ones kept have the smallest u / p, which is uniform among events that rolled, so
   every rolled event is equally likely to be kept, and a major event only when
   ``major_spacing`` quarters have passed since the last. Scheduled events (follow-ups, offers,
   the scenario's script) happen when due, outside these limits, if their trigger holds.
4. **Choices.** Where an event has choices, the lab picks one among those whose condition holds:
   a bot's ``choose`` method if it has one, else in proportion to ``ai_weight``.
5. **Effects** of the event and of the choice apply, and follow-ups are scheduled.

Every roll has its own random channel (``events.<id>``, ``events.<id>.choice``), drawn in one
pass with the engine's keyed generator: a world's events do not depend on the batch or on which
other events exist.
"""

from __future__ import annotations

import itertools
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
    # The scenario's scripted events: quarter of the game (0 = the first) -> event ids. They
    # happen that quarter in every running world where their trigger holds, like follow-ups.
    script: dict[int, tuple[str, ...]] = field(default_factory=dict)

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
        # Events whose choices are all unconditional with constant weights: their cumulative
        # odds, so choosing is one draw (the same pick the weighted draw below would make).
        self._with_modifiers = [i for i, ce in enumerate(self.events) if ce.modifiers]
        self._fixed_odds: list[np.ndarray | None] = []
        for ce in self.events:
            consts = [c.ai_weight.constant for c in ce.choices]
            if (ce.choices and all(c.condition is None for c in ce.choices)
                    and all(w is not None for w in consts) and sum(max(w, 0.0) for w in consts)):
                w = np.maximum(np.array(consts, dtype=float), 0.0)
                self._fixed_odds.append(np.cumsum(w) / w.sum())
            else:
                self._fixed_odds.append(None)

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
        if fired:
            self.apply(s, econ, quarter, self.choose(s, econ, rng, quarter, fired), ledger)
        return s

    DENSE_MAX_WORLDS = 64

    def roll(self, s: State, econ: Economy, rng: Rng, q: int) -> dict[int, np.ndarray]:
        """The events that happen this quarter: event index -> positions of the worlds.

        Small batches (the live game) evaluate all events at once over a worlds × events
        matrix; large ones go event by event so each world-vector stays in cache. Both apply the
        same rules to the same draws, and a test checks they pick the same events.
        """
        self._memory(s)
        if q in self.script:
            due = s.extra["events.due"] = s.extra["events.due"].copy()
            for event_id in self.script[q]:
                due[:, self.index[event_id]] = q
        roll = self._roll_dense if s.n_worlds <= self.DENSE_MAX_WORLDS else self._roll_sparse
        hits, scheduled = roll(s, econ, rng, q)
        fired = self._pace(hits)
        for i, idx in scheduled.items():
            fired[i] = np.union1d(fired[i], idx) if i in fired else idx
        return fired

    def _roll_dense(self, s: State, econ: Economy, rng: Rng, q: int) -> tuple[
            list[tuple[int, np.ndarray, np.ndarray]], dict[int, np.ndarray]]:
        W, E = s.n_worlds, len(self.events)
        running = s.outcome == RUNNING
        last, due = s.extra["events.last"], s.extra["events.due"]
        block = rng.uniform_block(q, self._channels)
        u, u_pool, u_pick = block[:, :E], block[:, E], block[:, E + 1]
        env = fx.env_for(s, econ, self.names, cache=True)
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
        scheduled_m = is_due & trigger
        ok = ok_all & trigger
        factor = np.ones((W, E))
        for i in self._with_modifiers:
            if ok[:, i].any():
                factor[:, i] = self._factor(i, env)
        p = ok * np.minimum(self._mtth[None, :] * factor * self.preset.frequency, 1.0)
        pool_w = ok * (self._pool[None, :] * factor)
        w_idx, e_idx = np.nonzero(u < p)
        hits = [(int(i), w_idx[e_idx == i], u[w_idx[e_idx == i], i] / p[w_idx[e_idx == i], i])
                for i in np.unique(e_idx)]
        total = pool_w.sum(axis=1)
        chosen = np.flatnonzero((u_pool < self.preset.pool_rate) & (total > 0))
        if len(chosen):
            target = u_pick[chosen] * total[chosen]
            pick = np.minimum((np.cumsum(pool_w[chosen], axis=1) <= target[:, None]).sum(axis=1),
                              E - 1)
            for i in np.unique(pick):
                idx = chosen[pick == i]
                hits.append((int(i), idx, np.full(len(idx), 0.5)))
        scheduled = {int(i): np.flatnonzero(scheduled_m[:, i])
                     for i in np.flatnonzero(scheduled_m.any(axis=0))}
        return hits, scheduled

    def _roll_sparse(self, s: State, econ: Economy, rng: Rng, q: int) -> tuple[
            list[tuple[int, np.ndarray, np.ndarray]], dict[int, np.ndarray]]:
        running = s.outcome == RUNNING
        # Event-major copies: each event's row of worlds is then contiguous in memory.
        last, due, count = (np.ascontiguousarray(s.extra[k].T)
                            for k in ("events.last", "events.due", "events.count"))
        window = ~self._scripted & (q >= self._earliest) & (q <= self._latest)
        candidates = np.flatnonzero(window | (due == q).any(axis=1))
        spaced = (q - s.extra["events.last_major"]) >= self.preset.major_spacing
        env = fx.env_for(s, econ, self.names, cache=True)
        scheduled: dict[int, np.ndarray] = {}
        hits: list[tuple[int, np.ndarray, np.ndarray]] = []  # (event, worlds, score)
        pool: list[tuple[int, np.ndarray]] = []
        for i in candidates:
            ce = self.events[i]
            ev = ce.event
            now = holds(ce.trigger, env)
            due_now = np.flatnonzero((due[i] == q) & running & now)
            if len(due_now):
                scheduled[int(i)] = due_now
            if not window[i]:
                continue
            ok = running & ((q - last[i]) >= ev.cooldown) & now
            if ev.once:
                ok &= count[i] == 0
            if ev.major:
                ok &= spaced
            if not ok.any():
                continue
            factor = self._factor(i, env) if ce.modifiers else 1.0
            if ev.mtth_quarters:
                p = np.minimum(self._mtth[i] * factor * self.preset.frequency, 1.0)
                u = rng.uniform(q, f"events.{ev.id}")
                idx = np.flatnonzero(ok & (u < p))
                if len(idx):
                    score = u[idx] / (p[idx] if np.ndim(p) else p)
                    hits.append((int(i), idx, score))
            else:
                pool.append((int(i), np.where(ok, self._pool[i] * factor, 0.0)))
        if pool:
            weights = np.stack([w for _, w in pool], axis=1)
            total = weights.sum(axis=1)
            chosen = np.flatnonzero((rng.uniform(q, "events.pool") < self.preset.pool_rate)
                                    & (total > 0))
            if len(chosen):
                target = rng.uniform(q, "events.pool_pick")[chosen] * total[chosen]
                pick = np.minimum((np.cumsum(weights[chosen], axis=1) <= target[:, None])
                                  .sum(axis=1), len(pool) - 1)
                for k, (i, _) in enumerate(pool):
                    idx = chosen[pick == k]
                    if len(idx):  # pool picks rank in the middle of rolls
                        hits.append((i, idx, np.full(len(idx), 0.5)))
        return hits, scheduled

    def _factor(self, i: int, env: Callable[[str], object]) -> np.ndarray | float:
        """The product of an event's modifier factors whose conditions hold."""
        f: np.ndarray | float = 1.0
        for m, cond in self.events[i].modifiers:
            now = holds(cond, env)
            if isinstance(now, np.ndarray):
                f = f * np.where(now, m, 1.0)
            elif now:
                f = f * m
        return f

    def _pace(self, hits: list[tuple[int, np.ndarray, np.ndarray]]) -> dict[int, np.ndarray]:
        """At most max_per_quarter rolled events per world, at most one major: those with the
        smallest u / p are kept — uniform among rolled events, so each is equally likely."""
        if not hits:
            return {}
        worlds = np.concatenate([idx for _, idx, _ in hits])
        events = np.concatenate([np.full(len(idx), i) for i, idx, _ in hits])
        scores = np.concatenate([sc for _, _, sc in hits])
        order = np.lexsort((scores, worlds))
        worlds, events = worlds[order], events[order]
        keep = np.ones(len(worlds), dtype=bool)
        major = self._major[events]
        if major.any():  # only the first major of each world
            m = np.flatnonzero(major)
            first = np.ones(len(m), dtype=bool)
            first[1:] = worlds[m][1:] != worlds[m][:-1]
            keep[m[~first]] = False
        worlds, events = worlds[keep], events[keep]
        starts = np.flatnonzero(np.r_[True, worlds[1:] != worlds[:-1]])
        rank = np.arange(len(worlds)) - np.repeat(starts, np.diff(np.r_[starts, len(worlds)]))
        keep = rank < self.preset.max_per_quarter
        worlds, events = worlds[keep], events[keep]
        # Group by event; the stable sort keeps each event's worlds in ascending order.
        by_event = np.argsort(events, kind="stable")
        events, worlds = events[by_event], worlds[by_event]
        cuts = np.flatnonzero(np.r_[True, events[1:] != events[:-1], True])
        return {int(events[a]): worlds[a:b] for a, b in itertools.pairwise(cuts)}

    def choose(self, s: State, econ: Economy, rng: Rng, q: int,
               fired: dict[int, np.ndarray]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """For each event that happened: (world positions, choice taken there; −1: none)."""
        full = fx.env_for(s, econ, self.names, cache=True)
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for i, idx in fired.items():
            ce = self.events[i]
            n = len(idx)
            if not ce.choices:
                out[i] = (idx, np.full(n, -1))
                continue
            env = fx.subset(full, idx)
            own = getattr(self.chooser, "choose", None)
            fixed = self._fixed_odds[i]
            if fixed is not None and own is None:
                # Every choice always open, with constant weights: one draw per world.
                u = rng.subset(idx).uniform(q, f"events.{ce.id}.choice")
                out[i] = (idx, np.minimum(np.searchsorted(fixed, u, side="right"),
                                          len(ce.choices) - 1))
                continue
            available = np.stack([
                np.broadcast_to(holds(c.condition, env), (n,)) if c.condition
                else np.ones(n, dtype=bool) for c in ce.choices], axis=1)
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

    def apply(self, s: State, econ: Economy, q: int,
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
        work.flush()
        # The bookkeeping arrays are this state's own copies (State.evolve copies extra).
        last, count, last_major = (s.extra["events.last"], s.extra["events.count"],
                                   s.extra["events.last_major"])
        for i, (idx, _) in picks.items():
            work.due[idx, i] = np.where(work.due[idx, i] == q, -1, work.due[idx, i])
            last[idx, i] = q
            count[idx, i] += 1
            if self._major[i]:
                last_major[idx] = q
        s.extra["events.due"] = work.due
