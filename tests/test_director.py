"""The director's roll checked against a reference: every rule evaluated in every world.

``Director._roll`` draws first and checks the rules only where a draw can be a hit; the
reference below evaluates every trigger, cooldown and modifier in every world over a worlds ×
events matrix. Both must pick the same events, in the same worlds, every quarter.
"""

from __future__ import annotations

import numpy as np
import pytest

from game.bots import STRATEGIES
from game.engine import Economy, Rng, State, compile_economy, initial_state, step
from game.engine.state import RUNNING
from game.packs import effects as fx
from game.packs import load_content
from game.packs.director import Director
from game.packs.expressions import holds


def reference_roll(d: Director, s: State, econ: Economy, rng: Rng, q: int) -> tuple[
        list[tuple[int, np.ndarray, np.ndarray]], dict[int, np.ndarray]]:
    W, E = s.n_worlds, len(d.events)
    running = s.outcome == RUNNING
    last, due = s.extra["events.last"], s.extra["events.due"]
    block = rng.uniform_block(q, d._channels)
    u, u_pool, u_pick = block[:, :E], block[:, E], block[:, E + 1]
    env = fx.env_for(s, econ, d.names, cache=True)
    is_due = (due == q) & running[:, None]
    rollable = (~d._scripted & (q >= d._earliest) & (q <= d._latest))[None, :]
    spaced = ((q - s.extra["events.last_major"]) >= d.preset.major_spacing)[:, None]
    ok_all = (running[:, None] & ((q - last) >= d._cooldown[None, :]) & rollable
              & ~(d._once[None, :] & (s.extra["events.count"] > 0))
              & (~d._major[None, :] | spaced))
    candidates = np.flatnonzero((ok_all | is_due).any(axis=0))
    trigger = np.zeros((W, E), dtype=bool)
    if len(candidates):
        values = [holds(d.events[i].trigger, env) for i in candidates]
        trigger[:, candidates] = (np.array(values, dtype=bool)[None, :] if W == 1
                                  else np.stack(np.broadcast_arrays(*values), axis=1))
    scheduled_m = is_due & trigger
    ok = ok_all & trigger
    factor = np.ones((W, E))
    for i in d._with_modifiers:
        if ok[:, i].any():
            factor[:, i] = d._factor(i, env)
    p = ok * np.minimum(d._mtth[None, :] * factor * d.preset.frequency, 1.0)
    pool_w = ok * (d._pool[None, :] * factor)
    w_idx, e_idx = np.nonzero(u < p)
    hits = [(int(i), w_idx[e_idx == i], u[w_idx[e_idx == i], i] / p[w_idx[e_idx == i], i])
            for i in np.unique(e_idx)]
    total = pool_w.sum(axis=1)
    chosen = np.flatnonzero((u_pool < d.preset.pool_rate) & (total > 0))
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



def test_the_roll_matches_the_reference(params) -> None:
    """Hits (with their pacing scores) and scheduled events agree in a volatile batch."""
    director = load_content().director("volatile")
    econ = compile_economy(params)
    W = 300
    state = initial_state(params, W)
    rng = Rng.for_batch(11, W)
    compared = scheduled_seen = 0
    for q in range(8):
        state, _ = step(state, STRATEGIES["balanced"].plan(state, econ), econ, rng, q, director)
        s = state.shallow()
        director._memory(s)
        want_hits, want_due = reference_roll(director, s, econ, rng, q + 1)
        got_hits, got_due = director._roll(s, econ, rng, q + 1)
        want, got = director._pace(want_hits), director._pace(got_hits)
        assert want.keys() == got.keys()
        for i in want:
            np.testing.assert_array_equal(want[i], got[i])
        assert want_due.keys() == got_due.keys()
        for i in want_due:
            np.testing.assert_array_equal(want_due[i], got_due[i])
        compared += sum(len(v) for v in want.values())
        scheduled_seen += sum(len(v) for v in want_due.values())
    assert compared > 100 and scheduled_seen > 0


def test_one_world_gets_the_events_it_gets_in_a_batch(params) -> None:
    """A world's events do not depend on the batch: world 3 alone and among 50 worlds."""
    content = load_content()
    econ = compile_economy(params)
    seen: dict[int, list[tuple[int, str]]] = {}
    for W, worlds, position in ((1, np.array([3]), 0), (50, np.arange(50), 3)):
        log: list[tuple[int, str]] = []
        quarter = [0]

        def record(i: int, idx: np.ndarray, picked: np.ndarray, log=log, quarter=quarter,
                   position=position) -> None:
            if position in idx:
                log.append((quarter[0], content.events[i].id))

        director = content.director("volatile")
        director.on_fire = record
        rng = Rng(5, worlds)
        state = initial_state(params, W, worlds)
        for q in range(10):
            quarter[0] = q
            state, _ = step(state, STRATEGIES["cloud"].plan(state, econ), econ, rng, q, director)
        seen[W] = log
    assert seen[1] == seen[50] and len(seen[1]) >= 3


def test_one_world_ends_in_the_state_it_reaches_in_a_batch(params) -> None:
    """A world played alone (the live game's batch of one) ends in every state array where it
    ends in a batch of 40."""
    from game.bots.runner import play

    content = load_content()
    for strategy in ("cloud", "builder"):
        alone = play(params, STRATEGIES[strategy], 13, 1, 10, workers=1,
                     events=content.director("volatile"))
        batch = play(params, STRATEGIES[strategy], 13, 40, 10, workers=1,
                     events=content.director("volatile"))
        for name, arr in alone.state.arrays().items():
            np.testing.assert_array_equal(arr[0], batch.state.arrays()[name][0], err_msg=name)


def reference_pace(d: Director, hits: list[tuple[int, np.ndarray, np.ndarray]]
                   ) -> dict[int, np.ndarray]:
    """Pacing as first written: sort every hit by (world, score), drop each world's majors after
    its first, keep each world's first max_per_quarter."""
    worlds = np.concatenate([idx for _, idx, _ in hits])
    events = np.concatenate([np.full(len(idx), i) for i, idx, _ in hits])
    scores = np.concatenate([sc for _, _, sc in hits])
    order = np.lexsort((scores, worlds))
    worlds, events = worlds[order], events[order]
    keep = np.ones(len(worlds), dtype=bool)
    seen_major: set[int] = set()
    rank: dict[int, int] = {}
    for j, (w, e) in enumerate(zip(worlds.tolist(), events.tolist(), strict=True)):
        if d._major[e]:
            if w in seen_major:
                keep[j] = False
                continue
            seen_major.add(w)
        rank[w] = rank.get(w, 0) + 1
        keep[j] = rank[w] <= d.preset.max_per_quarter
    out: dict[int, list[int]] = {}
    for w, e in zip(worlds[keep].tolist(), events[keep].tolist(), strict=True):
        out.setdefault(e, []).append(w)
    return {e: np.array(sorted(ws)) for e, ws in sorted(out.items())}


@pytest.mark.parametrize("n_worlds", [1, 3, 300])
def test_pacing_keeps_what_sorting_every_hit_keeps(n_worlds: int) -> None:
    """The fast paths (only crowded worlds sorted; a counting sort when one event a quarter is
    allowed) keep exactly the hits that the plain (world, score) sort keeps, majors included,
    with ties in score broken by event order: in a batch, and among the handful of hits of the
    live game's one world."""
    content = load_content()
    rng = np.random.default_rng(5)
    for preset in ("calm", "standard", "volatile"):
        d = content.director(preset)
        majors = np.flatnonzero(d._major)
        for _ in range(20):
            minor = np.setdiff1d(np.arange(len(d.events)), majors)
            events = np.r_[rng.choice(majors, size=3, replace=False),
                           rng.choice(minor, size=9, replace=False)]
            if n_worlds < 300:  # a few events: one alone, or some majors and minors together
                events = rng.choice(events, size=int(rng.integers(1, 5)), replace=False)
            hits = []  # each event once, as the roll gives them
            for i in sorted(events.tolist()):
                size = int(rng.integers(1, min(n_worlds + 1, 120)))
                idx = np.sort(rng.choice(n_worlds, size=size, replace=False))
                scores = rng.choice([0.25, 0.5, 0.75], size=len(idx)) if i % 3 == 0 \
                    else rng.random(len(idx))
                hits.append((i, idx, scores))
            got, want = d._pace(hits), reference_pace(d, hits)
            assert list(got) == list(want), preset
            for e in want:
                np.testing.assert_array_equal(got[e], want[e])


# Effects that make the batched application work hard: an event and its choice changing one
# number several times, expressions that read what an earlier effect changed, sets between adds,
# flags set both ways, repeated modifiers and rival effects, schedules and follow-ups.
TRICKY_EVENTS = '''
[[event]]
id = "tricky.stack"
title = "Stacked changes"
text = "Many changes of one number."
category = "markets"
trigger = "quarter >= 0"
mtth_quarters = 4
effects = [
  { type = "add", target = "cash", value = "0.5" },
  { type = "multiply", target = "cash", factor = "1.1" },
  { type = "add", target = "sentiment", value = "3" },
  { type = "modifier", parameter = "mfu", factor = "0.9", quarters = 2 },
  { type = "flag", flag = "tricky_seen", value = true },
]

[[event.choices]]
label = "Again"
effects = [
  { type = "add", target = "cash", value = "-0.25" },
  { type = "set", target = "sentiment", value = "55" },
  { type = "modifier", parameter = "mfu", factor = "1.3", quarters = 4 },
  { type = "flag", flag = "tricky_seen", value = false },
  { type = "rival_boost", rival = "gemini", factor = "1.5" },
  { type = "rival_boost", rival = "gemini", factor = "0.8" },
]
follow_ups = [{ event = "tricky.reader", delay = 1 }]

[[event.choices]]
label = "Read"
effects = [
  { type = "add", target = "cash", value = "cash * 0.01 + sentiment / 100" },
  { type = "multiply", target = "share", factor = "0.97" },
  { type = "add", target = "cash", value = "0.125" },
  { type = "multiply", target = "run_progress", factor = "0.5" },
  { type = "add", target = "run_progress", value = "0.1" },
]

[[event.choices]]
label = "Nothing"
note = "Leave it."

[[event]]
id = "tricky.reader"
title = "Reads the state"
text = "Effects that read what came before."
category = "markets"
trigger = "quarter >= 0"
mtth_quarters = 3
effects = [
  { type = "multiply", target = "sentiment", factor = "1.05" },
  { type = "add", target = "debt", value = "debt * 0.1 + 0.5" },
  { type = "add", target = "sentiment", value = "-2" },
  { type = "gpu_price_shock", size = "0.2" },
  { type = "schedule", event = "tricky.stack", delay = 2 },
  { type = "multiply", target = "gpu_pipeline", factor = "0.5" },
  { type = "multiply", target = "leased_h100e", factor = "0.9" },
  { type = "multiply", target = "algo_efficiency", factor = "1.2" },
  { type = "add", target = "hype", value = "0.05" },
  { type = "rival_price", rival = "claude", factor = "0.8" },
  { type = "rival_delay", rival = "claude", quarters = 1 },
]

[[event]]
id = "tricky.same_title"
title = "Stacked changes"
text = "Shares its title (and so its ledger line) with another event."
category = "markets"
trigger = "quarter >= 0"
mtth_quarters = 5
effects = [
  { type = "add", target = "cash", value = "0.75" },
  { type = "multiply", target = "cash", factor = "0.5" },
  { type = "modifier", parameter = "mfu", factor = "2", quarters = 1 },
  { type = "offer", event = "tricky.reader" },
]

[[event]]
id = "tricky.closed"
title = "Nothing open"
text = "Its choices open only with more cash than any lab has."
category = "markets"
trigger = "quarter >= 0"
mtth_quarters = 6

[[event.choices]]
label = "Rich"
condition = "cash > 1e6"
effects = [{ type = "add", target = "cash", value = "1" }]

[[event.choices]]
label = "Richer"
condition = "cash > 1e7"
ai_weight = "cash / 1000"
effects = [{ type = "add", target = "cash", value = "2" }]
'''


def reference_apply(d: Director, work: fx.Work,
                    picks: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
    """Effects as first written: each event in turn, in all its worlds, its effects one at a
    time in order, then those of the choice taken in each world (and the follow-ups of each)."""
    for i, (idx, picked) in picks.items():
        ce = d.events[i]
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


def _apply_batched(d: Director, work: fx.Work, picks: dict[int, tuple[np.ndarray, np.ndarray]],
                   late: dict[int, np.ndarray]) -> None:
    """``picks`` applied as ``Director.apply`` applies them, in the batch's passes."""
    d._apply_batched(work, picks, np.concatenate([i for i, _ in picks.values()]),
                     np.repeat(list(picks), [len(i) for i, _ in picks.values()]), late)


def _apply_both_ways(director: Director, s: State, econ: Economy,
                     picks: dict[int, tuple[np.ndarray, np.ndarray]],
                     late: dict[int, np.ndarray]) -> tuple[dict, dict]:
    """The state, due events and ledger after applying ``picks`` world by world, each world's
    events one at a time (the reference), and in the batch's passes. A world's events apply in
    the order of ``picks``, then those ``late`` lists for it, by event."""
    from game.engine import Ledger

    out = {}
    for how in ("world by world", "batched"):
        t = s.shallow()
        director._memory(t)
        ledger = Ledger()
        work = fx.Work(t, econ, director.names, ledger, director.rival_index, director.index, 3)
        if how == "world by world":
            for w in range(s.n_worlds):
                mine = [(i, picked[idx == w]) for i, (idx, picked) in picks.items() if w in idx]
                is_late = {i: i in late and w in late[i] for i, _ in mine}
                mine.sort(key=lambda pair: (is_late[pair[0]], is_late[pair[0]] and pair[0]))
                reference_apply(director, work, {i: (np.array([w]), p) for i, p in mine})
        else:
            _apply_batched(director, work, picks, late)
        work.flush()
        out[how] = ({**t.arrays(), "due": work.due},
                    {m: dict(book) for m, book in ledger.entries.items()})
    return out["world by world"], out["batched"]


def _tricky_picks(params, tmp_path, seed: int, W: int) -> tuple[
        Director, Economy, State, dict[int, tuple[np.ndarray, np.ndarray]],
        np.random.Generator]:
    """A volatile director with the tricky events, W worlds after three quarters (so the
    numbers differ between worlds), and picks: the tricky events and 25 others, in any order
    (as the roll gives), each in a random set of worlds with random choices. The generator is
    returned for further draws."""
    from tests.test_packs_core import write_pack

    pack = write_pack(tmp_path, "tricky", files={"events/tricky.toml": TRICKY_EVENTS})
    director = load_content([pack]).director("volatile")
    econ = compile_economy(params)
    state, rng = initial_state(params, W), Rng.for_batch(seed, W)
    for q in range(3):
        state, _ = step(state, STRATEGIES["builder"].plan(state, econ), econ, rng, q, director)
    gen = np.random.default_rng(seed)
    tricky = [director.index[e] for e in director.index if e.startswith("tricky.")]
    chosen = [*tricky, *gen.choice(len(director.events), size=25, replace=False).tolist()]
    picks = {}
    for i in dict.fromkeys(gen.permutation(chosen).tolist()):
        idx = np.sort(gen.choice(W, size=int(gen.integers(1, W)), replace=False))
        n = len(director.events[i].choices)
        picks[i] = (idx, gen.integers(0, n, size=len(idx)) if n else np.full(len(idx), -1))
    return director, econ, state, picks, gen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batched_effects_equal_one_event_at_a_time(params, tmp_path, seed: int) -> None:
    """However many events a world has in a quarter, in whatever order, and whatever they
    change, the batched application ends every world exactly where applying its events one at
    a time, world by world, does: every state array, every scheduled event and every ledger
    line."""
    director, econ, state, picks, gen = _tricky_picks(params, tmp_path, seed, 240)
    # Some events come late in some of their worlds (due there, not rolled there).
    late = {i: np.sort(gen.choice(idx, size=len(idx) // 2, replace=False))
            for i, (idx, _) in picks.items() if gen.random() < 0.4}
    (want, want_ledger), (got, got_ledger) = _apply_both_ways(director, state, econ, picks,
                                                              late)
    assert want.keys() == got.keys()
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    for metric, book in want_ledger.items():
        assert got_ledger[metric].keys() == book.keys(), metric
        for label, values in book.items():
            np.testing.assert_array_equal(got_ledger[metric][label], values, err_msg=label)


def test_one_world_alone_applies_its_events_as_the_reference_does(params, tmp_path) -> None:
    """A world alone (the live game's batch of one), its events applied in the batch's passes,
    ends where the reference ends that world in a batch: every state array, every scheduled
    event, every ledger line (a line another world needed is zero here)."""
    from game.engine import Ledger

    W = 60
    director, econ, state, picks, _ = _tricky_picks(params, tmp_path, 4, W)
    (want, want_ledger), _ = _apply_both_ways(director, state, econ, picks, {})
    lines = 0
    for w in range(W):
        alone = state.take(np.array([w]))
        director._memory(alone)
        ledger = Ledger()
        work = fx.Work(alone, econ, director.names, ledger, director.rival_index,
                       director.index, 3)
        mine = {i: (np.array([0]), p[idx == w]) for i, (idx, p) in picks.items() if w in idx}
        if mine:
            _apply_batched(director, work, mine, {})
        work.flush()
        for name, arr in {**alone.arrays(), "due": work.due}.items():
            np.testing.assert_array_equal(arr[0], want[name][w], err_msg=f"{name}, world {w}")
        for metric, book in want_ledger.items():
            mine = ledger.entries[metric]
            assert set(mine) <= set(book), metric
            for label, values in book.items():
                got = mine[label][0] if label in mine else 0.0
                assert got == values[w], f"{metric} {label}, world {w}"
                lines += label in mine
    assert lines > 100


def test_a_world_ends_the_same_in_any_batch(params) -> None:
    """A world's events apply in an order of its own (those it rolled, then those due that it
    did not roll), never in one that depends on what other worlds rolled: so a world ends
    bit-identical in a batch, in a worker's chunk of it, or alone."""
    from game.bots.runner import _play_worlds

    content = load_content()
    policy = STRATEGIES["balanced"]
    for director in (content.director_for("ipo-window"), content.director("volatile")):
        whole, _, _ = _play_worlds(params, policy, 4, np.arange(500), 8, None, director)
        for lo, hi in ((334, 500), (0, 37), (451, 452)):
            part, _, _ = _play_worlds(params, policy, 4, np.arange(lo, hi), 8, None, director)
            for name, arr in part.arrays().items():
                np.testing.assert_array_equal(arr, whole.arrays()[name][lo:hi],
                                              err_msg=f"{name} in worlds {lo}-{hi}")


class _AnswersSome:
    """A chooser that answers the events with an odd-length id (the last choice) and leaves the
    others to ai_weight; it notes what it was shown in each world (``world``: the world a lone
    batch stands for)."""

    def __init__(self, seen: list, world: int | None = None) -> None:
        self.seen, self.world = seen, world

    def choose(self, event, available, state, econ, worlds):
        for w, row in zip(worlds.tolist(), available.tolist(), strict=True):
            self.seen.append((event.id, w if self.world is None else self.world, row))
        return np.full(len(worlds), available.shape[1] - 1) if len(event.id) % 2 else None


def test_a_world_alone_chooses_as_it_does_in_a_batch(params, tmp_path) -> None:
    """A world alone (the live game's batch of one) makes the pick it makes in a batch, for
    every event with choices, in states of many games: open and closed choices, weights that
    are expressions, no open choice at all, and a chooser that answers some events and not
    others (and is shown, world by world, the same open choices either way)."""
    from tests.test_packs_core import write_pack

    pack = write_pack(tmp_path, "tricky", files={"events/tricky.toml": TRICKY_EVENTS})
    director = load_content([pack]).director("volatile")
    econ = compile_economy(params)
    W = 8
    asked = [i for i, ce in enumerate(director.events) if ce.choices]
    shown: dict[str, list] = {"alone": [], "batch": []}
    closed = compared = 0
    for seed, strategy in ((1, "frugal"), (2, "builder")):
        state, rng = initial_state(params, W), Rng.for_batch(seed, W)
        for q in range(10):
            s = state.shallow()
            director._memory(s)
            for answers in (False, True):
                director.chooser = _AnswersSome(shown["batch"]) if answers else None
                batch = director.choose(s, econ, rng, q, {i: np.arange(W) for i in asked})
                for w in range(W):
                    director.chooser = _AnswersSome(shown["alone"], w) if answers else None
                    one = np.array([w])
                    alone = director.choose(s.take(one), econ, rng.subset(one), q,
                                            {i: np.array([0]) for i in asked})
                    assert list(alone) == list(batch)
                    for i, (_, picked) in batch.items():
                        assert alone[i][1].tolist() == [picked[w]], f"{strategy} q {q} w {w}"
                        closed += int(picked[w]) == -1
                    compared += len(batch)
            director.chooser = None
            state, _ = step(state, STRATEGIES[strategy].plan(state, econ), econ, rng, q, director)
    assert sorted(shown["alone"], key=repr) == sorted(shown["batch"], key=repr)
    assert compared > 1000 and closed > 0


def test_a_world_alone_rolls_as_it_does_in_a_batch(params, tmp_path) -> None:
    """A world alone (the live game's batch of one) finds the hits it finds in a batch, with
    the same pacing scores, and the same scheduled events, in every quarter of many games:
    events held back by cooldowns, once and major spacing, odds raised by modifiers, follow-ups
    and the scenario's script, and games that have ended."""
    from tests.test_packs_core import write_pack

    pack = write_pack(tmp_path, "tricky", files={"events/tricky.toml": TRICKY_EVENTS})
    content = load_content([pack])
    econ = compile_economy(params)
    W = 6
    hits = scheduled = ended = 0
    for preset in ("standard", "volatile"):
        director = content.director(preset)
        director.script = {2: ("tricky.reader",), 5: ("tricky.stack",)}
        for seed, strategy in ((1, "frugal"), (2, "builder")):
            state, rng = initial_state(params, W), Rng.for_batch(seed, W)
            for q in range(16):
                s = state.shallow()
                director._memory(s)
                director.make_due(s, q, director.script.get(q, ()))
                batch_hits, batch_due = director._roll(s, econ, rng, q)
                for w in range(W):
                    one = np.array([w])
                    got_hits, got_due = director._roll(s.take(one), econ, rng.subset(one), q)
                    want = [(i, sc[idx == w]) for i, idx, sc in batch_hits if w in idx]
                    assert [i for i, _, _ in got_hits] == [i for i, _ in want]
                    for (_, gi, gs), (_, ws) in zip(got_hits, want, strict=True):
                        assert gi.tolist() == [0] and gs.dtype == ws.dtype
                        np.testing.assert_array_equal(gs, ws)
                    assert list(got_due) == [i for i, idx in batch_due.items() if w in idx]
                    assert all(idx.tolist() == [0] for idx in got_due.values())
                    hits += len(got_hits)
                    scheduled += len(got_due)
                    ended += not s.running[w]
                state, _ = step(state, STRATEGIES[strategy].plan(state, econ), econ, rng, q,
                                director)
    assert hits > 200 and scheduled > 20 and ended > 0


def test_the_declared_bounds_hold_in_played_games() -> None:
    """Every bounded name stays within its bounds at the start of every quarter of every
    scenario, played by a bot over many worlds: a bound the engine does not keep would make the
    validator warn of a trigger that can hold."""
    from game.bots.runner import play

    content = load_content()
    bounded = {n: v for n, v in content.names.items()
               if v.low != -np.inf or v.high != np.inf}
    seen: dict[str, tuple[float, float]] = {}

    for scenario in sorted(content.scenarios):
        director = content.director_for(scenario)

        def watched(state, econ, rng, quarter, ledger, director=director):
            """The director, after reading every bounded name where it reads them."""
            env = fx.env_for(state, econ, content.names)
            for name in bounded:
                values = np.asarray(env(name), dtype=float)
                low, high = seen.get(name, (np.inf, -np.inf))
                seen[name] = (min(low, float(values.min())), max(high, float(values.max())))
            return director(state, econ, rng, quarter, ledger)

        for strategy in ("balanced", "builder", "cloud"):
            play(content.params(scenario), STRATEGIES[strategy], 3, 100, workers=1,
                 events=watched)
    assert set(seen) == set(bounded)
    for name, (low, high) in seen.items():
        n = bounded[name]
        assert n.low <= low and high <= n.high, f"{name} took {low} – {high}, declared " \
                                                f"{n.low} – {n.high}"
