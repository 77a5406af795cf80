"""The price curves of every scenario: what a constant price earns over a whole game.

    .venv/bin/python benchmarks/price_curves.py [--worlds 1000]

For each scenario, ``game.bots.pricing.curve`` plays the adaptive bot at each constant price of
``PRICES`` (never listing) and prints the mean cumulative revenue and gross profit, then the
revenue- and profit-maximising prices: the table of docs/ENGINE.md ("Demand"). Issue 14's bar:
both maxima between 0.7× and 1.6× the reference in every scenario. The scenarios are shared
among forked processes, one per core.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor

from game.bots.pricing import PRICES, Point, best, curve
from game.packs import load_content

CONTENT = load_content()


def one(args: tuple[str, int]) -> tuple[str, list[Point]]:
    scenario, worlds = args
    return scenario, curve(CONTENT, scenario, worlds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=1000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    scenarios = sorted(CONTENT.scenarios)
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=mp.get_context("fork")) as pool:
        results = dict(pool.map(one, [(s, args.worlds) for s in scenarios]))
    print("| scenario | " + " | ".join(f"{p:g}×" for p in PRICES)
          + " | revenue-max | profit-max |")
    print("|---" * (len(PRICES) + 3) + "|")
    for scenario in scenarios:
        points = results[scenario]
        top_rev = max(p.revenue for p in points)
        top_gp = max(p.gross_profit for p in points)
        cells = [f"{p.revenue / top_rev:.2f} / {p.gross_profit / top_gp:.2f}" for p in points]
        rev_max, gp_max = best(points)
        print(f"| {scenario} | " + " | ".join(cells) + f" | {rev_max:g}× | {gp_max:g}× |")
    print(f"\n(revenue / gross profit, each as a share of its best price's; {args.worlds} worlds a "
          f"price, {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
