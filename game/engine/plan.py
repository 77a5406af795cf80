"""A quarter's decisions: the `Plan`, and its resolution into per-world arrays.

A plan is checked in two steps. Its own shape (``Plan(...)``: no negative orders, an allocation
that sums to 100%) is validated by pydantic with messages written for a player. Whether it is
affordable in a given state (game.engine.plan_check) needs the state and parameters; it returns
sentences such as "an order of 400,000 B200 costs $14.0B; you have $9.2B cash and a $3.0B credit
line".

In a batch, every numeric field is either one number (broadcast to all worlds) or an array with
one value per world. The engine itself is total: ``step`` trims what a world cannot afford, so
bots and projections never fail half-way through a batch; the live game checks first.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

Number = float | np.ndarray


class PlanError(ValueError):
    """A plan that cannot be carried out, with the reasons as sentences for the player."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _vector(value: Any) -> Number:
    """A finite non-negative number, or a 1-D array of them."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        if not np.isfinite(v):
            raise ValueError(f"expected a finite number, got {v}")
        if v < 0:
            raise ValueError(f"must be zero or more, got {v:g}")
        return v
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number or a list of numbers, got {value!r:.60}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("expected a number or a flat list with one number per world")
    if not np.all(np.isfinite(arr)):
        raise ValueError("every value must be a finite number")
    if np.any(arr < 0):
        raise ValueError(f"must be zero or more, got {arr.min():g}")
    return arr


def _signed(value: Any) -> Number:
    """A finite number (either sign) or a 1-D array of them: headcount changes."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number or a list of numbers, got {value!r:.60}") from None
    if arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError("expected a finite number or a flat list with one number per world")
    if np.any(np.abs(arr) > 1e6):
        raise ValueError("a headcount change must be within ±1,000,000")
    return float(arr) if arr.ndim == 0 else arr


IPO_ACTIONS = ("hold", "file", "withdraw", "accept")


def _ipo(value: Any) -> str | np.ndarray:
    """'hold' | 'file' | 'withdraw' | 'accept', or one of them per world (strings or codes
    0/1/2/3)."""
    if isinstance(value, str):
        if value not in IPO_ACTIONS:
            raise ValueError(f"ipo must be one of {', '.join(IPO_ACTIONS)}, got '{value}'")
        return value
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("ipo must be 'hold', 'file', 'withdraw' or 'accept', or one of them per "
                         "world")
    if arr.dtype.kind in "US":
        bad = sorted(set(arr.tolist()) - set(IPO_ACTIONS))
        if bad:
            raise ValueError(f"ipo must be one of {', '.join(IPO_ACTIONS)}, got '{bad[0]}'")
        return np.array([IPO_ACTIONS.index(a) for a in arr.tolist()], dtype=np.int8)
    if arr.dtype.kind not in "iu" or np.any((arr < 0) | (arr > 3)):
        raise ValueError("ipo codes per world must be 0 (hold), 1 (file), 2 (withdraw) or "
                         "3 (accept)")
    return arr.astype(np.int8)


def _flags(value: Any) -> bool | np.ndarray:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.dtype != bool:
        raise ValueError("expected true/false, or one true/false per world")
    return arr


def _at_most(top: float, unit: str) -> AfterValidator:
    """An upper bound where a value enters: beyond it no lab could carry the plan out, and the
    engine's sums would overflow (a lease of 1e300 H100e)."""
    def check(value: Number) -> Number:
        if np.any(np.asarray(value) > top):
            shown = f"{top:,.0f}" if top < 1e12 else f"{top:.0e}"
            raise ValueError(f"must be at most {shown}{unit}, got {np.max(value):.3g}")
        return value
    return AfterValidator(check)


Vec = Annotated[Any, BeforeValidator(_vector)]
# Counts of GPUs or H100-equivalents: a billion is some 200 times the world's AI fleet of 2025.
Units = Annotated[Any, BeforeValidator(_vector), _at_most(1e9, "")]
Dollars = Annotated[Any, BeforeValidator(_vector), _at_most(1e5, " ($B, i.e. $100T)")]
Megawatts = Annotated[Any, BeforeValidator(_vector), _at_most(1e7, " MW")]
Flop = Annotated[Any, BeforeValidator(_vector), _at_most(1e35, " FLOP")]


def plan_problems(exc: ValidationError) -> list[str]:
    """A refused Plan's reasons as a player reads them ("lease_h100e: must be at most …"), not
    pydantic's report."""
    out = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error.get("loc", ()))
        if error.get("type") == "extra_forbidden":
            fields = ", ".join(sorted(Plan.model_fields))
            said = f"is not a field of a plan (a plan has {fields})"
        else:
            said = str(error.get("msg", "")).removeprefix("Value error, ")
            said = said[:1].lower() + said[1:]
        out.append(f"{where}: {said}" if where else said)
    return out


def field_problem(name: str, value: float) -> str | None:
    """What the plan says of one amount (None if it takes it), for a screen that checks each
    field as it is typed: ``name`` is a Plan field, or gpu_orders / sell_gpus for one GPU."""
    kind = {"gpu_orders": Units, "sell_gpus": Units, "lease_h100e": Units,
            "break_lease_h100e": Units, "spot_h100e": Units, "datacenter_mw": Megawatts,
            "start_run_flop": Flop, "raise_equity": Dollars, "vendor_equity": Dollars,
            "draw_debt": Dollars, "repay_debt": Dollars}.get(name)
    if kind is None:
        return None
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
    return None
Signed = Annotated[Any, BeforeValidator(_signed)]
IpoAction = Annotated[Any, BeforeValidator(_ipo)]
Flag = Annotated[Any, BeforeValidator(_flags)]


class Plan(BaseModel):
    """One quarter's decisions for the player's lab."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)

    gpu_orders: dict[str, Units] = Field(
        default_factory=dict, description="GPUs to buy, by generation name."
    )
    sell_gpus: dict[str, Units] = Field(
        default_factory=dict, description="GPUs in service to sell on the secondary market, by "
                                          "generation name."
    )
    lease_h100e: Units = Field(0.0, description="New leased capacity, H100-equivalents.")
    lease_quarters: int = Field(4, ge=1, le=12, description="Length of the new lease.")
    break_lease_h100e: Units = Field(0.0, description="Leased capacity to hand back early.")
    spot_h100e: Units = Field(0.0, description="Spot capacity to rent this quarter.")
    datacenter_mw: Megawatts = Field(0.0, description="Data-center megawatts to start building.")
    training: Vec = Field(0.1, description="Share of compute for training the next model.")
    inference: Vec = Field(0.5, description="Share of compute for serving customers.")
    research: Vec = Field(0.4, description="Share of compute for research and experiments.")
    start_run_flop: Flop = Field(0.0, description="Start a training run of this many FLOP.")
    tokens_per_parameter: Vec | None = Field(
        None, description="Training tokens per parameter of a run started now (Chinchilla's "
                          "optimum is 20; more: a smaller model, cheaper to serve). Not set: "
                          "the industry's practice.")
    cancel_run: Flag = Field(False, description="Abandon the run in progress.")
    price: Vec = Field(1.0, description="Price relative to the market reference.")
    hire: Signed = Field(0.0, description="Headcount change (negative: layoffs).")
    raise_equity: Dollars = Field(0.0, description="$B of new equity to raise.")
    vendor_equity: Dollars = Field(0.0, description="$B of GPU-vendor financing to take.")
    draw_debt: Dollars = Field(0.0, description="$B to draw on the credit line.")
    repay_debt: Dollars = Field(0.0, description="$B of debt to repay.")
    ipo: IpoAction = Field(
        "hold", description="File for an IPO, accept the book's price range and list, withdraw "
                            "a filing, or hold.")

    @model_validator(mode="after")
    def _allocation_sums_to_one(self) -> Plan:
        total = np.asarray(self.training) + np.asarray(self.inference) + np.asarray(self.research)
        off = np.abs(total - 1.0)
        if np.any(off > 1e-6):
            worst = float(np.ravel(total)[np.argmax(np.ravel(off))])
            where = f" in world {int(np.argmax(off))}" if np.ndim(total) else ""
            raise ValueError(
                f"the compute allocation sums to {worst:.0%}{where}; training + inference + "
                "research must make 100%"
            )
        price = np.asarray(self.price)
        if np.any(price < 0.1) or np.any(price > 10):
            raise ValueError("price must be between 0.1× and 10× the market reference")
        if self.tokens_per_parameter is not None:
            k = np.asarray(self.tokens_per_parameter)
            if np.any(k < 1) or np.any(k > 2000):
                raise ValueError("tokens per parameter must be between 1 and 2,000 (Chinchilla's "
                                 "optimum is 20; Llama 3 8B was trained at ~1,900)")
        return self

    def explain(self) -> str:
        """A one-line summary of every decision that differs from doing nothing (the defaults):
        the preview's words for a plan."""
        return ", ".join(self.parts()) or "keep course"

    def parts(self) -> list[str]:
        """Each decision that differs from doing nothing, in words ("buy 1,000 B200")."""
        parts = []
        for verb, table in (("buy", self.gpu_orders), ("sell", self.sell_gpus)):
            for name, units in table.items():
                if np.any(np.asarray(units) > 0):  # a bot's order of 0 is no order
                    parts.append(f"{verb} {_fmt(units)} {name}")
        if np.any(np.asarray(self.lease_h100e) > 0):
            parts.append(f"lease {_fmt(self.lease_h100e)} H100e for {self.lease_quarters} "
                         "quarters")
        if not _same(self.training, 0.1) or not _same(self.inference, 0.5):
            parts.append(f"compute {_fmt(self.training, '%')} training, "
                         f"{_fmt(self.inference, '%')} serving, {_fmt(self.research, '%')} "
                         "research")
        if self.tokens_per_parameter is not None:
            parts.append(f"{_fmt(self.tokens_per_parameter)} tokens per parameter")
        if not _same(self.price, 1.0):
            parts.append(f"price {_fmt(self.price, '×')}")
        if not _same(self.hire, 0.0):
            hire = np.asarray(self.hire)
            parts.append(f"hire {_fmt(hire)}" if hire.ndim or float(hire) > 0
                         else f"lay off {_fmt(-hire)}")
        if not _same(self.cancel_run, False):
            parts.append("cancel the run")
        for words, name in EXPLAINED:
            if np.any(np.asarray(getattr(self, name)) > 0):
                parts.append(words.format(_fmt(getattr(self, name))))
        if isinstance(self.ipo, str) and self.ipo != "hold":
            parts.append(f"IPO: {self.ipo}")
        return parts


# The plan's amounts, in explain's words and order, said when not zero.
EXPLAINED = (("hand back {} leased H100e", "break_lease_h100e"),
             ("rent {} spot H100e", "spot_h100e"), ("build {} MW", "datacenter_mw"),
             ("start a {} FLOP run", "start_run_flop"),
             ("raise ${}B", "raise_equity"), ("take ${}B of vendor financing", "vendor_equity"),
             ("draw ${}B of debt", "draw_debt"), ("repay ${}B of debt", "repay_debt"))


def _fmt(value: Number, unit: str = "") -> str:
    """One number as a plan's summary says it ('1,000', '1.2e+27', '20%', '1.25×')."""
    arr = np.asarray(value)
    if arr.ndim:
        return f"[{arr.size} values]"
    x = float(arr)
    if unit == "%":
        return f"{x:.0%}"
    if unit == "×":
        return f"{x:.2f}×"
    if abs(x) >= 1e12:  # FLOP
        return f"{x:.2g}"
    return f"{x:,.0f}" if abs(x) >= 1000 or x == round(x) else f"{x:,.2f}"


@dataclass(slots=True)
class PlanArrays:
    """A plan resolved against a batch: one array per decision, world axis first."""

    gpu_orders: np.ndarray  # (W, G)
    sell_gpus: np.ndarray  # (W, G)
    lease_h100e: np.ndarray
    lease_quarters: int | np.ndarray  # one term for the batch, or (W,) int: one per world
    break_lease_h100e: np.ndarray
    spot_h100e: np.ndarray
    datacenter_mw: np.ndarray
    alloc: np.ndarray  # (W, 3) training, inference, research
    start_run_flop: np.ndarray
    tokens_per_parameter: np.ndarray
    cancel_run: np.ndarray  # bool
    price: np.ndarray
    hire: np.ndarray
    raise_equity: np.ndarray
    vendor_equity: np.ndarray
    draw_debt: np.ndarray
    repay_debt: np.ndarray
    ipo: np.ndarray  # int8: 0 hold, 1 file, 2 withdraw, 3 accept


def stack(plans: list[PlanArrays]) -> PlanArrays:
    """One batch's plan from plans resolved for a world each, in order (a class's labs)."""
    if not plans:
        raise ValueError("stack needs at least one plan")
    out = {}
    for f in dataclasses.fields(PlanArrays):
        if f.name == "lease_quarters":
            terms = [int(np.ravel(p.lease_quarters)[0]) for p in plans]
            out[f.name] = terms[0] if len(set(terms)) == 1 else np.array(terms, dtype=np.int64)
        else:
            out[f.name] = np.concatenate([getattr(p, f.name) for p in plans], axis=0)
    return PlanArrays(**out)


def resolve(plan: Plan, gpu_names: list[str], n_worlds: int,
            default_tokens_per_parameter: float = 20.0) -> PlanArrays:
    """Broadcast a plan to W worlds; raises PlanError for names or lengths that do not fit.

    ``default_tokens_per_parameter`` stands in for a plan that leaves it unset (the industry's
    practice, from the parameters)."""
    problems: list[str] = []

    def vec(name: str, value: Number | bool) -> np.ndarray:
        if isinstance(value, np.ndarray):
            if value.shape[0] != n_worlds:
                problems.append(
                    f"{name} has {value.shape[0]} values, one for each of as many worlds, but "
                    + ("a game's plan has one" if n_worlds == 1 else
                       f"the batch has {n_worlds} worlds"))
                return np.zeros(n_worlds)
            return value
        return np.full(n_worlds, float(value))

    def per_generation(field: str, table: dict[str, Number]) -> np.ndarray:
        out = np.zeros((n_worlds, len(gpu_names)))
        for name, units in table.items():
            if name not in gpu_names:
                close = difflib.get_close_matches(name, gpu_names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(f"{field}: unknown GPU generation '{name}'{hint}; the market "
                                f"sells {', '.join(gpu_names)}")
                continue
            out[:, gpu_names.index(name)] = vec(f"{field}['{name}']", units)
        return out

    tpp = plan.tokens_per_parameter
    arrays = PlanArrays(
        gpu_orders=per_generation("gpu_orders", plan.gpu_orders),
        sell_gpus=per_generation("sell_gpus", plan.sell_gpus),
        lease_h100e=vec("lease_h100e", plan.lease_h100e),
        lease_quarters=plan.lease_quarters,
        break_lease_h100e=vec("break_lease_h100e", plan.break_lease_h100e),
        spot_h100e=vec("spot_h100e", plan.spot_h100e),
        datacenter_mw=vec("datacenter_mw", plan.datacenter_mw),
        alloc=np.stack([vec("training", plan.training), vec("inference", plan.inference),
                        vec("research", plan.research)], axis=1),
        start_run_flop=vec("start_run_flop", plan.start_run_flop),
        tokens_per_parameter=vec("tokens_per_parameter",
                                 default_tokens_per_parameter if tpp is None else tpp),
        cancel_run=vec("cancel_run", plan.cancel_run).astype(bool),
        price=vec("price", plan.price),
        hire=vec("hire", plan.hire),
        raise_equity=vec("raise_equity", plan.raise_equity),
        vendor_equity=vec("vendor_equity", plan.vendor_equity),
        draw_debt=vec("draw_debt", plan.draw_debt),
        repay_debt=vec("repay_debt", plan.repay_debt),
        ipo=(vec("ipo", plan.ipo).astype(np.int8) if isinstance(plan.ipo, np.ndarray)
             else np.full(n_worlds, IPO_ACTIONS.index(plan.ipo), dtype=np.int8)),
    )
    if problems:
        raise PlanError(problems)
    return arrays


def restrict_plan(plan: Plan, disabled: Iterable[str]) -> Plan:
    """The plan with every disabled action back at its default (what bots play in a scenario
    that disables actions)."""
    reset = {name: Plan.model_fields[name].get_default(call_default_factory=True)
             for name in disabled}
    changed = {k: v for k, v in reset.items() if not _same(getattr(plan, k), v)}
    return plan.model_copy(update=changed) if changed else plan


def disabled_problems(plan: Plan, disabled: Iterable[str]) -> list[str]:
    """A sentence for each disabled action the plan changes (what ``check_plan`` refuses)."""
    out = []
    for name in disabled:
        default = Plan.model_fields[name].get_default(call_default_factory=True)
        if not _same(getattr(plan, name), default):
            what = Plan.model_fields[name].description or name
            out.append(f"'{name}' is disabled in this scenario ({what.rstrip('.')}); "
                       f"leave it at {default!r}")
    return out


def _same(value: Any, default: Any) -> bool:
    """Whether a plan field (a number, an array over worlds, a dict of them) is its default."""
    if isinstance(default, dict):
        return not any(np.any(np.asarray(v) != 0) for v in dict(value).values())
    arr = np.asarray(value)
    if isinstance(default, str) and arr.dtype.kind not in "US":
        return bool(np.all(arr == IPO_ACTIONS.index(default)))  # per-world codes
    return bool(np.all(arr == default))
