"""The same numbers on every machine: numpy's AVX2 code, never its AVX-512 code.

A save replays exactly where it was not played (a class's report on the instructor's laptop,
a second host of a course, the test suite's fixtures made on another machine). numpy computes
exp, log, power and a few more with code chosen for the processor it runs on, and its AVX-512
code agrees with its AVX2 code only to the last bit: a save recorded on a machine without
AVX-512 did not verify on one with it. Without AVX-512 every x86-64 processor with AVX2 (almost
every one since 2013-2015) computes the same bits. Its baseline code (no AVX2) differs again,
in tanh only, but costs the engine a fifth of its speed at 10,000 worlds; AVX-512's is worth
nothing measurable to it (docs/ENGINE.md, "The same numbers on every machine").

numpy reads the choice once, when it is first imported: ``game/__init__`` calls
``same_everywhere`` before anything imports numpy.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "NPY_DISABLE_CPU_FEATURES"
# numpy's groups of AVX-512 features, as numpy 2.4 (pinned exactly in pyproject.toml) names
# them; names a processor does not have are passed over.
AVX512 = ("X86_V4", "AVX512_ICL", "AVX512_SPR")


def same_everywhere() -> None:
    """Ask numpy not to use its AVX-512 code (adding to what the environment already asks)."""
    asked = os.environ.get(VARIABLE, "").split()
    os.environ[VARIABLE] = " ".join([*asked, *(f for f in AVX512 if f not in asked)])


def faster_code_in_use() -> list[str]:
    """The AVX-512 groups numpy uses in this process: [] as it should be; any other answer
    means numpy was imported before the game (a script that imports numpy first)."""
    if "numpy" not in sys.modules:
        return []
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # (another layout of numpy's internals: the pin says which)
        return []
    return [group for group in AVX512 if features.get(group)]
