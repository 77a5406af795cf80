"""Random draws keyed by (seed, key space, quarter, channel, world).

Nothing here has hidden state. A draw is a pure function of its key, computed with the SplitMix64
mixing function on unsigned 64-bit integers, so:

- the same seed and plans give identical numbers on every platform (integer arithmetic only,
  up to the final conversion to float);
- a channel's draws never depend on which other channels drew (no shared stream to advance);
- world k draws the same numbers whatever the batch size, because its key contains k;
- a counterfactual replay with a different decision keeps the same luck (common random numbers):
  the key names the quarter and channel, not the order of calls;
- projections use another key space than the live game, so they never peek at its future.

Normals come from the Box–Muller transform of two uniforms.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1

LIVE = "live"
PROJECTION = "projection"


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser over an array of uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def _mix_int(x: int) -> int:
    x &= _MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@lru_cache(maxsize=4096)
def _text_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Rng:
    """Keyed random numbers for a batch of worlds.

    ``worlds`` holds each world's index (its identity, not its position), so a batch may be any
    subset of a larger run. ``seed`` may be any non-negative integer: one that fits in 64 bits
    enters the key as it is, a larger one through a 64-bit hash of its decimal digits.
    """

    seed: int
    worlds: np.ndarray
    space: str = LIVE
    _base: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError(f"a seed must be a non-negative integer, got {self.seed}")
        seed_key = _text_key(str(self.seed)) if self.seed > _MASK else self.seed
        object.__setattr__(self, "_base", _mix_int(seed_key ^ _mix_int(_text_key(self.space))))
        object.__setattr__(self, "worlds", np.asarray(self.worlds, dtype=np.uint64))

    @classmethod
    def for_batch(cls, seed: int, n_worlds: int, space: str = LIVE) -> Rng:
        return cls(seed, np.arange(n_worlds, dtype=np.uint64), space)

    def in_space(self, space: str) -> Rng:
        """The same worlds and seed in another key space (projections use their own)."""
        return Rng(self.seed, self.worlds, space)

    def _bits(self, quarter: int, channel: str, n: int) -> np.ndarray:
        """(W, n) uint64 draws for a quarter and channel.

        SplitMix64 over a Weyl sequence: draw i of world k is mix(key + (k·n + i + 1)·γ), with
        key a 64-bit hash of (seed, space, quarter, channel). A channel always draws the same n,
        so world k's numbers never depend on the batch it is in.
        """
        key = _mix_int(self._base ^ _mix_int((quarter & _MASK) ^ _text_key(channel)))
        index = (self.worlds * np.uint64(n))[:, None] + np.arange(1, n + 1, dtype=np.uint64)
        return _mix(index * _GOLDEN + np.uint64(key))

    def uniform(self, quarter: int, channel: str, n: int = 1) -> np.ndarray:
        """Uniforms in (0, 1), shape (W,) when n == 1 else (W, n)."""
        u = ((self._bits(quarter, channel, n) >> np.uint64(11)).astype(np.float64) + 0.5) * (
            2.0**-53
        )
        return u[:, 0] if n == 1 else u

    def normal(self, quarter: int, channel: str, n: int = 1) -> np.ndarray:
        """Standard normals, shape (W,) when n == 1 else (W, n)."""
        u = self.uniform(quarter, channel, 2 * n).reshape(len(self.worlds), 2, n)
        z = np.sqrt(-2.0 * np.log(u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])
        return z[:, 0] if n == 1 else z

    def prefetch(
        self, quarter: int, normals: dict[str, int], uniforms: dict[str, int]
    ) -> Prefetched:
        """A quarter's draws for many channels computed in one pass.

        Each column is keyed exactly as ``normal``/``uniform`` would key it, so the numbers are
        identical to drawing channel by channel; only the number of numpy calls changes.
        """
        keys, mults, offs = [], [], []
        layout: list[tuple[str, str, int, int]] = []  # (kind, channel, n, first column)
        col = 0
        for kind, spec in (("normal", normals), ("uniform", uniforms)):
            for channel, n in spec.items():
                width = 2 * n if kind == "normal" else n
                key = _mix_int(self._base ^ _mix_int((quarter & _MASK) ^ _text_key(channel)))
                keys += [key] * width
                mults += [width] * width
                offs += list(range(1, width + 1))
                layout.append((kind, channel, n, col))
                col += width
        index = (self.worlds[:, None] * np.array(mults, dtype=np.uint64)[None, :]
                 + np.array(offs, dtype=np.uint64)[None, :])
        bits = _mix(index * _GOLDEN + np.array(keys, dtype=np.uint64)[None, :])
        u = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * (2.0**-53)
        a_cols = [c + j for kind, _, n, c in layout if kind == "normal" for j in range(n)]
        b_cols = [c + n + j for kind, _, n, c in layout if kind == "normal" for j in range(n)]
        z = np.sqrt(-2.0 * np.log(u[:, a_cols])) * np.cos(2.0 * np.pi * u[:, b_cols])
        out: dict[tuple[str, str], np.ndarray] = {}
        zcol = 0
        for kind, channel, n, c in layout:
            if kind == "normal":
                block = z[:, zcol:zcol + n]
                zcol += n
            else:
                block = u[:, c:c + n]
            out[(kind, channel)] = block[:, 0] if n == 1 else block
        return Prefetched(self, quarter, out)


@dataclass(frozen=True)
class Prefetched:
    """Draws computed ahead for one quarter; serves the same interface as ``Rng``."""

    rng: Rng
    quarter: int
    cache: dict[tuple[str, str], np.ndarray]

    def normal(self, quarter: int, channel: str, n: int = 1) -> np.ndarray:
        hit = self.cache.get(("normal", channel)) if quarter == self.quarter else None
        return hit if hit is not None else self.rng.normal(quarter, channel, n)

    def uniform(self, quarter: int, channel: str, n: int = 1) -> np.ndarray:
        hit = self.cache.get(("uniform", channel)) if quarter == self.quarter else None
        return hit if hit is not None else self.rng.uniform(quarter, channel, n)

