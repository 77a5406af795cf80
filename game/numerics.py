"""The same numbers on every machine: numpy's baseline code, never the faster code it picks by
the processor.

A save replays exactly where it was not played (a class's report on the instructor's laptop,
a second host of a course, the test suite's fixtures made on another machine). numpy computes
exp, log, power, tanh and a few more with code chosen for the processor it runs on (AVX2,
AVX-512), and those agree with its baseline code only to the last bit: a save recorded on a
machine with AVX-512 did not verify on one without. Its baseline code, and the IEEE arithmetic
everything else is, give the same bits on every x86-64 processor; the engine is no slower for it
(docs/ENGINE.md, "The same numbers on every machine").

numpy reads the choice once, when it is first imported: ``game/__init__`` calls
``same_everywhere`` before anything imports numpy.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "NPY_DISABLE_CPU_FEATURES"
# numpy's groups of processor features above its x86-64 baseline (X86_V2), as numpy 2.4 (pinned
# exactly in pyproject.toml) names them; names a processor does not have are passed over.
ABOVE_BASELINE = ("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR")


def same_everywhere() -> None:
    """Ask numpy for its baseline code (adding to what the environment already asks)."""
    asked = os.environ.get(VARIABLE, "").split()
    os.environ[VARIABLE] = " ".join([*asked, *(f for f in ABOVE_BASELINE if f not in asked)])


def faster_code_in_use() -> list[str]:
    """The groups above the baseline numpy uses in this process: [] as it should be; any other
    answer means numpy was imported before the game (a script that imports numpy first)."""
    if "numpy" not in sys.modules:
        return []
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # (another layout of numpy's internals: the pin says which)
        return []
    return [group for group in ABOVE_BASELINE if features.get(group)]
