"""Events at the engine's moments (an event's ``on``): a rival's release, the lab's own
release, a funding round, the IPO's filing and book, and the game's end.

A moment during the game is a change since the start of the last quarter, seen against a copy
of what it was then (``moments.*`` in the state's extra arrays, kept only when a pack has such
events). Its events are made due at the start of the next quarter, in the worlds where it came,
and then happen like follow-ups (where their trigger holds), before that quarter's plan plays.
The game's end (listing, bankruptcy, any ending) comes after the last quarter: its events are
fired by the engine's ``ended`` call on the hook, and only tell: they change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from game.engine import Economy, Rng, State
from game.engine.state import BANKRUPT, BOOK, FILED, IPO, NOT_FILED, RUNNING
from game.packs import effects as fx
from game.packs.expressions import holds
from game.packs.names import Name


class Moments:
    """The event director's part that fires events at moments (mixed into ``Director``)."""

    events: list[Any]  # the director's compiled events
    names: dict[str, Name]
    rival_index: dict[str, int]
    on_fire: Callable[[int, np.ndarray, np.ndarray], None] | None
    _at_moments: list[tuple[int, str]]
    _at_endings: list[tuple[int, str]]
    _earliest: np.ndarray
    _latest: np.ndarray
    _memory: Callable[[State], None]

    def _moments(self, s: State, rng: Rng, q: int) -> None:
        """Make due now the events whose moment came last quarter (``on``), where their rules
        allow (window, cooldown, once) and their ``chance`` is drawn (channel
        ``events.<id>.on``). They then happen like follow-ups, where their trigger holds.

        A moment is a change since the last quarter's start, seen against a copy of what it
        was then (``moments.*`` in the state's extra arrays, kept only by packs with such
        events)."""
        came = moments(s, self.rival_index)
        if not came:  # the first quarter: nothing came before it
            return
        running = s.outcome == RUNNING
        last, count = s.extra["events.last"], s.extra["events.count"]
        due = s.extra["events.due"] = s.extra["events.due"].copy()
        for i, on in self._at_moments:
            ev = self.events[i].event
            ok = came[on] & running & (due[:, i] <= q)
            if not ok.any() or not self._earliest[i] <= q <= self._latest[i]:
                continue
            ok &= (q - last[:, i]) >= ev.cooldown
            if ev.once:
                ok &= count[:, i] == 0
            if ev.chance < 1.0:
                ok &= rng.uniform(q, f"events.{ev.id}.on") < ev.chance
            due[ok, i] = q

    def ended(self, s: State, econ: Economy, rng: Rng, q: int, now: np.ndarray) -> State:
        """The events of the game's end (``on`` an ending) in the worlds whose game ended this
        quarter (``now``), where their trigger holds and their chance is drawn. They change
        nothing but the director's bookkeeping: they tell the ending."""
        if not self._at_endings or not now.any():
            return s
        self._memory(s)
        env = fx.env_for(s, econ, self.names, cache=True)
        outcome = s.outcome
        fired: dict[int, np.ndarray] = {}
        for i, on in self._at_endings:
            ev = self.events[i].event
            ok = now.copy()
            if on == "bankruptcy":
                ok &= outcome == BANKRUPT
            elif on == "ipo_listing":
                ok &= outcome == IPO
            ok &= (q >= self._earliest[i]) & (q <= self._latest[i])
            if ev.once:
                ok &= s.extra["events.count"][:, i] == 0
            if ev.chance < 1.0:
                ok &= rng.uniform(q, f"events.{ev.id}.on") < ev.chance
            idx = np.flatnonzero(ok)
            if len(idx):
                idx = idx[np.broadcast_to(holds(self.events[i].trigger, fx.subset(env, idx)),
                                          idx.shape)]
            if len(idx):
                fired[i] = idx
        if not fired:
            return s
        s = s.shallow()
        last, count = s.extra["events.last"].copy(), s.extra["events.count"].copy()
        for i, idx in fired.items():
            last[idx, i] = q
            count[idx, i] += 1
            if self.on_fire is not None:
                self.on_fire(i, idx, np.full(len(idx), -1))
        s.extra.update({"events.last": last, "events.count": count})
        return s


# What a moment is a change of, in the state (``moments``).
_WATCHED = ("rival_releases", "model_flop", "ownership", "ipo_stage")


def moments(s: State, rival_index: dict[str, int]) -> dict[str, np.ndarray]:
    """Which moments came in each world since the last time this was asked (the quarter
    before): moment -> (W,) bool (``rival_release.ID`` for each rival). Keeps what it
    compared against in ``s.extra`` for the next quarter; empty the first time."""
    before = {f: s.extra.get(f"moments.{f}") for f in _WATCHED}
    now = {f: getattr(s, f) for f in _WATCHED}
    s.extra.update({f"moments.{f}": now[f].copy() for f in _WATCHED})
    if any(v is None for v in before.values()):
        return {}
    released = now["rival_releases"] > before["rival_releases"]
    came = {
        "rival_release": released.any(axis=1),
        "model_release": now["model_flop"] > before["model_flop"],
        "funding_round": now["ownership"] < before["ownership"] - 1e-12,
        "ipo_filing": (before["ipo_stage"] == NOT_FILED) & (now["ipo_stage"] >= FILED),
        "ipo_book": (before["ipo_stage"] < BOOK) & (now["ipo_stage"] >= BOOK),
    }
    came.update({f"rival_release.{rid}": released[:, r] for rid, r in rival_index.items()})
    return came
