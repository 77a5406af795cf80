"""``frontier-lab bench``: engine throughput at batch W and the latency of a batch-1 quarter.

Both are measured in the same run, on the default scenario played by the balanced bot. The batch
figure times whole games as a balance run plays them (policy + step, split across the machine's
cores); the batch-1 figure is the median, over 400 quarters of games still running, of the
engine's ``step`` alone, as the live game calls it.

``world_quarters_per_s`` counts the run's world-quarters (worlds × quarters played). A game that
has ended keeps its state, so once most of a batch's games have ended the runner steps only the
running ones (``game.bots.runner``): ``stepped_world_quarters`` is what the engine computed, and
its rate is the engine's speed per world it actually stepped.

Rounds. Each measurement is repeated ``--rounds`` times on exactly the same work (the same
games; the same 400 quarters, each from its saved state, plan and generator) and the fastest
timing counts: batch W is the fastest round, batch 1 the median over quarters of each quarter's
fastest timing. A machine shared with other work can only add time to a fixed computation, so
the fastest is the best estimate of what the code costs (timeit's convention); the rounds'
spread is reported beside it (``spread``), so a noisy machine shows.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from game.bots import STRATEGIES
from game.commands.console import emit_json, load_packs
from game.engine import Rng, State, compile_economy, initial_state, step
from game.engine.plan import Plan, PlanArrays
from game.packs import DEFAULT_SCENARIO

BATCH1_QUARTERS = 400


def run_bench(args: argparse.Namespace) -> int:
    content = load_packs(args)
    params = content.params(DEFAULT_SCENARIO)
    econ = compile_economy(params)
    director = content.director_for(DEFAULT_SCENARIO) if args.events else None
    policy = STRATEGIES["balanced"]
    W, Q, rounds = args.worlds, args.quarters, args.rounds
    horizon = params.scenario.horizon_quarters

    # Batch W: whole games as balance runs play them (bot decisions included), on every core,
    # by workers forked once and kept for every game (as balance and stats runs keep them).
    # Games end at the scenario's horizon, so longer runs play further games with new seeds;
    # only quarters actually stepped are counted.
    from game.bots.runner import Workers, default_workers

    workers = default_workers(W)
    timings: list[float] = []
    with Workers({"bench": (params, policy, director)}, workers) as pool:
        for _ in range(rounds):
            played = stepped = 0
            remaining, game_index = Q, 0
            t0 = time.perf_counter()
            while remaining > 0:
                n = min(remaining, horizon)
                run = pool.play("bench", args.seed + game_index, W, n)
                played += W * run.quarters_played
                stepped += run.worlds_stepped
                remaining -= n
                game_index += 1
            timings.append(time.perf_counter() - t0)
    seconds = min(timings)

    # Batch 1: the engine's step alone, the live game's end of quarter, over 400 quarters of
    # games still running (new seeds until there are enough), each timed once per round.
    quarters: list[tuple[State, PlanArrays | Plan, Rng, int]] = []
    game = 0
    while len(quarters) < BATCH1_QUARTERS:
        rng1 = Rng.for_batch(args.seed + game, 1)
        s1 = initial_state(params, 1)
        game += 1
        for q in range(horizon):
            if not s1.running[0] or len(quarters) == BATCH1_QUARTERS:
                break
            plan = policy.plan(s1, econ)
            quarters.append((s1, plan, rng1, q))
            s1, _ = step(s1, plan, econ, rng1, q, director)
    samples = np.empty((rounds, len(quarters)))
    for r in range(rounds):
        for j, (s1, plan, rng1, q) in enumerate(quarters):
            t = time.perf_counter()
            step(s1, plan, econ, rng1, q, director)
            samples[r, j] = time.perf_counter() - t
    batch1 = float(np.median(samples.min(axis=0)))
    round_medians = np.median(samples, axis=1)
    wqps = played / seconds
    peak = max(resource.getrusage(who).ru_maxrss  # KiB on Linux; workers count too
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024.0
    result = {
        "worlds": W,
        "quarters": Q,
        "seconds": round(seconds, 4),
        "world_quarters_per_s": round(wqps, 1),
        "batch1_step_ms": round(batch1 * 1000.0, 4),
        "speedup_vs_batch1": round(wqps * batch1, 1),
        "stepped_world_quarters": stepped,
        "stepped_world_quarters_per_s": round(stepped / seconds, 1),
        "peak_rss_mb": round(peak, 1),
        "rounds": rounds,
        "spread": {  # each round's own figure, slowest first
            "world_quarters_per_s": [round(played / s, 1) for s in sorted(timings, reverse=True)],
            "batch1_step_ms": [round(m * 1000.0, 4) for m in sorted(round_medians, reverse=True)],
        },
    }
    if args.format == "json":
        emit_json(result)
        return 0
    out = sys.stdout
    events = f"{len(director.events)} events" if director else "events off"
    fastest = "the fastest of " + (f"{rounds} rounds" if rounds > 1 else "1 round")
    out.write(f"Engine benchmark: {W:,} worlds × {Q} quarters (balanced bot, default scenario, "
              f"{events}; {fastest})\n")
    out.write(f"  batch {W:,}: {seconds:.3f} s, {wqps:,.0f} world-quarters/s on {workers} "
              f"process{'es' if workers > 1 else ''} (bot decisions included)\n")
    out.write(f"  of which stepped: {stepped:,} world-quarters of games still running "
              f"({stepped / seconds:,.0f}/s; ended games keep their state)\n")
    out.write(f"  batch 1:  {batch1 * 1000:.3f} ms per quarter (median of {len(quarters)} "
              f"quarters)\n")
    out.write(f"  speedup of batching: {wqps * batch1:,.0f}×; peak memory {peak:,.0f} MB\n")
    if rounds > 1:
        slow_w, slow_1 = played / max(timings), float(round_medians.max()) * 1000.0
        out.write(f"  slowest round: {slow_w:,.0f} world-quarters/s; batch 1 {slow_1:.3f} ms "
                  f"(the machine's noise)\n")
    return 0
