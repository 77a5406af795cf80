"""A class in one market (game.session.market.ClassMarket): the labs' logs played together.

A class of one replays its Game exactly; a class of identical logs is copies of it; labs with
different logs differ while the rivals stay one; a price war between two labs shows in both;
late joiners and ended games follow docs/DECISIONS.md's rules; a Game adopts a lab; and a class
of 60 replays in well under a second.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from game.bots.strategies import STRATEGIES
from game.engine import EconomyParams, Plan
from game.engine.state import ARRAY_FIELDS, RUNNING
from game.packs import Content, load_content
from game.session.game import Game, QuarterRecord, plan_to_dict
from game.session.market import ClassMarket

SCENARIO = "ipo-window"
SEED = 0
LIVE = "base.vendor_allocation_escalated"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture
def no_order_term(content: Content, monkeypatch: pytest.MonkeyPatch) -> Iterator[Content]:
    """The content with the class's order term off: a class of one is then its solo game
    whatever it orders (with it on, only while it builds out no faster than the industry)."""
    original = content.params

    def params(scenario: str) -> EconomyParams:
        data = original(scenario).model_dump()
        data["market"]["class_order_pressure"] = 0.0
        return EconomyParams.model_validate(data)

    monkeypatch.setattr(content, "params", params)
    yield content


def _answer_last(game: Game) -> None:
    """Answer every event with its last open choice (not what ai_weight would pick)."""
    for event in game.pending:
        if event.needs_choice:
            game.choose(event.id, max(c.index for c in event.choices if c.available))


def _played_by_hand(content: Content, quarters: int) -> Game:
    """A game with a live event, chosen answers, and a plan that changes."""
    game = Game(content, SCENARIO, SEED)
    game.inject(LIVE)
    for q in range(quarters):
        if q == 2:
            game.inject(LIVE)
        _answer_last(game)
        game.submit(Plan(price=1.0 + 0.05 * (q % 3), lease_h100e=20_000.0 * (q % 2)))
        game.end_quarter()
    return game


def _assert_same_states(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for name in ARRAY_FIELDS:
            assert np.array_equal(getattr(x, name), getattr(y, name)), name
        assert x.extra.keys() == y.extra.keys()
        for key in x.extra:
            assert np.array_equal(x.extra[key], y.extra[key]), key


def _assert_same_ledgers(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for metric in x.entries:
            assert list(x.entries[metric]) == list(y.entries[metric]), metric
            for name, v in x.entries[metric].items():
                assert np.array_equal(np.atleast_1d(v), np.atleast_1d(y.entries[metric][name]))


def _replayed_states(content: Content, game: Game) -> list:
    """The Game's state after each quarter, from its log."""
    other = Game(content, game.scenario_id, game.seed)
    out = []
    for record in game.log:
        other.apply_record(record)
        out.append(other.state)
    return out


@pytest.mark.parametrize("strategy", ["adaptive", "builder"])
def test_a_class_of_one_replays_its_game_exactly(no_order_term: Content, strategy: str) -> None:
    """(1) A bot's game with events and choices: the class of one gives its states, headline
    history, ledgers and log (events with choices) exactly."""
    content = no_order_term
    game = Game(content, SCENARIO, SEED)
    _answer_last(game)
    game.end_quarter()
    game.autoplay(STRATEGIES[strategy])
    assert any(r.choices for r in game.log)
    cls = ClassMarket(content, SCENARIO, SEED, [game.log]).play()
    lab = cls.lab(0)
    assert lab.history == game.history
    assert lab.log == game.log
    _assert_same_ledgers(lab.ledgers, game.ledgers)
    _assert_same_states(lab.states, _replayed_states(content, game))


def test_a_class_of_one_with_live_events_replays_exactly(content: Content) -> None:
    """(1) With the base pack's order term on: a lab that builds out no faster than the industry
    replays its game exactly, live events and the student's own answers included."""
    game = _played_by_hand(content, 6)
    assert game.log[0].injected == [LIVE] and game.log[2].injected == [LIVE]
    lab = ClassMarket(content, SCENARIO, SEED, [game.log]).play().lab(0)
    assert lab.history == game.history
    assert lab.log == game.log
    _assert_same_ledgers(lab.ledgers, game.ledgers)


def test_identical_logs_are_copies_of_the_game(no_order_term: Content) -> None:
    """(2) W labs with one log: each is the solo game, to 1e-12."""
    game = Game(no_order_term, SCENARIO, SEED)
    game.autoplay(STRATEGIES["cloud"])
    cls = ClassMarket(no_order_term, SCENARIO, SEED, [game.log] * 3).play()
    for i in range(3):
        lab = cls.lab(i)
        assert lab.log == game.log
        for a, b in zip(lab.history, game.history, strict=True):
            assert a.keys() == b.keys()
            assert all(abs(a[k] - b[k]) <= 1e-12 * max(1.0, abs(b[k])) for k in a)


def _steady(prices: list[float], quarters: int) -> list[list[QuarterRecord]]:
    return [[QuarterRecord(quarter=q, plan=plan_to_dict(Plan(price=p)), choices=[])
             for q in range(quarters)] for p in prices]


def test_different_logs_differ_and_the_rivals_are_one(content: Content) -> None:
    """(3) Labs with different plans end in different places; Gemini and Claude are one."""
    cls = ClassMarket(content, SCENARIO, SEED, _steady([0.8, 1.0, 1.3, 1.6], 8)).play()
    last = cls.states[-1]
    assert len(set(last.cash.tolist())) == 4
    for s in cls.states:
        for name in ("rival_capability", "rival_price", "rival_share", "market", "rental_price"):
            a = getattr(s, name)[s.outcome == RUNNING]
            assert (a == a[0]).all(), name


def test_a_price_war_between_two_labs_shows_in_both(content: Content) -> None:
    """(3) Lab 0 cuts its price; then lab 1 cuts too: lab 0 keeps fewer customers than when it
    cut alone, the labs that hold their price lose customers to both, and the rivals reprice."""
    alone = ClassMarket(content, SCENARIO, SEED, _steady([0.6, 1.2, 1.2, 1.2], 6)).play()
    war = ClassMarket(content, SCENARIO, SEED, _steady([0.6, 0.6, 1.2, 1.2], 6)).play()
    calm = ClassMarket(content, SCENARIO, SEED, _steady([1.2, 1.2, 1.2, 1.2], 6)).play()
    a, w, c = (m.lab(0).history[-1] for m in (alone, war, calm))
    assert w["share"] < a["share"]
    assert a["share"] > c["share"]
    for i in (2, 3):
        assert war.lab(i).history[-1]["share"] < alone.lab(i).history[-1]["share"]
    for sw, sa, sc in zip(war.states, alone.states, calm.states, strict=True):
        assert sw.rival_share[0].sum() < sa.rival_share[0].sum() < sc.rival_share[0].sum()
    # the rivals, losing customers to two cutters, cut at once rather than a quarter later
    assert war.states[0].rival_price[0].min() < alone.states[0].rival_price[0].min()


def test_a_late_joiner_plays_its_standing_plan_and_an_ended_lab_stays_frozen(
        content: Content) -> None:
    """Every lab plays every round: one without a record plays its standing plan, and its
    record says so; a lab whose game ended keeps its final state and plays no more."""
    long = Game(content, SCENARIO, SEED)
    long.autoplay(STRATEGIES["balanced"])
    bust = Game(content, SCENARIO, SEED)
    bust.autoplay(STRATEGIES["cloud"])
    assert bust.outcome != "running" and len(bust.log) < len(long.log)
    late = _steady([0.9], 3)[0]
    cls = ClassMarket(content, SCENARIO, SEED, [long.log, late, bust.log]).play()
    assert cls.quarter == len(long.log)
    joined = cls.lab(1)
    assert len(joined.log) > 3
    assert [r.quarter for r in joined.log] == list(range(len(joined.log)))
    assert all(r.plan["price"] == 0.9 for r in joined.log[3:])  # the standing plan carried
    ended = cls.lab(2)
    assert len(ended.log) < cls.quarter
    assert cls.states[-1].outcome[2] != RUNNING
    assert ended.history[-1]["outcome"] == float(cls.states[-1].outcome[2])
    final = cls.states[-1].take(np.array([2]))
    for name in ARRAY_FIELDS:
        assert np.array_equal(getattr(final, name), getattr(ended.states[-1], name)), name


def test_a_game_adopts_its_lab_and_plays_on(no_order_term: Content) -> None:
    """A Game made lab i's is where the lab is: its state, log, history, ledgers, quarter and
    standing plan, and the next quarter's events rolled as its own game rolls them."""
    content = no_order_term
    game = _played_by_hand(content, 4)
    cls = ClassMarket(content, SCENARIO, SEED, [_steady([1.3], 4)[0], game.log]).play()
    adopted = cls.game(1, lab="Lab B")
    assert adopted.lab == "Lab B" and adopted.quarter == 4
    assert adopted.history == cls.lab(1).history and adopted.log == cls.lab(1).log
    assert adopted.plan == cls.plans[1]
    alone = ClassMarket(content, SCENARIO, SEED, [game.log]).play().game(0)
    assert alone.history == game.history
    _assert_same_states([alone.state], [game.state])
    assert [p.id for p in alone.pending] == [p.id for p in game.pending]
    for g in (alone, game):
        _answer_last(g)
        g.end_quarter()
    assert alone.history == game.history


def test_sixty_labs_replay_the_whole_scenario(content: Content) -> None:
    """(4) 60 labs (the six bots' games, ten of each) through the whole scenario, events and
    choices included; labs that played the same log end alike. The time is measured by
    benchmarks/class_market.py (about 0.2 s here), not by a test."""
    logs = []
    for name in STRATEGIES:
        game = Game(content, SCENARIO, SEED)
        game.autoplay(STRATEGIES[name])
        logs.append(game.log)
    logs = [logs[i % len(logs)] for i in range(60)]
    cls = ClassMarket(content, SCENARIO, SEED, logs).play()
    assert cls.quarter == 16
    assert sum(len(cls.lab(i).log) for i in range(60)) > 60 * 8
    for i in range(6):
        assert cls.lab(i).history == cls.lab(i + 6).history == cls.lab(i + 54).history
