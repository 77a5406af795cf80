"""Engine invariants under random plans: the books balance, nothing blows up, nothing goes negative.

Two sources of plans drive the engine:
- ``plans(W)``, a hypothesis strategy (every Plan field, scalars or one value per world, including
  GPU generations not yet on sale, which the engine must trim), over a few consecutive quarters;
- ``random_plan``, a seeded numpy generator, for the acceptance run of 1,000+ plans × 200 worlds
  (hypothesis would spend most of its time generating 200-long arrays).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from game.engine import (
    METRICS,
    EconomyParams,
    Ledger,
    Plan,
    Rng,
    State,
    compile_economy,
    initial_state,
    step,
)
from game.packs import load_economy

# Metric -> State attribute it decomposes.
METRIC_ATTR = {
    "cash": "cash",
    "sentiment": "sentiment",
    "valuation": "valuation",
    "revenue": "revenue",
    "capability": "capability",
    "ownership": "ownership",
    "debt": "debt",
}
IPO_ACTIONS = ("hold", "file", "withdraw", "accept")
HYPOTHESIS_WORLDS = 6
ACCEPTANCE_WORLDS = 200
ACCEPTANCE_GAMES = 63  # × 16 quarters = 1,008 plans


@lru_cache(maxsize=1)
def _gpu_names() -> tuple[str, ...]:
    """Every generation of the base pack, including those not on sale at quarter 0."""
    return tuple(g.name for g in load_economy().gpus)


# ---------------------------------------------------------------------------------------------
# Plans: hypothesis
# ---------------------------------------------------------------------------------------------

Number = float | np.ndarray


def _finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _amount(n_worlds: int, hi: float) -> st.SearchStrategy[Number]:
    """A non-negative quantity up to ``hi``: zero, one number, or one number per world."""
    element = st.one_of(st.just(0.0), _finite(0.0, hi))
    return st.one_of(
        st.just(0.0),
        _finite(0.0, hi),
        hnp.arrays(np.float64, n_worlds, elements=element),
    )


def _run_flop(n_worlds: int) -> st.SearchStrategy[Number]:
    """0 (no new run) or a target of 1e24..1e29 FLOP, scalar or per world."""
    element = st.one_of(st.just(0.0), _finite(1e24, 1e29))
    return st.one_of(element, hnp.arrays(np.float64, n_worlds, elements=element))


def _signed(n_worlds: int, lo: float, hi: float) -> st.SearchStrategy[Number]:
    return st.one_of(_finite(lo, hi), hnp.arrays(np.float64, n_worlds, elements=_finite(lo, hi)))


@st.composite
def _allocation(draw: st.DrawFn, n_worlds: int) -> tuple[Number, Number, Number]:
    """Training / inference / research shares: three non-negative draws, normalised to 1."""
    if draw(st.booleans()):
        raw = draw(hnp.arrays(np.float64, (n_worlds, 3), elements=_finite(0.0, 1.0)))
    else:
        raw = np.array([draw(st.tuples(_finite(0.0, 1.0), _finite(0.0, 1.0),
                                       _finite(0.0, 1.0)))])
    total = raw.sum(axis=1, keepdims=True)
    shares = np.where(total > 1e-9, raw / np.where(total > 1e-9, total, 1.0),
                      np.array([[0.35, 0.5, 0.15]]))
    if shares.shape[0] == 1:
        return float(shares[0, 0]), float(shares[0, 1]), float(shares[0, 2])
    return shares[:, 0].copy(), shares[:, 1].copy(), shares[:, 2].copy()


@st.composite
def plans(draw: st.DrawFn, n_worlds: int, gpu_names: Sequence[str] | None = None) -> Plan:
    """A random but valid Plan for a batch of ``n_worlds`` (every field, scalar or per world)."""
    names = list(gpu_names or _gpu_names())
    training, inference, research = draw(_allocation(n_worlds))
    orders = draw(st.dictionaries(st.sampled_from(names), _amount(n_worlds, 2e6),
                                  max_size=len(names)))
    sales = draw(st.dictionaries(st.sampled_from(names), _amount(n_worlds, 5e5),
                                 max_size=len(names)))
    ipo = draw(st.one_of(st.sampled_from(IPO_ACTIONS),
                         hnp.arrays(np.int8, n_worlds, elements=st.integers(0, 3))))
    return Plan(
        gpu_orders=orders,
        sell_gpus=sales,
        tokens_per_parameter=draw(st.one_of(st.none(), _finite(1.0, 2000.0))),
        lease_h100e=draw(_amount(n_worlds, 5e6)),
        lease_quarters=draw(st.integers(1, 12)),
        break_lease_h100e=draw(_amount(n_worlds, 5e6)),
        spot_h100e=draw(_amount(n_worlds, 5e6)),
        datacenter_mw=draw(_amount(n_worlds, 2e4)),
        training=training,
        inference=inference,
        research=research,
        start_run_flop=draw(_run_flop(n_worlds)),
        cancel_run=draw(st.one_of(st.booleans(), hnp.arrays(np.bool_, n_worlds))),
        price=draw(st.one_of(_finite(0.1, 10.0),
                             hnp.arrays(np.float64, n_worlds, elements=_finite(0.1, 10.0)))),
        hire=draw(_signed(n_worlds, -1000.0, 1000.0)),
        raise_equity=draw(_amount(n_worlds, 1e4)),
        vendor_equity=draw(_amount(n_worlds, 1e4)),
        draw_debt=draw(_amount(n_worlds, 1e4)),
        repay_debt=draw(_amount(n_worlds, 1e4)),
        ipo=ipo,
    )


@dataclass(frozen=True)
class Game:
    """A few consecutive quarters of plans from a start quarter, under one seed."""

    seed: int
    start_quarter: int
    plans: list[Plan]


def games(n_worlds: int) -> st.SearchStrategy[Game]:
    # Starting as late as quarter 10 puts Rubin (q3) and Feynman (q9) on sale in some games and
    # leaves them as unavailable orders in others.
    return st.builds(
        Game,
        seed=st.integers(0, 2**64 - 1),
        start_quarter=st.integers(0, 10),
        plans=st.lists(plans(n_worlds), min_size=1, max_size=4),
    )


def play_plans(params: EconomyParams, game: Game, n_worlds: int) -> Iterator[
        tuple[int, State, State, Ledger]]:
    """Step the scenario through the game's plans; yields (quarter, before, after, ledger)."""
    econ = compile_economy(params)
    state = initial_state(params, n_worlds)
    rng = Rng.for_batch(game.seed, n_worlds)
    for i, plan in enumerate(game.plans):
        q = game.start_quarter + i
        new, ledger = step(state, plan, econ, rng, q)
        yield q, state, new, ledger
        state = new


# ---------------------------------------------------------------------------------------------
# Checks shared by the hypothesis tests and the acceptance run
# ---------------------------------------------------------------------------------------------


def ledger_residuals(before: State, after: State, ledger: Ledger) -> dict[str, float]:
    """Per metric, the largest |change − Σ contributions| / max(1, |value|) over worlds."""
    out = {}
    for metric in METRICS:
        attr = METRIC_ATTR[metric]
        old, new = getattr(before, attr), getattr(after, attr)
        scale = np.maximum(1.0, np.maximum(np.abs(old), np.abs(new)))
        resid = np.abs((new - old) - ledger.total(metric)) / scale
        out[metric] = float(np.max(resid))
    return out


def nonfinite(state: State, ledger: Ledger) -> list[str]:
    """Names of float state arrays and ledger contributions holding NaN or inf."""
    bad = [f"state.{name}" for name, arr in state.arrays().items()
           if np.asarray(arr).dtype.kind == "f" and not np.all(np.isfinite(arr))]
    for metric, book in ledger.entries.items():
        bad += [f"ledger[{metric}][{name}]" for name, values in book.items()
                if not np.all(np.isfinite(np.asarray(values, dtype=float)))]
    return bad


def bound_violations(s: State) -> list[str]:
    """Prices, capacities, shares, revenue and valuation that left their domain, with the
    offending extreme value."""
    vp = load_economy().valuation
    labs = s.share * (1.0 - s.unserved) + s.rival_share.sum(axis=1)
    ttm = s.ttm_revenue
    equity = s.enterprise_value + s.cash + s.vendor_credit - s.debt
    listed = s.ipo_stage == 3
    checks: list[tuple[str, np.ndarray, np.ndarray]] = [
        ("0 <= share <= 1", s.share, (s.share >= 0) & (s.share <= 1)),
        ("0 <= rival_share <= 1", s.rival_share, (s.rival_share >= 0) & (s.rival_share <= 1)),
        ("the labs' served shares sum to at most 1 (open weights hold the rest)", labs,
         labs <= 1.0 + 1e-12),
        ("revenue <= spending / 4 (a share of the market, never more)",
         s.revenue - s.spending / 4.0, s.revenue <= s.spending / 4.0 * (1 + 1e-12) + 1e-15),
        ("valuation = enterprise value + cash + vendor credit - debt", s.valuation - equity,
         np.abs(s.valuation - equity) <= 1e-9 * np.maximum(1.0, np.abs(equity))),
        ("a listing's multiple within its floor and cap", s.enterprise_value / np.maximum(
            ttm, 1e-9), ~listed | (s.enterprise_value <= vp.multiple_cap * ttm * (1 + 1e-9))),
        ("enterprise value > 0", s.enterprise_value, s.enterprise_value > 0),
        ("gpu_book >= 0", s.gpu_book, s.gpu_book >= 0),
        ("rental_price > 0", s.rental_price, s.rental_price > 0),
        ("capacity >= 0", s.capacity, s.capacity >= 0),
        ("owned >= 0", s.owned, s.owned >= 0),
        ("lease_qty >= 0", s.lease_qty, s.lease_qty >= 0),
        ("dc_mw >= 0", s.dc_mw, s.dc_mw >= 0),
        ("market > 0", s.market, s.market > 0),
        ("rival_price > 0", s.rival_price, s.rival_price > 0),
        ("revenue >= 0", s.revenue, s.revenue >= 0),
        ("debt >= 0", s.debt, s.debt >= 0),
        ("0 < ownership <= 1", s.ownership, (s.ownership > 0) & (s.ownership <= 1)),
        ("0 <= sentiment <= 100", s.sentiment, (s.sentiment >= 0) & (s.sentiment <= 100)),
    ]
    out = []
    for label, values, ok in checks:
        if not np.all(ok):
            worst = values[~ok]
            out.append(f"{label}: got {worst.min()!r} .. {worst.max()!r} in {worst.size} cells")
    return out


# ---------------------------------------------------------------------------------------------
# Hypothesis properties
# ---------------------------------------------------------------------------------------------


@given(game=games(HYPOTHESIS_WORLDS))
def test_cash_change_equals_cash_ledger(params: EconomyParams, game: Game) -> None:
    """Cash moves only through named ledger lines: Δcash = Σ cash contributions to 1e-9 $B."""
    for q, before, after, ledger in play_plans(params, game, HYPOTHESIS_WORLDS):
        gap = np.abs((after.cash - before.cash) - ledger.total("cash"))
        assert np.all(gap <= 1e-9), (
            f"quarter {q}: cash change differs from its ledger by {gap.max():.3e} $B "
            f"(cash {before.cash} -> {after.cash})"
        )


@given(game=games(HYPOTHESIS_WORLDS))
def test_every_metric_change_equals_its_contributions(params: EconomyParams, game: Game) -> None:
    """Each headline metric's change is the sum of its ledger contributions (1e-9 relative)."""
    for q, before, after, ledger in play_plans(params, game, HYPOTHESIS_WORLDS):
        resid = ledger_residuals(before, after, ledger)
        off = {m: r for m, r in resid.items() if r > 1e-9}
        assert not off, f"quarter {q}: ledger does not sum to the change: {off}"


@given(game=games(HYPOTHESIS_WORLDS))
def test_prices_and_capacities_stay_in_domain(params: EconomyParams, game: Game) -> None:
    """Prices stay positive, capacities non-negative, ownership in (0, 1], sentiment in [0, 100]."""
    for q, _, after, ledger in play_plans(params, game, HYPOTHESIS_WORLDS):
        assert not bound_violations(after), f"quarter {q}: {bound_violations(after)}"
        assert not nonfinite(after, ledger), f"quarter {q}: {nonfinite(after, ledger)}"


# ---------------------------------------------------------------------------------------------
# Acceptance: 1,000 random plans × 200 worlds
# ---------------------------------------------------------------------------------------------


def random_plan(gen: np.random.Generator, n_worlds: int, gpu_names: Sequence[str]) -> Plan:
    """A random valid Plan: log-uniform amounts, often zero, often one value per world."""

    def amount(hi: float) -> Number:
        if gen.random() < 0.5:  # one value for every world
            return 0.0 if gen.random() < 0.3 else float(hi * 10.0 ** -gen.uniform(0.0, 4.0))
        values = hi * 10.0 ** -gen.uniform(0.0, 4.0, n_worlds)
        return np.where(gen.random(n_worlds) < 0.3, 0.0, values)

    def tokens() -> Number | None:
        if gen.random() < 0.3:
            return None
        values = 10.0 ** gen.uniform(0.0, np.log10(2000.0), n_worlds)
        return float(values[0]) if gen.random() < 0.5 else values

    def run_flop() -> Number:
        values = 10.0 ** gen.uniform(24.0, 29.0, n_worlds)
        values = np.where(gen.random(n_worlds) < 0.5, 0.0, values)
        return float(values[0]) if gen.random() < 0.5 else values

    raw = gen.random((n_worlds, 3)) ** 2
    shares = raw / raw.sum(axis=1, keepdims=True)
    if gen.random() < 0.5:
        training, inference, research = (float(x) for x in shares[0])
    else:
        training, inference, research = (shares[:, i].copy() for i in range(3))
    k = int(gen.integers(0, len(gpu_names) + 1))
    chosen = gen.choice(list(gpu_names), size=k, replace=False)
    ipo: str | np.ndarray = (str(gen.choice(IPO_ACTIONS)) if gen.random() < 0.5
                             else gen.integers(0, 4, n_worlds).astype(np.int8))
    sold = gen.choice(list(gpu_names), size=int(gen.integers(0, 3)), replace=False)
    cancel: bool | np.ndarray = (bool(gen.random() < 0.1) if gen.random() < 0.5
                                 else gen.random(n_worlds) < 0.1)
    price: Number = (float(gen.uniform(0.1, 10.0)) if gen.random() < 0.5
                     else 10.0 ** gen.uniform(-1.0, 1.0, n_worlds))
    hire: Number = (float(gen.uniform(-1000, 1000)) if gen.random() < 0.5
                    else gen.uniform(-1000, 1000, n_worlds))
    return Plan(
        gpu_orders={str(name): amount(2e6) for name in chosen},
        sell_gpus={str(name): amount(3e5) for name in sold},
        tokens_per_parameter=tokens(),
        lease_h100e=amount(5e6),
        lease_quarters=int(gen.integers(1, 13)),
        break_lease_h100e=amount(5e6),
        spot_h100e=amount(5e6),
        datacenter_mw=amount(2e4),
        training=training,
        inference=inference,
        research=research,
        start_run_flop=run_flop(),
        cancel_run=cancel,
        price=price,
        hire=hire,
        raise_equity=amount(1e4),
        vendor_equity=amount(1e4),
        draw_debt=amount(1e4),
        repay_debt=amount(1e4),
        ipo=ipo,
    )


@dataclass
class RandomPlay:
    """What the acceptance run saw, collected once for several tests."""

    plans: int = 0
    world_quarters_alive: int = 0
    nonfinite: list[str] = field(default_factory=list)
    out_of_bounds: list[str] = field(default_factory=list)
    worst_residual: dict[str, float] = field(default_factory=lambda: dict.fromkeys(METRICS, 0.0))


@pytest.fixture(scope="module")
def random_play(params: EconomyParams) -> RandomPlay:
    """63 games × 16 quarters of random plans on 200 worlds, from a fixed numpy seed."""
    econ = compile_economy(params)
    gen = np.random.default_rng(20260101)
    horizon = params.scenario.horizon_quarters
    seen = RandomPlay()
    for g in range(ACCEPTANCE_GAMES):
        state = initial_state(params, ACCEPTANCE_WORLDS)
        rng = Rng.for_batch(int(gen.integers(0, 2**63)), ACCEPTANCE_WORLDS)
        for q in range(horizon):
            plan = random_plan(gen, ACCEPTANCE_WORLDS, econ.gpu_names)
            seen.world_quarters_alive += int(state.running.sum())
            new, ledger = step(state, plan, econ, rng, q)
            seen.plans += 1
            seen.nonfinite += [f"game {g} quarter {q}: {x}" for x in nonfinite(new, ledger)]
            seen.out_of_bounds += [f"game {g} quarter {q}: {x}" for x in bound_violations(new)]
            for metric, r in ledger_residuals(state, new, ledger).items():
                seen.worst_residual[metric] = max(seen.worst_residual[metric], r)
            state = new
    return seen


def test_no_nan_or_inf_over_1000_random_plans(random_play: RandomPlay) -> None:
    """Acceptance: no NaN or inf in any state array or ledger line over 1,000 plans × 200 worlds."""
    assert random_play.plans >= 1000
    # Not vacuous: a good share of world-quarters were still being played.
    assert random_play.world_quarters_alive >= 0.2 * random_play.plans * ACCEPTANCE_WORLDS
    assert not random_play.nonfinite, random_play.nonfinite[:10]


def test_no_negative_prices_or_capacities_over_1000_random_plans(random_play: RandomPlay) -> None:
    """Prices stay positive and quantities non-negative over the acceptance run."""
    assert not random_play.out_of_bounds, random_play.out_of_bounds[:10]


def test_ledger_balances_over_1000_random_plans(random_play: RandomPlay) -> None:
    """Every metric's ledger sums to its change over the acceptance run (1e-9 relative)."""
    off = {m: r for m, r in random_play.worst_residual.items() if r > 1e-9}
    assert not off, off


_signed_floats = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1e-13, -1e-13, 5e-12, 1e-10, -1e-10]))  # around the threshold


@given(total=_signed_floats, parts=st.lists(_signed_floats, min_size=1, max_size=5),
       other=st.floats(-1e3, 1e3, allow_nan=False))
def test_one_world_splits_a_change_as_a_batch_does(total: float, parts: list[float],
                                                   other: float) -> None:
    """The ledger's split of a change among its causes, for the live game's one world alone and
    for that world in a batch: the same numbers, signs of zero included."""
    from game.engine.step import _split

    names = [f"cause {k}" for k in range(len(parts))]
    alone = _split(np.array([total]), {n: np.array([v]) for n, v in zip(names, parts,
                                                                        strict=True)})
    batch = _split(np.array([other, total, other]),
                   {n: np.array([other, v, -other]) for n, v in zip(names, parts, strict=True)})
    assert list(alone) == list(batch)
    for name, values in batch.items():
        assert values[1] == alone[name][0] or (np.isnan(values[1]) and np.isnan(alone[name][0]))
        assert np.signbit(values[1]) == np.signbit(alone[name][0]), name


# ---------------------------------------------------------------------------------------------
# No value from nowhere
# ---------------------------------------------------------------------------------------------


def _stake(state: State) -> np.ndarray:
    """What the holders' stake is worth: ownership × equity value."""
    return state.ownership * state.valuation


@given(game=games(HYPOTHESIS_WORLDS), raise_f=st.floats(0.5, 200.0),
       vendor=st.floats(0.0, 50.0))
def test_a_round_never_makes_the_holders_richer(params: EconomyParams, game: Game,
                                                raise_f: float, vendor: float) -> None:
    """Raising money is a choice of runway against dilution, never value from nowhere: at the
    moment of the round (the mark it is priced at, plus what it brings), the holders' stake is
    worth at most what it was, since new investors buy at a discount to the mark; and the
    company's equity value grows by exactly what the round brings (post-money = pre-money +
    the raise)."""
    econ = compile_economy(params)
    state = initial_state(params, HYPOTHESIS_WORLDS)
    rng = Rng.for_batch(game.seed, HYPOTHESIS_WORLDS)
    plan = game.plans[0].model_copy(update={"raise_equity": raise_f, "vendor_equity": vendor})
    _, ledger = step(state, plan, econ, rng, 0)
    own = ledger.entries["ownership"]
    keep = state.ownership + own["equity round"] + own["vendor financing"]
    vendor_granted = np.where(own["vendor financing"] < 0, np.minimum(
        vendor, params.finance.max_round_fraction * state.valuation), 0.0)
    post = state.valuation + ledger.entries["cash"]["equity raised"] + vendor_granted
    assert np.all(keep * post <= state.ownership * state.valuation * (1 + 1e-12))
    assert np.all(keep <= state.ownership)
    assert np.all(ledger.entries["cash"]["equity raised"] >= 0)


@given(game=games(HYPOTHESIS_WORLDS), sell=st.floats(1.0, 3e5))
def test_selling_gpus_never_creates_value(params: EconomyParams, game: Game,
                                          sell: float) -> None:
    """A GPU sold fetches less than it was worth to the business (the haircut): the cash it
    brings never exceeds what the enterprise value loses with it. (What it no longer costs to
    run, its power and depreciation, is a saving of the quarters after, not value from
    nowhere.)"""
    econ = compile_economy(params)
    state = initial_state(params, HYPOTHESIS_WORLDS)
    rng = Rng.for_batch(game.seed, HYPOTHESIS_WORLDS)
    plan = game.plans[0].model_copy(update={"sell_gpus": {"H100": sell}})
    after, ledger = step(state, plan, econ, rng, 0)
    proceeds = ledger.entries["cash"]["GPU sales"]
    lost = ledger.entries["valuation"]["GPUs sold"]
    assert np.all(proceeds > 0) and np.all(lost < 0)
    assert np.all(proceeds + lost <= 1e-12)
    assert np.all(after.owned[:, params.gpu_index("H100")]
                  < state.owned[:, params.gpu_index("H100")])


@given(game=games(HYPOTHESIS_WORLDS))
def test_private_marks_never_double_or_halve_in_a_quarter(params: EconomyParams,
                                                          game: Game) -> None:
    """Without a listing or a GPU sale, the private mark moves at most ``mark_max_move`` (in
    logs) a quarter: no private valuation doubles or halves on one quarter's figures."""
    cap = params.valuation.mark_max_move
    for q, before, after, ledger in play_plans(params, game, HYPOTHESIS_WORLDS):
        quiet = ((after.ipo_stage != 3) & (ledger.entries["cash"]["GPU sales"] == 0)
                 & (before.outcome == 0))
        move = np.abs(np.log(after.enterprise_value / before.enterprise_value))
        assert np.all(move[quiet] <= cap + 1e-12), f"quarter {q}: {move[quiet].max():.3f}"


# ---------------------------------------------------------------------------------------------
# Adversarial plans: the adversary's own families, at their corners and at random points
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family_name", ["fixed plan", "schedule", "policy"])
def test_invariants_hold_under_the_adversarys_plans(params: EconomyParams,
                                                    family_name: str) -> None:
    """The plans an optimiser reaches for (every number at its low or high end: a price of 10×
    or 0.1×, filing and accepting at once, the largest rounds, selling every GPU, all compute
    to one use) keep every invariant: the books balance, shares stay shares, revenue stays
    inside its market, equity value is its parts, nothing turns non-finite."""
    from game.bots.adversary import FIXED, POLICY, SCHEDULE

    family = {f.name: f for f in (FIXED, SCHEDULE, POLICY)}[family_name]
    gen = np.random.default_rng(14)
    n = len(family.dims)
    points = [np.zeros(n), np.ones(n), *(gen.integers(0, 2, n).astype(float) for _ in range(4)),
              *(gen.random(n) for _ in range(4))]
    for x in points:
        problems = _problems_in_play(params, family.policy(x, params), worlds=40)
        assert not problems, f"{family.describe(x)}: {problems[:3]}"


def _problems_in_play(params: EconomyParams, policy: object, worlds: int) -> list[str]:
    """Every broken invariant, quarter by quarter, of a policy's game with events."""
    from game.bots import play

    previous = [initial_state(params, worlds)]
    problems: list[str] = []

    def observe(q: int, after: State, ledger: Ledger) -> None:
        residual = {m: r for m, r in ledger_residuals(previous[0], after, ledger).items()
                    if r > 1e-9}
        problems.extend(f"quarter {q}: {p}" for p in bound_violations(after))
        problems.extend(f"quarter {q}: {p}" for p in nonfinite(after, ledger))
        if residual:
            problems.append(f"quarter {q}: the ledger misses {residual}")
        previous[0] = after

    play(params, policy, 3, worlds, observe=observe)
    return problems
