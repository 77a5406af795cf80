"""The six scripted strategies: distinct philosophies, none of which wins or loses everywhere."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from game.bots import STRATEGIES, play
from game.engine.state import IPO, OUTCOMES

WORLDS = 2000


@pytest.fixture(scope="module")
def runs(params):
    return {name: play(params, strategy, seed=7, n_worlds=WORLDS)
            for name, strategy in STRATEGIES.items()}


def test_there_are_six_named_philosophies() -> None:
    """Adaptive, builder, cloud, frugal, balanced and researcher, each described in a
    sentence."""
    assert set(STRATEGIES) == {"adaptive", "builder", "cloud", "frugal", "balanced",
                               "researcher"}
    assert all(len(s.description) > 20 for s in STRATEGIES.values())


def test_the_adaptive_bot_adapts(params) -> None:
    """The adaptive bot keeps pace with the rivals (its next run is sized to theirs), prices to
    the market (its price moves with its rivals' and its own standing) and raises when its
    runway gets short."""
    from dataclasses import replace

    from game.engine import compile_economy, initial_state

    econ = compile_economy(params)
    bot = STRATEGIES["adaptive"]
    state = initial_state(params, 3)
    state = replace(state, run_target=np.zeros(3),
                    rival_release_flop=state.rival_release_flop * np.array([[1.0], [3.0],
                                                                             [9.0]]))
    plan = bot.plan(state, econ)
    runs = np.asarray(plan.start_run_flop)
    assert runs[0] < runs[1] < runs[2]  # bigger rival runs, bigger own run
    cheap = replace(state, rival_price=state.rival_price * 0.5)
    assert np.all(np.asarray(bot.plan(cheap, econ).price) < np.asarray(plan.price))
    short = replace(state, burn=np.full(3, 20.0), cash=np.full(3, 30.0))  # 1.5 quarters
    assert np.all(np.asarray(bot.plan(short, econ).raise_equity) > 0)
    assert np.all(np.asarray(plan.raise_equity) == 0)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_no_strategy_wins_or_loses_every_world(runs, name: str) -> None:
    """In the default scenario each strategy lists in some worlds and fails to in others."""
    outcome = runs[name].state.outcome
    mix = {OUTCOMES[i]: int(n) for i, n in enumerate(np.bincount(outcome, minlength=6)) if n}
    ipo = float(np.mean(outcome == IPO))
    assert 0.0 < ipo < 1.0, f"{name}: {mix}"


def test_strategies_play_differently(runs, params) -> None:
    """Their fleets differ: the builder owns the most compute, the cloud bot owns nothing new."""
    owned = {name: float(np.median(r.state.owned.sum(axis=1))) for name, r in runs.items()}
    start = float(sum(params.scenario.start.owned_gpus.values()))
    assert owned["builder"] == max(owned.values())
    assert owned["cloud"] <= start


def test_parallel_play_is_bit_identical_to_serial(params) -> None:
    """Splitting a batch across processes changes nothing: draws are keyed by world identity."""
    serial = play(params, STRATEGIES["researcher"], seed=5, n_worlds=600, workers=1)
    parallel = play(params, STRATEGIES["researcher"], seed=5, n_worlds=600, workers=2)
    for name, arr in serial.state.arrays().items():
        np.testing.assert_array_equal(parallel.state.arrays()[name], arr, err_msg=name)
    assert parallel.quarters_played == serial.quarters_played



@pytest.fixture(scope="module")
def content():
    from game.packs import load_content

    return load_content()


@pytest.mark.parametrize(("scenario", "name"), [("ipo-window", "adaptive"),
                                               ("ai-bust", "frugal"),
                                               ("price-war", "adaptive")])
def test_stepping_only_running_games_changes_nothing(content, monkeypatch, scenario: str,
                                                      name: str) -> None:
    """Once most games have ended the runner steps only the running ones; the final state of
    every world, events and their bookkeeping included, is what stepping them all gives."""
    import game.bots.runner as runner

    params = content.params(scenario)
    set_aside = []
    real = runner._reassemble
    monkeypatch.setattr(runner, "_reassemble",
                        lambda parts, n: set_aside.append(len(parts)) or real(parts, n))
    compact = play(params, STRATEGIES[name], seed=3, n_worlds=400, workers=1,
                   events=content.director_for(scenario))
    assert set_aside and set_aside[0] >= 2  # some games were set aside
    monkeypatch.setattr(runner, "COMPACT_BELOW", 0.0)
    every = play(params, STRATEGIES[name], seed=3, n_worlds=400, workers=1,
                 events=content.director_for(scenario))
    full, part = every.state.arrays(), compact.state.arrays()
    assert full.keys() == part.keys()
    for key, arr in full.items():
        np.testing.assert_array_equal(part[key], arr, err_msg=key)
    assert compact.state.quarter == every.state.quarter
    assert compact.quarters_played == every.quarters_played


def test_parallel_play_with_events_is_bit_identical_to_serial(content) -> None:
    """With events too, whose bookkeeping and flags live in the state's extra arrays: a flag
    set in one worker's worlds only still comes back, with the others' worlds unset."""
    params = content.params("ipo-window")
    runs = [play(params, STRATEGIES["balanced"], seed=11, n_worlds=500, workers=w,
                 events=content.director_for("ipo-window")) for w in (1, 2)]
    serial, parallel = (r.state.arrays() for r in runs)
    assert serial.keys() == parallel.keys()
    assert any(k.startswith("flag.") for k in serial)
    for name, arr in serial.items():
        np.testing.assert_array_equal(parallel[name], arr, err_msg=name)
    assert runs[0].quarters_played == runs[1].quarters_played


class Broken:
    """A policy that fails in the worlds of one chunk only."""

    name = "broken"
    description = "plans until it meets world 300, then raises"

    def plan(self, state, econ):
        if (state.quarter >= 1) and (300 in state.world):
            raise ValueError("no plan for world 300")
        return STRATEGIES["balanced"].plan(state, econ)


def test_a_failing_worker_raises_its_error_in_the_parent(params) -> None:
    """A worker process that fails does not leave the parent waiting or half a result: its
    traceback comes back as the parent's error."""
    with pytest.raises(RuntimeError, match="ValueError: no plan for world 300"):
        play(params, Broken(), seed=1, n_worlds=400, quarters=3, workers=2)


def test_workers_kept_for_many_games_give_what_one_process_gives(content) -> None:
    """Workers forked once play game after game, of different setups, each bit-identical to
    playing it in one process; the same processes serve every game, and leaving the block ends
    them (none is left behind)."""
    from game.bots.runner import Workers

    params = content.params("ipo-window")
    setups = {name: (params, STRATEGIES[name],
                     content.director_for("ipo-window", chooser=STRATEGIES[name]))
              for name in ("balanced", "frugal")}
    with Workers(setups, 3) as pool:
        pids = [child.pid for child in pool._children]
        assert len(pids) == 2
        for name, seed in (("balanced", 4), ("frugal", 5), ("balanced", 6)):
            run = pool.play(name, seed, 500, 6)
            alone = play(params, STRATEGIES[name], seed, 500, 6, workers=1,
                         events=setups[name][2])
            got, want = run.state.arrays(), alone.state.arrays()
            assert got.keys() == want.keys()
            for key, arr in want.items():
                np.testing.assert_array_equal(got[key], arr, err_msg=f"{name} {key}")
            assert (run.quarters_played, run.worlds_stepped) == (alone.quarters_played,
                                                                 alone.worlds_stepped)
        assert [child.pid for child in pool._children] == pids
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_a_worker_that_dies_is_an_error_not_a_hang(params) -> None:
    """A worker killed between games: the next game raises, naming how it ended."""
    from game.bots.runner import Workers

    with Workers({0: (params, STRATEGIES["balanced"], None)}, 2) as pool:
        os.kill(pool._children[0].pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match="exit status -9"):
            pool.play(0, 1, 400, 3)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_world_ends_as_it_would_alone(content, name: str) -> None:
    """A world's game never depends on the other worlds of its batch: played alone (the live
    game's path) it ends bit-identical to its row of a 300-world batch, with events and
    without."""
    from game.bots.runner import _play_worlds

    params = content.params("ipo-window")
    policy = STRATEGIES[name]
    horizon = params.scenario.horizon_quarters
    for events in (content.director_for("ipo-window", chooser=policy), None):
        batch, _, _ = _play_worlds(params, policy, 21, np.arange(300), horizon, None, events)
        for w in (0, 26, 39, 52, 299):
            alone, _, _ = _play_worlds(params, policy, 21, np.array([w]), horizon, None, events)
            for key, arr in alone.arrays().items():
                np.testing.assert_array_equal(arr[0], batch.arrays()[key][w],
                                              err_msg=f"world {w}: {key}")
