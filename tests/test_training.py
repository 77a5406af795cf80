"""Training: Chinchilla compute-optimal sizes, loss and capability as functions of compute."""

from __future__ import annotations

import numpy as np
import pytest

from game.engine import EconomyParams
from game.engine.params import H100_FLOPS, SECONDS_PER_QUARTER
from game.engine.training import (
    capability,
    loss,
    optimal_size,
    reducible_loss,
    size,
    tokens_per_parameter,
    training_flop,
)

# Hoffmann et al. 2022 (arXiv 2203.15556), Table 3: compute-optimal parameters, FLOP and tokens.
CHINCHILLA_TABLE_3 = [
    (67e9, 5.76e23, 1.5e12),
    (175e9, 3.85e24, 3.7e12),
    (1e12, 1.27e26, 21.2e12),
]


@pytest.mark.parametrize("n_params,flop,tokens", CHINCHILLA_TABLE_3)
def test_optimal_size_matches_chinchilla_table_3(
    params: EconomyParams, n_params: float, flop: float, tokens: float
) -> None:
    """Compute-optimal parameters and tokens are within 10% of Chinchilla's Table 3."""
    n, d = optimal_size(np.array([flop]), params.training)
    assert n[0] == pytest.approx(n_params, rel=0.10)
    assert d[0] == pytest.approx(tokens, rel=0.10)


def test_optimal_size_spends_the_whole_budget(params: EconomyParams) -> None:
    """C = 6·N·D at the optimum, with about 20 tokens per parameter."""
    flop = np.logspace(20, 30, 11)
    n, d = optimal_size(flop, params.training)
    np.testing.assert_allclose(6.0 * n * d, flop, rtol=1e-12)
    np.testing.assert_allclose(d / n, params.training.optimal_tokens_per_parameter)
    assert 15 <= params.training.optimal_tokens_per_parameter <= 25


def test_optimal_size_is_near_the_loss_minimum(params: EconomyParams) -> None:
    """At fixed compute, the rule's size is close to the parametric loss's minimum (±0.5%)."""
    tp = params.training
    for flop in (5.76e23, 3.85e24, 1.27e26):
        n_rule, d_rule = optimal_size(np.array([flop]), tp)
        grid = n_rule[0] * np.logspace(-1, 1, 401)
        losses = loss(grid, flop / (6.0 * grid), tp)
        best = float(losses.min())
        at_rule = float(loss(n_rule, d_rule, tp)[0])
        assert at_rule <= best * 1.005


def test_capability_increases_with_effective_compute(params: EconomyParams) -> None:
    """More effective compute always means a more capable model (strictly increasing)."""
    flop = np.logspace(20, 32, 200)
    cap = capability(flop, params.training)
    assert np.all(np.isfinite(cap))
    assert np.all(np.diff(cap) > 0)
    assert np.all(np.diff(reducible_loss(flop, params.training)) < 0)


def test_capability_reference_point(params: EconomyParams) -> None:
    """The reference model's effective compute scores exactly the reference capability."""
    tp = params.training
    ref = capability(np.array([tp.reference_effective_flop]), tp)[0]
    assert ref == pytest.approx(tp.capability_at_reference, abs=1e-9)


def test_loss_decreases_in_parameters_and_tokens(params: EconomyParams) -> None:
    """L(N, D) falls with both N and D and never drops below the irreducible loss E."""
    tp = params.training
    n = np.logspace(8, 13, 20)
    assert np.all(np.diff(loss(n, np.full_like(n, 1e12), tp)) < 0)
    assert np.all(np.diff(loss(np.full_like(n, 1e11), n * 10, tp)) < 0)
    assert np.all(loss(n, n * 20, tp) > tp.chinchilla_E)


def test_training_flop_of_a_quarter(params: EconomyParams) -> None:
    """100k H100e at 40% MFU deliver ≈ 3.1e26 FLOP a quarter (989 TFLOP/s × 7.9M s)."""
    got = training_flop(np.array([100_000.0]), np.array([0.4]), SECONDS_PER_QUARTER)[0]
    assert got == pytest.approx(100_000 * H100_FLOPS * 0.4 * 91.3125 * 86400, rel=1e-12)
    assert got == pytest.approx(3.12e26, rel=0.01)


def test_training_past_the_optimum_trades_capability_for_serving(params: EconomyParams) -> None:
    """At a fixed budget, more tokens per parameter give a smaller model (cheaper to serve, ≈ 2N
    FLOP a token) that is a little less capable; the compute-optimal point is the most capable."""
    tp = params.training
    flop = 1e27
    ks = np.array([20.0, 40.0, 100.0, 400.0, 1000.0])
    n, d = size(flop, ks)
    np.testing.assert_allclose(6.0 * n * d, flop, rtol=1e-12)
    np.testing.assert_allclose(tokens_per_parameter(flop, n), ks, rtol=1e-12)
    assert np.all(np.diff(n) < 0)  # smaller models ...
    cap = capability(np.full(ks.shape, flop), tp, k=ks)
    assert np.all(np.diff(cap) < 0)  # ... a little less capable
    assert cap[0] - cap[2] < 20  # 100 tokens per parameter costs less than 20 points here


def test_the_data_wall_limits_overtraining_at_scale(params: EconomyParams) -> None:
    """Tokens beyond max_epochs × the data stock add nothing: at 3e29 FLOP, training at 1,000
    tokens per parameter loses more capability to the optimum than at 1e27."""
    tp = params.training

    def penalty(flop: float) -> float:
        both = capability(np.array([flop, flop]), tp, k=np.array([20.0, 1000.0]))
        return float(both[0] - both[1])

    _, d = size(3e29, 1000.0)
    assert d > tp.max_epochs * tp.data_stock_tokens  # the wall binds there
    assert penalty(3e29) > penalty(1e27) + 10
