"""The live game (``game.session.Game``): decisions, events, the action log and forks."""

from __future__ import annotations

import numpy as np
import pytest

from game.engine import Plan, PlanError
from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game, GameError


@pytest.fixture(scope="module")
def content():
    return load_content()


def play_through(game: Game, plans: dict[int, Plan] | None = None, pick: int = 0) -> Game:
    """Play to the end: the given plans (else keep course), the first open choice (or the
    ``pick``-th open one)."""
    plans = plans or {}
    while game.running:
        if game.quarter in plans:
            game.submit(plans[game.quarter])
        for event in game.pending:
            if event.needs_choice:
                open_ = [c.index for c in event.choices if c.available]
                game.choose(event.id, open_[min(pick, len(open_) - 1)])
        game.end_quarter()
    return game


def test_a_game_plays_to_its_end_and_logs_every_quarter(content) -> None:
    game = play_through(Game(content, DEFAULT_SCENARIO, seed=3, lab="Nova"))
    assert not game.running and game.outcome != "running"
    assert len(game.log) == len(game.history) == game.quarter
    assert [r.quarter for r in game.log] == list(range(game.quarter))
    assert sum(len(r.events) for r in game.log) > 0
    for ledger, before, after in zip(game.ledgers, [game.fork(0).metrics(), *game.history],
                                     game.history, strict=False):
        np.testing.assert_allclose(after["cash"] - before["cash"], ledger.total("cash")[0],
                                   atol=1e-9)
    with pytest.raises(GameError, match="over"):
        game.end_quarter()


def test_unanswered_events_block_the_quarter(content) -> None:
    for seed in range(40):
        game = Game(content, DEFAULT_SCENARIO, seed=seed)
        while game.running and not any(p.needs_choice for p in game.pending):
            game.end_quarter()
        if game.running:
            break
    event = next(p for p in game.pending if p.needs_choice)
    with pytest.raises(GameError, match="choose first"):
        game.end_quarter()
    with pytest.raises(GameError, match="has choices 0"):
        game.choose(event.id, 7)
    with pytest.raises(GameError, match="not happening"):
        game.choose("base.no_such_event", 0)
    closed = [c for c in event.choices if not c.available]
    if closed:
        with pytest.raises(GameError, match="not open"):
            game.choose(event.id, closed[0].index)
    game.choose(event.id, next(c.index for c in event.choices if c.available))
    for other in [p for p in game.pending if p.needs_choice]:  # e.g. a scripted event too
        with pytest.raises(GameError, match="choose first"):
            game.end_quarter()
        game.choose(other.id, next(c.index for c in other.choices if c.available))
    game.end_quarter()
    assert (event.id, game.log[-1].choices[0][1]) in game.log[-1].choices


def test_impossible_plans_are_refused_with_sentences(content) -> None:
    game = Game(content, DEFAULT_SCENARIO, seed=1)
    with pytest.raises(PlanError) as info:
        game.submit(Plan(gpu_orders={"B200": 50_000_000}))
    assert "cost" in str(info.value)
    assert game.plan == Plan()  # the refused plan was not kept


def test_fork_with_the_same_plans_reproduces_the_game_exactly(content) -> None:
    plans = {0: Plan(lease_h100e=200_000), 2: Plan(raise_equity=5.0, price=0.9,
                                                   training=0.4, inference=0.45, research=0.15)}
    game = play_through(Game(content, DEFAULT_SCENARIO, seed=11), plans, pick=1)
    for q in (0, 3, len(game.log)):
        forked = game.fork(q)
        assert forked.history == game.history[:q]
        assert [r.plan for r in forked.log] == [r.plan for r in game.log[:q]]
    again = play_through(game.fork(2), {2: plans[2]}, pick=1)
    assert again.history == game.history
    for name, arr in game.state.arrays().items():
        np.testing.assert_array_equal(again.state.arrays()[name], arr, err_msg=name)


def test_a_different_decision_keeps_the_luck(content) -> None:
    """Fork at quarter 1 and price differently: the market-wide draws stay the same."""
    base = Game(content, DEFAULT_SCENARIO, seed=21)
    other = base.fork(0)
    hype_a, hype_b = [], []
    for _ in range(5):
        if not (base.running and other.running):
            break
        other.submit(Plan(price=1.6, training=0.35, inference=0.5, research=0.15))
        for g in (base, other):
            for event in g.pending:
                if event.needs_choice:
                    g.choose(event.id, next(c.index for c in event.choices if c.available))
            g.end_quarter()
        hype_a.append(base.state.hype[0])
        hype_b.append(other.state.hype[0])
    assert len(hype_a) >= 3
    assert hype_a == hype_b  # the market's luck is the same
    assert base.history[-1]["revenue"] != other.history[-1]["revenue"]  # the decision mattered


def test_injected_events_happen_and_are_logged(content) -> None:
    game = Game(content, DEFAULT_SCENARIO, seed=4)
    game.inject("base.vendor_allocation_escalated")
    assert "base.vendor_allocation_escalated" in [p.id for p in game.pending]
    for event in game.pending:
        if event.needs_choice:
            game.choose(event.id, next(c.index for c in event.choices if c.available))
    game.end_quarter()
    assert game.log[0].injected == ["base.vendor_allocation_escalated"]
    assert "base.vendor_allocation_escalated" in game.log[0].events
    assert game.fork(1).history == game.history
    with pytest.raises(GameError, match="no event"):
        game.inject("base.nope")


def test_standing_decisions_carry_over_and_one_offs_do_not(content) -> None:
    game = Game(content, DEFAULT_SCENARIO, seed=2)
    game.submit(Plan(price=1.3, training=0.5, inference=0.4, research=0.1, lease_h100e=1000))
    for event in game.pending:
        if event.needs_choice:
            game.choose(event.id, next(c.index for c in event.choices if c.available))
    game.end_quarter()
    assert game.plan.price == 1.3 and game.plan.training == 0.5
    assert game.plan.lease_h100e == 0.0


def test_sales_and_model_size_are_logged_carried_as_they_should_and_replayed(content,
                                                                            tmp_path) -> None:
    """A sale of GPUs is for one quarter; tokens per parameter stand until changed (unset: no
    key in the log, as TOML has no null); a save of such a game replays and verifies."""
    from game.session.game import carry_over, plan_to_dict
    from game.session.store import load_game, save_game

    assert "tokens_per_parameter" not in plan_to_dict(Plan())
    game = Game(content, DEFAULT_SCENARIO, seed=6, lab="Seller")
    h100 = game.econ.gpu_names.index("H100")
    owned = float(game.state.owned[0, h100])
    plans = {0: Plan(sell_gpus={"H100": 50_000}, tokens_per_parameter=40, cancel_run=True),
             1: Plan(start_run_flop=5e27, tokens_per_parameter=40)}
    for q in (0, 1):
        game.submit(plans[q])
        for event in game.pending:
            if event.needs_choice:
                game.choose(event.id, next(c.index for c in event.choices if c.available))
        game.end_quarter()
        if q == 0:
            assert float(game.state.owned[0, h100]) < owned
            assert game.plan.tokens_per_parameter == 40 and game.plan.sell_gpus == {}
    assert game.log[0].plan["sell_gpus"] == {"H100": 50_000.0}
    assert game.log[0].plan["tokens_per_parameter"] == 40.0
    assert game.log[1].plan["sell_gpus"] == {}
    assert float(game.state.run_tpp[0]) == 40.0  # the run started at the lab's own k
    assert carry_over(Plan(tokens_per_parameter=300, sell_gpus={"B200": 1})) == Plan(
        tokens_per_parameter=300)
    loaded = load_game(save_game(game, tmp_path), content)
    assert loaded.history == game.history
    assert [r.plan for r in loaded.log] == [r.plan for r in game.log]
