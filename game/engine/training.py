"""Training: compute-optimal model sizes, loss, capability and algorithmic progress.

Compute-optimal allocation (Hoffmann et al. 2022, arXiv 2203.15556, approach 1 and Table 3):
    C = 6 N D,  D_opt = k N_opt  with k ≈ 20 tokens per parameter,
    so N_opt = sqrt(C / (6 k)) and D_opt = k N_opt.
Loss of a model with N parameters trained on D tokens (Epoch AI's replication of the paper's
parametric fit, 2024):
    L(N, D) = E + A / N^α + B / D^β.
Capability is an Elo-like score of the reducible loss R = L − E at the compute-optimal point of a
model's *effective* compute (training FLOP × algorithmic efficiency):
    capability = c_ref + per_decade × log10(R(C_ref) / R(C_eff)).
"""

from __future__ import annotations

import numpy as np

from game.engine.params import H100_FLOPS, TrainingParams


def optimal_size(flop: np.ndarray, tp: TrainingParams) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal (parameters, tokens) for a training budget in FLOP."""
    n = np.sqrt(np.asarray(flop, dtype=float) / (6.0 * tp.tokens_per_parameter))
    return n, tp.tokens_per_parameter * n


def loss(n: np.ndarray, d: np.ndarray, tp: TrainingParams) -> np.ndarray:
    """Chinchilla's parametric loss L(N, D)."""
    return tp.chinchilla_E + tp.chinchilla_A / n**tp.chinchilla_alpha + (
        tp.chinchilla_B / d**tp.chinchilla_beta
    )


def reducible_loss(effective_flop: np.ndarray, tp: TrainingParams) -> np.ndarray:
    n, d = optimal_size(np.maximum(effective_flop, 1.0), tp)
    return loss(n, d, tp) - tp.chinchilla_E


def capability(
    effective_flop: np.ndarray, tp: TrainingParams, ref: float | None = None
) -> np.ndarray:
    """Capability score of a model with the given effective training compute.

    ``ref`` is the reference model's reducible loss, if already known.
    """
    if ref is None:
        ref = float(reducible_loss(np.array([tp.reference_effective_flop]), tp)[0])
    return tp.capability_at_reference + tp.capability_per_decade * np.log10(
        ref / reducible_loss(effective_flop, tp)
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
