"""``frontier-lab balance``: the rules it judges by, and the base content meeting them."""

from __future__ import annotations

import json

import pytest

from game.bots import STRATEGIES
from game.bots.adversary import Found
from game.bots.pricing import best, curve
from game.commands.balance import Cell, Searched, judge, judge_adversary
from game.engine.state import OUTCOMES
from game.packs import load_content
from tests.test_cli import run


def cell(ipo: float, lost: float, score: float, worlds: int = 1000) -> Cell:
    outcomes = dict.fromkeys(OUTCOMES, 0)
    outcomes["ipo"] = round(ipo * worlds)
    outcomes["bankrupt"] = round(lost * worlds)
    outcomes["horizon"] = worlds - outcomes["ipo"] - outcomes["bankrupt"]
    return Cell(outcomes, worlds, score)


def test_a_strategy_may_dominate_one_scenario_but_not_all() -> None:
    one = {"a": {"x": cell(0.5, 0.3, 200.0), "y": cell(0.4, 0.2, 100.0)},
           "b": {"x": cell(0.5, 0.3, 100.0), "y": cell(0.4, 0.2, 110.0)}}
    verdict = judge(one)
    assert verdict.problems == []
    assert len(verdict.warnings) == 1 and "'x' dominates" in verdict.warnings[0]
    every = {"a": one["a"], "b": {"x": cell(0.5, 0.3, 300.0), "y": cell(0.4, 0.2, 110.0)}}
    assert any("'x' dominates every scenario" in p for p in judge(every).problems)


def test_a_25_percent_lead_is_not_yet_dominance() -> None:
    table = {"a": {"x": cell(0.5, 0.3, 125.0), "y": cell(0.4, 0.2, 100.0)}}
    assert judge(table).warnings == []


def test_every_strategy_must_win_and_fail_in_a_tenth_of_some_scenario() -> None:
    table = {"a": {"x": cell(0.09, 0.5, 100.0), "y": cell(0.5, 0.05, 100.0)},
             "b": {"x": cell(0.05, 0.5, 100.0), "y": cell(0.5, 0.09, 100.0)}}
    problems = judge(table).problems
    assert "'x' never wins (IPO) in 10% of a scenario's worlds" in problems
    assert "'y' never fails in 10% of a scenario's worlds" in problems
    assert len(problems) == 2


def searched(cells: dict[str, Cell], cross: dict[str, float] | None = None) -> Searched:
    found = {f: Found("s", f, (0.5,), c.mean_score, 10) for f, c in cells.items()}
    return Searched(found, cells, cross or {})


def test_a_fixed_plan_may_not_beat_the_best_bot_by_a_quarter() -> None:
    bots = {"a": {"bot": cell(0.5, 0.3, 100.0), "other": cell(0.4, 0.3, 80.0)}}
    ok = judge_adversary(bots, {"a": searched({"fixed plan": cell(0.5, 0.3, 125.0)})})
    assert not [p for p in ok if "fixed plan" in p]
    bad = judge_adversary(bots, {"a": searched({"fixed plan": cell(0.5, 0.3, 126.0)})})
    assert any("a fixed plan scores 126.0, more than 1.25x the best bot ('bot'" in p for p in bad)


def test_the_adversarys_best_must_list_in_fewer_than_95_percent() -> None:
    bots = {"a": {"bot": cell(0.5, 0.3, 100.0)}}
    ok = judge_adversary(bots, {"a": searched({"policy": cell(0.949, 0.01, 150.0)})})
    assert ok == []
    bad = judge_adversary(bots, {"a": searched({"policy": cell(0.95, 0.01, 150.0)})})
    assert any("the adversary's best (policy) lists in 95.0% of worlds" in p for p in bad)


def test_the_best_bot_must_reach_half_the_adversarys_best() -> None:
    bots = {"a": {"bot": cell(0.5, 0.3, 100.0)}}
    assert judge_adversary(bots, {"a": searched({"schedule": cell(0.5, 0.3, 200.0)})}) == []
    bad = judge_adversary(bots, {"a": searched({"schedule": cell(0.5, 0.3, 201.0)})})
    assert any("reaches less than 50% of the adversary's best (schedule" in p for p in bad)


def test_no_find_may_lead_every_scenario() -> None:
    bots = {"a": {"bot": cell(0.5, 0.3, 100.0)}, "b": {"bot": cell(0.5, 0.3, 100.0)}}
    # a's find leads a and b; b's find leads only b: a's is the one strategy for everything.
    everywhere = {"a": searched({"policy": cell(0.5, 0.3, 120.0)}, {"a": 120.0, "b": 130.0}),
                  "b": searched({"policy": cell(0.5, 0.3, 110.0)}, {"a": 90.0, "b": 110.0})}
    problems = judge_adversary(bots, everywhere)
    assert problems == ["the adversary's best strategy for a leads every scenario: different "
                        "scenarios must reward different play"]
    apart = {"a": searched({"policy": cell(0.5, 0.3, 120.0)}, {"a": 120.0, "b": 100.0}),
             "b": searched({"policy": cell(0.5, 0.3, 110.0)}, {"a": 90.0, "b": 110.0})}
    assert judge_adversary(bots, apart) == []


def test_the_base_content_is_balanced(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's rules over every scenario and strategy (at 2,000 worlds here, and a small
    adversary: 12 candidates per family and scenario on 100 worlds; the 10,000-world table and
    the full adversary's are in docs/ENGINE.md): each strategy wins and fails in 10% of some
    scenario's worlds, none dominates every scenario, no fixed plan beats the bots, the
    adversary's best loses somewhere in every scenario and leads only some, and the bots reach
    half its score."""
    code, out, err = run(capsys, "balance", "--worlds", "2000", "--format", "json", "--check",
                         "--adversary", "--budget", "12", "--search-worlds", "100")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["balanced"] and report["problems"] == []
    assert set(report["scenarios"]) == set(load_content().scenarios)
    for name in STRATEGIES:
        cells = [s[name] for s in report["scenarios"].values()]
        assert max(c["win_share"] for c in cells) >= 0.10, name
        assert max(c["loss_share"] for c in cells) >= 0.10, name
        assert all(sum(c["outcomes"].values()) == 2000 for c in cells)
    adversary = report["adversary"]["scenarios"]
    assert set(adversary) == set(report["scenarios"])
    for scenario in adversary.values():
        assert set(scenario["families"]) == {"fixed plan", "schedule", "policy"}
        assert all(f["candidates"] >= 12 for f in scenario["families"].values())
        assert set(scenario["best_played_everywhere"]) == set(report["scenarios"])


def test_the_best_constant_price_is_near_the_market() -> None:
    """Issue 14: at the prices a player can set, the revenue- and the profit-maximising constant
    price of the default scenario are interior and between 0.7× and 1.6× the reference (every
    scenario's curve, at 1,000 worlds a price, is in docs/ENGINE.md, "Demand")."""
    points = curve(load_content(), "ipo-window", worlds=300)
    revenue_max, profit_max = best(points)
    prices = [p.price for p in points]
    for top in (revenue_max, profit_max):
        assert prices[0] < top < prices[-1]
        assert 0.7 <= top <= 1.6, [(p.price, round(p.revenue), round(p.gross_profit))
                                   for p in points]


def test_unknown_scenario_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "balance", "--scenario", "nope", "--worlds", "10")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no scenario 'nope'" in err and "ipo-window" in err
