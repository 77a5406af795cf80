"""The decisions that mattered: every kind of decision found once, undone exactly, and weighed by
the game played again without it."""

from __future__ import annotations

import pytest

from game.engine import Plan
from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.session.hindsight import _replay, _without, decisions, weigh


@pytest.fixture(scope="module")
def content():
    return load_content()


def played(content, plans: list[dict], seed: int = 3) -> Game:
    """A game that plays ``plans`` one a quarter (events answered as a bot would)."""
    g = Game(content, DEFAULT_SCENARIO, seed, "Hindsight")
    for fields in plans:
        if not g.running:
            break
        g.plan = Plan(**fields)
        g.end_quarter(auto_choose=True)
    return g


def test_every_kind_of_decision_is_found_once_in_the_quarter_it_was_made(content) -> None:
    standing = {"price": 1.3, "training": 0.2, "inference": 0.5, "research": 0.3}
    g = played(content, [
        {**standing, "gpu_orders": {"H100": 1000}, "lease_h100e": 5000, "lease_quarters": 8},
        {**standing, "hire": 25, "raise_equity": 2.0, "ipo": "file"},
        {**standing, "price": 1.0},
    ])
    found = decisions(g)
    by_quarter = [[d.words for d in found if d.quarter == q and d.event is None]
                  for q in range(3)]
    assert by_quarter[0] == ["buy 1,000 H100", "lease 5,000 H100e for 8 quarters",
                             "compute 20% training, 50% serving, 30% research", "price 1.30×"]
    # the standing price and split are not decided again; the one-offs are
    assert by_quarter[1] == ["hire 25", "raise $2B", "IPO: file"]
    assert by_quarter[2] == ["price back to 1.00×"]
    answers = [d for d in found if d.event is not None]
    assert len(answers) == sum(len(r.choices) for r in g.log)
    assert all(": " in d.words for d in answers)


def test_undoing_a_standing_decision_holds_until_the_player_changes_it_again(content) -> None:
    g = played(content, [{"price": 1.0}, {"price": 1.5}, {"price": 1.5}, {"price": 0.8},
                         {"price": 0.8}])
    price = next(d for d in decisions(g) if d.words == "price 1.50×")
    undone = _without(g.log, price)
    assert [r.plan["price"] for r in undone] == [1.0, 1.0, 1.0, 0.8, 0.8]
    assert [r.plan["price"] for r in g.log] == [1.0, 1.5, 1.5, 0.8, 0.8]  # the game's untouched
    # a one-off is undone in its own quarter only
    h = played(content, [{"hire": 10}, {"hire": 10}])
    hire = decisions(h)[0]
    assert [r.plan["hire"] for r in _without(h.log, hire)] == [0.0, 10.0]


def test_a_ruinous_decision_is_weighed_first_and_its_cash_line_named(content) -> None:
    """A 40 GW build in the first quarter sinks the lab; undone, the same game (same luck,
    the same other decisions) ends worth more, and the build's cash line says why."""
    g = played(content, [{"datacenter_mw": 40_000, "hire": 5}] + [{}] * 7)
    weighed = weigh(g)
    first = weighed[0]
    assert first.words == "build 40,000 MW"
    assert first.score_change < 0 or first.stake_change < 0
    assert first.cash_lines[0][0] == "data-center construction"
    assert first.cash_lines[0][1] < 0
    ends = dict(first.end_lines)  # and what the build did to the lab by the end
    expected = {name: g.history[-1][name] - _replay(g, _without(g.log, first)).history[-1][name]
                for name in ("capability", "sentiment")}
    assert ends == {k: v for k, v in expected.items() if abs(v) >= 0.5}
    # every decision weighed once, largest effect first
    assert len(weighed) <= len(decisions(g))
    sizes = [(abs(d.score_change), abs(d.stake_change)) for d in weighed]
    assert [s[0] for s in sizes] == sorted((s[0] for s in sizes), reverse=True)


def test_a_game_played_again_unchanged_scores_the_same(content) -> None:
    """The weighing's replay is exact: with nothing undone it ends where the game ended (so a
    weight is the decision's and not the replay's)."""
    from game.session.hindsight import _copy

    g = played(content, [{"price": 1.2, "lease_h100e": 20_000}, {"raise_equity": 3.0}, {}, {}])
    again = _replay(g, _copy(g.log))
    assert again.score == g.score
    assert again.history == g.history
