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
5. **Effects** of the event and of the choice apply, and follow-ups are scheduled. A world's
   events apply one after another: those it rolled, by event, then those due that it did not
   roll, by event. The order is the world's own, whatever other worlds rolled, so a world ends
   bit-identical alone, in a batch, or in any chunk of one.

Every roll has its own random channel (``events.<id>``, ``events.<id>.choice``) of the engine's
keyed generator: a world's events do not depend on the batch or on which other events exist.
The roll draws first and checks the rules only where a draw can be a hit (``_roll``); the
effects of all events apply in batches that keep each world's order (``apply``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from game.engine import Economy, Ledger, Rng, State
from game.engine.rows import row_sum
from game.engine.state import RUNNING
from game.packs import effects as fx
from game.packs.expressions import Compiled, evaluate, holds
from game.packs.moments import Moments
from game.packs.names import Name
from game.packs.schema import ENDINGS, Choice, Event, Variable

NEVER = fx.NEVER  # the quarter of something that has not happened


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
class Director(Moments):
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
    # The packs' variables ("var.ID" -> declaration): each starts at its initial value.
    variables: dict[str, Variable] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {ce.id: i for i, ce in enumerate(self.events)}
        # When each flag was last set (since.flag.NAME), kept by effects.apply
        self._flag_times = [f"flag_at.{n[5:]}" for n in self.names if n.startswith("flag.")]
        # Events that happen at a moment of the engine (``on``): during the game, or at its end.
        self._at_moments = [(i, ce.event.on) for i, ce in enumerate(self.events)
                            if ce.event.on is not None and ce.event.on not in ENDINGS]
        self._at_endings = [(i, ce.event.on) for i, ce in enumerate(self.events)
                            if ce.event.on in ENDINGS]
        self._mtth = np.array([1.0 - 2.0 ** (-1.0 / ce.event.mtth_quarters)
                               if ce.event.mtth_quarters else 0.0 for ce in self.events])
        self._pool = np.array([ce.event.weight or 0.0 for ce in self.events])
        # The largest odds each event can have: every modifier that raises them holding at once.
        self._mtth_max = self._mtth * np.array([
            np.prod([max(m, 1.0) for m, _ in ce.modifiers]) for ce in self.events])
        self._major = np.array([ce.event.major for ce in self.events], dtype=bool)
        self._scripted = np.array([ce.event.scripted for ce in self.events], dtype=bool)
        self._cooldown = np.array([ce.event.cooldown for ce in self.events])
        self._once = np.array([ce.event.once for ce in self.events], dtype=bool)
        self._earliest = np.array([ce.event.earliest for ce in self.events])
        self._latest = np.array([ce.event.latest if ce.event.latest is not None else 10**6
                                 for ce in self.events])
        self._channels = (*(f"events.{ce.id}" for ce in self.events), "events.pool",
                          "events.pool_pick")
        self._with_modifiers = [i for i, ce in enumerate(self.events) if ce.modifiers]
        self._choice_channels = tuple(f"events.{ce.id}.choice" for ce in self.events)
        self._quarters: dict[tuple[int, Preset], tuple[np.ndarray, tuple[str, ...],
                                                      np.ndarray, list[int]]] = {}
        self._n_choices = np.array([len(ce.choices) for ce in self.events])
        self._max_choices = max(1, int(self._n_choices.max(initial=0)))
        # Combo base[i] is event i with no choice taken, base[i] + 1 + c with its choice c.
        self._combo_base = np.cumsum([0, *(1 + self._n_choices[:-1])]).astype(np.int64)
        combos = []
        for ce in self.events:
            combos.append(fx.Combo(ce.event.title, ce.effects, ce.follow_ups))
            combos.extend(fx.Combo(ce.event.title, [*ce.effects, *cc.effects],
                                   [*ce.follow_ups, *cc.follow_ups]) for cc in ce.choices)
        self._batch = fx.Batch(combos)

    # --- bookkeeping kept in State.extra -------------------------------------------------------

    def _memory(self, s: State) -> None:
        """Make sure the director's arrays exist (first quarter of a game)."""
        for key, var in self.variables.items():
            if key not in s.extra:
                s.extra[key] = np.full(s.n_worlds, var.initial)
        for key in self._flag_times:  # made here for every world, never when first set: a
            if key not in s.extra:  # world that ended before then, or a batch's other part,
                s.extra[key] = np.full(s.n_worlds, NEVER, dtype=np.int16)  # must read "never"
        if "events.last_major" in s.extra:
            return
        W, E = s.n_worlds, len(self.events)
        s.extra.setdefault("events.last", np.full((W, E), NEVER, dtype=np.int16))
        s.extra.setdefault("events.due", np.full((W, E), -1, dtype=np.int16))
        s.extra.setdefault("events.count", np.zeros((W, E), dtype=np.int16))
        s.extra["events.last_major"] = np.full(W, NEVER, dtype=np.int16)

    # --- the hook ------------------------------------------------------------------------------

    def __call__(self, state: State, econ: Economy, rng: Rng, quarter: int,
                 ledger: Ledger) -> State:
        s = state.shallow()  # effects replace the arrays they change (effects.Work.own)
        self._memory(s)
        fired, late = self._fired(s, econ, rng, quarter)
        if fired:
            self.apply(s, econ, quarter, self.choose(s, econ, rng, quarter, fired), ledger, late)
        return s

    def make_due(self, s: State, q: int, event_ids: tuple[str, ...] | list[str]) -> None:
        """Schedule events for quarter q in every world (a scenario's script, a class's live
        event): they then happen like follow-ups, wherever their trigger holds."""
        if not event_ids:
            return
        due = s.extra["events.due"] = s.extra["events.due"].copy()
        for event_id in event_ids:
            due[:, self.index[event_id]] = q

    def roll(self, s: State, econ: Economy, rng: Rng, q: int) -> dict[int, np.ndarray]:
        """The events that happen this quarter: event index -> positions of the worlds.

        For one world the order is the order its events apply in: those it rolled, by event,
        then those due (follow-ups, the script, a class's live events) that it did not roll,
        by event. ``apply`` keeps that order in every world of a batch.
        """
        return self._fired(s, econ, rng, q)[0]

    def _fired(self, s: State, econ: Economy, rng: Rng, q: int) -> tuple[
            dict[int, np.ndarray], dict[int, np.ndarray]]:
        """``roll``'s events, and for each event due this quarter the worlds where it comes
        late: due there without having been rolled there."""
        self._memory(s)
        self.make_due(s, q, self.script.get(q, ()))
        if self._at_moments:
            self._moments(s, rng, q)
        hits, scheduled = self._roll(s, econ, rng, q)
        fired = self._pace(hits)
        late = {}
        for i, idx in scheduled.items():
            if i in fired:
                late[i] = np.setdiff1d(idx, fired[i], assume_unique=True)
                fired[i] = np.union1d(fired[i], idx)
            else:
                fired[i] = late[i] = idx
        return fired, late

    def _roll(self, s: State, econ: Economy, rng: Rng, q: int) -> tuple[
            list[tuple[int, np.ndarray, np.ndarray]], dict[int, np.ndarray]]:
        """Draw first, then look only where a draw can be a hit.

        Each rolled event's draws are made for the running worlds as integers b, with
        u = (b + ½)·2^−53. An event can only happen where u is below its largest possible
        probability (its odds times every modifier factor above 1 and the preset's frequency):
        a few percent of the worlds. The rules (cooldown, once, major spacing, trigger,
        modifiers) are checked in those worlds only, which finds exactly the hits that checking
        every world would.
        """
        running = s.outcome == RUNNING
        live = np.flatnonzero(running)
        last, due, count = (s.extra[k] for k in ("events.last", "events.due", "events.count"))
        spaced = (q - s.extra["events.last_major"]) >= self.preset.major_spacing
        env = fx.env_for(s, econ, self.names, cache=True)
        hits: list[tuple[int, np.ndarray, np.ndarray]] = []  # (event, worlds, score)
        rolled, channels, thresholds, pooled = self._quarter(q)
        if len(rolled) and len(live):
            bits = rng.bits_rows(q, channels, live)
            below = bits < thresholds
            # Flat indices throughout: np.nonzero's order, at a fraction of 2-D indexing's cost.
            k = np.flatnonzero(below)
            row, col = np.divmod(k, bits.shape[1])
            ev, pos, b = rolled[row], live[col], bits.ravel()[k]
            cell = pos * last.shape[1] + ev
            ok = (q - last.ravel()[cell]) >= self._cooldown[ev]
            ok &= ~(self._once[ev] & (count.ravel()[cell] > 0))
            ok &= ~self._major[ev] | spaced[pos]
            ev, pos = ev[ok], pos[ok]
            u = (b[ok].astype(np.float64) + 0.5) * 2.0**-53
            for i, a, z in fx.runs(ev):
                idx, ui = pos[a:z], u[a:z]
                ce = self.events[i]
                near = fx.subset(env, idx)
                factor = self._factor(i, near) if ce.modifiers else 1.0
                p = np.minimum(self._mtth[i] * factor * self.preset.frequency, 1.0)
                hit = np.flatnonzero((ui < p) & holds(ce.trigger, near))
                if len(hit):
                    hits.append((i, idx[hit], ui[hit] / (p[hit] if np.ndim(p) else p)))
        hits.extend(self._pool_sparse(s, rng, q, env, running, pooled, spaced))
        scheduled: dict[int, np.ndarray] = {}
        pos, ev = np.divmod(np.flatnonzero(due == q), due.shape[1])  # 20× np.nonzero's speed
        keep = running[pos]
        by_event = np.argsort(ev[keep], kind="stable")  # each event's worlds stay in order
        ev, pos = ev[keep][by_event], pos[keep][by_event]
        for i, a, z in fx.runs(ev):
            idx = pos[a:z]
            now = np.broadcast_to(holds(self.events[i].trigger, fx.subset(env, idx)), idx.shape)
            if now.any():
                scheduled[i] = idx[now]
        return hits, scheduled

    def _quarter(self, q: int) -> tuple[np.ndarray, tuple[str, ...], np.ndarray, list[int]]:
        """What depends only on the quarter (and the preset): the events rolled (in their
        window, with odds), their draw channels, the draw below which each can be a hit, and
        the pool's events in their window. The same few sets recur, so each is made once."""
        key = (q, self.preset)
        known = self._quarters.get(key)
        if known is None:
            window = ~self._scripted & (q >= self._earliest) & (q <= self._latest)
            rolled = np.flatnonzero(window & (self._mtth > 0))
            limit = np.minimum(self._mtth_max[rolled] * self.preset.frequency, 1.0)
            known = self._quarters[key] = (
                rolled, tuple(self._channels[i] for i in rolled),
                np.ceil(limit * 2.0**53).astype(np.uint64)[:, None],
                [int(i) for i in np.flatnonzero(window & (self._pool > 0) & (self._mtth == 0))])
        return known

    def _pool_sparse(self, s: State, rng: Rng, q: int, env: Callable[[str], object],
                     running: np.ndarray, pooled: list[int], spaced: np.ndarray
                     ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """The weighted pool: in a share ``pool_rate`` of the worlds, one eligible pool event
        (of ``pooled``, those in their window) drawn in proportion to weight × modifiers."""
        if not pooled:
            return []
        last, count = s.extra["events.last"], s.extra["events.count"]
        weights = np.zeros((s.n_worlds, len(pooled)))
        for k, i in enumerate(pooled):
            ev = self.events[i].event
            ok = running & ((q - last[:, i]) >= ev.cooldown) & holds(self.events[i].trigger, env)
            if ev.once:
                ok &= count[:, i] == 0
            if ev.major:
                ok &= spaced
            factor = self._factor(i, env) if self.events[i].modifiers else 1.0
            weights[:, k] = np.where(ok, self._pool[i] * factor, 0.0)
        total = weights.sum(axis=1)
        chosen = np.flatnonzero((rng.uniform(q, "events.pool") < self.preset.pool_rate)
                                & (total > 0))
        if not len(chosen):
            return []
        target = rng.uniform(q, "events.pool_pick")[chosen] * total[chosen]
        pick = np.minimum((np.cumsum(weights[chosen], axis=1) <= target[:, None]).sum(axis=1),
                          len(pooled) - 1)
        out = []
        for k, i in enumerate(pooled):
            idx = chosen[pick == k]
            if len(idx):  # pool picks rank in the middle of rolls
                out.append((i, idx, np.full(len(idx), 0.5)))
        return out

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
        smallest u / p are kept — uniform among rolled events, so each is equally likely.

        ``hits`` holds each event once, its worlds ascending; so does the result, by event.
        Only worlds with more than one hit need sorting (usually a small share of them).
        """
        if not hits:
            return {}
        worlds = np.concatenate([idx for _, idx, _ in hits])
        keep = np.full(len(worlds), self.preset.max_per_quarter >= 1)
        crowded = np.flatnonzero(np.bincount(worlds)[worlds] > 1)
        if len(crowded) and self.preset.max_per_quarter == 1:
            keep[crowded] = False
            keep[crowded[self._first_smallest(worlds[crowded], np.concatenate(
                [sc for _, _, sc in hits])[crowded])]] = True
        elif len(crowded):
            events = np.concatenate([np.full(len(idx), i) for i, idx, _ in hits])[crowded]
            scores = np.concatenate([sc for _, _, sc in hits])[crowded]
            order = np.lexsort((scores, worlds[crowded]))  # by world, then score (stable)
            at, w, e = crowded[order], worlds[crowded][order], events[order]
            ok = np.ones(len(at), dtype=bool)
            major = self._major[e]
            if major.any():  # only the first major of each world
                m = np.flatnonzero(major)
                first = np.ones(len(m), dtype=bool)
                first[1:] = w[m][1:] != w[m][:-1]
                ok[m[~first]] = False
            at, w = at[ok], w[ok]
            starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
            rank = np.arange(len(w)) - np.repeat(starts, np.diff(np.r_[starts, len(w)]))
            keep[crowded] = False
            keep[at[rank < self.preset.max_per_quarter]] = True
        return _kept_by_event(hits, keep)

    @staticmethod
    def _first_smallest(worlds: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """The position of each world's smallest score (the first of equal ones): what the
        general pacing keeps when max_per_quarter is 1, since the smallest is kept whether or
        not it is major (a major is dropped only behind a major with a smaller score). A stable
        counting sort by world replaces the (world, score) sort: 5× faster."""
        small = worlds.astype(np.uint16) if worlds.max() < 2**16 else worlds
        order = np.argsort(small, kind="stable")
        w, sc = worlds[order], scores[order]
        starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
        segment = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(w)]))
        smallest = np.flatnonzero(sc == np.minimum.reduceat(sc, starts)[segment])
        first = np.r_[True, segment[smallest][1:] != segment[smallest][:-1]]
        return order[smallest[first]]

    def choose(self, s: State, econ: Economy, rng: Rng, q: int,
               fired: dict[int, np.ndarray]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """For each event that happened: (world positions, choice taken there; −1: none).

        Every event's choices are weighed in one (pairs × choices) table: each choice's
        condition and ai_weight are evaluated in the worlds where its event happened, then one
        keyed draw per (event, world) pair (channel ``events.<id>.choice``) picks in proportion
        to the weights of the open choices (uniformly among them when none has weight). A bot
        with its own ``choose`` decides instead.
        """
        own = getattr(self.chooser, "choose", None)
        asked = [(i, idx) for i, idx in fired.items() if self.events[i].choices]
        picks = self._choose_table(s, econ, rng, q, asked, own) if asked else {}
        return {i: (idx, picks[i] if i in picks else np.full(len(idx), -1))
                for i, idx in fired.items()}

    def _choose_table(self, s: State, econ: Economy, rng: Rng, q: int,
                      asked: list[tuple[int, np.ndarray]], own: Callable | None
                      ) -> dict[int, np.ndarray]:
        """``choose``'s picks for the events with choices, in one (pairs × choices) table."""
        picks: dict[int, np.ndarray] = {}
        full = fx.env_for(s, econ, self.names, cache=True)
        sizes = [len(idx) for _, idx in asked]
        bounds = list(itertools.accumulate(sizes, initial=0))
        n, width = bounds[-1], self._max_choices
        weights = np.zeros((n, width))
        available = np.zeros((n, width), dtype=bool)
        for (i, idx), a, b in zip(asked, bounds[:-1], bounds[1:], strict=True):
            ce = self.events[i]
            env = fx.subset(full, idx)
            for c, cc in enumerate(ce.choices):
                available[a:b, c] = True if cc.condition is None else holds(cc.condition, env)
            if own is not None:
                mine = own(ce.event, available[a:b, :len(ce.choices)], s, econ, idx)
                if mine is not None:
                    picks[i] = np.asarray(mine)
                    continue
            for c, cc in enumerate(ce.choices):
                w = cc.ai_weight.constant
                weights[a:b, c] = w if w is not None else evaluate(cc.ai_weight, env, b - a)
        np.maximum(weights, 0.0, out=weights)
        weights *= available
        total = row_sum(weights)
        weights = np.where(total[:, None] > 0, weights, available)
        total = np.maximum(row_sum(weights), 1e-300)
        which = np.repeat(np.array([i for i, _ in asked]), sizes)
        u = rng.uniform_pairs(q, self._choice_channels, which,
                              np.concatenate([idx for _, idx in asked])) * total
        picked = np.minimum((np.cumsum(weights, axis=1) <= u[:, None]).sum(axis=1),
                            self._n_choices[which] - 1)
        picked = np.where(available.any(axis=1), picked, -1)
        for (i, _), a, b in zip(asked, bounds[:-1], bounds[1:], strict=True):
            picks.setdefault(i, picked[a:b])
        return picks

    def apply(self, s: State, econ: Economy, q: int,
              picks: dict[int, tuple[np.ndarray, np.ndarray]], ledger: Ledger,
              late: dict[int, np.ndarray] | None = None) -> None:
        """Apply what happened: effects, choices, follow-ups and the bookkeeping.

        A world's events apply one after another: in the order of ``picks``, except that the
        events ``late`` lists for a world come after its others, by event (the order ``roll``
        gives a single world, kept in each world of a batch whatever the other worlds rolled).
        Pass k holds each world's k-th event (nearly always there is one pass): within a pass
        the events' worlds are disjoint, so ``effects.Batch`` can apply the pass's effects
        together.
        """
        work = fx.Work(s, econ, self.names, ledger, self.rival_index, self.index, q,
                       self.variables)
        positions = np.concatenate([idx for idx, _ in picks.values()])
        events = np.repeat(np.fromiter(picks, dtype=np.int64, count=len(picks)),
                           [len(idx) for idx, _ in picks.values()])
        self._apply_batched(work, picks, positions, events, late or {})
        if self.on_fire is not None:
            for i, (idx, picked) in picks.items():
                self.on_fire(i, idx, picked)
        self._bookkeeping(s, q, work, events, positions)

    def _apply_batched(self, work: fx.Work, picks: dict[int, tuple[np.ndarray, np.ndarray]],
                       positions: np.ndarray, events: np.ndarray,
                       late: dict[int, np.ndarray]) -> None:
        """``picks`` as (world, combo) pairs, in passes: pass r holds each world's r-th event in
        the order of ``apply`` (``positions`` and ``events`` are the picks' worlds and events,
        flat)."""
        picked = np.concatenate([p for _, p in picks.values()])
        combos = self._combo_base[events] + 1 + picked
        if any(len(idx) for idx in late.values()):
            # Within a world: its events in the order of picks, then its late ones by event.
            key = np.repeat(np.arange(len(picks)), [len(idx) for idx, _ in picks.values()])
            at = 0
            for i, (idx, _) in picks.items():
                if i in late:
                    here = at + np.flatnonzero(np.isin(idx, late[i], assume_unique=True))
                    key[here] = len(picks) + i
                at += len(idx)
            order = np.lexsort((key, positions))
        else:
            order = np.argsort(positions, kind="stable")
        sorted_pos = positions[order]
        starts = np.flatnonzero(np.r_[True, sorted_pos[1:] != sorted_pos[:-1]])
        if len(starts) == len(positions):  # one event per world: one pass
            self._batch.apply_pass(work, positions, combos)
            return
        rank = np.empty(len(positions), dtype=np.int64)
        rank[order] = np.arange(len(positions)) - np.repeat(starts, np.diff(np.r_[starts,
                                                                                 len(positions)]))
        for r in range(int(rank.max()) + 1):
            here = np.flatnonzero(rank == r)
            self._batch.apply_pass(work, positions[here], combos[here])

    def _bookkeeping(self, s: State, q: int, work: fx.Work, events: np.ndarray,
                     positions: np.ndarray) -> None:
        work.flush()
        # The bookkeeping arrays are shared with the state the director was given: change copies.
        last, count, last_major = (s.extra[k].copy() for k in ("events.last", "events.count",
                                                               "events.last_major"))
        s.extra.update({"events.last": last, "events.count": count,
                        "events.last_major": last_major})
        due = work.due  # each (world, event) pair happens once: plain fancy indexing is exact
        due[positions, events] = np.where(due[positions, events] == q, -1,
                                          due[positions, events])
        last[positions, events] = q
        count[positions, events] += 1
        last_major[positions[self._major[events]]] = q
        s.extra["events.due"] = due


def _kept_by_event(hits: list[tuple[int, np.ndarray, np.ndarray]], keep: np.ndarray
                   ) -> dict[int, np.ndarray]:
    """Each event's kept worlds (``keep`` runs over the hits' worlds, event after event), by
    event."""
    out: dict[int, np.ndarray] = {}
    start = 0
    for i, idx, _ in hits:
        kept = idx[keep[start:start + len(idx)]]
        start += len(idx)
        if len(kept):
            out[i] = kept
    return dict(sorted(out.items()))
