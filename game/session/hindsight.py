"""The decisions that mattered: each decision of a game weighed by playing the game again
without it.

A *decision* is what the player changed in a quarter: one group of plan fields set away from what
stood (a GPU order, a lease, the price, the compute split, a raise …) or an answer to an event.
Its weight is a counterfactual with the same luck (the same seed, so the same draws where the
paths agree): the game is replayed from the start with only that decision undone, and the final
score is compared with the score as played. Undoing means

- a one-off decision (an order, a raise, a hand-back) is not made that quarter;
- a standing decision (price, compute split, lease length, tokens per parameter) keeps the value
  that stood before it, until the quarter the player next changed that decision;
- an event answer is replaced by each other choice open at the time; its weight is against the
  best of them (so a positive weight means no other answer would have done better).

Where the undone game's path parts from the played one, later answers to events that no longer
happen are dropped and new events are answered as a bot would (by ai_weight). The cash ledgers
of the two games, summed over the quarters, and their capability and sentiment at the end say
where the difference came from.

This is exact for the game's own rules and luck, but it is one world: a decision that paid here
may not pay in another draw of the luck. The debrief says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from game.engine import Plan
from game.session.game import STANDING, Game, QuarterRecord

# The plan's fields grouped as a player decides them (and as Plan.parts words them).
GROUPS: tuple[tuple[str, ...], ...] = (
    ("lease_h100e",), ("break_lease_h100e",), ("spot_h100e",),
    ("datacenter_mw",), ("training", "inference", "research"), ("start_run_flop",),
    ("tokens_per_parameter",), ("cancel_run",), ("price",), ("hire",), ("raise_equity",),
    ("vendor_equity",), ("draw_debt",), ("repay_debt",), ("ipo",),
)
# A group's words when it returns to its default (Plan.parts says nothing of defaults).
BACK = {"training": "compute split back to 10/50/40", "price": "price back to 1.00×",
        "tokens_per_parameter": "tokens per parameter back to the industry's practice"}


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision and, once weighed, what it was worth."""

    quarter: int  # 0-based, as the log counts
    words: str  # "price 1.30×", "A sovereign wealth fund wants in: Take the money"
    group: tuple[str, ...] = ()  # the plan fields it set (empty for an event answer)
    gpu: tuple[str, str] | None = None  # ("gpu_orders" | "sell_gpus", name) for one GPU line
    event: tuple[str, int] | None = None  # (event id, choice) for an event answer
    score_change: float = 0.0  # score as played minus score without it
    stake_change: float = 0.0  # the stake's value at the end ($B), as played minus without it
    outcome_without: str = ""  # how the game without it ended
    against: str = ""  # for an event answer: the alternative it is weighed against
    cash_lines: tuple[tuple[str, float], ...] = ()  # largest cash-ledger differences, $B
    # capability and sentiment at the end, as played minus without it (what a "left behind" or
    # "ousted" ending turns on, which the cash lines do not show)
    end_lines: tuple[tuple[str, float], ...] = ()


def decisions(game: Game) -> list[Decision]:
    """Every decision of the game, in the order made (not yet weighed)."""
    out: list[Decision] = []
    standing = Plan()
    for record in game.log:
        plan = Plan(**record.plan)
        for table in ("gpu_orders", "sell_gpus"):
            for name, units in getattr(plan, table).items():
                if float(units) > 0:
                    words = Plan(**{table: {name: units}}).explain()
                    out.append(Decision(record.quarter, words, gpu=(table, name)))
        for group in GROUPS:
            now = [record.plan.get(f, _default(f)) for f in group]
            before = [_value(standing, f) if f in STANDING else _default(f) for f in group]
            if now == before:
                continue
            fields = dict(zip(group, now, strict=True))
            if group == ("lease_h100e",):  # a lease's words say its length
                fields["lease_quarters"] = record.plan.get("lease_quarters", 4)
            words = ", ".join(Plan(**fields).parts())
            out.append(Decision(record.quarter, words or BACK.get(group[0], group[0]),
                                group=group))
        for event_id, choice in record.choices:
            ce = game.director.events[game.director.index[event_id]]
            out.append(Decision(record.quarter,
                                f"{ce.event.title}: {ce.choices[choice].choice.label}",
                                event=(event_id, choice)))
        standing = _standing(plan)
    return out


def weigh(game: Game, progress: Callable[[int, int], None] | None = None) -> list[Decision]:
    """Every decision with its weight, largest effect first. ``progress(done, total)`` is
    called after each one (the debrief shows it)."""
    found = decisions(game)
    played = (game.score, _stake(game))
    played_cash = _cash_totals(game)
    weighed = []
    for i, d in enumerate(found):
        if d.event is None:
            other, against = _replay(game, _without(game.log, d)), ""
        else:
            best = None
            for label, alt in _alternatives(game, d):
                g = _replay(game, alt)
                if best is None or (g.score, _stake(g)) > (best[0].score, _stake(best[0])):
                    best = (g, label)
            if best is None:  # no other choice was open: the answer decided nothing
                if progress:
                    progress(i + 1, len(found))
                continue
            other, against = best
        weighed.append(Decision(
            d.quarter, d.words, d.group, d.gpu, d.event, played[0] - other.score,
            played[1] - _stake(other), other.outcome, against,
            _differences(played_cash, _cash_totals(other)), _at_end(game, other)))
        if progress:
            progress(i + 1, len(found))
    # the score first; where it does not tell decisions apart (a game that failed either way
    # scores 0), what the stake was worth at the end
    return sorted(weighed, key=lambda d: (-abs(d.score_change), -abs(d.stake_change),
                                          d.quarter))


# --- undoing one decision -----------------------------------------------------------------

def _default(name: str) -> object:
    return Plan.model_fields[name].default


def _value(plan: Plan, name: str) -> object:
    value = getattr(plan, name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else value


def _standing(plan: Plan) -> Plan:
    return Plan(**{name: getattr(plan, name) for name in STANDING})


def _copy(log: list[QuarterRecord]) -> list[QuarterRecord]:
    return [QuarterRecord(r.quarter, dict(r.plan), list(r.choices), list(r.injected),
                          list(r.events)) for r in log]


def _without(log: list[QuarterRecord], d: Decision) -> list[QuarterRecord]:
    """The log with decision ``d`` undone (see the module docstring)."""
    records = _copy(log)
    here = records[d.quarter]
    if d.gpu is not None:
        table, name = d.gpu
        here.plan[table] = {k: v for k, v in here.plan.get(table, {}).items() if k != name}
        return records
    standing = d.group[0] in STANDING
    if not standing:
        for f in d.group:
            here.plan[f] = _default(f)
        return records
    before = (records[d.quarter - 1].plan if d.quarter else {})
    old = {f: before.get(f, _default(f)) for f in d.group}
    changed = {f: here.plan.get(f, _default(f)) for f in d.group}
    for r in records[d.quarter:]:
        if {f: r.plan.get(f, _default(f)) for f in d.group} != changed:
            break  # the player changed it again: from here it is that decision's
        r.plan.update(old)
    return records


def _alternatives(game: Game, d: Decision) -> Iterator[tuple[str, list[QuarterRecord]]]:
    """Each other open answer to an event, as a log."""
    event_id, chosen = d.event
    ce = game.director.events[game.director.index[event_id]]
    fork = game.fork(d.quarter)
    pending = next((p for p in fork.pending if p.id == event_id), None)
    for view in (pending.choices if pending else []):
        if view.index == chosen or not view.available:
            continue
        records = _copy(game.log)
        here = records[d.quarter]
        here.choices = [(e, view.index if e == event_id else c) for e, c in here.choices]
        yield ce.choices[view.index].choice.label, records


def _replay(game: Game, log: list[QuarterRecord]) -> Game:
    """Play ``log`` from the start with the game's luck, as far as the game went. Answers to
    events that do not happen on this path are dropped; others are left to ai_weight."""
    other = Game(game.content, game.scenario_id, game.seed, game.lab)
    other.replay_decisions(log)
    return other


def _at_end(game: Game, other: Game) -> tuple[tuple[str, float], ...]:
    """Capability and sentiment at the end, as played minus without (those that differ)."""
    a = game.history[-1] if game.history else game.metrics()
    b = other.history[-1] if other.history else other.metrics()
    out = ((name, a[name] - b[name]) for name in ("capability", "sentiment"))
    return tuple((name, d) for name, d in out if abs(d) >= 0.5)


def _stake(game: Game) -> float:
    """The player's stake at the end, at the valuation it last had ($B; 0 if worthless)."""
    h = game.history[-1] if game.history else game.metrics()
    return h["ownership"] * max(h["valuation"], 0.0)


def _cash_totals(game: Game) -> dict[str, float]:
    totals: dict[str, float] = {}
    for ledger in game.ledgers:
        for name, value in ledger.for_world(0, "cash"):
            totals[name] = totals.get(name, 0.0) + value
    return totals


def _differences(played: dict[str, float], other: dict[str, float],
                 n: int = 2) -> tuple[tuple[str, float], ...]:
    """The ``n`` cash lines that differ most between the played game and the undone one."""
    diff = {k: played.get(k, 0.0) - other.get(k, 0.0) for k in played.keys() | other.keys()}
    ranked = sorted((kv for kv in diff.items() if abs(kv[1]) >= 0.005), key=lambda kv: -abs(kv[1]))
    return tuple(ranked[:n])
