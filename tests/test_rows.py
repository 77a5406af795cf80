"""game.engine.rows: the fast row reductions give numpy's numbers exactly, world by world."""

from __future__ import annotations

import numpy as np
import pytest

from game.engine.rows import per_world, row_max, row_sum, slot_sum


def wide_range(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values over ten orders of magnitude, both signs, and some rows of negative zeros."""
    a = rng.standard_normal(shape) * 10.0 ** rng.uniform(-5, 5, shape)
    a[:7] = -0.0
    return a


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("k", [1, 2, 4, 6, 7, 8, 13, 23])
def test_row_sum_and_max_are_numpys(k: int) -> None:
    a = wide_range(np.random.default_rng(k), (5000, k))
    assert same(row_sum(a), a.sum(axis=1))
    assert same(row_max(a), a.max(axis=1))


@pytest.mark.parametrize("g", [2, 6, 9])
def test_per_world_is_the_weighted_sum(g: int) -> None:
    rng = np.random.default_rng(g)
    a, w = wide_range(rng, (5000, g)), rng.uniform(0.1, 5.0, g)
    assert same(per_world(a, w), (a * w).sum(axis=1))


def test_slot_sum_is_the_ring_sum() -> None:
    ring = wide_range(np.random.default_rng(3), (5000, 10, 6))
    assert same(slot_sum(ring), ring.sum(axis=1))


def test_a_world_gets_the_same_numbers_in_any_batch() -> None:
    """Row k of a batch of 1, 3 or 5,000 is the same: nothing depends on the batch's size."""
    rng = np.random.default_rng(9)
    a, ring, w = wide_range(rng, (5000, 6)), wide_range(rng, (5000, 10, 6)), rng.random(6)
    for f, x in ((row_sum, a), (row_max, a), (slot_sum, ring),
                 (lambda v: per_world(v, w), a)):
        whole = f(x)
        for n in (1, 3, 4999):
            assert same(f(x[-n:]), whole[-n:])


@pytest.mark.parametrize("k", [1, 2, 3, 6, 7, 8, 13])
def test_one_world_alone_gets_numpys_numbers(k: int) -> None:
    """The live game's one row, alone in its batch, gets numpy's numbers for that row
    (negative zeros and NaN too)."""
    rng = np.random.default_rng(20 + k)
    a, w = wide_range(rng, (400, k)), rng.uniform(0.1, 5.0, k)
    a[10:20, 0] = np.nan  # numpy's maximum is NaN wherever a NaN is
    a[20:30, -1] = np.nan
    for j in range(len(a)):
        row = a[j:j + 1]
        assert same(row_sum(row), a.sum(axis=1)[j:j + 1]), j
        assert same(row_max(row), a.max(axis=1)[j:j + 1]), j
        assert same(per_world(row, w), (a * w).sum(axis=1)[j:j + 1]), j
