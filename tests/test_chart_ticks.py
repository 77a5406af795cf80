"""The charts' y axis: round values, evenly spaced, inside the data's range, as many as fit."""

from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from game.ui.charts import round_ticks, tick_label

finite = st.floats(min_value=-1e13, max_value=1e13, allow_nan=False)


@given(finite, finite, st.integers(min_value=2, max_value=20))
def test_ticks_are_round_evenly_spaced_and_within_the_range(a, b, most) -> None:
    lo, hi = min(a, b), max(a, b)
    ticks = round_ticks(lo, hi, most)
    assert 1 <= len(ticks) <= most or hi - lo < 1e-9 * max(abs(hi), 1)
    span = max(hi - lo, 1e-300)
    for t in ticks:
        assert lo - 1e-6 * span <= t <= hi + 1e-6 * span
    if len(ticks) > 1:
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert all(math.isclose(g, step, rel_tol=1e-6) for g in gaps)
        finer = [m * 10 ** math.floor(math.log10(step)) for m in (1, 2, 2.5, 5, 10)]
        finer = [f for f in finer if f < step * (1 - 1e-9)] or [step / 2]
        count = math.floor(hi / finer[-1] + 1e-9) - math.ceil(lo / finer[-1] - 1e-9) + 1
        assert count > most  # the finest round step that fits


def test_what_a_player_reads_on_the_axis() -> None:
    assert round_ticks(1212.0, 1590.0, 4) == [1300.0, 1400.0, 1500.0]
    assert [tick_label(t, 100.0) for t in (1300.0, 1400.0)] == ["1,300", "1,400"]
    assert round_ticks(0.0, 1.0, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [tick_label(t, 0.25) for t in (0.0, 0.25, 0.5)] == ["0", "0.25", "0.5"]
    assert round_ticks(5.0, 5.0, 4) == [5.0]
    assert round_ticks(-3.0, 7.0, 3) == [0.0, 5.0]
