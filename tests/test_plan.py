"""Plan validation explains itself in sentences a player can act on."""

from __future__ import annotations

import re

import numpy as np
import pytest
from pydantic import ValidationError

from game.engine import EconomyParams, Plan, PlanError, compile_economy, resolve


@pytest.fixture(scope="module")
def gpu_names(params: EconomyParams) -> list[str]:
    """The generations of the base pack, as the engine names them."""
    return compile_economy(params).gpu_names


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    """All of a ValidationError's messages, joined."""
    return " | ".join(str(e["msg"]) for e in exc.value.errors())


def test_allocation_not_summing_to_one_mentions_100_percent() -> None:
    """An allocation that does not add up says what it sums to and that it must make 100%."""
    with pytest.raises(ValidationError) as exc:
        Plan(training=0.5, inference=0.5, research=0.5)
    text = messages(exc)
    assert "100%" in text
    assert "150%" in text


def test_per_world_allocation_reports_the_actual_sum() -> None:
    """A per-world allocation summing to 50% is reported as 50%, not some other figure."""
    with pytest.raises(ValidationError) as exc:
        Plan(training=np.array([0.2, 0.35]), inference=np.array([0.2, 0.5]),
             research=np.array([0.1, 0.15]))
    text = messages(exc)
    assert "100%" in text
    assert "50%" in text and "150%" not in text, text


def test_valid_allocation_is_accepted() -> None:
    """Shares that sum to 1 (within rounding), scalar or per world, are accepted."""
    Plan(training=0.1, inference=0.2, research=0.7)
    Plan(training=np.array([0.3, 1.0]), inference=np.array([0.6, 0.0]),
         research=np.array([0.1, 0.0]))


@pytest.mark.parametrize("field", ["lease_h100e", "spot_h100e", "datacenter_mw", "raise_equity",
                                   "draw_debt", "repay_debt", "start_run_flop"])
def test_negative_numbers_say_zero_or_more(field: str) -> None:
    """A negative amount is refused with 'must be zero or more'."""
    with pytest.raises(ValidationError) as exc:
        Plan(**{field: -5.0})
    assert "zero or more" in messages(exc)
    assert field in str(exc.value)


def test_negative_per_world_values_say_zero_or_more() -> None:
    """A per-world array with one negative entry is refused the same way."""
    with pytest.raises(ValidationError) as exc:
        Plan(spot_h100e=np.array([10.0, -2.0, 3.0]))
    assert "zero or more" in messages(exc)


def test_negative_gpu_order_says_zero_or_more() -> None:
    """Ordering a negative number of GPUs is refused with the same sentence."""
    with pytest.raises(ValidationError) as exc:
        Plan(gpu_orders={"H100": -100})
    assert "zero or more" in messages(exc)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(value: float) -> None:
    """NaN and infinity never enter a plan."""
    with pytest.raises(ValidationError, match="finite"):
        Plan(lease_h100e=value)
    with pytest.raises(ValidationError, match="finite"):
        Plan(lease_h100e=np.array([1.0, value]))


def test_price_out_of_range_is_explained() -> None:
    """A price multiplier outside 0.1×..10× names the allowed range."""
    with pytest.raises(ValidationError, match=r"between 0\.1× and 10×"):
        Plan(price=20.0)


def test_unknown_gpu_generation_suggests_the_near_miss(gpu_names: list[str]) -> None:
    """resolve() names an unknown generation, suggests the close one and lists the market."""
    plan = Plan(gpu_orders={"B20O": 1000})
    with pytest.raises(PlanError) as exc:
        resolve(plan, gpu_names, 1)
    text = str(exc.value)
    assert "unknown GPU generation 'B20O'" in text
    assert "did you mean 'B200'" in text
    assert all(name in text for name in gpu_names)
    assert len(exc.value.problems) == 1


def test_unknown_gpu_generation_without_near_miss(gpu_names: list[str]) -> None:
    """A name like no other gets no misleading suggestion, but still the list of generations."""
    with pytest.raises(PlanError) as exc:
        resolve(Plan(gpu_orders={"Zz9": 1}), gpu_names, 1)
    assert "did you mean" not in str(exc.value)
    assert "the market sells" in str(exc.value)


@pytest.mark.parametrize("field", ["lease_h100e", "spot_h100e", "price", "hire",
                                   "start_run_flop", "repay_debt"])
def test_per_world_array_of_wrong_length_names_the_field(gpu_names: list[str], field: str) -> None:
    """A per-world array whose length is not the batch size is a PlanError naming the field."""
    value = np.full(3, 1.0)
    with pytest.raises(PlanError) as exc:
        resolve(Plan(**{field: value}), gpu_names, 5)
    text = str(exc.value)
    assert field in text
    assert "3 values" in text and "5 worlds" in text


def test_wrong_length_gpu_order_and_allocation_name_the_field(gpu_names: list[str]) -> None:
    """Wrong-length GPU orders and allocation shares name the generation and the share."""
    plan = Plan(gpu_orders={"H100": np.ones(2)}, training=np.full(2, 0.3),
                inference=np.full(2, 0.5), research=np.full(2, 0.2))
    with pytest.raises(PlanError) as exc:
        resolve(plan, gpu_names, 4)
    text = str(exc.value)
    assert "gpu_orders['H100']" in text
    for share in ("training", "inference", "research"):
        assert share in text
    assert len(exc.value.problems) == 4  # every problem at once, not just the first


def test_wrong_length_flags_and_ipo_name_the_field(gpu_names: list[str]) -> None:
    """Per-world cancel_run and ipo arrays of the wrong length are PlanErrors naming the field."""
    with pytest.raises(PlanError, match="cancel_run"):
        resolve(Plan(cancel_run=np.array([True, False])), gpu_names, 3)
    with pytest.raises(PlanError, match="ipo"):
        resolve(Plan(ipo=np.array([0, 1], dtype=np.int8)), gpu_names, 3)


def test_per_world_arrays_of_the_right_length_resolve(gpu_names: list[str]) -> None:
    """Scalars broadcast and arrays pass through: one value per world for every field."""
    plan = Plan(gpu_orders={"H100": np.array([1.0, 2.0, 3.0])}, lease_h100e=7.0,
                hire=np.array([-5.0, 0.0, 5.0]), ipo=np.array(["hold", "file", "withdraw"]),
                cancel_run=np.array([False, True, False]))
    arrays = resolve(plan, gpu_names, 3)
    np.testing.assert_array_equal(arrays.gpu_orders[:, gpu_names.index("H100")], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(arrays.lease_h100e, [7.0, 7.0, 7.0])
    np.testing.assert_array_equal(arrays.hire, [-5.0, 0.0, 5.0])
    np.testing.assert_array_equal(arrays.ipo, [0, 1, 2])
    np.testing.assert_array_equal(arrays.cancel_run, [False, True, False])
    assert arrays.alloc.shape == (3, 3)


@pytest.mark.parametrize("value", ["list", "IPO", ""])
def test_unknown_ipo_action_lists_the_choices(value: str) -> None:
    """An unknown IPO action is refused with the four allowed words."""
    with pytest.raises(ValidationError) as exc:
        Plan(ipo=value)
    text = messages(exc)
    assert "hold, file, withdraw, accept" in text
    assert f"'{value}'" in text


def test_ipo_per_world_values_are_validated() -> None:
    """Per-world IPO actions accept words or codes 0/1/2/3 and refuse anything else."""
    assert list(Plan(ipo=np.array(["file", "hold", "accept"])).ipo) == [1, 0, 3]
    assert list(Plan(ipo=np.array([2, 0, 1, 3])).ipo) == [2, 0, 1, 3]
    with pytest.raises(ValidationError, match="got 'sell'"):
        Plan(ipo=np.array(["file", "sell"]))
    codes = r"0 \(hold\), 1 \(file\), 2 \(withdraw\) or 3 \(accept\)"
    with pytest.raises(ValidationError, match=codes):
        Plan(ipo=np.array([0, 4]))
    with pytest.raises(ValidationError, match=codes):
        Plan(ipo=np.array([0.5, 1.0]))
    with pytest.raises(ValidationError):
        Plan(ipo=np.array([[0, 1]]))


def test_headcount_change_bounds_and_type() -> None:
    """Headcount changes may be negative but bounded, and true/false is not a number."""
    assert Plan(hire=-300).hire == -300.0
    with pytest.raises(ValidationError, match="1,000,000"):
        Plan(hire=2e6)
    with pytest.raises(ValidationError, match="true/false"):
        Plan(hire=True)


def test_lease_quarters_are_bounded() -> None:
    """A lease runs 1 to 12 quarters."""
    Plan(lease_quarters=12)
    for bad in (0, 13):
        with pytest.raises(ValidationError, match="lease_quarters"):
            Plan(lease_quarters=bad)


def test_unknown_plan_field_is_refused() -> None:
    """A misspelt decision is an error, not silently ignored."""
    with pytest.raises(ValidationError, match="lease_h100"):
        Plan(lease_h100=5.0)  # type: ignore[call-arg]


def test_plan_error_joins_sentences() -> None:
    """A PlanError keeps each problem as a sentence and reads as one message."""
    err = PlanError(["first problem", "second problem"])
    assert err.problems == ["first problem", "second problem"]
    assert str(err) == "first problem; second problem"
    assert isinstance(err, ValueError)


def test_explain_names_orders_and_sales_but_not_zeros() -> None:
    """The debrief's summary of a quarter: a bot's order of zero GPUs is no order."""
    plan = Plan(gpu_orders={"H100": 0.0, "B200": 2000.0}, sell_gpus={"A100": 0.0, "H100": 500.0})
    assert plan.explain() == "buy 2,000 B200, sell 500 H100"
    assert Plan(gpu_orders={"H100": 0.0}).explain() == "keep course"


def test_explain_names_every_decision_that_differs_from_doing_nothing() -> None:
    """The preview's line: a price, an allocation, headcount, vendor financing, a repayment, a
    lease handed back, a cancelled run — each a change the player should see before it plays."""

    plan = Plan(price=1.2, training=0.2, inference=0.6, research=0.2, hire=-50,
                vendor_equity=2, repay_debt=1.5, break_lease_h100e=1000, cancel_run=True,
                start_run_flop=5e27, lease_h100e=1e5, lease_quarters=6,
                gpu_orders={"B200": 1000}, sell_gpus={"A100": 10}, tokens_per_parameter=20,
                spot_h100e=5, datacenter_mw=100, raise_equity=3, draw_debt=1, ipo="file")
    said = plan.explain()
    for words in ("buy 1,000 B200", "sell 10 A100", "lease 100,000 H100e for 6 quarters",
                  "compute 20% training, 60% serving, 20% research", "20 tokens per parameter",
                  "price 1.20×", "lay off 50", "cancel the run", "hand back 1,000 leased H100e",
                  "rent 5 spot H100e", "build 100 MW", "start a 5e+27 FLOP run", "raise $3B",
                  "take $2B of vendor financing", "draw $1B of debt", "repay $1.50B of debt",
                  "IPO: file"):
        assert words in said, words
    # every field of the plan is in that example, changed: a new decision must be explained too
    unchanged = [name for name in Plan.model_fields
                 if getattr(plan, name) == Plan.model_fields[name].get_default(
                     call_default_factory=True)]
    assert unchanged == [], unchanged
    assert Plan(hire=20).explain() == "hire 20"


@pytest.mark.parametrize(("field", "value", "said"), [
    ("lease_h100e", 1e300, "at most 1,000,000,000"),
    ("spot_h100e", 2e9, "at most 1,000,000,000"),
    ("raise_equity", 1e6, "at most 100,000 ($B"),
    ("datacenter_mw", 1e8, "at most 10,000,000 MW"),
    ("start_run_flop", 1e40, "at most 1e+35 FLOP"),
])
def test_plan_values_are_bounded_where_they_enter(field, value, said) -> None:
    """No 1e300 GPUs reach the engine (whose sums would overflow): the plan refuses them."""
    with pytest.raises(ValidationError, match=re.escape(said)):
        Plan(**{field: value})
    with pytest.raises(ValidationError, match="at most 1,000,000,000"):
        Plan(gpu_orders={"H100": 2e9})
