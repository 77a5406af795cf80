"""Sums and maxima across a few columns of a (worlds, k) array, looping along the worlds.

numpy reduces ``a.sum(axis=1)`` row by row: with a handful of columns its loop runs k steps per
world, and at 10,000 worlds the reduction costs 5–10× an elementwise operation. These helpers
loop over the k columns instead, each step one operation over every world. They give exactly
numpy's numbers: for fewer than 8 columns numpy adds a row from zero, in column order (from 8 on
it adds in pairwise blocks, so wider arrays keep ``sum(axis=1)``); a maximum is exact in any
order. A single world's row is added in plain Python, the same way. Not ``@`` either: a BLAS
product may treat a batch's last rows with other instructions, and world k must give identical
numbers whatever the batch size.
"""

from __future__ import annotations

import numpy as np

_SEQUENTIAL = 8  # numpy adds fewer columns than this one after another
_FEW_WORLDS = 64  # below this numpy's one call beats a call per column (a live game is one)


def row_sum(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` for a (W, k) array, the same numbers."""
    if a.shape[0] == 1 and a.shape[1] < _SEQUENTIAL:  # the live game: one row, in Python
        return np.array([add_in_order(a[0].tolist())])
    if a.shape[1] >= _SEQUENTIAL or a.shape[0] < _FEW_WORLDS:
        return a.sum(axis=1)
    out = np.zeros(a.shape[0])
    for j in range(a.shape[1]):
        out += a[:, j]
    return out


def row_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=1)`` for a (W, k) array with k ≥ 1."""
    if a.shape[0] == 1 and a.shape[1] < _SEQUENTIAL:  # the live game: one row, in Python
        row = a[0].tolist()
        return np.array([max(row) if all(x == x for x in row) else np.nan])  # NaN wins
    if a.shape[0] < _FEW_WORLDS:
        return a.max(axis=1)
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        np.maximum(out, a[:, j], out=out)
    return out


def per_world(per_gpu: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_g per_gpu[w, g] · weights[g] for each world: ``(per_gpu * weights).sum(axis=1)``'s
    numbers for fewer than 8 generations, column by column."""
    if per_gpu.shape[0] == 1 and per_gpu.shape[1] < _SEQUENTIAL:
        return row_sum(per_gpu * weights)
    if per_gpu.shape[1] >= _SEQUENTIAL or per_gpu.shape[0] < _FEW_WORLDS:
        return (per_gpu * weights).sum(axis=1)
    out = np.zeros(per_gpu.shape[0])
    for g in range(per_gpu.shape[1]):
        out += per_gpu[:, g] * weights[g]
    return out


def slot_sum(ring: np.ndarray) -> np.ndarray:
    """``ring.sum(axis=1)`` for a (W, slots, G) ring: each (world, generation) adds its slots in
    order either way, and einsum's loop runs along the generations (4× faster at 10,000)."""
    return np.einsum("wsg->wg", ring)


def any_set(a: np.ndarray) -> bool:
    """``a.any()``, with a few elements read in Python: in the live game's one world a numpy
    reduction costs more than much of the work such a check guards."""
    return any(a.ravel().tolist()) if a.size <= _SEQUENTIAL else bool(a.any())


def add_in_order(row: list[float]) -> float:
    """A few numbers added from zero, in order: what numpy's row sum of fewer than 8 columns
    and the column loop above give (not ``sum``, which from Python 3.12 compensates its
    rounding)."""
    total = 0.0
    for x in row:
        total += x
    return total
