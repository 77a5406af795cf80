"""The five properties of keyed randomness (DESIGN.md §2 "Randomness"), each its own test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from game.bots import STRATEGIES, play
from game.engine import (
    LIVE,
    PROJECTION,
    Economy,
    EconomyParams,
    Plan,
    Rng,
    State,
    compile_economy,
    initial_state,
    step,
)
from game.engine.state import RUNNING

CHANNELS = ("market.rental", "rivals.compute", "valuation.hype", "finance.round", "events.roll")
BOT = STRATEGIES["balanced"]


def assert_states_equal(a: State, b: State, worlds: slice | np.ndarray = slice(None)) -> None:
    """Every array of two states is bit-identical on the given world positions."""
    arrays_a, arrays_b = a.arrays(), b.arrays()
    assert arrays_a.keys() == arrays_b.keys()
    different = [name for name in arrays_a
                 if not np.array_equal(arrays_a[name][worlds], arrays_b[name][worlds])]
    assert not different, f"state arrays differ: {different}"
    assert a.quarter == b.quarter


def play_states(params: EconomyParams, seed: int, n_worlds: int, quarters: int,
                rng_factory: Callable[[int, int], Any] = Rng.for_batch,
                tweak: Callable[[int, Plan], Plan] | None = None) -> list[State]:
    """Play the balanced bot and return the state after every quarter (index 0: the start)."""
    econ = compile_economy(params)
    state = initial_state(params, n_worlds)
    rng = rng_factory(seed, n_worlds)
    states = [state]
    for q in range(quarters):
        plan = BOT.plan(state, econ)
        if tweak is not None:
            plan = tweak(q, plan)
        state, _ = step(state, plan, econ, rng, q)
        states.append(state)
    return states


# ---------------------------------------------------------------------------------------------
# 1. Same seed + same plans => identical results
# ---------------------------------------------------------------------------------------------


def test_same_seed_and_plans_give_identical_results(params: EconomyParams) -> None:
    """Two runs with the same seed and plans agree on every state array, bit for bit."""
    first = play(params, BOT, seed=2024, n_worlds=64)
    second = play(params, BOT, seed=2024, n_worlds=64)
    assert_states_equal(first.state, second.state)
    np.testing.assert_array_equal(first.scores, second.scores)


def test_same_seed_gives_identical_results_quarter_by_quarter(params: EconomyParams) -> None:
    """Replaying the same seed reproduces every intermediate quarter, ledger included."""
    econ = compile_economy(params)
    runs = []
    for _ in range(2):
        state, rng = initial_state(params, 16), Rng.for_batch(77, 16)
        trail = []
        for q in range(6):
            state, ledger = step(state, BOT.plan(state, econ), econ, rng, q)
            trail.append((state, ledger))
        runs.append(trail)
    for (s1, l1), (s2, l2) in zip(*runs, strict=True):
        assert_states_equal(s1, s2)
        for metric, book in l1.entries.items():
            assert book.keys() == l2.entries[metric].keys()
            for name, values in book.items():
                np.testing.assert_array_equal(values, l2.entries[metric][name])


def test_different_seeds_give_different_luck(params: EconomyParams) -> None:
    """A different seed really changes the draws (the determinism above is not a constant)."""
    a = play(params, BOT, seed=1, n_worlds=32, quarters=4).state
    b = play(params, BOT, seed=2, n_worlds=32, quarters=4).state
    assert not np.array_equal(a.hype, b.hype)
    assert not np.array_equal(a.rival_log_flop, b.rival_log_flop)


def test_uniform_draws_are_pinned(params: EconomyParams) -> None:
    """Uniforms are pure 64-bit integer arithmetic: pinned values guard saved games' replays."""
    rng = Rng(12345, np.array([0, 1, 2, 1_000_000], dtype=np.uint64))
    got = [x.hex() for x in rng.uniform(3, "market.rental")]
    assert got == ["0x1.a85a960547d4ap-3", "0x1.b488f0f506736p-1", "0x1.a0ff71c652d9ap-1",
                   "0x1.b355044c09765p-2"]


# ---------------------------------------------------------------------------------------------
# 2. Adding or removing a draw in one channel does not change the others
# ---------------------------------------------------------------------------------------------


def test_channels_do_not_depend_on_other_draws() -> None:
    """A channel's numbers are the same whatever was drawn before it, in any order or subset."""
    rng = Rng.for_batch(99, 40)
    alone = {ch: Rng.for_batch(99, 40).normal(5, ch, 3) for ch in CHANNELS}
    order = np.random.default_rng(0)
    for _ in range(5):
        subset = order.permutation(CHANNELS)[: order.integers(1, len(CHANNELS) + 1)]
        for ch in subset:
            rng.uniform(5, "some.other.channel", 7)  # an extra draw in between
            np.testing.assert_array_equal(rng.normal(5, str(ch), 3), alone[str(ch)])


def test_channel_draws_are_not_shared() -> None:
    """Different channels (and quarters) give different numbers: no two share a stream."""
    rng = Rng.for_batch(3, 100)
    draws = [rng.uniform(q, ch) for q in (0, 1) for ch in CHANNELS]
    for i in range(len(draws)):
        for j in range(i + 1, len(draws)):
            assert not np.array_equal(draws[i], draws[j])


class ExtraDrawRng(Rng):
    """An Rng that also draws from channels the engine does not use (a new event roll, say)."""

    def _extra(self, quarter: int) -> None:
        Rng.uniform(self, quarter, "events.new_roll", 4)
        Rng.normal(self, quarter, "events.another", 2)

    def normal(self, quarter: int, channel: str, n: int = 1) -> np.ndarray:
        self._extra(quarter)
        return super().normal(quarter, channel, n)

    def uniform(self, quarter: int, channel: str, n: int = 1) -> np.ndarray:
        self._extra(quarter)
        return super().uniform(quarter, channel, n)

    def prefetch(self, quarter: int, normals: dict[str, int], uniforms: dict[str, int]) -> Any:
        more_normals = {"events.another": 2, **normals}
        more_uniforms = {"events.new_roll": 4, **uniforms}
        return super().prefetch(quarter, more_normals, more_uniforms)  # type: ignore[misc]


def test_adding_a_channel_does_not_change_the_game(params: EconomyParams) -> None:
    """The engine's results are unchanged when other channels are drawn alongside its own."""
    base = play_states(params, 11, 24, 8)
    extra = play_states(params, 11, 24, 8,
                        rng_factory=lambda seed, w: ExtraDrawRng(seed, np.arange(w)))
    for a, b in zip(base, extra, strict=True):
        assert_states_equal(a, b)


# ---------------------------------------------------------------------------------------------
# 3. World k gives the same results whatever the batch size
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel,n", [("valuation.hype", 1), ("rivals.compute", 2),
                                       ("rivals.release", 3)])
def test_rng_world_draws_do_not_depend_on_batch_size(channel: str, n: int) -> None:
    """World k draws the same numbers in a batch of 7, of 50, or alone as a sub-batch."""
    small, big = Rng.for_batch(5, 7), Rng.for_batch(5, 50)
    for q in (0, 3, 15):
        np.testing.assert_array_equal(small.normal(q, channel, n), big.normal(q, channel, n)[:7])
        np.testing.assert_array_equal(small.uniform(q, channel, n),
                                      big.uniform(q, channel, n)[:7])
        picked = np.array([3, 41], dtype=np.uint64)
        np.testing.assert_array_equal(Rng(5, picked).normal(q, channel, n),
                                      big.normal(q, channel, n)[[3, 41]])


def test_engine_world_results_do_not_depend_on_batch_size(params: EconomyParams) -> None:
    """World k < 7 of a 7-world game equals world k of a 50-world game, every quarter."""
    small = play_states(params, 31, 7, 16)
    big = play_states(params, 31, 50, 16)
    for a, b in zip(small, big, strict=True):
        assert_states_equal(a, b.take(slice(0, 7)))


# ---------------------------------------------------------------------------------------------
# 4. A counterfactual with a different decision keeps the same luck
# ---------------------------------------------------------------------------------------------

# State that no decision of the player can move: industry-wide markets and rival schedules.
PLAYER_INDEPENDENT = ("hype", "rental_x", "price_shock", "rental_price", "market",
                      "rival_log_eff", "rival_next", "rival_releases")


def _reaction(econ: Economy, before: State, after: State) -> np.ndarray:
    """Rivals' extra log10 compute this quarter because the player led them (reaction_to_lead)."""
    leads = after.capability[:, None] > before.rival_capability
    return econ.rival_reaction[None, :] * leads


def _own_luck(econ: Economy, before: State, after: State) -> np.ndarray:
    """Rivals' change in log10 compute this quarter, net of their reaction to the player."""
    return after.rival_log_flop - before.rival_log_flop - _reaction(econ, before, after)


def test_counterfactual_decision_keeps_the_same_luck(params: EconomyParams) -> None:
    """Changing one quarter's decision leaves every player-independent random path unchanged."""
    econ = compile_economy(params)
    changed_q = 2

    def tweak(q: int, plan: Plan) -> Plan:
        if q != changed_q:
            return plan
        return plan.model_copy(update={"price": 2.5, "hire": 900.0, "raise_equity": 30.0})

    W, quarters = 300, 16
    base = play_states(params, 8, W, quarters)
    alt = play_states(params, 8, W, quarters, tweak=tweak)

    # The decision mattered (otherwise the test would prove nothing).
    assert not np.allclose(base[changed_q + 1].cash, alt[changed_q + 1].cash)
    assert not np.allclose(base[-1].valuation, alt[-1].valuation)

    flop_luck_base = base[0].rival_log_flop.copy()
    flop_luck_alt = alt[0].rival_log_flop.copy()
    compared = 0
    for q in range(quarters):
        # Worlds still playing in both games during quarter q (ended worlds freeze).
        both = (base[q].outcome == RUNNING) & (alt[q].outcome == RUNNING)
        compared += int(both.sum())
        for name in PLAYER_INDEPENDENT:
            a, b = getattr(base[q + 1], name)[both], getattr(alt[q + 1], name)[both]
            assert np.array_equal(a, b), f"quarter {q}: {name} depends on the player's decision"
        # Rival compute follows its own luck plus a documented reaction while the player leads:
        # net of that reaction, the trajectories coincide.
        flop_luck_base += np.where(both[:, None], _own_luck(econ, base[q], base[q + 1]), 0.0)
        flop_luck_alt += np.where(both[:, None], _own_luck(econ, alt[q], alt[q + 1]), 0.0)
        np.testing.assert_allclose(flop_luck_base[both], flop_luck_alt[both], rtol=0, atol=1e-12,
                                   err_msg=f"quarter {q}: rival compute luck differs")
    assert compared > W * 4


def test_counterfactual_keeps_rival_compute_identical_when_lead_unchanged(
        params: EconomyParams) -> None:
    """Where the player's capability path is unchanged, rival compute is bit-identical."""
    econ = compile_economy(params)
    W = 200
    plan = Plan(lease_h100e=200_000, lease_quarters=2)
    runs = []
    for price_q2 in (1.0, 1.8):  # price moves revenue and cash, never compute or capability
        state, rng = initial_state(params, W), Rng.for_batch(4, W)
        trail = [state]
        for q in range(10):
            p = plan.model_copy(update={"price": price_q2}) if q == 2 else plan
            state, _ = step(state, p, econ, rng, q)
            trail.append(state)
        runs.append(trail)
    assert not np.array_equal(runs[0][3].revenue, runs[1][3].revenue)
    for q in range(10):
        both = (runs[0][q].outcome == RUNNING) & (runs[1][q].outcome == RUNNING)
        same_cap = both & (runs[0][q + 1].capability == runs[1][q + 1].capability)
        assert same_cap.sum() > 0
        np.testing.assert_array_equal(runs[0][q + 1].rival_log_flop[same_cap],
                                      runs[1][q + 1].rival_log_flop[same_cap])
        for name in PLAYER_INDEPENDENT:
            np.testing.assert_array_equal(getattr(runs[0][q + 1], name)[both],
                                          getattr(runs[1][q + 1], name)[both])


# ---------------------------------------------------------------------------------------------
# 5. Projections use a different key space than the live game
# ---------------------------------------------------------------------------------------------


def test_projection_key_space_differs_from_live() -> None:
    """Projections never see the live game's future draws: another key space, other numbers."""
    live = Rng.for_batch(123, 1000)
    projection = live.in_space(PROJECTION)
    assert live.space == LIVE and projection.space == PROJECTION
    for q in range(4):
        for ch in CHANNELS:
            a, b = live.normal(q, ch), projection.normal(q, ch)
            assert not np.any(a == b)
            # Not merely shifted or scaled: the two spaces are uncorrelated.
            assert abs(np.corrcoef(a, b)[0, 1]) < 0.15
    # The projection space is itself deterministic and keeps the world identities.
    np.testing.assert_array_equal(projection.uniform(2, "x", 3),
                                  Rng.for_batch(123, 1000, PROJECTION).uniform(2, "x", 3))
    np.testing.assert_array_equal(live.in_space(LIVE).uniform(2, "x"), live.uniform(2, "x"))


def test_projection_space_changes_the_engine_run(params: EconomyParams) -> None:
    """Running the engine in the projection space gives a different (but valid) future."""
    econ = compile_economy(params)
    state = initial_state(params, 50)
    live, proj = Rng.for_batch(9, 50), Rng.for_batch(9, 50, PROJECTION)
    a, _ = step(state, BOT.plan(state, econ), econ, live, 0)
    b, _ = step(state, BOT.plan(state, econ), econ, proj, 0)
    assert not np.array_equal(a.hype, b.hype)
    assert not np.array_equal(a.rival_log_flop, b.rival_log_flop)


# ---------------------------------------------------------------------------------------------
# Seeds and distributions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [2**64 - 1, 2**64, 2**80 + 7, 10**40])
def test_seeds_beyond_64_bits_work(params: EconomyParams, seed: int) -> None:
    """Seeds of any size give valid, reproducible draws distinct from their low 64 bits."""
    a = Rng.for_batch(seed, 100).uniform(0, "market.rental")
    b = Rng.for_batch(seed, 100).uniform(0, "market.rental")
    np.testing.assert_array_equal(a, b)
    assert np.all((a > 0) & (a < 1))
    if seed > 2**64 - 1:
        low = Rng.for_batch(seed & (2**64 - 1), 100).uniform(0, "market.rental")
        assert not np.array_equal(a, low)
        neighbour = Rng.for_batch(seed + 1, 100).uniform(0, "market.rental")
        assert not np.array_equal(a, neighbour)
    first = play(params, BOT, seed, n_worlds=8, quarters=3).state
    second = play(params, BOT, seed, n_worlds=8, quarters=3).state
    assert_states_equal(first, second)


def test_negative_seed_is_refused() -> None:
    """A negative seed is an error with a sentence, not a silent wrap-around."""
    with pytest.raises(ValueError, match="non-negative"):
        Rng.for_batch(-1, 3)


def test_normals_are_standard() -> None:
    """200k normals have mean ≈ 0, std ≈ 1, and plausible tails."""
    z = Rng.for_batch(2026, 200_000).normal(0, "test.normal")
    assert z.shape == (200_000,)
    assert abs(z.mean()) < 0.01  # standard error 0.0022
    assert abs(z.std() - 1.0) < 0.01
    assert 0.040 < np.mean(np.abs(z) > 1.96) < 0.060
    z2 = Rng.for_batch(2026, 100_000).normal(1, "test.normal", 2)
    assert z2.shape == (100_000, 2)
    assert abs(np.corrcoef(z2[:, 0], z2[:, 1])[0, 1]) < 0.02


def test_uniforms_are_in_the_open_unit_interval() -> None:
    """Uniforms lie strictly inside (0, 1) and fill it evenly."""
    u = Rng.for_batch(7, 200_000).uniform(0, "test.uniform")
    assert np.all(u > 0.0) and np.all(u < 1.0)
    assert abs(u.mean() - 0.5) < 0.005
    counts, _ = np.histogram(u, bins=10, range=(0.0, 1.0))
    assert np.all(np.abs(counts - 20_000) < 1_000)


@pytest.mark.parametrize("n_pairs", [6, 40])  # a live game's few choices, and a batch's
def test_scattered_and_row_draws_are_the_channel_draws(n_pairs: int) -> None:
    """``uniform_pairs`` and ``bits_rows`` give exactly what ``uniform`` gives each world."""
    rng = Rng(9, np.array([4, 17, 2, 99, 5], dtype=np.uint64))
    channels = ("events.a", "events.b.choice", "events.c")
    which = np.resize([2, 0, 0, 1, 2, 1, 1], n_pairs)
    positions = np.resize([0, 4, 1, 3, 3, 0, 2, 2, 1], n_pairs)
    pairs = rng.uniform_pairs(6, channels, which, positions)
    for j in range(len(which)):
        assert pairs[j] == rng.uniform(6, channels[which[j]])[positions[j]]
    bits = rng.bits_rows(6, channels, np.array([1, 3]))
    for r, channel in enumerate(channels):
        u = (bits[r].astype(np.float64) + 0.5) * 2.0**-53
        np.testing.assert_array_equal(u, rng.uniform(6, channel)[[1, 3]])
