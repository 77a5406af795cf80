"""How long a real game takes to save, load and verify by replay (the saves issue's bars).

    .venv/bin/python benchmarks/replay.py

A bot plays a whole game of the default scenario (16 quarters, the scenario's horizon; the
builder bot plays to the end), then: save = ``store.save_game`` (a warm autosave), load =
``reader.read_save``, verify = ``store.verify`` (read, rebuild the game from its seed and
replay every quarter, checking each recorded quarter and seal). Medians of 15 runs. Bars: save +
load ≤ 50 ms, replay and verify ≤ 150 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from game.bots import STRATEGIES
from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.session.saves.reader import read_save
from game.session.store import save_game, verify


def median_ms(fn, runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    content = load_content()
    game = Game(content, DEFAULT_SCENARIO, 7, "Bench Labs")
    game.autoplay(STRATEGIES["builder"])
    with tempfile.TemporaryDirectory() as folder:
        path = save_game(game, Path(folder))
        save = median_ms(lambda: save_game(game, Path(folder)))
        load = median_ms(lambda: read_save(path))
        result = verify(path, content)
        assert result.verified, result.problems
        check = median_ms(lambda: verify(path, content))
    print(f"a {len(game.log)}-quarter game ({game.outcome}): save {save:.1f} ms, load "
          f"{load:.1f} ms (together {save + load:.1f} ms; bar 50), replay and verify "
          f"{check:.1f} ms (bar 150)")


if __name__ == "__main__":
    main()
