"""``frontier-lab balance``: every bot over many worlds of every scenario.

For each scenario and strategy it reports the outcome mix, the share of worlds won (an IPO) and
lost (bankrupt, ousted or irrelevant) and the mean score, and warns when one strategy dominates a
scenario (its mean score more than 25% above the runner-up's). The game is balanced when:
- every strategy wins in at least 10% of some scenario's worlds, and loses in at least 10% of
  some scenario's worlds;
- no strategy dominates every scenario (it may dominate one, never the whole game).
``--check`` exits 1 when either fails, for CI and for tuning content.

``--adversary`` adds the search of ``game.bots.adversary`` (fixed plans, price and filing
schedules, the bots' own policy with every number searched) and four more rules, judged on
worlds the search never saw:
- no fixed plan's mean score exceeds 1.25× the best bot's in any scenario;
- the adversary's best wins (lists) in fewer than 95% of any scenario's worlds;
- no strategy the adversary finds leads every scenario (each scenario's best is played in every
  other: different scenarios must reward different play);
- the best bot reaches at least half the adversary's best mean score in every scenario.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from game.bots import STRATEGIES
from game.bots.adversary import FAMILIES, Adversary, Family, Found
from game.bots.runner import PARALLEL_MIN_WORLDS, Workers, default_workers
from game.commands.console import UserError, emit_json, load_packs
from game.engine.state import OUTCOMES
from game.packs import Content

WIN = ("ipo",)
LOSS = ("bankrupt", "ousted", "irrelevant")
DOMINANCE = 1.25  # a lead over the runner-up's mean score that counts as dominating
SHARE = 0.10  # the least share of worlds each strategy must win, and lose, somewhere
FIXED_PLAN_LIMIT = 1.25  # no fixed plan may beat the best bot by more than this
WIN_LIMIT = 0.95  # the adversary's best must lose (or not list) in 5% of worlds or more
BOT_FLOOR = 0.5  # the best bot must reach this share of the adversary's best mean score
BUDGET = 240  # candidates per family and scenario: the full adversary's documented budget
SEARCH_WORLDS = 300  # worlds each candidate plays while searching


@dataclass(frozen=True)
class Cell:
    """One strategy in one scenario."""

    outcomes: dict[str, int]
    worlds: int
    mean_score: float
    percentiles: tuple[float, float, float] = (0.0, 0.0, 0.0)  # 10th, 50th, 90th of the score

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


def cell(scores: np.ndarray, outcomes: np.ndarray) -> Cell:
    """A strategy's results in one scenario, from each world's score and outcome."""
    counts = np.bincount(outcomes, minlength=len(OUTCOMES))
    p10, p50, p90 = (float(x) for x in np.percentile(scores, [10, 50, 90]))
    return Cell({o: int(counts[i]) for i, o in enumerate(OUTCOMES)}, int(scores.size),
                float(scores.mean()), (p10, p50, p90))


@dataclass
class Searched:
    """What the adversary found in one scenario: the best of each family, on held-out worlds."""

    found: dict[str, Found]  # family -> its best candidate
    cells: dict[str, Cell]  # family -> its results on the held-out worlds
    cross: dict[str, float] = field(default_factory=dict)  # scenario -> mean score of the best


def judge_adversary(table: dict[str, dict[str, Cell]], searched: dict[str, Searched]
                    ) -> list[str]:
    """The adversary's four rules (see the module's docstring)."""
    problems: list[str] = []
    for scenario, result in searched.items():
        bots = table[scenario]
        best_bot = max(bots, key=lambda b: bots[b].mean_score)
        bot_mean = bots[best_bot].mean_score
        fixed = result.cells.get("fixed plan")
        if fixed is not None and fixed.mean_score > FIXED_PLAN_LIMIT * max(bot_mean, 1e-9):
            problems.append(f"{scenario}: a fixed plan scores {fixed.mean_score:,.1f}, more than "
                            f"{FIXED_PLAN_LIMIT:g}x the best bot ('{best_bot}', {bot_mean:,.1f})")
        top = max(result.cells, key=lambda f: result.cells[f].mean_score)
        best = result.cells[top]
        if best.wins >= WIN_LIMIT:
            problems.append(f"{scenario}: the adversary's best ({top}) lists in {best.wins:.1%} "
                            f"of worlds (the limit is {WIN_LIMIT:.0%}: luck and rivals must "
                            "still matter)")
        if bot_mean < BOT_FLOOR * best.mean_score:
            problems.append(f"{scenario}: the best bot ('{best_bot}', {bot_mean:,.1f}) reaches "
                            f"less than {BOT_FLOOR:.0%} of the adversary's best ({top}, "
                            f"{best.mean_score:,.1f})")
    if len(searched) > 1:
        for scenario, result in searched.items():
            leads = [other for other in searched if result.cross.get(other, -np.inf) >= max(
                max(c.mean_score for c in table[other].values()),
                max(searched[o].cross.get(other, -np.inf) for o in searched if o != scenario))]
            if len(leads) == len(searched):
                problems.append(f"the adversary's best strategy for {scenario} leads every "
                                "scenario: different scenarios must reward different play")
    return problems


def run_balance(args: argparse.Namespace) -> int:
    content = load_packs(args)
    scenarios = [args.scenario] if args.scenario else sorted(content.scenarios)
    for s in scenarios:
        if s not in content.scenarios:
            raise UserError(f"no scenario '{s}'; known: {', '.join(sorted(content.scenarios))}")
    if not args.adversary and (args.budget is not None or args.search_worlds is not None):
        raise UserError("--budget and --search-worlds go with --adversary")
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
                    _progress(f"balance: {scenario} · {name} "
                              f"({done + 1}/{len(scenarios) * len(strategies)})")
                run = pool.play(name, args.seed, args.worlds)
                table[scenario][name] = cell(run.scores, run.state.outcome)
    searched = _adversary(args, content, scenarios, progress) if args.adversary else {}
    if progress:
        _progress("")
    verdict = judge(table)
    problems = verdict.problems + judge_adversary(table, searched)
    verdict = Verdict(verdict.warnings, problems)
    if args.format == "json":
        emit_json(_json(table, searched, verdict, args, time.perf_counter() - t0))
    else:
        _print(table, searched, verdict, args, time.perf_counter() - t0)
    return 1 if args.check and verdict.problems else 0


def _progress(text: str) -> None:
    print("\r" + (f"  {text}" + " " * 10 if text else " " * 72 + "\r"), end="",
          file=sys.stderr, flush=True)


def _adversary(args: argparse.Namespace, content: Content, scenarios: list[str],
               progress: bool) -> dict[str, Searched]:
    """Search every family in every scenario, then play the finds on held-out worlds."""
    budget = BUDGET if args.budget is None else args.budget
    search_worlds = SEARCH_WORLDS if args.search_worlds is None else args.search_worlds
    search_seed = args.seed + 1  # the search plays other worlds than the bots' and the report's
    setups = {sc: (content.params(sc), content.director_for(sc)) for sc in scenarios}
    searched: dict[str, Searched] = {}
    total = len(scenarios) * len(FAMILIES) * budget
    done = 0
    with Adversary(setups, default_workers(2 * PARALLEL_MIN_WORLDS)) as adversary:
        for scenario in scenarios:
            found: dict[str, Found] = {}
            for family in FAMILIES.values():
                def tick(n: int, scenario: str = scenario, family: Family = family) -> None:
                    nonlocal done
                    done += n
                    if progress:
                        _progress(f"adversary: {scenario} · {family.name} "
                                  f"({min(done, total):,}/{total:,} candidates)")
                found[family.name] = adversary.search(scenario, family, budget, search_worlds,
                                                      search_seed, tick)
            policies = {name: FAMILIES[name].policy(f.point, setups[scenario][0])
                        for name, f in found.items()}
            results = adversary.evaluate([(scenario, p) for p in policies.values()], args.seed,
                                         args.worlds)
            searched[scenario] = Searched(found, {name: cell(*r) for name, r in zip(
                policies, results, strict=True)})
        # Each scenario's best find, played in every scenario.
        if len(scenarios) > 1:
            if progress:
                _progress("adversary: each scenario's best, played in every scenario")
            entries = []
            for scenario, result in searched.items():
                top = max(result.cells, key=lambda f: result.cells[f].mean_score)
                for other in scenarios:
                    entries.append((scenario, other, FAMILIES[top].policy(
                        result.found[top].point, setups[other][0])))
            results = adversary.evaluate([(other, pol) for _, other, pol in entries], args.seed,
                                         args.worlds)
            for (scenario, other, _), (scores, _) in zip(entries, results, strict=True):
                searched[scenario].cross[other] = float(scores.mean())
    return searched


def _cell_json(c: Cell) -> dict[str, Any]:
    return {"outcomes": c.outcomes, "win_share": round(c.wins, 4),
            "loss_share": round(c.losses, 4), "mean_score": round(c.mean_score, 3),
            "score_p10_p50_p90": [round(x, 3) for x in c.percentiles]}


def _json(table: dict[str, dict[str, Cell]], searched: dict[str, Searched], verdict: Verdict,
          args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "worlds": args.worlds,
        "seed": args.seed,
        "seconds": round(seconds, 2),
        "scenarios": {scenario: {name: _cell_json(c) for name, c in cells.items()}
                      for scenario, cells in table.items()},
        "warnings": verdict.warnings,
        "problems": verdict.problems,
        "balanced": not verdict.problems,
    }
    if searched:
        out["adversary"] = {
            "budget": BUDGET if args.budget is None else args.budget,
            "search_worlds": SEARCH_WORLDS if args.search_worlds is None else args.search_worlds,
            "search_seed": args.seed + 1,
            "scenarios": {scenario: {
                "families": {name: {**_cell_json(result.cells[name]),
                                    "search_mean": round(f.search_mean, 3),
                                    "candidates": f.evaluations,
                                    "strategy": _plain(f.values)}
                             for name, f in result.found.items()},
                "best_played_everywhere": {k: round(v, 3) for k, v in result.cross.items()},
            } for scenario, result in searched.items()},
        }
    return out


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """A found strategy's numbers for JSON: floats to 4 significant figures."""
    return {k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in values.items()}


def _share(x: float) -> str:
    """A share as a whole percentage; a few worlds in 10,000 read "<1%", not "0%"."""
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"


def _print(table: dict[str, dict[str, Cell]], searched: dict[str, Searched], verdict: Verdict,
           args: argparse.Namespace, seconds: float) -> None:
    out = sys.stdout
    out.write(f"Balance: every strategy over {args.worlds:,} worlds per scenario "
              f"(seed {args.seed}, {seconds:.1f} s)\n")
    if searched:
        budget = BUDGET if args.budget is None else args.budget
        worlds = SEARCH_WORLDS if args.search_worlds is None else args.search_worlds
        out.write(f"The adversary tried {budget:,} candidates per family and scenario on "
                  f"{worlds:,} worlds each (seed {args.seed + 1}); its finds [in brackets] "
                  f"are shown beside the bots on the same {args.worlds:,} other worlds (seed "
                  f"{args.seed}).\n")
    for scenario, cells in table.items():
        rows = dict(cells)
        if scenario in searched:
            rows = {**{f"[{name}]": c for name, c in searched[scenario].cells.items()}, **rows}
        out.write(f"\n{scenario}\n")
        head = (f"  {'strategy':<14}{'wins':>6}{'fails':>7}{'mean score':>12}"
                f"{'p10 / p50 / p90':>24}   outcomes")
        out.write(head + "\n  " + "─" * (len(head) - 2) + "\n")
        best = max(c.mean_score for c in rows.values())
        for name, c in sorted(rows.items(), key=lambda kv: -kv[1].mean_score):
            mix = ", ".join(f"{o} {_share(k / c.worlds)}" for o, k in c.outcomes.items() if k)
            mark = " ←" if c.mean_score == best else ""
            pct = " / ".join(f"{x:,.0f}" for x in c.percentiles)
            out.write(f"  {name:<14}{c.wins:>6.0%}{c.losses:>7.0%}{c.mean_score:>12,.1f}"
                      f"{pct:>24}   {mix}{mark}\n")
        if scenario in searched:
            for name, f in searched[scenario].found.items():
                out.write(f"  [{name}]: {_describe(f.values)}\n")
    if len(searched) > 1:
        out.write("\nEach scenario's best find played in every scenario (mean score):\n")
        names = list(searched)
        out.write("  " + " " * 16 + "".join(f"{n[:14]:>15}" for n in names) + "\n")
        for scenario, result in searched.items():
            out.write(f"  {scenario[:16]:<16}" + "".join(
                f"{result.cross.get(n, float('nan')):>15,.1f}" for n in names) + "\n")
    out.write("\n")
    for w in verdict.warnings:
        out.write(f"warning: {w}\n")
    if verdict.problems:
        for p in verdict.problems:
            out.write(f"unbalanced: {p}\n")
    elif searched:
        out.write("Balanced: every strategy wins and fails somewhere; none dominates every "
                  "scenario; no fixed plan beats the bots, the adversary's best loses somewhere "
                  "in every scenario and leads only some, and the bots reach half its score.\n")
    else:
        out.write("Balanced: every strategy wins and fails somewhere; none dominates every "
                  "scenario.\n")


def _describe(values: dict[str, Any]) -> str:
    """A found strategy's numbers on one line."""
    def show(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3g}"
        return str(v)
    return ", ".join(f"{k}={show(v)}" for k, v in values.items()
                     if not (isinstance(v, float) and v == 0.0))
