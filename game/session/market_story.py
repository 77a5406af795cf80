"""A shared market's story: who took customers from whom, and when.

Each round of a class market (game.session.market) moves the shares of the pooled market's
usage among the class's labs, the rivals and the open-weight models. The story keeps, for each
round, the biggest winner and what it took from the biggest losers, when the move is large
enough to tell (``MIN_POINTS``). The debrief tells a student's class its story; the class report
prints it for the debrief.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.engine import State
from game.session.market import ClassMarket

MIN_POINTS = 0.5  # percentage points of the pooled market: smaller moves are not told
OPEN_WEIGHTS = "open-weight models"


@dataclass(frozen=True)
class Move:
    """One round's biggest move of customers."""

    quarter: int  # the round's quarter (0-based, as the game's calendar takes it)
    winner: str
    gained: float  # points of the pooled market
    share: float  # the winner's share after the round (0–1)
    losers: tuple[tuple[str, float], ...]  # (name, points lost), the biggest first


def shares(state: State, n_labs: int) -> np.ndarray:
    """Every participant's share of the pooled market: the labs, then the rivals, then the
    open-weight models (they sum to 1)."""
    labs = state.share / n_labs
    rivals = state.rival_share[0]
    return np.concatenate([labs, rivals, [max(1.0 - labs.sum() - rivals.sum(), 0.0)]])


def story(market: ClassMarket, names: list[str], rivals: list[str]) -> list[Move]:
    """The rounds' biggest moves, in order (``names``: the labs', ``rivals``: the rivals')."""
    who = [*names, *rivals, OPEN_WEIGHTS]
    before = shares(market.start, market.n_labs)
    moves: list[Move] = []
    for q, state in enumerate(market.states):
        after = shares(state, market.n_labs)
        delta = (after - before) * 100.0
        top = int(np.argmax(delta))
        if delta[top] >= MIN_POINTS:
            order = np.argsort(delta)
            losers = tuple((who[j], float(-delta[j])) for j in order[:2] if delta[j] <= -0.1)
            moves.append(Move(q, who[top], float(delta[top]), float(after[top]), losers))
        before = after
    return moves


def told(move: Move, calendar: str) -> str:
    """One move as a sentence."""
    said = (f"{calendar}: {move.winner or 'a lab yet to begin'} gained {move.gained:.1f} points "
            f"of the class's market (to {move.share:.1%})")
    if move.losers:
        said += ", from " + " and ".join(f"{name or 'a lab yet to begin'} (−{points:.1f})"
                                         for name, points in move.losers)
    return said + "."


def tell(market: ClassMarket, names: list[str]) -> list[str]:
    """The market's story as sentences, its labs named by ``names`` (one per lab)."""
    rivals = [r.model_name for r in market.params.rivals]
    return [told(m, market.params.calendar(m.quarter)) for m in story(market, names, rivals)]
