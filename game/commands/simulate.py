"""``frontier-lab simulate``: a bot (or a fixed plan) plays a scenario, headless.

One world prints a quarter-by-quarter table a newcomer can read; many worlds print the median
world quarter by quarter and the outcome mix. ``--format json`` prints the contract of DESIGN.md §8.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from game.bots import STRATEGIES, Policy, play
from game.commands.console import UserError, emit_json, load_packs
from game.engine import Economy, Ledger, Plan, State, compile_economy
from game.engine.plan import PlanError
from game.engine.plan_check import check_plan
from game.engine.state import IPO_STAGES, OUTCOMES, initial_state
from game.packs import DEFAULT_SCENARIO
from game.packs.errors import ContentError, Problem
from game.packs.reading import read_toml
from game.packs.validation import validate_file


@dataclass(frozen=True)
class FixedPlan:
    """A policy that plays the same plan every quarter (``--plan FILE``)."""

    name: str
    description: str
    fixed: Plan

    def plan(self, state: State, econ: Economy) -> Plan:
        return self.fixed


def load_plan(path: Path, econ: Economy) -> FixedPlan:
    """Read and check a plan file; every problem is reported against the file."""
    data, text = read_toml(path)
    problems: list[Problem] = []
    plan = validate_file(Plan, data, path, text, problems, strict=False)
    if plan is None:
        raise ContentError(problems)
    state = initial_state(econ.params, 1)
    try:
        sentences = check_plan(plan, state, econ)
    except PlanError as exc:
        sentences = exc.problems
    if sentences:
        raise ContentError([Problem(path, f"in {econ.params.calendar(0)}: {s}")
                            for s in sentences])
    return FixedPlan(f"plan:{path.name}", f"the plan in {path}", plan)


def money(x: float) -> str:
    if not np.isfinite(x):
        return "—"
    sign = "−" if x < 0 else ""
    if abs(x) >= 1000:
        return f"{sign}${abs(x) / 1000:,.2f}T"
    return f"{sign}${abs(x):,.1f}B"


IPO_NOTES = ("IPO withdrawn", "IPO filed", "IPO book open", "listed")
"""The note of a quarter that moved the IPO to each stage of IPO_STAGES."""


@dataclass
class Row:
    label: str
    cash: float
    revenue: float
    burn: float
    runway: float
    sentiment: float
    valuation: float
    capability: float
    rivals: list[float]
    notes: str


def _notes(old: State, new: State, ledger: Ledger, econ: Economy, k: int) -> str:
    notes = []
    if ledger.entries["capability"].get("model release", np.zeros(1))[k] > 0:
        notes.append("model released")
    released = new.rival_releases[k] > old.rival_releases[k]
    for r, rival in enumerate(econ.params.rivals):
        if released[r]:
            notes.append(f"{rival.model_name} release")
    if new.ipo_stage[k] != old.ipo_stage[k]:
        notes.append(IPO_NOTES[int(new.ipo_stage[k])])
    if new.unserved[k] > 0.05:
        notes.append(f"GPU-constrained ({new.unserved[k]:.0%} unserved)")
    if ledger.entries["cash"].get("equity raised", np.zeros(1))[k] > 0:
        notes.append("round raised")
    if ledger.entries["sentiment"].get("failed round", np.zeros(1))[k] < 0:
        notes.append("round failed")
    return ", ".join(notes)


def run_simulate(args: argparse.Namespace) -> int:
    key = None
    if getattr(args, "class_dir", None) is not None:  # a benchmark bot in a class, signed
        from game.commands.play import class_settings

        if args.save is None:
            raise UserError("--class signs the game it saves: give --save PATH too")
        from game.commands.play import class_packs

        args.pack, args.exact_packs = class_packs(args.class_dir) or [], True
        args.scenario, args.seed, key, _ = class_settings(args.class_dir, args.scenario,
                                                          args.seed)
        if key is None:
            raise UserError(f"{args.class_dir}: cannot read the class's key "
                            "(.class/secret.toml): run this as the account that made the class")
    args.key = key
    args.seed = 7 if args.seed is None else args.seed
    content = load_packs(args)
    scenario = args.scenario or DEFAULT_SCENARIO
    params = content.params(scenario)
    econ = compile_economy(params)
    policy: Policy
    policy = load_plan(args.plan, econ) if args.plan is not None else STRATEGIES[args.strategy]
    quarters = args.quarters or params.scenario.horizon_quarters
    if quarters > params.scenario.horizon_quarters:
        raise UserError(f"--quarters {quarters} is past the scenario's horizon of "
                        f"{params.scenario.horizon_quarters} quarters")
    W = args.worlds
    if args.save is not None:
        _save_bot_game(args, content, scenario, policy, quarters)
    rows: list[Row] = []
    show_progress = sys.stderr.isatty() and W * quarters >= 200_000
    previous: list[State] = [initial_state(params, W)]

    def observe(q: int, state: State, ledger: Ledger) -> None:
        if show_progress:
            print(f"\r  simulating {W:,} worlds: quarter {q + 1}/{quarters}", end="",
                  file=sys.stderr, flush=True)
        if args.format == "json":
            return
        pick = (lambda a: float(a[0])) if W == 1 else (lambda a: float(np.median(a)))
        rows.append(Row(
            label=params.calendar(q),
            cash=pick(state.cash), revenue=pick(state.revenue), burn=pick(state.burn),
            runway=pick(np.minimum(state.runway, 999.0)), sentiment=pick(state.sentiment),
            valuation=pick(state.valuation), capability=pick(state.capability),
            rivals=[pick(state.rival_capability[:, r]) for r in range(len(params.rivals))],
            notes="; ".join(filter(None, [_notes(previous[0], state, ledger, econ, 0),
                                          *[f"event: {t}" for t in fired_now]]))
            if W == 1 else f"{int(state.running.sum()):,} of {W:,} running",
        ))
        fired_now.clear()
        previous[0] = state

    director = None
    if args.events:
        director = content.director_for(scenario, chooser=policy)
        if W == 1 and args.format == "table":
            def on_fire(i: int, worlds: np.ndarray, choice: np.ndarray) -> None:
                if len(worlds):  # one world: position 0
                    ev = director.events[i]
                    took = (f" → {ev.choices[int(choice[0])].choice.label}"
                            if choice[0] >= 0 else "")
                    fired_now.append(f"{ev.event.title}{took}")

            director.on_fire = on_fire
    fired_now: list[str] = []
    run = play(params, policy, args.seed, W, quarters, observe, events=director)
    if show_progress:
        print("\r" + " " * 50 + "\r", end="", file=sys.stderr)
    if args.format == "json":
        emit_json(_json(run.state, run.scores, params.scenario.id, args, policy.name, quarters))
    else:
        _print_table(rows, run.state, run.scores, params, policy, args, quarters)
    return 0


def _save_bot_game(args: argparse.Namespace, content: Any, scenario: str, policy: Policy,
                   quarters: int) -> None:
    """Play world 0 as a live game and save it exactly as a player's game is saved."""
    from game.session.game import Game
    from game.session.saves.errors import SaveError
    from game.session.store import save_game, taken_by_another

    if args.worlds != 1:
        raise UserError("--save keeps one game: use it with --worlds 1 (the default)")
    if not args.events:
        raise UserError("--save keeps a game as a player would play it, with its events: "
                        "drop --no-events")
    if args.save.is_dir():
        raise UserError(f"--save {args.save}: that is a folder; give a file name, e.g. "
                        f"{args.save / 'bot.toml'}")
    if taken_by_another(args.save) and not args.replace:
        raise UserError(f"--save {args.save}: that file holds another game's save; choose "
                        "another name, or add --replace to replace it")
    game = Game(content, scenario, args.seed, f"{policy.name} bot")
    game.autoplay(policy, quarters)
    try:
        path = save_game(game, args.save.parent, path=args.save, key=args.key)
    except (SaveError, OSError) as exc:
        raise UserError(f"cannot save to {args.save}: {exc}") from None
    if args.format != "json":
        print(f"Saved the game to {path} (verify it with: frontier-lab replay {path})",
              file=sys.stderr)


def _json(state: State, scores: np.ndarray, scenario: str, args: argparse.Namespace,
          strategy: str, quarters: int) -> dict[str, Any]:
    counts = np.bincount(state.outcome, minlength=len(OUTCOMES))
    results = [
        {
            "world": k,
            "outcome": OUTCOMES[int(state.outcome[k])],
            "quarter_ended": None if state.quarter_ended[k] < 0 else int(state.quarter_ended[k]),
            "cash": float(state.cash[k]),
            "valuation": float(state.valuation[k]),
            "ipo_valuation": float(state.ipo_valuation[k]),
            "ownership": float(state.ownership[k]),
            "capability": float(state.capability[k]),
            "score": float(scores[k]),
        }
        for k in range(state.n_worlds)
    ]
    return {
        "scenario": scenario,
        "seed": args.seed,
        "strategy": strategy,
        "worlds": state.n_worlds,
        "quarters": quarters,
        "summary": {
            "outcomes": {name: int(counts[i]) for i, name in enumerate(OUTCOMES)},
            "mean_score": float(scores.mean()),
            "median_score": float(np.median(scores)),
            "median_cash": float(np.median(state.cash)),
            "median_valuation": float(np.median(state.valuation)),
        },
        "results": results,
    }


def _print_table(rows: list[Row], state: State, scores: np.ndarray, params: Any,
                 policy: Policy, args: argparse.Namespace, quarters: int) -> None:
    W = state.n_worlds
    names = [r.model_name for r in params.rivals]
    out = sys.stdout
    who = "the median world" if W > 1 else f"seed {args.seed}"
    out.write(f"{params.scenario.title} — {policy.name} strategy ({policy.description}), "
              f"{who}{f' of {W:,}' if W > 1 else ''}\n\n")
    cap_head = "Capability: you / " + " / ".join(names)
    head = (f"{'Quarter':<8}{'Cash':>10}{'Revenue':>10}{'Burn':>9}{'Runway':>8}"
            f"{'Sentiment':>10}{'Valuation':>11}  {cap_head}")
    out.write(head + "\n" + "─" * len(head) + "\n")
    for r in rows:
        runway = "∞" if r.runway >= 999 else f"{r.runway:.0f} q"
        caps = " / ".join([f"{r.capability:.0f}"] + [f"{c:.0f}" for c in r.rivals])
        line = (f"{r.label:<8}{money(r.cash):>10}{money(r.revenue):>10}{money(r.burn):>9}"
                f"{runway:>8}{r.sentiment:>10.0f}{money(r.valuation):>11}  {caps:<{len(cap_head)}}")
        out.write(line + (f"  {r.notes}" if r.notes else "") + "\n")
    out.write("\nRevenue and burn are per quarter; runway is quarters of cash at this burn (burn "
              "includes capex).\nCapability is an Elo-like score from the scaling law: +100 is "
              "a clearly better model.\n\n")
    if W == 1:
        k = 0
        outcome = OUTCOMES[int(state.outcome[k])]
        when = (f"in {params.calendar(int(state.quarter_ended[k]))}"
                if state.quarter_ended[k] >= 0 else f"after {quarters} quarters")
        value = state.ipo_valuation[k] if outcome == "ipo" else state.valuation[k]
        out.write(f"Outcome: {_describe(outcome)} {when}. Valuation {money(float(value))}, "
                  f"your stake {state.ownership[k]:.0%}, IPO stage "
                  f"{IPO_STAGES[int(state.ipo_stage[k])]}. Score {scores[k]:,.1f}.\n")
    else:
        counts = np.bincount(state.outcome, minlength=len(OUTCOMES))
        mix = ", ".join(f"{name} {counts[i] / W:.1%}" for i, name in enumerate(OUTCOMES)
                        if counts[i])
        out.write(f"Outcomes over {W:,} worlds: {mix}.\nScore: mean {scores.mean():,.1f}, "
                  f"median {np.median(scores):,.1f}, 10th–90th percentile "
                  f"{np.percentile(scores, 10):,.1f}–{np.percentile(scores, 90):,.1f}.\n")


def _describe(outcome: str) -> str:
    return {
        "ipo": "listed (IPO)",
        "bankrupt": "bankrupt: the cash ran out and nobody would lend",
        "ousted": "ousted: the board lost patience",
        "irrelevant": "irrelevant: the rivals left your models behind",
        "horizon": "time ran out before an IPO",
        "running": "still running",
    }[outcome]
