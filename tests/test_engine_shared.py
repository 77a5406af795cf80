"""A shared market (``step(..., shared=True)``): docs/ENGINE.md's invariants ("A shared market").

(a) a class of one is a solo game; (b) a class of identical labs is W copies of the solo game;
(c) a lab that cuts its price takes customers from its classmates and the rivals, and the shares
sum to one; (d) the rivals stay one for the class; (e) no lab books more than the pooled market
spends; (f) heavy class orders tighten the GPU market for every lab.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pytest

from game.bots.strategies import STRATEGIES
from game.engine import (
    EconomyParams,
    Plan,
    Rng,
    State,
    compile_economy,
    coupling,
    demand,
    market,
    step,
)
from game.engine.economy import Economy
from game.engine.plan import PlanArrays, resolve, stack
from game.engine.rows import row_sum
from game.engine.state import ARRAY_FIELDS, BANKRUPT, RUNNING, initial_state
from game.packs import load_content
from game.packs.director import Director

SEED = 11
QUARTERS = 12


@lru_cache(maxsize=4)
def _params(scenario: str = "ipo-window", pressure: float | None = None) -> EconomyParams:
    params = load_content().params(scenario)
    if pressure is None:
        return params
    data = params.model_dump()  # validated anew: a copy would keep the compiled tables
    data["market"]["class_order_pressure"] = pressure
    return EconomyParams.model_validate(data)


def _director(scenario: str = "ipo-window") -> Director:
    return load_content().director_for(scenario)


PlanFor = Callable[[State, Economy, int], Plan | PlanArrays]


def _strategy(name: str) -> PlanFor:
    return lambda s, econ, q: STRATEGIES[name].plan(s, econ)


def _play(params: EconomyParams, plan_for: PlanFor, W: int, shared: bool,
          quarters: int = QUARTERS, events: bool = True) -> list[State]:
    """The states after each quarter: a class of W labs on the common luck (shared), or W solo
    worlds on the same luck (world 0 for all, as a solo class game has it)."""
    econ = compile_economy(params)
    worlds = np.zeros(W, dtype=np.uint64)
    state = initial_state(params, W, worlds)
    rng = Rng(SEED, worlds)
    hook = _director() if events else None
    out = []
    for q in range(quarters):
        state, _ = step(state, plan_for(state, econ, q), econ, rng, q, hook, shared=shared)
        out.append(state)
    return out


def _rows(state: State, i: int) -> dict[str, np.ndarray]:
    out = {name: getattr(state, name)[i] for name in ARRAY_FIELDS}
    out.update({f"extra.{k}": v[i] for k, v in state.extra.items()})
    return out


def _assert_rows_equal(a: State, i: int, b: State, j: int, tol: float = 0.0) -> None:
    ra, rb = _rows(a, i), _rows(b, j)
    assert ra.keys() == rb.keys()
    for name in ra:
        x, y = np.asarray(ra[name], dtype=float), np.asarray(rb[name], dtype=float)
        if tol == 0.0:
            assert np.array_equal(x, y), name
        else:
            assert np.allclose(x, y, rtol=tol, atol=tol), name


@pytest.mark.parametrize("name", ["adaptive", "builder", "cloud"])
def test_a_class_of_one_is_the_solo_game(name: str) -> None:
    """(a) Without the order term (zero at this pressure), a class of one is the solo game,
    bit for bit, events included."""
    params = _params(pressure=0.0)
    solo = _play(params, _strategy(name), 1, shared=False)
    shared = _play(params, _strategy(name), 1, shared=True)
    for a, b in zip(solo, shared, strict=True):
        _assert_rows_equal(a, 0, b, 0)


def test_a_class_of_one_differs_from_solo_only_by_its_orders() -> None:
    """(a) With the base pack's pressure, a lab whose compute grows no faster than the industry's
    build-out plays its solo game exactly; one that grows faster meets a dearer market."""
    params = _params()
    econ = compile_economy(params)
    normal = params.market.class_build_out_per_year ** 0.25 - 1.0

    def steady(s: State, econ: Economy, q: int) -> Plan:
        return Plan(lease_h100e=0.5 * normal * coupling.committed_h100e(s, econ), price=1.1)

    solo = _play(params, steady, 1, shared=False, events=False)
    shared = _play(params, steady, 1, shared=True, events=False)
    for a, b in zip(solo, shared, strict=True):
        _assert_rows_equal(a, 0, b, 0)

    def surge(s: State, econ: Economy, q: int) -> Plan:
        return Plan(lease_h100e=6 * normal * coupling.committed_h100e(s, econ), price=1.1)

    solo = _play(params, surge, 1, shared=False, quarters=3, events=False)
    shared = _play(params, surge, 1, shared=True, quarters=3, events=False)
    assert shared[0].price_shock[0] > solo[0].price_shock[0] + 0.1
    assert shared[1].rental_price[0] > solo[1].rental_price[0] * 1.1
    assert econ.params.market.class_order_pressure > 0


@pytest.mark.parametrize("W", [2, 3, 7])
def test_identical_labs_are_copies_of_the_solo_game(W: int) -> None:
    """(b) W labs alike with the same plans: every lab is the solo game, quarter after quarter."""
    params = _params(pressure=0.0)
    solo = _play(params, _strategy("adaptive"), 1, shared=False)
    shared = _play(params, _strategy("adaptive"), W, shared=True)
    for a, b in zip(solo, shared, strict=True):
        for i in range(W):
            _assert_rows_equal(a, 0, b, i, tol=1e-12)


def test_identical_labs_with_the_order_term_are_copies_of_the_solo_game() -> None:
    """(b) with the base pack's pressure: a class of labs alike that builds out at the industry's
    pace is W solo games."""
    params = _params()
    normal = params.market.class_build_out_per_year ** 0.25 - 1.0

    def steady(s: State, econ: Economy, q: int) -> Plan:
        return Plan(lease_h100e=0.5 * normal * coupling.committed_h100e(s, econ), price=1.05)

    solo = _play(params, steady, 1, shared=False)
    shared = _play(params, steady, 4, shared=True)
    for a, b in zip(solo, shared, strict=True):
        for i in range(4):
            _assert_rows_equal(a, 0, b, i, tol=1e-12)


def _one_quarter(prices: list[float]) -> tuple[State, Economy]:
    params = _params()
    econ = compile_economy(params)
    W = len(prices)
    state = initial_state(params, W, np.zeros(W, dtype=np.uint64))
    new, _ = step(state, Plan(price=np.array(prices)), econ, Rng(SEED, np.zeros(W, np.uint64)),
                  0, shared=True)
    return new, econ


def test_a_price_cut_takes_customers_from_classmates_and_rivals() -> None:
    """(c) Lab 0 cuts its price: it gains, its classmates and the rivals lose, against a class
    that all held the price; the shares (mean of the labs + rivals + open weights) sum to 1."""
    held, econ = _one_quarter([1.2, 1.2, 1.2])
    cut, _ = _one_quarter([0.7, 1.2, 1.2])
    assert cut.share[0] > held.share[0]
    assert (cut.share[1:] < held.share[1:]).all()
    assert (cut.rival_share < held.rival_share).all()
    for s in (held, cut):
        t_p, t_r = demand.targets(s, econ, alive=s.outcome == RUNNING)
        t_o = 1.0 - t_p.mean() - row_sum(t_r)
        assert (t_o > 0).all()
        assert np.allclose(t_p.mean() + row_sum(t_r) + t_o, 1.0)
        open_share = 1.0 - s.share.mean() - row_sum(s.rival_share)
        assert (open_share >= 0).all()
        assert np.allclose(s.share.mean() + row_sum(s.rival_share) + open_share, 1.0)


MIX = ("adaptive", "builder", "cloud", "frugal", "balanced", "researcher")


def _mixed(s: State, econ: Economy, q: int) -> PlanArrays:
    """Lab i plays strategy MIX[i % 6], each with its own lease term: one plan stacked."""
    tpp = econ.params.training.tokens_per_parameter
    one = [resolve(STRATEGIES[MIX[i % len(MIX)]].plan(s.take(np.array([i])), econ),
                   econ.gpu_names, 1, tpp) for i in range(s.n_worlds)]
    return stack(one)


def test_rivals_and_the_market_are_one_for_the_class() -> None:
    """(d) Labs with different plans and events: rivals, demand curve and GPU market stay one."""
    states = _play(_params(), _mixed, 6, shared=True)
    assert len(set(states[-1].cash.tolist())) == 6
    assert states[-1].running.sum() >= 3  # most labs still in the market at the end
    for s in states:
        running = s.running
        for name in (*coupling.MARKET_FIELDS, "rental_price", "spending", "ref_price"):
            a = getattr(s, name)[running]
            assert (a == a[0]).all(), name


def test_no_lab_books_more_than_the_pooled_market_spends() -> None:
    """(e) Every lab's revenue, and the class's together, within the pooled market's spending."""
    W = 5
    for s in _play(_params(), _mixed, W, shared=True):
        pooled = W * s.spending[0] / 4.0  # $B a quarter
        assert (s.revenue <= pooled * (1 + 1e-12)).all()
        assert s.revenue.sum() <= pooled * (1 + 1e-12)


def test_heavy_class_orders_tighten_the_market_for_every_lab() -> None:
    """(f) A class that buys heavily: next quarter every lab pays more to rent and waits longer
    for GPUs than in a class that builds out at the industry's pace."""
    params = _params()
    W = 4

    def orders(scale: float) -> PlanFor:
        def plan(s: State, econ: Economy, q: int) -> Plan:
            c = coupling.committed_h100e(s, econ)
            return Plan(lease_h100e=scale * c if q == 0 else 0.0, price=1.1,
                        gpu_orders={"B200": 0.02 * c / econ.h100e[-1]})
        return plan

    calm = _play(params, orders(0.1), W, shared=True, quarters=2, events=False)
    rush = _play(params, orders(np.array([4.0, 0.0, 0.0, 0.0])), W, shared=True, quarters=2,
                 events=False)  # one lab of four quadruples its compute
    econ = compile_economy(params)
    assert (rush[1].rental_price > calm[1].rental_price * 1.05).all()
    lead_calm = market.lead_times(econ, market.rental_price(econ, 1, calm[0])[1])
    lead_rush = market.lead_times(econ, market.rental_price(econ, 1, rush[0])[1])
    assert (lead_rush >= lead_calm).all() and (lead_rush[:, -1] > lead_calm[:, -1]).all()
    assert (rush[0].price_shock == rush[0].price_shock[0]).all()


def test_a_lab_that_ended_stays_frozen_and_leaves_the_market() -> None:
    """A lab whose game ended keeps its state and has no customers: they choose among the rest,
    and the running labs win more of them than in a class where it still sells."""
    params = _params()
    econ = compile_economy(params)
    W = 3
    worlds = np.zeros(W, dtype=np.uint64)
    start = initial_state(params, W, worlds)
    ended = start.copy()
    ended.outcome = np.array([BANKRUPT, RUNNING, RUNNING], dtype=np.int8)
    a, _ = step(start, Plan(), econ, Rng(SEED, worlds), 0, shared=True)
    b, _ = step(ended, Plan(), econ, Rng(SEED, worlds), 0, shared=True)
    _assert_rows_equal(ended, 0, b, 0)
    t_p, _ = demand.targets(b, econ, alive=b.outcome == RUNNING)
    assert t_p[0] == 0.0
    assert (b.share[1:] > a.share[1:]).all()
    assert (b.rival_share[1:] >= a.rival_share[1:]).all()
