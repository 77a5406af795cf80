"""A game gives back what a preview's projection freed (game.ui.memory)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

# Run apart (its malloc settings are its own). Arrays under glibc's mmap threshold live in the
# heap; one kept above them holds the heap's top, so free() alone returns nothing: the shape a
# projection leaves behind.
SCRIPT = """
import ctypes
import numpy as np
from game.ui.memory import give_back

def resident_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

ctypes.CDLL(None).mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD 1 MB: 64 KB arrays use the heap
arrays = [np.ones(8192) for _ in range(600)]  # ~40 MB
kept = np.ones(8192)
before = resident_mb()
del arrays
freed = resident_mb()
give_back()
print(before, freed, resident_mb())
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's (Linux)")
def test_freed_heap_pages_go_back_to_the_system() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          check=True, timeout=120)
    before, freed, after = map(float, done.stdout.split())
    assert before - freed < 10, (before, freed)  # free() kept the pages
    assert freed - after > 25, (before, freed, after)  # give_back returned them
