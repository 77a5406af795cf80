"""The same numbers on every machine (game.numerics): numpy never runs its AVX-512 code in a
process of the game, so a save replays exactly on another machine (a fixture made on a machine
without AVX-512 did not verify on one with it)."""

from __future__ import annotations

import os
import subprocess
import sys

from game.numerics import AVX512, VARIABLE, faster_code_in_use

PROBE = """
import sys
{first}
from game.numerics import faster_code_in_use
import os, numpy as np
x = np.linspace(-3, 3, 1001)
print(os.environ["{variable}"], "|", faster_code_in_use(), "|",
      np.exp(x).tobytes().hex()[-16:], np.tanh(x).tobytes().hex()[-16:])
"""


def _probe(first: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE.format(first=first, variable=VARIABLE)],
                          capture_output=True, text=True, env=env, timeout=60, check=True)


def test_the_test_process_runs_no_avx512_code() -> None:
    assert faster_code_in_use() == []
    assert set(AVX512) <= set(os.environ[VARIABLE].split())


def test_a_game_process_keeps_what_the_environment_asked_and_adds_no_avx512() -> None:
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    plain = _probe("import game", env)
    asked = _probe("import game", {**env, VARIABLE: "AVX512F"})
    said, used, numbers = plain.stdout.split("|")
    assert said.split() == list(AVX512) and used.strip() == "[]"
    said_asked, used_asked, numbers_asked = asked.stdout.split("|")
    assert said_asked.split() == ["AVX512F", *AVX512] and used_asked.strip() == "[]"
    assert numbers == numbers_asked  # the same bits, whatever else was asked


def test_numpy_imported_before_the_game_is_said_when_the_engine_loads() -> None:
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    run = subprocess.run([sys.executable, "-c", "import numpy, game.engine"],
                         capture_output=True, text=True, env=env, timeout=60, check=True)
    if any(_has(group) for group in AVX512):
        assert "Import game before numpy" in run.stderr
    else:
        assert run.stderr == ""  # (a processor with no faster code: nothing to say)


def _has(group: str) -> bool:
    """Whether this processor has a group of features (numpy's detection, not its choice)."""
    probe = subprocess.run([sys.executable, "-c", "import numpy._core._multiarray_umath as m; "
                            f"print(m.__cpu_features__.get({group!r}, False))"],
                           capture_output=True, text=True, timeout=60, check=True,
                           env={k: v for k, v in os.environ.items() if k != VARIABLE})
    return probe.stdout.strip() == "True"
