"""Validated parameters of the economy: what the world is like, not what the player decides.

Every number here arrives from content TOML (``content/base/economy.toml``, ``rivals.toml`` and a
scenario) through ``game.packs``; the engine never reads files. Field docstrings name the unit;
the TOML comments name the source. docs/ENGINE.md shows where each parameter enters an equation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

HOURS_PER_QUARTER = 8766.0 / 4.0
SECONDS_PER_QUARTER = HOURS_PER_QUARTER * 3600.0
H100_FLOPS = 989e12  # dense BF16 FLOP/s of one H100: the unit of "H100-equivalent" (NVIDIA spec)
# GPU generations in one economy: every quarter computes over each (the fleet, its deliveries in
# transit, prices), so packs adding generations are held to a few times the base game's six.
MAX_GPU_GENERATIONS = 16


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GpuGeneration(_Model):
    """One GPU generation sold on the market."""

    name: str = Field(min_length=1, max_length=24,
                      description="Short name shown to the player, e.g. 'B200'; a plan orders "
                                  "GPUs by it.")
    available: str = Field(
        pattern=r"^\d{4}Q[1-4]$",
        description="First calendar quarter it ships in volume, e.g. '2025Q1'.")
    tflops: float = Field(gt=0, description="Dense BF16 TFLOP/s per GPU.")
    watts: float = Field(gt=0, description="Board power in watts.")
    launch_price: float = Field(gt=0, description="Purchase price per GPU at launch, USD.")
    lead_quarters: int = Field(ge=0, le=4, description="Delivery lead time in a calm market.")

    @field_validator("name")
    @classmethod
    def _printable(cls, v: str) -> str:
        if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in v):
            raise ValueError("a GPU generation's name cannot hold control characters (a newline, "
                             "a tab, an escape)")
        return v

    @property
    def h100e(self) -> float:
        """H100-equivalents per GPU (dense BF16 throughput relative to an H100)."""
        return self.tflops * 1e12 / H100_FLOPS

    @property
    def available_index(self) -> int:
        """Calendar quarter index (year × 4 + quarter − 1) of its first volume shipments."""
        return quarter_index(self.available)


def quarter_index(label: str) -> int:
    """'2026Q3' → 2026 × 4 + 2: quarters counted from year 0, so differences are quarters."""
    return int(label[:4]) * 4 + int(label[5]) - 1


class MarketParams(_Model):
    price_performance_per_year: float = Field(
        gt=1, description="Yearly factor by which a GPU's price falls once its successor ships."
    )
    price_floor_fraction: float = Field(
        gt=0, le=1, description="A generation's price never falls below this share of launch."
    )
    rental_anchor_start: float = Field(
        gt=0, description="Break-even cost of an H100e-hour at the scenario's start, $."
    )
    rental_anchor_gpu_share: float = Field(
        gt=0, lt=1, description="Share of the rental cost anchor that falls with price-performance."
    )
    new_generation_ramp: float = Field(
        gt=0, le=1, description="Share of the gap to the newest generation's cost per H100e-hour "
                                "the rental market closes a quarter, as its supply ramps up.")
    rental_start: float = Field(gt=0, description="Rental price per H100e-hour at start, $.")
    rental_reversion: float = Field(
        gt=0, lt=1, description="Share of the log gap to the anchor closed per quarter."
    )
    rental_volatility: float = Field(ge=0, description="Std of the quarterly log-price shock.")
    rental_demand_push: float = Field(
        ge=0, description="Log-price premium per unit of log hype."
    )
    rental_demand_premium: float = Field(
        description="Long-run log premium of the price over its cost anchor (demand > supply)."
    )
    rental_below_cost_pass_through: float = Field(
        ge=0, le=1, description="Share of a fall below the cost anchor that reaches the price."
    )
    shock_decay: float = Field(ge=0, lt=1, description="Share of a price shock left next quarter.")
    spot_premium: float = Field(ge=1, description="Spot price / contract price.")
    lead_per_tightness: float = Field(
        ge=0, description="Extra lead quarters per unit of tightness (log price above normal)."
    )
    ration_per_tightness: float = Field(
        ge=0, description="Share of a spot request refused per unit of tightness."
    )
    ration_floor: float = Field(gt=0, le=1, description="Spot is never rationed below this share.")
    resale_haircut: float = Field(
        ge=0, lt=1, description="Discount of a used GPU on the secondary market at normal "
                                "rental prices, against a new one of the same age-adjusted value.")
    resale_rental_floor: float = Field(
        gt=0, le=1, description="Lowest share of that value a glutted rental market leaves.")
    # The shared market's (a class in one market; docs/ENGINE.md, "A shared market"). Unset
    # in content made before base 0.2.4 (an archived pack): a class's orders then leave the GPU
    # market alone. A solo game never reads them.
    class_build_out_per_year: float | None = Field(
        None, gt=1, description="Shared market: the yearly growth of compute (H100e) the "
                                "industry builds out anyway; a class whose compute grows faster "
                                "tightens the GPU market.")
    class_order_share: float | None = Field(
        None, gt=0, le=1, description="Shared market: a lab's share of its world's orders for "
                                      "AI compute (each lab is one solo-sized world of the "
                                      "pooled class).")
    class_order_pressure: float | None = Field(
        None, ge=0, description="Shared market: log tightness per log of the industry's orders "
                                "over normal, as the class's orders raise them.")


class FleetParams(_Model):
    server_life_years: float = Field(gt=0, description="Straight-line depreciation life of GPUs.")
    server_overhead: float = Field(
        ge=0, description="Servers, networking and storage bought with a GPU, a share of its "
                          "price.")
    pue: float = Field(ge=1, description="Power usage effectiveness of the lab's data centers.")
    power_price_mwh: float = Field(gt=0, description="Industrial power price, $/MWh.")
    dc_capex_per_gw: float = Field(gt=0, description="Data-center capex excluding GPUs, $B/GW.")
    dc_build_quarters: int = Field(ge=1, le=15, description="Quarters from start to power-on.")
    dc_life_years: float = Field(gt=0, description="Depreciation life of data-center shells.")
    lease_break_penalty: float = Field(
        ge=0, le=1, description="Share of the remaining payments due when a lease is broken."
    )
    max_lease_quarters: int = Field(ge=1, le=12, description="Longest lease the market offers.")
    dc_opex_per_mw_quarter: float = Field(
        ge=0, description="Operations cost of a powered MW per quarter, $B (staff, maintenance)."
    )


class TrainingParams(_Model):
    chinchilla_E: float = Field(description="Irreducible loss (Epoch replication fit).")
    chinchilla_A: float
    chinchilla_B: float
    chinchilla_alpha: float
    chinchilla_beta: float
    optimal_tokens_per_parameter: float = Field(
        gt=0, description="D_opt / N_opt at the compute-optimal point (Chinchilla).")
    tokens_per_parameter: float = Field(
        ge=1, le=2000, description="Tokens per parameter of a new run unless the plan says "
                                   "otherwise: the industry's practice, past the optimum.")
    data_stock_tokens: float = Field(
        gt=0, description="Stock of quality training text, tokens.")
    max_epochs: float = Field(
        ge=1, description="Passes over that stock worth nearly as much as fresh data.")
    mfu: float = Field(gt=0, le=1, description="Model FLOPs utilisation of a training run.")
    precision_gain_per_year: float = Field(
        ge=1, description="Yearly gain in training FLOP per H100e-hour beyond dense BF16: lower "
                          "precision (FP8, FP4) and better kernels.")
    mfu_noise: float = Field(ge=0, description="Std of a quarter's relative MFU noise.")
    algo_growth_per_year: float = Field(
        gt=1, description="Frontier algorithmic-efficiency gain per year at reference research."
    )
    research_reference_share: float = Field(
        gt=0, lt=1, description="Research share of compute that yields the frontier gain."
    )
    research_elasticity: float = Field(
        ge=0, le=1, description="Exponent of diminishing returns to research compute."
    )
    headcount_elasticity: float = Field(ge=0, le=1)
    headcount_reference: float = Field(gt=0, description="Staff at which research is 'typical'.")
    algo_spillover: float = Field(
        ge=0, lt=1, description="Share of the gap to the industry's efficiency closed per quarter."
    )
    capability_at_reference: float = Field(description="Capability score of the reference model.")
    reference_effective_flop: float = Field(gt=0, description="Effective FLOP of that model.")
    capability_per_decade: float = Field(
        gt=0, description="Capability points per 10x fall in reducible loss (Elo-like scale)."
    )


class DemandParams(_Model):
    market_start: float = Field(
        gt=0, description="Demand for frontier models at the start: what customers would spend "
                          "a year at the reference price, $B/year.")
    market_ceiling: float = Field(gt=0, description="Logistic ceiling of that demand, $B/year.")
    market_growth_start: float = Field(gt=1, description="Yearly growth of demand at start.")
    capability_weight: float = Field(gt=0, description="Logit utility per 100 capability points.")
    price_weight: float = Field(gt=0, description="Logit utility per unit of log price.")
    overprice_aversion: float = Field(
        ge=1, description="How much more a price above the reference weighs than one below it "
                          "(loss aversion).")
    share_gain_speed: float = Field(
        gt=0, le=1, description="Share of the gap to a higher logit share a lab closes a quarter "
                                "(winning customers is slow: trials, contracts, integrations).")
    share_loss_speed: float = Field(
        gt=0, le=1, description="Share of the gap to a lower logit share a lab loses a quarter "
                                "(losing them is fast); at least share_gain_speed.")
    brand_memory: float = Field(
        ge=0, lt=1, description="Share of an event's pull on customers (a change of the lab's "
                                "share, kept as brand utility) left after a quarter.")
    open_weight_lag_quarters: float = Field(
        ge=0, description="How far open-weight models trail the frontier."
    )
    open_weight_price: float = Field(
        gt=0, description="Price of open-weight serving relative to the frontier reference.")
    open_weight_utility: float = Field(description="Extra utility of the outside option.")
    inference_hours_per_dollar: float = Field(
        gt=0, description="H100e-hours to serve a $ of usage at the reference price, for a model "
                          "the size of the industry's, at the start.")
    inference_size_elasticity: float = Field(
        ge=0, le=2, description="Serving cost grows as (active parameters)^this.")
    serving_efficiency_per_year: float = Field(
        ge=1, description="Yearly fall in the compute to serve a token of a given model "
                          "(batching, quantisation, speculative decoding).")
    reference_price_start: float = Field(
        gt=0, description="List price of the frontier tier at the start, $ per million tokens.")
    demand_noise: float = Field(ge=0, description="Std of quarterly log demand noise.")

    @model_validator(mode="after")
    def _losses_fast(self) -> DemandParams:
        if self.share_loss_speed < self.share_gain_speed:
            raise ValueError(
                f"share_loss_speed ({self.share_loss_speed:g}) must be at least share_gain_speed "
                f"({self.share_gain_speed:g}): customers leave at least as fast as they come, "
                "which keeps every share within 0–1")
        return self


class FinanceParams(_Model):
    staff_cost_per_head_year: float = Field(gt=0, description="Fully loaded, $B per head-year.")
    other_opex_share: float = Field(ge=0, description="Other opex as a share of revenue.")
    base_rate: float = Field(ge=0, description="Risk-free rate, per year.")
    credit_spread: float = Field(ge=0, description="Spread over the base rate, per year.")
    credit_line_runrate: float = Field(ge=0, description="Credit limit per $ of run-rate.")
    round_sentiment_mid: float = Field(description="Sentiment at which a round is a coin flip.")
    round_sentiment_width: float = Field(gt=0)
    max_round_fraction: float = Field(gt=0, description="Largest round as a share of pre-money.")
    max_round_size: float = Field(gt=0, description="Largest round the market can fund, $B.")
    failed_round_hit: float = Field(ge=0, description="Sentiment lost when a round fails.")
    round_discount: float = Field(
        ge=0, lt=1, description="Discount to the mark at which new investors buy, at neutral "
                                "sentiment or better: the cost of equity the holders see.")
    round_discount_low_sentiment: float = Field(
        ge=0, lt=1, description="Extra discount at sentiment 0, rising linearly below 50.")
    vendor_equity_discount: float = Field(
        ge=0, lt=1, description="Discount on the valuation given to a GPU vendor investing."
    )


class ValuationParams(_Model):
    reversion: float = Field(gt=0, lt=1, description="Share of the gap to target closed a quarter.")
    neutral: float = Field(ge=0, le=100, description="Target sentiment with neutral fundamentals.")
    growth_weight: float
    growth_reference: float = Field(
        description="Yearly growth of the market at which the private multiple is "
                    "private_multiple.")
    burn_weight: float
    burn_reference: float = Field(gt=0, description="Burn multiple investors call 'normal'.")
    gap_weight: float = Field(description="Target points per 100 capability points of gap.")
    margin_weight: float
    hype_weight: float
    constrained_hit: float = Field(ge=0, description="Points lost per share of demand unserved.")
    noise: float = Field(ge=0, description="Std of sentiment noise per quarter.")
    hype_reversion: float = Field(gt=0, lt=1)
    hype_volatility: float = Field(ge=0)
    private_multiple: float = Field(
        gt=0, description="Enterprise value over trailing-twelve-month revenue at neutral "
                          "sentiment and reference growth.")
    multiple_sentiment_slope: float = Field(description="Log multiple per 50 points of sentiment.")
    multiple_growth_slope: float = Field(
        description="Log private multiple per unit of log market growth.")
    gross_margin_reference: float = Field(
        gt=0, lt=1, description="The gross margin of a typical lab, which investors compare with.")
    margin_in_value: float = Field(
        ge=0, le=1, description="Weight of the gross margin in what a dollar of revenue is "
                                "worth (0: revenue is revenue).")
    quality_floor: float = Field(
        gt=0, le=1, description="What a dollar of revenue sold at a loss is still worth, at least.")
    mark_speed: float = Field(
        gt=0, le=1, description="Share of the log gap between the private mark and what the "
                                "fundamentals say that closes in a quarter.")
    mark_max_move: float = Field(
        gt=0, description="Largest log change of the private mark in a quarter without a round.")
    public_multiple_per_rule_of_x: float = Field(
        gt=0, description="Public EV / trailing revenue per 100 points of rule of X."
    )
    rule_of_x_growth_weight: float = Field(gt=0, description="Weight of growth vs margin (2–3).")
    multiple_floor: float = Field(gt=0, description="Lowest EV / trailing revenue, any market.")
    multiple_cap: float = Field(gt=0, description="Highest EV / trailing revenue, any market.")


class IpoParams(_Model):
    filing_quarters: int = Field(
        ge=2, le=8, description="Quarters from filing to the book's price range (S-1 review, "
                                "roadshow); at least two.")
    min_sentiment: float = Field(description="Sentiment below which the book cannot be built.")
    min_ttm_revenue: float = Field(
        ge=0, description="Smallest trailing-twelve-month revenue ($B) that can list.")
    ipo_discount: float = Field(
        ge=0, lt=1, description="Discount of the offer price to the public multiple, left for "
                                "the first-day pop.")
    range_width: float = Field(
        gt=0, lt=1, description="Half-width of the price range, a share of its midpoint.")
    listing_noise: float = Field(ge=0, description="Std of the log final price around the range.")
    price_band: float = Field(
        ge=0, lt=1, description="How far outside the range the final price may go, a share.")
    scrutiny: float = Field(ge=1, description="Burn weight multiplier while filed.")
    withdraw_hit: float = Field(ge=0, description="Sentiment lost when a filing is withdrawn.")
    primary_fraction: float = Field(
        ge=0, lt=1, description="New shares sold at listing, a share of the pre-money value."
    )


class OutcomeParams(_Model):
    ousted_sentiment: float = Field(description="Sentiment below which the board loses patience.")
    ousted_quarters: int = Field(ge=1)
    irrelevant_gap: float = Field(gt=0, description="Capability points behind the best rival.")
    irrelevant_quarters: int = Field(ge=1)


class ScoreParams(_Model):
    """Score = ownership × value × weight[outcome]: value is the equity value at the IPO's offer
    price, or the last private mark."""

    ipo: float = 1.0
    horizon: float = 0.5
    running: float = 0.5
    irrelevant: float = 0.1
    ousted: float = 0.05
    bankrupt: float = 0.0


class RivalParams(_Model):
    """A rival lab, read from a pack's rivals.toml."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    model_name: str = Field(description="Model family name used in news, e.g. 'Gemini'.")
    training_flop: float = Field(
        gt=0, description="Training compute of its latest model at the scenario's start, FLOP.")
    compute_growth_per_year: float = Field(gt=1, description="Median yearly growth of compute.")
    compute_volatility: float = Field(ge=0, description="Std of quarterly log10 compute growth.")
    algo_efficiency: float = Field(gt=0, description="Effective FLOP per FLOP at start.")
    tokens_per_parameter: float = Field(
        ge=1, le=2000, description="Training tokens per active parameter of its models: how far "
                                   "past the compute-optimal size it trains to serve cheaply.")
    release_every_quarters: float = Field(gt=0, description="Mean quarters between releases.")
    release_jitter: float = Field(ge=0, le=1, description="Chance a release slips a quarter.")
    next_release_quarter: int = Field(
        ge=1, description="Quarters until its first release (1: in the first quarter)."
    )
    price: float = Field(gt=0, description="Price relative to the market reference.")
    price_cut_when_behind: float = Field(
        ge=0, lt=1, description="Price cut per quarter while its share is falling."
    )
    reaction_to_lead: float = Field(
        ge=0, description="Extra log10 compute growth per quarter while the player leads."
    )
    market_elasticity: float = Field(
        ge=0, le=2, description="How much of a slowdown in the market's growth reaches its "
                                "compute growth (0: none; 1: in proportion, in logs).")
    runrate: float = Field(
        gt=0, description="Annualised revenue at start, $B/year; calibrates its brand."
    )
    cost_per_flop_fall_per_year: float = Field(
        gt=1, description="Yearly fall of its training cost per FLOP."
    )
    cost_per_flop: float = Field(gt=0, description="$ per training FLOP at start.")


class StartState(_Model):
    """The player's lab at the scenario's first quarter."""

    cash: float = Field(description="$B")
    debt: float = Field(ge=0, description="$B drawn on the credit line")
    ownership: float = Field(gt=0, le=1, description="Share held by the founders and employees.")
    headcount: float = Field(gt=0)
    owned_gpus: dict[str, float] = Field(description="GPUs owned per generation name.")
    gpu_book_value: float = Field(ge=0, description="$B book value of the owned fleet.")
    gpu_remaining_life_quarters: int = Field(ge=1)
    leased_h100e: float = Field(ge=0)
    lease_price: float = Field(gt=0, description="Locked $/H100e-hour of the existing leases.")
    lease_quarters_left: int = Field(ge=0, le=12)
    dc_mw: float = Field(ge=0, description="Powered data-center MW the lab owns.")
    dc_book_value: float = Field(ge=0)
    dc_pipeline_mw: list[float] = Field(
        default_factory=list, description="MW coming online in the next quarters, in order."
    )
    runrate: float = Field(gt=0, description="$B/year at start.")
    runrate_growth: float = Field(gt=0, description="Run-rate growth over the previous year.")
    capability_flop: float = Field(gt=0, description="Effective FLOP of its released model.")
    model_parameters: float = Field(
        gt=0, description="Active parameters of the served model; with capability_flop and "
                          "algo_efficiency it gives the tokens per parameter it was trained on.")
    algo_efficiency: float = Field(gt=0, description="Effective FLOP per FLOP at start.")
    run_target_flop: float = Field(ge=0, description="Target compute of a run in progress.")
    run_progress: float = Field(ge=0, le=1, description="Share of that run already done.")
    sentiment: float = Field(ge=0, le=100)
    gross_margin: float = Field(ge=-5, le=1, description="Gross margin of the last quarter.")
    price: float = Field(gt=0, description="Price relative to the market reference.")
    vendor_credit: float = Field(ge=0, description="$B of vendor financing usable for GPUs.")
    burn: float = Field(description="Net cash used by operations and capex in each of the last "
                                    "four quarters, $B (negative: cash generated).")
    hype: float = Field(0.0, ge=-3, le=3, description="Log of the market-wide hype index at "
                                                      "the start (0 neutral, +0.3 frothy).")


class Scenario(_Model):
    """A scenario as the engine needs it; narrative fields belong to game.packs."""

    id: str
    title: str
    start_year: int = Field(ge=2000, le=2100)
    start_quarter: int = Field(ge=1, le=4)
    horizon_quarters: int = Field(ge=1, le=40)
    start: StartState
    outcome: OutcomeParams
    score: ScoreParams = ScoreParams()
    disabled_actions: tuple[str, ...] = Field(
        (), description="Plan fields the player cannot change from their defaults here."
    )


class EconomyParams(_Model):
    """Everything the engine needs about the world, validated once when a pack loads."""

    gpus: list[GpuGeneration] = Field(min_length=1, max_length=MAX_GPU_GENERATIONS)
    market: MarketParams
    fleet: FleetParams
    training: TrainingParams
    demand: DemandParams
    finance: FinanceParams
    valuation: ValuationParams
    ipo: IpoParams
    rivals: list[RivalParams] = Field(min_length=1)
    scenario: Scenario
    _compiled: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> EconomyParams:
        names = [g.name for g in self.gpus]
        if len(set(names)) != len(names):
            raise ValueError(f"GPU generation names must be unique, got {names}")
        ids = [r.id for r in self.rivals]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rival ids must be unique, got {ids}")
        unknown = set(self.scenario.start.owned_gpus) - set(names)
        if unknown:
            raise ValueError(
                f"the scenario owns GPUs of unknown generation {sorted(unknown)}; known: {names}"
            )
        return self

    def gpu_index(self, name: str) -> int:
        for i, g in enumerate(self.gpus):
            if g.name == name:
                return i
        raise KeyError(name)

    @property
    def start_index(self) -> int:
        """The scenario's first quarter as a calendar index (``quarter_index``)."""
        return self.scenario.start_year * 4 + self.scenario.start_quarter - 1

    def calendar(self, quarter: int) -> str:
        """The calendar label ('2026Q3') of a quarter index counted from the scenario's start."""
        q0 = self.start_index + quarter
        return f"{q0 // 4}Q{q0 % 4 + 1}"
