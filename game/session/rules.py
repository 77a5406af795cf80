"""The rules that decide a game, as a player needs to see them: where the lab stands against each,
how many quarters are left, and — once it is over — why it ended, in the ledger's own terms.

A game ends when the cash runs out, the company lists, the board loses patience (sentiment below
a line for several quarters in a row), the rivals leave the lab behind (a capability gap held for
several quarters) or the horizon comes. ``watch`` gives the two countdowns, ``ipo_checklist`` the
listing's conditions and ``why_it_ended`` the debrief's first sentence. Every number comes from
the game's state, parameters and ledgers, so the screens never restate a rule in their own words.
"""

from __future__ import annotations

from dataclasses import dataclass

from game.engine.ledger import Ledger
from game.session.game import Game
from game.text import money, signed, signed_money


@dataclass(frozen=True)
class Countdown:
    """One way to lose, and how close the lab is to it."""

    rule: str  # "ousted" or "irrelevant"
    text: str
    danger: bool  # counting down now
    quarters_left: int | None  # quarters in a row still to go before it ends the game


@dataclass(frozen=True)
class Check:
    """One condition of the listing: what it asks, where the lab stands, whether it is met."""

    condition: str
    now: str
    met: bool


def _leader(game: Game) -> str:
    caps = game.state.rival_capability[0]
    return game.params.rivals[int(caps.argmax())].model_name


def watch(game: Game) -> list[Countdown]:
    """The board's patience and the rivals' lead, now."""
    s, op = game.state, game.params.scenario.outcome
    out = []
    sentiment = float(s.sentiment[0])
    low = int(s.low_sentiment_quarters[0])
    if sentiment < op.ousted_sentiment:
        left = op.ousted_quarters - low
        out.append(Countdown(
            "ousted", f"Sentiment {sentiment:.0f} is below {op.ousted_sentiment:g}, "
            f"{low} quarter{'s' * (low != 1)} running: the board replaces you if it ends "
            f"{_quarters(left)} more below it.", True, left))
    else:
        out.append(Countdown(
            "ousted", f"Board: sentiment {sentiment:.0f} (ousted after {op.ousted_quarters} "
            f"quarters in a row below {op.ousted_sentiment:g})", False, None))
    gap = float(s.capability_gap[0])
    behind = int(s.behind_quarters[0])
    leader = _leader(game)
    if gap < -op.irrelevant_gap:
        left = op.irrelevant_quarters - behind
        out.append(Countdown(
            "irrelevant", f"{leader} leads you by {-gap:.0f} points, more than "
            f"{op.irrelevant_gap:g}, {behind} quarter{'s' * (behind != 1)} running: customers "
            f"leave for good if it ends {_quarters(left)} more that far ahead.", True, left))
    else:
        where = f"{-gap:.0f} points behind {leader}" if gap < 0 else f"{gap:.0f} points ahead"
        out.append(Countdown(
            "irrelevant", f"Rivals: {where} (left behind after {op.irrelevant_quarters} "
            f"quarters in a row over {op.irrelevant_gap:g} behind)", False, None))
    return out


def _quarters(n: int) -> str:
    return "this quarter" if n <= 1 else f"{n} quarters"


def ipo_checklist(game: Game) -> list[Check]:
    """What a listing needs, and where the lab stands on each."""
    s, ip = game.state, game.params.ipo
    stage = game.ipo_stage
    sentiment, ttm = float(s.sentiment[0]), float(s.ttm_revenue[0])
    left = game.horizon - game.quarter  # quarters still to play, this one included
    if stage == "none":
        needed = ip.filing_quarters + 1
        timing = Check(f"time: file, wait {ip.filing_quarters} quarters for the book, accept it "
                       f"({needed} quarters from filing to listing)",
                       f"{left} quarter{'s' * (left != 1)} left", left >= needed)
        filed = Check("filed", "not yet", False)
    else:
        f = int(s.ipo_filed_quarter[0])
        lists_at = f + ip.filing_quarters  # the earliest quarter in which it can list
        wait = max(lists_at - game.quarter, 0)
        timing = Check("time: list before the horizon",
                       "listed" if stage == "listed" else
                       ("can list this quarter" if wait == 0 else
                        f"can list in {game.calendar(lists_at)}, {wait} quarter"
                        f"{'s' * (wait != 1)} from now") + f"; {left} left",
                       stage == "listed" or lists_at < game.horizon)
        filed = Check("filed", f"in {game.calendar(f)}", True)
    return [
        filed,
        Check(f"investor sentiment at least {ip.min_sentiment:g} (the book, and on listing)",
              f"{sentiment:.0f}", sentiment >= ip.min_sentiment),
        Check(f"trailing revenue (4 quarters) at least {money(ip.min_ttm_revenue)}",
              money(ttm), ttm >= ip.min_ttm_revenue),
        timing,
    ]


def _largest(ledgers: list[Ledger], metric: str, sign: float, n: int = 3) -> str:
    """The ``n`` largest contributions of one sign to a metric over some quarters, as words."""
    totals: dict[str, float] = {}
    for ledger in ledgers:
        for name, values in ledger.entries[metric].items():
            totals[name] = totals.get(name, 0.0) + float(values[0])
    picked = sorted((kv for kv in totals.items() if kv[1] * sign > 0),
                    key=lambda kv: -abs(kv[1]))[:n]
    if metric == "cash":
        return ", ".join(f"{name} {signed_money(v)}" for name, v in picked)
    return ", ".join(f"{name} {signed(v)}" for name, v in picked)


def why_it_ended(game: Game) -> str:
    """The debrief's first sentence: which rule ended the game, and what drove it there."""
    op = game.params.scenario.outcome
    outcome = game.outcome
    if outcome == "ousted":
        recent = game.ledgers[-op.ousted_quarters:]
        return (f"Sentiment ended {op.ousted_quarters} quarters in a row below "
                f"{op.ousted_sentiment:g}, and the board replaced you. Over those quarters: "
                f"{_largest(recent, 'sentiment', -1.0)}.")
    if outcome == "irrelevant":
        st = game.state
        best = float(st.rival_frontier[0])
        return (f"{_leader(game)} stayed more than {op.irrelevant_gap:g} capability points ahead "
                f"for {op.irrelevant_quarters} quarters in a row, and customers left for good "
                f"(at the end: {best:.0f} against your {float(st.capability[0]):.0f}).")
    if outcome == "bankrupt":
        recent = game.ledgers[-4:]
        over = ("In its last quarter" if len(recent) == 1
                else f"Over the last {len(recent)} quarters")
        return (f"The cash ran out. {over} it went to: "
                f"{_largest(recent, 'cash', -1.0)}.")
    if outcome == "ipo":
        return (f"You listed the company in {game.calendar(len(game.log) - 1)} at "
                f"{money(float(game.state.ipo_valuation[0]))} of equity value.")
    if outcome == "horizon":
        weight = game.params.scenario.score.horizon
        return (f"The horizon came ({game.horizon} quarters) before a listing: the score counts "
                f"your stake at the last private mark, times {weight:g}.")
    return "The game goes on."
