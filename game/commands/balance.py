"""``frontier-lab balance``: every bot over many worlds of every scenario.

For each scenario and strategy it reports the outcome mix, the share of worlds won (an IPO) and
lost (bankrupt, ousted or irrelevant) and the mean score, and warns when one strategy dominates a
scenario (its mean score more than 25% above the runner-up's). The game is balanced when:
- every strategy wins in at least 10% of some scenario's worlds, and loses in at least 10% of
  some scenario's worlds;
- no strategy dominates every scenario (it may dominate one, never the whole game).
``--check`` exits 1 when either fails, for CI and for tuning content.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from game.bots import STRATEGIES
from game.bots.runner import Workers, default_workers
from game.cli import UserError, emit_json
from game.engine.state import OUTCOMES
from game.packs import load_content

WIN = ("ipo",)
LOSS = ("bankrupt", "ousted", "irrelevant")
DOMINANCE = 1.25  # a lead over the runner-up's mean score that counts as dominating
SHARE = 0.10  # the least share of worlds each strategy must win, and lose, somewhere


@dataclass(frozen=True)
class Cell:
    """One strategy in one scenario."""

    outcomes: dict[str, int]
    worlds: int
    mean_score: float

    @property
    def wins(self) -> float:
        return sum(self.outcomes[o] for o in WIN) / self.worlds

    @property
    def losses(self) -> float:
        return sum(self.outcomes[o] for o in LOSS) / self.worlds


@dataclass(frozen=True)
class Verdict:
    warnings: list[str]  # dominated scenarios
    problems: list[str]  # the balance rules that fail


def judge(table: dict[str, dict[str, Cell]]) -> Verdict:
    """The balance rules over a scenario × strategy table."""
    warnings, problems = [], []
    dominant: dict[str, str] = {}
    for scenario, cells in table.items():
        ranked = sorted(cells, key=lambda s: -cells[s].mean_score)
        if len(ranked) < 2:
            continue
        best, second = cells[ranked[0]].mean_score, cells[ranked[1]].mean_score
        if best > DOMINANCE * max(second, 1e-9):
            dominant[scenario] = ranked[0]
            lead = best / second - 1 if second > 0 else float("inf")
            warnings.append(f"{scenario}: '{ranked[0]}' dominates (mean score "
                            f"{best:,.1f} vs {second:,.1f} for '{ranked[1]}', "
                            f"+{lead:.0%})")
    strategies = {s for cells in table.values() for s in cells}
    for strategy in sorted(strategies):
        cells = [c[strategy] for c in table.values() if strategy in c]
        if max(c.wins for c in cells) < SHARE:
            problems.append(f"'{strategy}' never wins (IPO) in {SHARE:.0%} of a scenario's worlds")
        if max(c.losses for c in cells) < SHARE:
            problems.append(f"'{strategy}' never fails in {SHARE:.0%} of a scenario's worlds")
    if len(table) > 1 and len(dominant) == len(table) and len(set(dominant.values())) == 1:
        problems.append(f"'{next(iter(dominant.values()))}' dominates every scenario")
    return Verdict(warnings, problems)


def run_balance(args: argparse.Namespace) -> int:
    content = load_content()
    scenarios = [args.scenario] if args.scenario else sorted(content.scenarios)
    for s in scenarios:
        if s not in content.scenarios:
            raise UserError(f"no scenario '{s}'; known: {', '.join(sorted(content.scenarios))}")
    strategies = sorted(STRATEGIES)
    progress = sys.stderr.isatty() and args.format == "table"
    table: dict[str, dict[str, Cell]] = {}
    t0 = time.perf_counter()
    for n, scenario in enumerate(scenarios):
        params = content.params(scenario)
        table[scenario] = {}
        setups = {name: (params, STRATEGIES[name],
                         content.director_for(scenario, chooser=STRATEGIES[name]))
                  for name in strategies}
        with Workers(setups, default_workers(args.worlds)) as pool:  # one fork per scenario
            for m, name in enumerate(strategies):
                if progress:
                    done = n * len(strategies) + m
                    print(f"\r  balance: {scenario} · {name} ({done + 1}/"
                          f"{len(scenarios) * len(strategies)})" + " " * 10, end="",
                          file=sys.stderr, flush=True)
                run = pool.play(name, args.seed, args.worlds)
                counts = np.bincount(run.state.outcome, minlength=len(OUTCOMES))
                table[scenario][name] = Cell(
                    {o: int(counts[i]) for i, o in enumerate(OUTCOMES)}, args.worlds,
                    float(run.scores.mean()))
    if progress:
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    verdict = judge(table)
    if args.format == "json":
        emit_json(_json(table, verdict, args, time.perf_counter() - t0))
    else:
        _print(table, verdict, args, time.perf_counter() - t0)
    return 1 if args.check and verdict.problems else 0


def _json(table: dict[str, dict[str, Cell]], verdict: Verdict, args: argparse.Namespace,
          seconds: float) -> dict[str, Any]:
    return {
        "worlds": args.worlds,
        "seed": args.seed,
        "seconds": round(seconds, 2),
        "scenarios": {
            scenario: {name: {"outcomes": c.outcomes, "win_share": round(c.wins, 4),
                              "loss_share": round(c.losses, 4),
                              "mean_score": round(c.mean_score, 3)}
                       for name, c in cells.items()}
            for scenario, cells in table.items()},
        "warnings": verdict.warnings,
        "problems": verdict.problems,
        "balanced": not verdict.problems,
    }


def _share(x: float) -> str:
    """A share as a whole percentage; a few worlds in 10,000 read "<1%", not "0%"."""
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"


def _print(table: dict[str, dict[str, Cell]], verdict: Verdict, args: argparse.Namespace,
           seconds: float) -> None:
    out = sys.stdout
    out.write(f"Balance: every strategy over {args.worlds:,} worlds per scenario "
              f"(seed {args.seed}, {seconds:.1f} s)\n")
    for scenario, cells in table.items():
        out.write(f"\n{scenario}\n")
        head = (f"  {'strategy':<12}{'wins':>7}{'fails':>7}{'mean score':>12}   outcomes")
        out.write(head + "\n  " + "─" * (len(head) - 2) + "\n")
        best = max(c.mean_score for c in cells.values())
        for name, c in sorted(cells.items(), key=lambda kv: -kv[1].mean_score):
            mix = ", ".join(f"{o} {_share(k / c.worlds)}" for o, k in c.outcomes.items() if k)
            mark = " ←" if c.mean_score == best else ""
            out.write(f"  {name:<12}{c.wins:>7.0%}{c.losses:>7.0%}{c.mean_score:>12,.1f}   "
                      f"{mix}{mark}\n")
    out.write("\n")
    for w in verdict.warnings:
        out.write(f"warning: {w}\n")
    if verdict.problems:
        for p in verdict.problems:
            out.write(f"unbalanced: {p}\n")
    else:
        out.write("Balanced: every strategy wins and fails somewhere; none dominates every "
                  "scenario.\n")
