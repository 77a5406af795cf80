"""Training: model sizes, loss, capability and algorithmic progress.

A run of C FLOP trains a model of N active parameters on D tokens, C = 6 N D. The lab chooses
how many tokens per parameter, k = D / N, so
    N = sqrt(C / (6 k)),  D = k N.
Chinchilla (Hoffmann et al. 2022, arXiv 2203.15556, approach 1 and Table 3) found the
compute-optimal k ≈ 20. Training past it (k > 20) gives a smaller model that is cheaper to serve
(serving costs ≈ 2 N FLOP per token) for a little more loss at the same compute.
Loss of a model with N parameters trained on D tokens (Epoch AI's replication of the paper's
parametric fit, 2024):
    L(N, D) = E + A / N^α + B / D^β.
Data is finite: a run sees at most ``max_epochs`` passes over the stock of quality text
(Villalobos et al. 2024: ≈300T tokens; Muennighoff et al. 2023: up to ~4 epochs are worth nearly
as much as fresh data), so tokens beyond D_max = max_epochs × stock add nothing, and training
far past the optimum at a large scale runs into the data wall.
Capability is an Elo-like score of the reducible loss R = L − E of a model's *effective* compute
(training FLOP × algorithmic efficiency) at its tokens per parameter:
    capability = c_ref + per_decade × log10(R_ref / R(C_eff, k)),
where R_ref is the reducible loss of the reference model at the compute-optimal k.
"""

from __future__ import annotations

import numpy as np

from game.engine.params import H100_FLOPS, TrainingParams


def size(flop: np.ndarray | float, k: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(parameters, tokens) of a run of ``flop`` FLOP at ``k`` tokens per parameter."""
    n = np.sqrt(np.asarray(flop, dtype=float) / (6.0 * np.asarray(k, dtype=float)))
    return n, k * n


def optimal_size(flop: np.ndarray, tp: TrainingParams) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal (parameters, tokens) for a training budget in FLOP."""
    return size(flop, tp.optimal_tokens_per_parameter)


def tokens_per_parameter(flop: np.ndarray | float, params: np.ndarray | float) -> np.ndarray:
    """k of a model of ``params`` parameters trained with ``flop`` FLOP (C = 6 N · kN)."""
    return np.asarray(flop, dtype=float) / (6.0 * np.asarray(params, dtype=float) ** 2)


def loss(n: np.ndarray, d: np.ndarray, tp: TrainingParams) -> np.ndarray:
    """Chinchilla's parametric loss L(N, D)."""
    return tp.chinchilla_E + tp.chinchilla_A / n**tp.chinchilla_alpha + (
        tp.chinchilla_B / d**tp.chinchilla_beta
    )


def reducible_loss(effective_flop: np.ndarray, tp: TrainingParams,
                   k: np.ndarray | float | None = None,
                   efficiency: np.ndarray | float = 1.0) -> np.ndarray:
    """R = L − E of effective compute spent at ``k`` tokens per parameter (the optimum if None).

    ``efficiency`` (effective FLOP per FLOP) turns the effective tokens back into real ones, which
    the data wall limits: effective tokens are real tokens × sqrt(efficiency) at a given k.
    """
    kk = tp.optimal_tokens_per_parameter if k is None else k
    n, d = size(np.maximum(effective_flop, 1.0), kk)
    limit = tp.max_epochs * tp.data_stock_tokens * np.sqrt(efficiency)
    return loss(n, np.minimum(d, limit), tp) - tp.chinchilla_E


def reference_loss(tp: TrainingParams) -> float:
    """The reference model's reducible loss, at the compute-optimal size."""
    return float(reducible_loss(np.array([tp.reference_effective_flop]), tp)[0])


def capability(
    effective_flop: np.ndarray, tp: TrainingParams, ref: float | None = None,
    k: np.ndarray | float | None = None, efficiency: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Capability score of a model with the given effective training compute and tokens per
    parameter (compute-optimal if None), trained at ``efficiency`` effective FLOP per FLOP.
    ``ref`` is the reference model's reducible loss, if already known."""
    if ref is None:
        ref = reference_loss(tp)
    return tp.capability_at_reference + tp.capability_per_decade * np.log10(
        ref / reducible_loss(effective_flop, tp, k, efficiency)
    )


def algo_growth(
    research_share: np.ndarray, headcount: np.ndarray, tp: TrainingParams
) -> np.ndarray:
    """log10 gain in algorithmic efficiency this quarter from the lab's own research.

    The frontier rate (Ho et al. 2024, arXiv 2403.05812: compute for a fixed result halves every
    ≈8 months) is earned at the reference research share and headcount; more or less research
    moves it with diminishing returns.
    """
    frontier = np.log10(tp.algo_growth_per_year) / 4.0
    share = np.maximum(research_share, 0.0) / tp.research_reference_share
    staff = np.maximum(headcount, 1.0) / tp.headcount_reference
    return frontier * share**tp.research_elasticity * staff**tp.headcount_elasticity


def training_flop(h100e: np.ndarray, mfu: np.ndarray, seconds: float) -> np.ndarray:
    """FLOP delivered by h100e GPUs at the given utilisation over the given seconds."""
    return h100e * H100_FLOPS * mfu * seconds
