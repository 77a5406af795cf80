"""The adversary: the strongest strategies a search can find, to hold the economics to account.

``frontier-lab balance --adversary`` searches three families of strategies in every scenario,
with CMA-ES (the ``cma`` library: an evolution strategy for noisy, non-smooth objectives) on the
mean score over a fixed set of worlds (common random numbers, so candidates meet the same luck):

- **fixed plan**: one plan played every quarter, every field of a plan TOML searched (GPU orders
  and sales by generation, leases, spot, data centers, the allocation, runs and their size, price,
  hiring, equity, vendor financing, debt, the IPO action). The plans that once broke the game
  (a 10x price and an IPO filed at once, among others) start the search.
- **schedule**: the adaptive bot with its price replaced by a path through five knots over the
  horizon, its filing quarter and the book it accepts searched.
- **policy**: the bots' own decision procedure (``strategies.decide``) with every number of its
  ``Stance`` searched: price path, IPO timing, capacity cover, the compute split, model size,
  raise size and more.

The best candidate of each search is then played again on worlds the search never saw, beside
the bots on the same worlds, so its figures are not flattered by the luck it was chosen on.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from game.bots.runner import play
from game.bots.strategies import STRATEGIES, Stance, Strategy, decide
from game.engine import Economy, EconomyParams, Plan, State
from game.engine.plan import IPO_ACTIONS
from game.engine.step import QuarterHook

with warnings.catch_warnings():  # cma mentions, on import, that matplotlib is not installed
    warnings.simplefilter("ignore")
    import cma


@dataclass(frozen=True)
class Dim:
    """One searched number: the search moves in [0, 1], mapped here to the number's range."""

    name: str
    low: float = 0.0
    high: float = 1.0
    kind: str = "lin"  # lin | log | int | cat
    choices: tuple[Any, ...] = ()

    def value(self, u: float) -> Any:
        u = min(max(float(u), 0.0), 1.0)
        if self.kind == "cat":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.kind == "log":  # kept in range: exp(log) can land an ulp outside it
            v = float(np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low))))
            return min(max(v, self.low), self.high)
        v = self.low + u * (self.high - self.low)
        return round(v) if self.kind == "int" else float(v)

    def position(self, value: Any) -> float:
        """The inverse of ``value``: where a known number sits in [0, 1]."""
        if self.kind == "cat":
            return (self.choices.index(value) + 0.5) / len(self.choices)
        if self.kind == "log":
            return float((np.log(value) - np.log(self.low)) / (np.log(self.high)
                                                                 - np.log(self.low)))
        return (float(value) - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class FixedPlan:
    """A policy that plays the same plan every quarter."""

    fixed: Plan
    name: str = "fixed plan"
    description: str = "the same plan every quarter"

    def plan(self, state: State, econ: Economy) -> Plan:
        return self.fixed


@dataclass(frozen=True)
class Scheduled:
    """The adaptive bot with a price path, a filing quarter and a book it accepts."""

    stance: Stance
    knots: tuple[float, ...]  # prices at evenly spaced quarters of the horizon
    horizon: int
    name: str = "schedule"
    description: str = "the adaptive bot with a searched price path and IPO timing"

    def price(self, quarter: int) -> float:
        at = np.linspace(0, max(self.horizon - 1, 1), len(self.knots))
        return float(np.exp(np.interp(quarter, at, np.log(self.knots))))

    def plan(self, state: State, econ: Economy) -> Plan:
        st = replace(self.stance, price=self.price(state.quarter), price_drift=0.0,
                     price_margin=-1.0, price_when_short=0.0)
        return decide(st, state, econ)


@dataclass(frozen=True)
class Family:
    """A family of strategies: its searched numbers and the policy a point of them makes."""

    name: str
    dims: tuple[Dim, ...]
    make: Callable[[dict[str, Any], EconomyParams], Any]
    starts: tuple[dict[str, Any], ...] = ()  # known points the search begins with

    def policy(self, x: Sequence[float], params: EconomyParams) -> Any:
        return self.make({d.name: d.value(u) for d, u in zip(self.dims, x, strict=True)}, params)

    def encode(self, values: dict[str, Any]) -> np.ndarray:
        """A known point (missing numbers at the middle of their range) in search coordinates."""
        return np.array([min(max(d.position(values[d.name]), 0.0), 1.0) if d.name in values
                         else 0.5 for d in self.dims])

    def describe(self, x: Sequence[float]) -> dict[str, Any]:
        return {d.name: d.value(u) for d, u in zip(self.dims, x, strict=True)}


# --- the three families -------------------------------------------------------------------------

GPU_NAMES = ("A100", "H100", "H200", "B200", "Rubin", "Feynman")


def _fixed_plan(v: dict[str, Any], params: EconomyParams) -> FixedPlan:
    shares = np.array([v["training"], v["inference"], v["research"]])
    shares = shares / shares.sum()
    names = [g.name for g in params.gpus]
    run = 10.0 ** v["start_run_log10"] if v["start_run_log10"] > 25.0 else 0.0
    return FixedPlan(Plan(
        gpu_orders={n: v[f"buy_{n}"] for n in names if f"buy_{n}" in v and v[f"buy_{n}"] >= 1},
        sell_gpus={n: v[f"sell_{n}"] for n in names if f"sell_{n}" in v and v[f"sell_{n}"] >= 1},
        lease_h100e=v["lease_h100e"], lease_quarters=v["lease_quarters"],
        break_lease_h100e=v["break_lease_h100e"], spot_h100e=v["spot_h100e"],
        datacenter_mw=v["datacenter_mw"], training=float(shares[0]),
        inference=float(shares[1]), research=1.0 - float(shares[0]) - float(shares[1]),
        start_run_flop=run, tokens_per_parameter=v["tokens_per_parameter"],
        cancel_run=v["cancel_run"], price=v["price"], hire=v["hire"],
        raise_equity=v["raise_equity"], vendor_equity=v["vendor_equity"],
        draw_debt=v["draw_debt"], repay_debt=v["repay_debt"], ipo=v["ipo"]))


def _count(name: str, high: float) -> Dim:
    """GPUs or H100e: zero at the bottom fifth of the range, then log-spaced up to ``high``."""
    return Dim(name, 0.0, high, "lin") if high <= 1 else Dim(name, 1.0, high, "log")


FIXED = Family("fixed plan", (
    *(Dim(f"buy_{n}", 0.5, 1e6, "log") for n in GPU_NAMES),
    *(Dim(f"sell_{n}", 0.5, 2e5, "log") for n in GPU_NAMES),
    Dim("lease_h100e", 1.0, 4e6, "log"),
    Dim("lease_quarters", 1, 12, "int"),
    Dim("break_lease_h100e", 1.0, 2e6, "log"),
    Dim("spot_h100e", 1.0, 2e6, "log"),
    Dim("datacenter_mw", 0.0, 2000.0),
    Dim("training", 0.02, 1.0),
    Dim("inference", 0.02, 1.0),
    Dim("research", 0.02, 1.0),
    Dim("start_run_log10", 25.0, 30.0),
    Dim("tokens_per_parameter", 5.0, 2000.0, "log"),
    Dim("cancel_run", kind="cat", choices=(False, True)),
    Dim("price", 0.1, 10.0, "log"),
    Dim("hire", -300.0, 300.0),
    Dim("raise_equity", 0.0, 120.0),
    Dim("vendor_equity", 0.0, 60.0),
    Dim("draw_debt", 0.0, 60.0),
    Dim("repay_debt", 0.0, 60.0),
    Dim("ipo", kind="cat", choices=IPO_ACTIONS),
), _fixed_plan, starts=(
    # The two-line plan that once won every world, and its cousins.
    {"price": 10.0, "ipo": "file", "training": 0.35, "inference": 0.5, "research": 0.15},
    {"price": 3.0, "ipo": "file", "training": 0.1, "inference": 0.5, "research": 0.4},
    {"price": 1.0, "ipo": "hold", "training": 0.1, "inference": 0.5, "research": 0.4},
    {"price": 1.0, "ipo": "accept", "training": 0.1, "inference": 0.5, "research": 0.4},
))

BASE_STANCE = STRATEGIES["adaptive"].stance
KNOTS = 5


def _scheduled(v: dict[str, Any], params: EconomyParams) -> Scheduled:
    stance = replace(BASE_STANCE, file_quarter=v["file_quarter"], file_ttm=0.0,
                     file_sentiment=0.0, accept_ratio=v["accept_ratio"])
    return Scheduled(stance, tuple(v[f"price_{k}"] for k in range(KNOTS)),
                     params.scenario.horizon_quarters)


SCHEDULE = Family("schedule", (
    *(Dim(f"price_{k}", 0.3, 5.0, "log") for k in range(KNOTS)),
    Dim("file_quarter", 0, 16, "int"),
    Dim("accept_ratio", 0.0, 1.5),
), _scheduled, starts=(
    {**{f"price_{k}": 1.0 for k in range(KNOTS)}, "file_quarter": 6, "accept_ratio": 0.9},
    {**{f"price_{k}": 5.0 for k in range(KNOTS)}, "file_quarter": 0, "accept_ratio": 0.0},
))

_STANCE_DIMS: dict[str, Dim] = {
    "training": Dim("training", 0.02, 0.5),
    "research": Dim("research", 0.02, 0.6),
    "own_share": Dim("own_share", 0.0, 1.0),
    "lease_quarters": Dim("lease_quarters", 1, 12, "int"),
    "spot_share": Dim("spot_share", 0.0, 1.0),
    "headroom": Dim("headroom", 0.6, 1.6),
    "lookahead": Dim("lookahead", 0.0, 8.0),
    "run_quarters": Dim("run_quarters", 1.0, 5.0),
    "keep_pace": Dim("keep_pace", 0.0, 2.0),
    "tokens_per_parameter": Dim("tokens_per_parameter", 10.0, 1000.0, "log"),
    "price": Dim("price", 0.4, 3.0, "log"),
    "price_drift": Dim("price_drift", -0.7, 0.7),
    "price_margin": Dim("price_margin", -0.5, 1.0),
    "price_when_short": Dim("price_when_short", 0.0, 1.0),
    "hire_per_quarter": Dim("hire_per_quarter", -150.0, 250.0),
    "raise_runway": Dim("raise_runway", 0.0, 14.0),
    "raise_fraction": Dim("raise_fraction", 0.0, 0.15),
    "vendor_fraction": Dim("vendor_fraction", 0.0, 0.05),
    "file_quarter": Dim("file_quarter", 0, 16, "int"),
    "file_ttm": Dim("file_ttm", 0.0, 150.0),
    "file_sentiment": Dim("file_sentiment", 30.0, 80.0),
    "accept_ratio": Dim("accept_ratio", 0.0, 1.5),
    "build_power": Dim("build_power", kind="cat", choices=(False, True)),
}


def _policy(v: dict[str, Any], params: EconomyParams) -> Strategy:
    return Strategy("policy", "the bots' decision procedure with a searched stance", Stance(**v))


POLICY = Family("policy", tuple(_STANCE_DIMS.values()), _policy, starts=tuple(
    {k: getattr(s.stance, k) for k in _STANCE_DIMS} for s in STRATEGIES.values()))

FAMILIES: dict[str, Family] = {f.name: f for f in (FIXED, SCHEDULE, POLICY)}


# --- evaluation ---------------------------------------------------------------------------------

# What the evaluating processes play with, set before they are forked (directors hold compiled
# closures that cannot be pickled): scenario id -> (params, events).
_SETUPS: dict[str, tuple[EconomyParams, QuarterHook | None]] = {}


def _scores(task: tuple[str, str, tuple[float, ...], int, int]) -> np.ndarray:
    """A candidate's score in each world: (scenario, family, point, seed, worlds)."""
    scenario, family, x, seed, worlds = task
    policy = FAMILIES[family].policy(x, _SETUPS[scenario][0])
    return _evaluate_entry((scenario, policy, seed, worlds))[0]


@dataclass
class Found:
    """The best candidate of one search and what it did."""

    scenario: str
    family: str
    point: tuple[float, ...]
    search_mean: float  # on the worlds it was chosen on
    evaluations: int
    values: dict[str, Any] = field(default_factory=dict)


class Adversary:
    """Searches strategies in the given scenarios, in forked processes (one per core)."""

    def __init__(self, setups: dict[str, tuple[EconomyParams, QuarterHook | None]],
                 processes: int = 2) -> None:
        self.setups = setups
        self.processes = max(1, processes)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> Adversary:
        _SETUPS.clear()
        _SETUPS.update(self.setups)
        if self.processes > 1:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("fork"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        _SETUPS.clear()

    def _map(self, fn: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
        if self._pool is None:
            return [fn(t) for t in tasks]
        return list(self._pool.map(fn, tasks))

    def search(self, scenario: str, family: Family, budget: int, worlds: int, seed: int,
               progress: Callable[[int], None] | None = None) -> Found:
        """CMA-ES over the family's numbers, ``budget`` candidates in all."""
        dims = len(family.dims)
        popsize = max(8, min(16, 4 + int(3 * np.log(dims))))
        starts = [family.encode(s) for s in family.starts]
        es = cma.CMAEvolutionStrategy(
            starts[0] if starts else np.full(dims, 0.5), 0.3,
            {"bounds": [0.0, 1.0], "popsize": popsize, "seed": seed % 2**31 + 1,
             "verbose": -9})
        best = Found(scenario, family.name, tuple(starts[0]) if starts else (0.5,) * dims,
                     -np.inf, 0)
        done = 0
        injected = starts[1:]
        while done < budget:
            xs = es.ask()
            for k, x in enumerate(injected[: len(xs)]):
                xs[k] = np.asarray(x, dtype=float)
            injected = injected[len(xs):]
            tasks = [(scenario, family.name, tuple(map(float, x)), seed, worlds) for x in xs]
            means = [float(s.mean()) for s in self._map(_scores, tasks)]
            es.tell(xs, [-m for m in means])
            done += len(xs)
            k = int(np.argmax(means))
            if means[k] > best.search_mean:
                best = Found(scenario, family.name, tuple(map(float, xs[k])), means[k], done)
            if progress is not None:
                progress(len(xs))
        best.evaluations = done
        best.values = family.describe(best.point)
        return best

    def evaluate(self, entries: list[tuple[str, Any]], seed: int, worlds: int
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(scores, outcomes) of each (scenario, policy) on the same worlds."""
        return self._map(_evaluate_entry, [(sc, pol, seed, worlds) for sc, pol in entries])


def _evaluate_entry(task: tuple[str, Any, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(scores, outcomes) of a policy in a scenario: (scenario, policy, seed, worlds)."""
    scenario, policy, seed, worlds = task
    params, events = _SETUPS[scenario]
    run = play(params, policy, seed, worlds, events=events, workers=1)
    return run.scores, run.state.outcome
