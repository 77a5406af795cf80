"""Memory a game has finished with, given back to the system.

A preview's projection (``game.session`` playing thousands of worlds ahead) allocates some 20 MB
for a moment. glibc's malloc keeps what is freed for the process's later use, and a served game
kept about 14 MB it no longer needed after its first preview: 0.8 GB of a host serving 60
students. ``give_back`` asks glibc to return the free pages (``malloc_trim``); a C library
without it (macOS, musl) is left alone.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]  (the process's C library)
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the process's free heap pages to the system, where the C library can."""
    trim = _trim()
    if trim is not None:
        trim(0)
