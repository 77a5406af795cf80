"""The state of a batch of worlds: plain numpy arrays, the world axis first.

A state's arrays are never written in place once the state is handed out: ``step`` works on a
copy in which only the ring and slot arrays (``IN_PLACE``) are fresh copies it may write into, and
every other field is replaced by a new array. So an old state (a history entry, a fork point)
stays valid after the game moves on.

Shapes: ``(W,)`` per world, ``(W, G)`` per GPU generation, ``(W, R)`` per rival lab, ``(W, K)`` per
lease slot, ``(W, P, G)`` for GPUs in the delivery pipeline, ``(W, B)`` for data-center projects and
``(W, S, G)`` for the cohorts of GPUs in service (when each retires, and its depreciation). The
live game is simply ``W = 1``.
"""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field

import numpy as np

from game.engine import valuation
from game.engine.economy import compile_economy, start_capabilities
from game.engine.params import HOURS_PER_QUARTER, EconomyParams
from game.engine.rows import row_max, row_sum

LEASE_SLOTS = 13  # one more than the longest lease (fleet.max_lease_quarters ≤ 12)
DELIVERY_SLOTS = 10
# The longest delivery lead: the ring also has room for an event to delay a delivery by two
# more quarters without wrapping around.
MAX_LEAD = DELIVERY_SLOTS - 3
DC_SLOTS = 16

OUTCOMES = ("running", "ipo", "bankrupt", "ousted", "irrelevant", "horizon")
RUNNING, IPO, BANKRUPT, OUSTED, IRRELEVANT, HORIZON = range(len(OUTCOMES))
# none → filed (S-1 review and roadshow) → book (a price range the lab may accept) → listed
IPO_STAGES = ("none", "filed", "book", "listed")
NOT_FILED, FILED, BOOK, LISTED = range(len(IPO_STAGES))


@dataclass(slots=True)
class State:
    """Everything that carries from one quarter to the next, for W worlds at once."""

    quarter: int
    world: np.ndarray  # (W,) uint64 identity of each world, keys its random draws
    outcome: np.ndarray  # (W,) int8 index into OUTCOMES
    quarter_ended: np.ndarray  # (W,) int16, -1 while running
    # finance
    cash: np.ndarray
    debt: np.ndarray
    ownership: np.ndarray
    headcount: np.ndarray
    vendor_credit: np.ndarray
    revenue: np.ndarray  # booked revenue of the last quarter, $B
    revenue_hist: np.ndarray  # (W, 12) the last 12 quarters' revenue, oldest first (last = revenue)
    burn: np.ndarray  # net cash used by operations and capex last quarter, $B
    burn_hist: np.ndarray  # (W, 4) the last 4 quarters' burn, oldest first (last = burn)
    gross_profit_hist: np.ndarray  # (W, 4) the last 4 quarters' gross profit, oldest first
    net_income: np.ndarray
    gross_margin: np.ndarray
    gross_margin_prev: np.ndarray
    # fleet
    owned: np.ndarray  # (W, G) GPUs in service
    pipeline: np.ndarray  # (W, P, G) ring: slot q mod P holds GPUs arriving in quarter q
    pipeline_cost: np.ndarray  # (W, P, G) ring: what those GPUs cost when ordered, $B
    gpu_book: np.ndarray  # (W, G) book value of the GPUs in service, $B
    dep_rate: np.ndarray  # (W, G) $B of GPU depreciation per quarter
    cohort_qty: np.ndarray  # (W, S, G) ring: slot q mod S holds GPUs retiring after quarter q
    cohort_dep: np.ndarray  # (W, S, G) ring: their quarterly depreciation, which ends with them
    lease_qty: np.ndarray  # (W, K) ring: slot q mod K holds H100e leased until quarter q
    lease_price: np.ndarray  # (W, K) their locked $/H100e-hour (quantity-weighted)
    dc_mw: np.ndarray
    dc_pipeline: np.ndarray  # (W, B) ring: slot q mod B holds MW powering on in quarter q
    dc_capex_due: np.ndarray  # (W, B) ring: slot q mod B holds $B payable in quarter q
    dc_book: np.ndarray
    dc_dep_rate: np.ndarray
    utilisation: np.ndarray  # share of owned GPUs that had power last quarter
    capacity: np.ndarray  # H100e usable last quarter
    # market
    rental_x: np.ndarray  # log deviation of the rental price from anchor and premium
    price_shock: np.ndarray  # decaying log shock from events
    hype: np.ndarray  # log of the market-wide hype index
    rental_price: np.ndarray  # $/H100e-hour, last quarter
    # training and models
    run_target: np.ndarray  # FLOP of the run in progress (0 = none)
    run_done: np.ndarray  # FLOP done
    run_efficiency: np.ndarray  # algorithmic efficiency frozen at the run's start
    run_tpp: np.ndarray  # tokens per parameter of the run in progress
    algo_log_eff: np.ndarray  # log10 effective FLOP per FLOP
    model_flop: np.ndarray  # effective FLOP of the released model
    model_params: np.ndarray  # active parameters of the released model
    capability: np.ndarray
    # rivals
    rival_log_flop: np.ndarray  # (W, R) log10 FLOP of the run each rival is preparing
    rival_log_eff: np.ndarray  # (W, R)
    rival_capability: np.ndarray  # (W, R) of the released model
    rival_next: np.ndarray  # (W, R) quarters to next release
    rival_price: np.ndarray  # (W, R)
    rival_share: np.ndarray  # (W, R)
    rival_release_flop: np.ndarray  # (W, R) training FLOP of the last release
    rival_release_cost: np.ndarray  # (W, R) training cost of the last release, $B
    rival_releases: np.ndarray  # (W, R) count of releases in game
    # demand
    market: np.ndarray  # demand for frontier models at the reference price, $B/year
    market_hist: np.ndarray  # (W, 8) the last 8 quarters' demand, oldest first (last = market)
    spending: np.ndarray  # what customers spent on frontier and open models last quarter × 4
    share: np.ndarray  # the player's share of usage (customers who chose it) last quarter
    brand_shift: np.ndarray  # logit utility events added to the lab's brand, fading
    price: np.ndarray  # the player's price relative to the market reference
    unserved: np.ndarray  # share of the player's demand lost to capacity last quarter
    ref_price: np.ndarray  # the frontier tier's reference list price, $ per million tokens
    # valuation and IPO
    sentiment: np.ndarray
    enterprise_value: np.ndarray  # the private mark of the business, $B (at listing: the offer)
    valuation: np.ndarray  # equity value: enterprise value + cash + vendor credit − debt, $B
    ipo_valuation: np.ndarray  # equity value at the offer price, once listed
    ipo_stage: np.ndarray  # (W,) int8 index into IPO_STAGES
    ipo_filed_quarter: np.ndarray  # (W,) int16
    ipo_low: np.ndarray  # the book's price range as equity value, $B (0 with no book)
    ipo_high: np.ndarray
    low_sentiment_quarters: np.ndarray
    behind_quarters: np.ndarray
    mod_factor: np.ndarray  # (W, M) temporary multipliers on MODIFIABLE parameters
    mod_left: np.ndarray  # (W, M) quarters each multiplier still applies
    # Per-world arrays owned by the layers above the engine, world axis first: "flag.NAME"
    # (bool), and the event director's bookkeeping ("events.*").
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_worlds(self) -> int:
        return self.cash.shape[0]

    @property
    def running(self) -> np.ndarray:
        return self.outcome == RUNNING

    def played(self, quarter: int) -> np.ndarray:
        """(W,) the worlds that played ``quarter``: running after it, or ended in it (a world that
        ended before keeps its final state, which says nothing of this quarter)."""
        return (self.outcome == RUNNING) | (self.quarter_ended == quarter)

    @property
    def runrate(self) -> np.ndarray:
        """Annualised revenue of the last quarter, $B/year."""
        return 4.0 * self.revenue

    @property
    def runway(self) -> np.ndarray:
        """Quarters of cash at last quarter's burn (inf when not burning, never negative)."""
        return np.where(self.burn > 1e-12,
                        np.maximum(self.cash, 0.0) / np.maximum(self.burn, 1e-12), np.inf)

    @property
    def ttm_revenue(self) -> np.ndarray:
        """Revenue booked over the last four quarters, $B."""
        return row_sum(self.revenue_hist[:, -4:])

    @property
    def ttm_gross_profit(self) -> np.ndarray:
        """Revenue less the cost of serving it over the last four quarters, $B."""
        return row_sum(self.gross_profit_hist)

    def due(self, ring: np.ndarray, first: int, count: int) -> np.ndarray:
        """Sum of a ring buffer's slots for quarters first … first+count−1 (axis 1)."""
        size = ring.shape[1]
        return row_sum(ring[:, (first + np.arange(count)) % size])

    def lease_quarters_left(self) -> np.ndarray:
        """(K,) quarters each lease slot stays in force, counting the current quarter."""
        K = self.lease_qty.shape[1]
        return (np.arange(K) - self.quarter) % K + 1.0

    @property
    def rival_frontier(self) -> np.ndarray:
        return row_max(self.rival_capability)

    @property
    def capability_gap(self) -> np.ndarray:
        """The lab's capability minus the best rival's (negative: behind)."""
        return self.capability - self.rival_frontier

    @property
    def capability_vs_rivals(self) -> np.ndarray:
        """The lab's capability minus the rivals' average: where it stands in the pack."""
        return self.capability - row_sum(self.rival_capability) / self.rival_capability.shape[1]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every state array by name, the extra arrays under their own keys."""
        out = {name: getattr(self, name) for name in ARRAY_FIELDS}
        out.update(self.extra)
        return out

    def copy(self) -> State:
        kwargs = {name: getattr(self, name).copy() for name in ARRAY_FIELDS}
        return State(quarter=self.quarter, extra={k: v.copy() for k, v in self.extra.items()},
                     **kwargs)

    def evolve(self) -> State:
        """A copy for ``step``: fresh ``IN_PLACE`` arrays, the rest shared.

        The extra arrays are shared too: whoever changes one (the event director) puts a
        changed copy in the new state's ``extra`` instead of writing into it.
        """
        new = self.shallow()
        for name in IN_PLACE:
            object.__setattr__(new, name, getattr(self, name).copy())
        return new

    def shallow(self) -> State:
        """A copy sharing every array: a writer must replace an array, never write into it."""
        new = State(*_every_field(self))  # 6× faster than setting the slots one by one
        new.extra = dict(self.extra)
        return new

    def modifier(self, name: str) -> np.ndarray:
        """(W,) the temporary multiplier on a MODIFIABLE parameter (1 when none applies)."""
        return self.mod_factor[:, MODIFIABLE.index(name)]

    def take(self, worlds: np.ndarray | slice) -> State:
        """The sub-batch of the given world positions (a copy: positions or a mask index
        copies already, a slice is copied)."""
        view = isinstance(worlds, slice)

        def pick(a: np.ndarray) -> np.ndarray:
            return a[worlds].copy() if view else a[worlds]

        return State(quarter=self.quarter, extra={k: pick(v) for k, v in self.extra.items()},
                     **{name: pick(getattr(self, name)) for name in ARRAY_FIELDS})


ARRAY_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(State) if f.name not in ("quarter", "extra")
)
# Parameters that events may multiply for a few quarters (the "modifier" effect).
MODIFIABLE = ("power_price", "market_growth", "mfu", "staff_cost", "inference_cost", "dc_capex",
              "round_success")
# Every field's value in the order of State's parameters, in one call.
_every_field = operator.attrgetter(*(f.name for f in dataclasses.fields(State)))
# The arrays step writes into by index (rings and slots); everything else it replaces.
IN_PLACE = ("pipeline", "pipeline_cost", "cohort_qty", "cohort_dep", "dc_capex_due",
            "dc_pipeline", "lease_qty", "lease_price")


def initial_state(params: EconomyParams, n_worlds: int, worlds: np.ndarray | None = None) -> State:
    """The scenario's starting state, identical in every world (luck starts at quarter 0)."""
    W, G, R = n_worlds, len(params.gpus), len(params.rivals)
    s = params.scenario.start
    fl = params.fleet
    econ = compile_economy(params)

    def full(value: float, shape: tuple[int, ...] = ()) -> np.ndarray:
        return np.full((W, *shape), float(value))

    owned = np.zeros((W, G))
    for name, count in s.owned_gpus.items():
        owned[:, params.gpu_index(name)] = count
    # The starting fleet's book value, shared among generations by what they cost at launch;
    # it depreciates over its remaining life and then retires (a cohort ending then).
    launch_value = owned[0] * np.array([g.launch_price for g in params.gpus])
    book = (s.gpu_book_value * launch_value / launch_value.sum() if launch_value.sum() > 0
            else np.zeros(G))
    life_q = econ.life_quarters
    slots = life_q + 1
    left = min(s.gpu_remaining_life_quarters, life_q)
    cohort_qty = np.zeros((W, slots, G))
    cohort_dep = np.zeros((W, slots, G))
    cohort_qty[:, left - 1, :] = owned[0]
    cohort_dep[:, left - 1, :] = book / left

    lease_qty = np.zeros((W, LEASE_SLOTS))
    lease_price = np.zeros((W, LEASE_SLOTS))
    if s.leased_h100e > 0 and s.lease_quarters_left > 0:
        last = (s.lease_quarters_left - 1) % LEASE_SLOTS  # in force in quarters 0 … left−1
        lease_qty[:, last] = s.leased_h100e
        lease_price[:, last] = s.lease_price

    dc_pipeline = np.zeros((W, DC_SLOTS))
    for i, mw in enumerate(s.dc_pipeline_mw[:DC_SLOTS]):
        dc_pipeline[:, i] = mw  # quarter i of the scenario

    revenue = s.runrate / 4.0
    q_growth = s.runrate_growth**0.25
    hist = revenue / q_growth ** np.arange(11, -1, -1, dtype=float)

    caps = start_capabilities(params)

    m = params.market
    # The deviation x₀ at which the price formula (game.engine.market) gives the starting price.
    gap0 = float(np.log(m.rental_start / econ.rental_anchor[0]))
    if gap0 < 0:
        gap0 /= max(m.rental_below_cost_pass_through, 1e-9)
    rental_x0 = gap0 - m.rental_demand_premium

    # The private mark starts where the fundamentals put it.
    vp = params.valuation
    ttm = float(hist[-4:].sum())
    growth = params.demand.market_growth_start  # the market's, which the multiple pays for
    ev = float(valuation.fundamental_ev(vp, np.array([ttm]), np.array([ttm * s.gross_margin]),
                                        np.array([s.sentiment]), np.array([growth]),
                                        np.array([s.hype]))[0])
    equity = ev + s.cash + s.vendor_credit - s.debt

    # What the fleet delivers at the start: owned GPUs that have power, plus leases.
    h100e = np.array([g.h100e for g in params.gpus])
    watts = np.array([g.watts for g in params.gpus])
    need_mw = float((owned[0] * watts).sum()) * fl.pue / 1e6
    start_util = min(1.0, s.dc_mw / need_mw) if need_mw > 0 else 1.0
    start_capacity = float((owned[0] * h100e).sum()) * start_util + (
        s.leased_h100e if s.lease_quarters_left > 0 else 0.0)

    rivals = params.rivals
    r_flop = np.array([r.training_flop for r in rivals])
    r_eff = np.array([r.algo_efficiency for r in rivals])
    d = params.demand
    share = s.runrate / (d.market_start * s.price)
    r_prices = np.array([r.price for r in rivals])
    open_share = 1.0 - share - float(econ.start_rival_share.sum())
    spending = d.market_start * (share * s.price + float(econ.start_rival_share @ r_prices)
                                 + open_share * d.open_weight_price)

    return State(
        quarter=0,
        world=np.arange(W, dtype=np.uint64) if worlds is None else np.asarray(worlds, np.uint64),
        outcome=np.zeros(W, dtype=np.int8),
        quarter_ended=np.full(W, -1, dtype=np.int16),
        cash=full(s.cash),
        debt=full(s.debt),
        ownership=full(s.ownership),
        headcount=full(s.headcount),
        vendor_credit=full(s.vendor_credit),
        revenue=full(revenue),
        revenue_hist=np.broadcast_to(hist, (W, 12)).copy(),
        burn=full(s.burn),
        burn_hist=full(s.burn, (4,)),
        gross_profit_hist=(hist[-4:] * s.gross_margin)[None, :].repeat(W, axis=0),
        net_income=full(0.0),
        gross_margin=full(s.gross_margin),
        gross_margin_prev=full(s.gross_margin),
        owned=owned,
        pipeline=np.zeros((W, DELIVERY_SLOTS, G)),
        pipeline_cost=np.zeros((W, DELIVERY_SLOTS, G)),
        gpu_book=np.broadcast_to(book, (W, G)).copy(),
        dep_rate=np.broadcast_to(book / left, (W, G)).copy(),
        cohort_qty=cohort_qty,
        cohort_dep=cohort_dep,
        lease_qty=lease_qty,
        lease_price=lease_price,
        dc_mw=full(s.dc_mw),
        dc_pipeline=dc_pipeline,
        dc_capex_due=np.zeros((W, DC_SLOTS)),
        dc_book=full(s.dc_book_value),
        dc_dep_rate=full(s.dc_book_value / (fl.dc_life_years * 4)),
        utilisation=full(start_util),
        capacity=full(start_capacity),
        rental_x=full(rental_x0),
        price_shock=full(0.0),
        hype=full(s.hype),
        rental_price=full(params.market.rental_start),
        run_target=full(s.run_target_flop),
        run_done=full(s.run_target_flop * s.run_progress),
        run_efficiency=full(s.algo_efficiency),
        run_tpp=full(params.training.tokens_per_parameter if s.run_target_flop > 0 else 0.0),
        algo_log_eff=full(np.log10(s.algo_efficiency)),
        model_flop=full(s.capability_flop),
        model_params=full(s.model_parameters),
        capability=full(caps[0]),
        rival_log_flop=np.broadcast_to(np.log10(r_flop), (W, R)).copy(),
        rival_log_eff=np.broadcast_to(np.log10(r_eff), (W, R)).copy(),
        rival_capability=np.broadcast_to(caps[1:], (W, R)).copy(),
        rival_next=np.broadcast_to(
            np.array([float(r.next_release_quarter) for r in rivals]), (W, R)
        ).copy(),
        rival_price=np.broadcast_to(r_prices, (W, R)).copy(),
        rival_share=np.broadcast_to(econ.start_rival_share, (W, R)).copy(),
        rival_release_flop=np.broadcast_to(r_flop, (W, R)).copy(),
        rival_release_cost=np.broadcast_to(
            np.array([r.training_flop * r.cost_per_flop / 1e9 for r in rivals]), (W, R)
        ).copy(),
        rival_releases=np.zeros((W, R)),
        market=full(d.market_start),
        market_hist=np.broadcast_to(d.market_start / (d.market_growth_start ** 0.25) ** np.arange(
            7, -1, -1, dtype=float), (W, 8)).copy(),
        spending=full(spending),
        share=full(share),
        brand_shift=full(0.0),
        price=full(s.price),
        unserved=full(0.0),
        ref_price=full(d.reference_price_start),
        sentiment=full(s.sentiment),
        enterprise_value=full(ev),
        valuation=full(equity),
        ipo_valuation=full(0.0),
        ipo_stage=np.zeros(W, dtype=np.int8),
        ipo_filed_quarter=np.full(W, -1, dtype=np.int16),
        ipo_low=full(0.0),
        ipo_high=full(0.0),
        low_sentiment_quarters=full(0.0),
        behind_quarters=full(0.0),
        mod_factor=np.ones((W, len(MODIFIABLE))),
        mod_left=np.zeros((W, len(MODIFIABLE))),
    )


__all__ = [
    "HOURS_PER_QUARTER",
    "IPO_STAGES",
    "OUTCOMES",
    "State",
    "initial_state",
]
