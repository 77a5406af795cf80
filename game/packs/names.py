"""The state names a pack may read: in triggers, conditions, modifiers, effects and {placeholders}.

Each name is a number per world. Rival names exist for every rival loaded (``rival.gemini.*``);
flags exist once some loaded effect sets them (``flag.nvidia_deal_cut``). docs/MODDING.md lists
them from this table, and a test keeps the two in step.

Each name also declares the values it can take (``low`` to ``high``, inclusive; infinite: no
bound), the bounds the validator reasons with (``game.packs.intervals``: a trigger such as
``unserved > 2`` can never hold). A bound is declared only where the engine or the effects keep
the value there whatever happens (``BOUNDS`` says how); anything else is unbounded, so a bound
may be loose but is never wrong.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from game.engine import Economy, State
from game.engine.rows import per_world
from game.engine.step import ttm_growth
from game.packs.errors import Suggestions, closest
from game.packs.placeholders import format_value, render
from game.packs.schema import Variable

__all__ = ["RIVAL_FIELDS", "STATE_NAMES", "Name", "all_names", "flag_reader", "format_value",
           "render_text", "rival_reader"]

Reader = Callable[[State, Economy], np.ndarray | float]


@dataclass(frozen=True)
class Name:
    name: str
    unit: str  # how {placeholders} format it: "$B", "$", "%", "x", "int", "year", "" (plain)
    description: str
    read: Reader
    low: float = -math.inf  # the least value it can take (-inf: no bound)
    high: float = math.inf  # the largest


INF = math.inf
# The bounds of the state names, and what keeps each within them. A name not listed is unbounded.
BOUNDS: dict[str, tuple[float, float]] = {
    "quarter": (0.0, INF),  # counts from 0
    "debt": (0.0, INF),  # drawn and repaid, never below 0; effects keep it ≥ 0
    "runway": (0.0, 999.0),  # cash at or above 0 over burn, capped at 999
    "revenue": (0.0, INF),  # what was served: usage × price, both ≥ 0
    "runrate": (0.0, INF),  # 4 × revenue
    "ttm_revenue": (0.0, INF),  # a sum of revenues
    "growth": (0.0, INF),  # a ratio of sums of revenues
    "sentiment": (0.0, 100.0),  # the engine bounds it (0-100), and so do effects
    "share": (0.0, 1.0),  # a logit share; effects keep it within 1e-6 - 0.95
    "price": (0.0, INF),  # a plan's price is not negative
    "rental_price": (0.0, INF),
    "capacity": (0.0, INF),
    "utilisation": (0.0, 1.0),  # powered MW over needed MW, at most 1
    "unserved": (0.0, 1.0),  # 1 - served / demand, and served ≤ demand
    "headcount": (0.0, INF),  # at least 10 once a quarter is played; day one's may be fewer
    "ownership": (0.0, 1.0),  # a share of the company; rounds only dilute it
    "ipo_stage": (0.0, 3.0),  # 0 not filed … 3 listed
    "gross_margin": (-INF, 1.0),  # (revenue - cost) / revenue with cost ≥ 0
    "market": (0.0, INF),
    "dc_mw": (0.0, INF),
    "owned_h100e": (0.0, INF),
    "leased_h100e": (0.0, INF),
    "run_active": (0.0, 1.0),
    "run_progress": (0.0, 1.0),  # a run ends when done reaches its target
    "vendor_credit": (0.0, INF),  # spent only as far as it goes
}
RIVAL_BOUNDS: dict[str, tuple[float, float]] = {
    "price": (0.0, INF),  # never below 0.2 once repriced; day one's is > 0
    "share": (0.0, 1.0),
}
FLAG_BOUNDS = (0.0, 1.0)  # 1 set, 0 clear


def _bounded(name: Name, low_high: tuple[float, float] | None) -> Name:
    return name if low_high is None else dataclasses.replace(name, low=low_high[0],
                                                             high=low_high[1])


STATE_NAMES: dict[str, Name] = {n.name: _bounded(n, BOUNDS.get(n.name)) for n in [
    Name("quarter", "int", "Quarters since the scenario began (0 = the first).",
         lambda s, e: float(s.quarter)),
    Name("year", "year", "Calendar year of the current quarter.",
         lambda s, e: float(e.params.scenario.start_year
                            + (e.params.scenario.start_quarter - 1 + s.quarter) // 4)),
    Name("cash", "$B", "Cash in the bank, $B.", lambda s, e: s.cash),
    Name("debt", "$B", "Debt drawn on the credit line, $B.", lambda s, e: s.debt),
    Name("burn", "$B", "Net cash used last quarter by operations and capex, $B (negative: "
         "cash generated).", lambda s, e: s.burn),
    Name("runway", "int", "Quarters of cash at last quarter's burn (999 when not burning).",
         lambda s, e: np.minimum(s.runway, 999.0)),
    Name("revenue", "$B", "Revenue booked last quarter, $B.", lambda s, e: s.revenue),
    Name("runrate", "$B", "Annualised revenue (4 × last quarter), $B/year.",
         lambda s, e: s.runrate),
    Name("ttm_revenue", "$B", "Revenue of the last four quarters, $B: what the private mark and "
         "the IPO's book are priced on.", lambda s, e: s.ttm_revenue),
    Name("growth", "x", "Trailing-twelve-month revenue over the twelve months before.",
         lambda s, e: ttm_growth(s.revenue_hist)),
    Name("sentiment", "", "Investor sentiment, 0-100.", lambda s, e: s.sentiment),
    Name("valuation", "$B", "Equity value, $B: the private mark (enterprise value) plus cash and "
         "vendor credit, less debt; the listing's value once listed.",
         lambda s, e: s.valuation),
    Name("hype", "", "Log of the market-wide AI hype index (0 neutral, +0.2 frothy).",
         lambda s, e: s.hype),
    Name("capability", "int", "Capability score of the lab's released model.",
         lambda s, e: s.capability),
    Name("gap", "int", "The lab's capability minus the best rival's (negative: behind).",
         lambda s, e: s.capability_gap),
    Name("share", "%", "The lab's share of spending on frontier models.",
         lambda s, e: s.share),
    Name("price", "x", "The lab's price relative to the market reference.",
         lambda s, e: s.price),
    Name("rental_price", "$", "Market rental price of an H100-equivalent hour, $.",
         lambda s, e: s.rental_price),
    Name("capacity", "int", "H100-equivalents usable last quarter.", lambda s, e: s.capacity),
    Name("utilisation", "%", "Share of owned GPUs that had power last quarter.",
         lambda s, e: s.utilisation),
    Name("unserved", "%", "Share of demand lost to missing capacity last quarter.",
         lambda s, e: s.unserved),
    Name("headcount", "int", "Staff.", lambda s, e: s.headcount),
    Name("ownership", "%", "Share of the company held by founders and employees.",
         lambda s, e: s.ownership),
    Name("ipo_stage", "int",
         "0 not filed, 1 filed, 2 book open (a price range to accept), 3 listed.",
         lambda s, e: s.ipo_stage.astype(float)),
    Name("ipo_min_sentiment", "", "Sentiment the IPO's book, and a listing, need in this "
         "scenario (its ipo.min_sentiment).", lambda s, e: float(e.params.ipo.min_sentiment)),
    Name("ipo_min_ttm_revenue", "$B", "Trailing-twelve-month revenue the IPO's book needs in "
         "this scenario, $B (its ipo.min_ttm_revenue).",
         lambda s, e: float(e.params.ipo.min_ttm_revenue)),
    Name("gross_margin", "%", "Gross margin of last quarter.", lambda s, e: s.gross_margin),
    Name("market", "$B", "Industry spending on frontier models, $B/year.",
         lambda s, e: s.market),
    Name("dc_mw", "int", "Powered data-center megawatts the lab owns.", lambda s, e: s.dc_mw),
    Name("owned_h100e", "int", "H100-equivalents the lab owns.",
         lambda s, e: per_world(s.owned, e.h100e)),
    Name("leased_h100e", "int", "H100-equivalents on lease.",
         lambda s, e: s.lease_qty.sum(axis=1)),
    Name("run_active", "int", "1 while a training run is in progress, else 0.",
         lambda s, e: (s.run_target > 0).astype(float)),
    Name("run_progress", "%", "Share of the run in progress that is done (0 with no run).",
         lambda s, e: np.where(s.run_target > 0, s.run_done / np.maximum(s.run_target, 1.0),
                               0.0)),
    Name("vendor_credit", "$B", "GPU-vendor financing not yet spent, $B.",
         lambda s, e: s.vendor_credit),
]}

RIVAL_FIELDS: dict[str, tuple[str, str]] = {
    "capability": ("int", "capability score of its released model"),
    "price": ("x", "price relative to the market reference"),
    "share": ("%", "share of spending on frontier models"),
    "lead": ("int", "its capability minus the lab's (positive: ahead of you)"),
}


def rival_reader(index: int, field: str) -> Reader:
    if field == "capability":
        return lambda s, e: s.rival_capability[:, index]
    if field == "price":
        return lambda s, e: s.rival_price[:, index]
    if field == "share":
        return lambda s, e: s.rival_share[:, index]
    if field == "lead":
        return lambda s, e: s.rival_capability[:, index] - s.capability
    raise KeyError(field)


def flag_reader(flag: str) -> Reader:
    key = f"flag.{flag}"
    return lambda s, e: (s.extra[key].astype(float) if key in s.extra
                         else np.zeros(s.n_worlds))


NEVER_SINCE = 999.0  # "quarters since" something that has not happened (as runway's 999)


def _since(s: State, at: np.ndarray) -> np.ndarray:
    return np.minimum(s.quarter - at.astype(float), NEVER_SINCE)


def flag_since_reader(flag: str) -> Reader:
    key = f"flag_at.{flag}"  # the quarter it was last set (effects.apply keeps it)
    return lambda s, e: (_since(s, s.extra[key]) if key in s.extra
                         else np.full(s.n_worlds, NEVER_SINCE))


def event_reader(index: int, field: str) -> Reader:
    """``since``: quarters since the event last happened; ``count``: how often it has (the
    director's own bookkeeping, by the event's place in the load)."""
    key = "events.last" if field == "since" else "events.count"

    def read(s: State, e: Economy) -> np.ndarray:
        if key not in s.extra:  # before the director's first quarter
            return np.full(s.n_worlds, NEVER_SINCE if field == "since" else 0.0)
        column = s.extra[key][:, index]
        return _since(s, column) if field == "since" else column.astype(float)

    return read


def variable_reader(var: Variable) -> Reader:
    key = f"var.{var.id}"
    return lambda s, e: (s.extra[key] if key in s.extra else np.full(s.n_worlds, var.initial))


EVENT_NAMES = ("since.event.", "count.event.")  # + an event's id: made when first asked


class Names(dict[str, Name]):
    """The names a load's expressions may read. ``since.event.ID`` and ``count.event.ID`` exist
    for every loaded event, but each is made only when something asks for it: a pack of
    100,000 events would otherwise hold 200,000 of them (1.5 s to make and index)."""

    def __init__(self, names: dict[str, Name], event_ids: Sequence[str] = ()) -> None:
        super().__init__(names)
        self.event_index = {event_id: i for i, event_id in enumerate(event_ids)}

    def __missing__(self, key: str) -> Name:
        name = self._event_name(key)
        if name is None:
            raise KeyError(key)
        self[key] = name
        return name

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or self._event_name(key) is not None

    def get(self, key: str, default: Name | None = None) -> Name | None:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def _event_name(self, key: object) -> Name | None:
        for prefix in EVENT_NAMES:
            if isinstance(key, str) and key.startswith(prefix):
                event_id = key[len(prefix):]
                i = self.event_index.get(event_id)
                if i is None:
                    return None
                if prefix == "since.event.":
                    return Name(key, "int", f"Quarters since '{event_id}' last happened (999: "
                                "never).", event_reader(i, "since"), 0.0, NEVER_SINCE)
                return Name(key, "int", f"How many times '{event_id}' has happened.",
                            event_reader(i, "count"), 0.0)
        return None


class KnownNames(Suggestions):
    """"Did you mean" over a load's names: the names made, and each event's ``since.event.ID``
    and ``count.event.ID`` by its event's id (``Names``)."""

    def __init__(self, names: Names) -> None:
        super().__init__(names.keys())
        self.names = names
        self.events = Suggestions(names.event_index)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __call__(self, name: str) -> str:
        for prefix in EVENT_NAMES:
            if name.startswith(prefix):
                close = closest(name[len(prefix):], self.events.candidates(name[len(prefix):]))
                return f" (did you mean '{prefix}{close}'?)" if close is not None else ""
        return super().__call__(name)


def all_names(rival_ids: list[str], flags: set[str], variables: Sequence[Variable] = (),
              event_ids: Sequence[str] = ()) -> Names:
    """Every readable name for this set of rivals, flags, variables and events (in the order
    the director holds them: ``since.event.ID`` and ``count.event.ID``, made when asked for).
    Named triggers (when.ID) are added once compiled (``game.packs.library``)."""
    names = dict(STATE_NAMES)
    for i, rid in enumerate(rival_ids):
        for field, (unit, text) in RIVAL_FIELDS.items():
            full = f"rival.{rid}.{field}"
            names[full] = _bounded(Name(full, unit, f"{rid}: {text}.", rival_reader(i, field)),
                                   RIVAL_BOUNDS.get(field))
    for flag in sorted(flags):
        full = f"flag.{flag}"
        names[full] = Name(full, "int", f"1 while flag '{flag}' is set, else 0.",
                           flag_reader(flag), *FLAG_BOUNDS)
        names[f"since.{full}"] = Name(
            f"since.{full}", "int", f"Quarters since flag '{flag}' was last set (999: never).",
            flag_since_reader(flag), 0.0, NEVER_SINCE)
    for var in variables:
        full = f"var.{var.id}"
        names[full] = Name(full, "" if var.unit == "plain" else var.unit, var.description,
                           variable_reader(var), var.min, var.max)  # kept within them
    return Names(names, event_ids)


def render_text(text: str, state: State, econ: Economy, names: dict[str, Name],
                world: int = 0) -> str:
    """Text with each {name} or {name:format} replaced by its value in one world
    (game.packs.placeholders), and each doubled brace made single."""

    def lookup(name: str) -> tuple[str, float] | None:
        if name not in names:
            return None
        raw = names[name].read(state, econ)
        return names[name].unit, float(raw[world]) if isinstance(raw, np.ndarray) else float(raw)

    return render(text, lookup)
