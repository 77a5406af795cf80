"""How long a class in one market takes to replay: 60 labs through the whole scenario.

    .venv/bin/python benchmarks/class_market.py [--labs 60] [--rounds 5]

Bar (issue 18, item 4): 60 labs × 20 quarters in well under a second. The labs play the six
bots' games (each bot's game ten times over), events and choices included, as
``ClassMarket(...).play()``; the figure is the fastest of ``--rounds`` replays, with the time per
class round and the time to read every lab back (``lab(i)``). The shipped scenarios run 16
quarters at most; the time scales with the rounds played.
"""

from __future__ import annotations

import argparse
import time

from game.bots.strategies import STRATEGIES
from game.packs import load_content
from game.session.game import Game
from game.session.market import ClassMarket


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", default="ipo-window")
    args = parser.parse_args()
    content = load_content()
    logs = []
    for name in STRATEGIES:
        game = Game(content, args.scenario, 0)
        game.autoplay(STRATEGIES[name])
        logs.append(game.log)
    logs = [logs[i % len(logs)] for i in range(args.labs)]
    best = read = float("inf")
    quarters = 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        market = ClassMarket(content, args.scenario, 0, logs).play()
        best = min(best, time.perf_counter() - start)
        quarters = market.quarter
        start = time.perf_counter()
        for i in range(args.labs):
            market.lab(i)
        read = min(read, time.perf_counter() - start)
    print(f"{args.labs} labs × {quarters} quarters: {best:.3f} s "
          f"({1000 * best / max(quarters, 1):.1f} ms a round); every lab read back: {read:.3f} s")


if __name__ == "__main__":
    main()
