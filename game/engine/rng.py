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


def _u64(value: int) -> np.ndarray:
    """A 0-d uint64 array: numpy combines it with an array faster than a numpy scalar (whose
    type it resolves on every call), with the same result."""
    return np.array(value, dtype=np.uint64)


_GOLDEN = _u64(0x9E3779B97F4A7C15)
_M1 = _u64(0xBF58476D1CE4E5B9)
_M2 = _u64(0x94D049BB133111EB)
_ONE, _S11, _S27, _S30, _S31 = (_u64(v) for v in (1, 11, 27, 30, 31))
_MASK = (1 << 64) - 1

LIVE = "live"
PROJECTION = "projection"


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser over an array of uint64 (wrapping arithmetic)."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


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

    def subset(self, positions: np.ndarray) -> Rng:
        """The same generator for some of the batch's worlds (by position)."""
        sub = object.__new__(Rng)
        object.__setattr__(sub, "seed", self.seed)
        object.__setattr__(sub, "worlds", self.worlds[positions])
        object.__setattr__(sub, "space", self.space)
        object.__setattr__(sub, "_base", self._base)
        return sub

    def in_space(self, space: str) -> Rng:
        """The same worlds and seed in another key space (projections use their own)."""
        return Rng(self.seed, self.worlds, space)

    def _bits(self, quarter: int, channel: str, n: int) -> np.ndarray:
        """(W, n) uint64 draws for a quarter and channel.

        SplitMix64 over a Weyl sequence: draw i of world k is mix(key + (k·n + i + 1)·γ), with
        key a 64-bit hash of (seed, space, quarter, channel). A channel always draws the same n,
        so world k's numbers never depend on the batch it is in.
        """
        key = self._key(quarter, channel)
        index = (self.worlds * np.uint64(n))[:, None] + np.arange(1, n + 1, dtype=np.uint64)
        return _mix(index * _GOLDEN + np.uint64(key))

    def uniform(self, quarter: int, channel: str, n: int = 1) -> np.ndarray:
        """Uniforms in (0, 1), shape (W,) when n == 1 else (W, n)."""
        if n == 1:
            return _single(self.worlds, self._key(quarter, channel))
        u = ((self._bits(quarter, channel, n) >> _S11).astype(np.float64) + 0.5) * (
            2.0**-53
        )
        return u

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
        layout = _layout(tuple(normals.items()), tuple(uniforms.items()))
        keys = self._keys(quarter, layout.column_text)
        # Column-major (one row per draw column, one column per world): every numpy loop then
        # runs along the worlds, not along a row of a few columns (4× faster at 10,000 worlds).
        x = layout.mults[:, None] * self.worlds[None, :]
        x += layout.offs[:, None]
        x *= _GOLDEN
        x += keys[:, None]
        bits = _mix_top53(x)
        u = bits.astype(np.float64)
        u += 0.5
        u *= 2.0**-53
        z = np.log(u[layout.a_cols])
        z *= -2.0
        np.sqrt(z, out=z)
        z *= np.cos(2.0 * np.pi * u[layout.b_cols])
        out: dict[tuple[str, str], np.ndarray] = {}
        for kind, channel, n, start in layout.slices:
            block = (z if kind == "normal" else u)[start:start + n]
            out[(kind, channel)] = block[0] if n == 1 else block.T
        return Prefetched(self, quarter, out)

    def uniform_block(self, quarter: int, channels: tuple[str, ...]) -> np.ndarray:
        """(W, len(channels)): one uniform per channel, as ``uniform(quarter, channel)`` gives."""
        # The keys of _key, computed for all channels at once (same wrapping arithmetic).
        keys = self._keys(quarter, _text_keys(channels))
        bits = _mix((self.worlds + _ONE)[:, None] * _GOLDEN + keys[None, :])
        return ((bits >> _S11).astype(np.float64) + 0.5) * (2.0**-53)

    def bits_rows(self, quarter: int, channels: tuple[str, ...],
                  positions: np.ndarray | None = None) -> np.ndarray:
        """(len(channels), n) integers in [0, 2^53): the draws ``uniform`` makes, before their
        conversion u = (b + 0.5)·2^−53, one row per channel (contiguous, so a row can be scanned
        fast), for the worlds at ``positions`` (all by default). Comparing b with a threshold
        finds the few draws below a probability without converting them all."""
        keys = self._keys(quarter, _text_keys(channels))
        worlds = self.worlds if positions is None else self.worlds[positions]
        weyl = (worlds + _ONE) * _GOLDEN
        out = np.empty((len(keys), len(weyl)), dtype=np.uint64)
        # A few rows at a time, so the hash's passes over memory stay in the cache (3× faster
        # than one pass over the whole table at 10,000 worlds; the same numbers).
        rows = max(1, _BLOCK // max(len(weyl), 1))
        scratch = np.empty((min(rows, len(keys)), len(weyl)), dtype=np.uint64)
        for a in range(0, len(keys), rows):
            block = out[a:a + rows]
            np.add(keys[a:a + rows, None], weyl[None, :], out=block)
            _mix_top53(block, scratch[:len(block)])
        return out

    def uniform_pairs(self, quarter: int, channels: tuple[str, ...], which: np.ndarray,
                      positions: np.ndarray) -> np.ndarray:
        """One uniform per (channel, world) pair: pair j draws from ``channels[which[j]]`` in
        the world at position ``positions[j]``, exactly as ``uniform(quarter, channel)`` gives
        that world — many channels' scattered draws in one pass."""
        keys = self._keys(quarter, _text_keys(channels))[which]
        bits = _mix((self.worlds[positions] + _ONE) * _GOLDEN + keys)
        return ((bits >> _S11).astype(np.float64) + 0.5) * (2.0**-53)

    def _key(self, quarter: int, channel: str) -> int:
        return _mix_int(self._base ^ _mix_int((quarter & _MASK) ^ _text_key(channel)))

    def _keys(self, quarter: int, text_keys: np.ndarray) -> np.ndarray:
        """``_key`` for many channels at once, from their text keys (the same wrapping
        arithmetic)."""
        return _mix(_u64(self._base) ^ _mix(_u64(quarter & _MASK) ^ text_keys))


_BLOCK = 65536  # elements hashed at a time by bits_rows: 512 KiB, within a core's cache


def _mix_top53(x: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """``_mix(x) >> 11`` computed in place in x (with one scratch buffer of x's shape)."""
    t = np.right_shift(x, _S30, out=scratch)
    x ^= t
    x *= _M1
    np.right_shift(x, _S27, out=t)
    x ^= t
    x *= _M2
    np.right_shift(x, _S31, out=t)
    x ^= t
    x >>= _S11
    return x


def _single(worlds: np.ndarray, key: int) -> np.ndarray:
    """One uniform per world for a key: _bits(…, n=1) and the float conversion, done in place
    on one buffer (the same numbers, fewer passes over memory)."""
    x = (worlds + _ONE) * _GOLDEN
    x += _u64(key)
    u = _mix_top53(x).astype(np.float64)
    u += 0.5
    u *= 2.0**-53
    return u


@lru_cache(maxsize=64)
def _text_keys(channels: tuple[str, ...]) -> np.ndarray:
    return np.array([_text_key(ch) for ch in channels], dtype=np.uint64)


@dataclass(frozen=True)
class _Layout:
    """Where each channel's draws sit in a prefetched block (computed once per channel set)."""

    channels: tuple[str, ...]
    column_text: np.ndarray  # per column: its channel's text key
    mults: np.ndarray  # per column: the channel's width (world k's index is k·width + offset)
    offs: np.ndarray  # per column: 1 … width
    a_cols: np.ndarray  # the normals' first uniforms (Box–Muller)
    b_cols: np.ndarray  # and their second
    slices: tuple[tuple[str, str, int, int], ...]  # (kind, channel, n, first column in z or u)


@lru_cache(maxsize=256)
def _layout(normals: tuple[tuple[str, int], ...],
            uniforms: tuple[tuple[str, int], ...]) -> _Layout:
    channels, widths, mults, offs, a_cols, b_cols, slices = [], [], [], [], [], [], []
    col = zcol = 0
    for kind, spec in (("normal", normals), ("uniform", uniforms)):
        for channel, n in spec:
            width = 2 * n if kind == "normal" else n
            channels.append(channel)
            widths.append(width)
            mults += [width] * width
            offs += range(1, width + 1)
            if kind == "normal":
                a_cols += range(col, col + n)
                b_cols += range(col + n, col + 2 * n)
                slices.append((kind, channel, n, zcol))
                zcol += n
            else:
                slices.append((kind, channel, n, col))
            col += width
    column_text = np.repeat(_text_keys(tuple(channels)), widths)
    return _Layout(tuple(channels), column_text, np.array(mults, dtype=np.uint64),
                   np.array(offs, dtype=np.uint64), np.array(a_cols, dtype=np.int64),
                   np.array(b_cols, dtype=np.int64), tuple(slices))


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

