"""Price curves: what a constant price earns over a whole game (issue 14's demand check).

The adaptive bot plays every quarter at one constant price (no margin rule, no premium when
short of capacity) and never lists, so each game runs its whole horizon unless it ends badly;
``curve`` reports, for each price, the mean over worlds of the game's cumulative revenue and
gross profit (quarters while the game runs). Demand must make the best constant price interior
and near the market: docs/ENGINE.md ("Demand") shows the curves of every scenario, measured
with ``benchmarks/price_curves.py``, and a test holds the default scenario's maxima within
0.7–1.6× the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from game.bots.runner import play
from game.bots.strategies import STRATEGIES, Strategy
from game.engine import EconomyParams, Ledger, State
from game.packs import Content
from game.packs.director import Director

PRICES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0)
"""The constant prices tried, as multiples of the reference price."""


@dataclass(frozen=True)
class Point:
    price: float
    revenue: float  # $B, mean over worlds of the game's cumulative revenue
    gross_profit: float  # $B, the same for revenue less the cost of serving it


def at_price(price: float) -> Strategy:
    """The adaptive bot held to one price, never listing."""
    stance = replace(STRATEGIES["adaptive"].stance, price=price, price_margin=-1.0,
                     price_when_short=0.0, price_drift=0.0, file_quarter=10**6)
    return Strategy(f"price {price:g}", f"the adaptive bot at {price:g}× the reference", stance)


def curve(content: Content, scenario: str, worlds: int = 1000, seed: int = 5,
          prices: tuple[float, ...] = PRICES) -> list[Point]:
    """Cumulative revenue and gross profit of each constant price (mean over worlds)."""
    params = content.params(scenario)
    director = content.director_for(scenario)
    points = []
    for price in prices:
        revenue, profit = _totals(params, director, at_price(price), seed, worlds)
        points.append(Point(price, revenue, profit))
    return points


def _totals(params: EconomyParams, director: Director | None, policy: Strategy, seed: int,
            worlds: int) -> tuple[float, float]:
    """Mean over worlds of a game's cumulative revenue and gross profit under ``policy``."""
    revenue, profit = np.zeros(worlds), np.zeros(worlds)

    def observe(q: int, s: State, ledger: Ledger) -> None:
        played = s.played(q)
        revenue[:] += s.revenue * played
        profit[:] += s.revenue * s.gross_margin * played

    play(params, policy, seed, worlds, observe=observe, events=director)
    return float(revenue.mean()), float(profit.mean())


def best(points: list[Point]) -> tuple[float, float]:
    """(revenue-maximising, profit-maximising) constant price."""
    return (max(points, key=lambda p: p.revenue).price,
            max(points, key=lambda p: p.gross_profit).price)
