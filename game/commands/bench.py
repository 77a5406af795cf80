"""``frontier-lab bench``: engine throughput at batch W and the latency of a batch-1 quarter.

Both are measured in the same run, on the default scenario played by the balanced bot. The batch
figure times whole games as a balance run plays them (policy + step, split across the machine's
cores); the batch-1 figure is the median of the engine's ``step`` alone over many quarters of
games still running, as the live game calls it.

``world_quarters_per_s`` counts the run's world-quarters (worlds × quarters played). A game that
has ended keeps its state, so once most of a batch's games have ended the runner steps only the
running ones (``game.bots.runner``): ``stepped_world_quarters`` is what the engine computed, and
its rate is the engine's speed per world it actually stepped.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from game.bots import STRATEGIES
from game.cli import emit_json
from game.engine import Rng, compile_economy, initial_state, step
from game.packs import DEFAULT_SCENARIO, load_content


def run_bench(args: argparse.Namespace) -> int:
    content = load_content()
    params = content.params(DEFAULT_SCENARIO)
    econ = compile_economy(params)
    director = content.director_for(DEFAULT_SCENARIO) if args.events else None
    policy = STRATEGIES["balanced"]
    W, Q = args.worlds, args.quarters
    horizon = params.scenario.horizon_quarters

    # Batch W: whole games as balance runs play them (bot decisions included), on every core.
    # Games end at the scenario's horizon, so longer runs play further games with new seeds;
    # only quarters actually stepped are counted.
    from game.bots.runner import default_workers, play

    workers = default_workers(W)
    played = stepped = 0
    remaining, game_index = Q, 0
    t0 = time.perf_counter()
    while remaining > 0:
        n = min(remaining, horizon)
        run = play(params, policy, args.seed + game_index, W, n, workers=workers,
                   events=director)
        played += W * run.quarters_played
        stepped += run.worlds_stepped
        remaining -= n
        game_index += 1
    seconds = time.perf_counter() - t0

    # Batch 1: the engine's step alone, the live game's end of quarter, over quarters of games
    # still running (new seeds until 400 quarters are measured).
    samples: list[float] = []
    game = 0
    while len(samples) < 400:
        rng1 = Rng.for_batch(args.seed + game, 1)
        s1 = initial_state(params, 1)
        game += 1
        for q in range(horizon):
            if not s1.running[0]:
                break
            plan = policy.plan(s1, econ)
            t = time.perf_counter()
            s1, _ = step(s1, plan, econ, rng1, q, director)
            samples.append(time.perf_counter() - t)
    batch1 = float(np.median(samples))
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
    }
    if args.format == "json":
        emit_json(result)
        return 0
    out = sys.stdout
    events = f"{len(director.events)} events" if director else "events off"
    out.write(f"Engine benchmark: {W:,} worlds × {Q} quarters (balanced bot, default scenario, "
              f"{events})\n")
    out.write(f"  batch {W:,}: {seconds:.3f} s, {wqps:,.0f} world-quarters/s on {workers} "
              f"process{'es' if workers > 1 else ''} (bot decisions included)\n")
    out.write(f"  of which stepped: {stepped:,} world-quarters of games still running "
              f"({stepped / seconds:,.0f}/s; ended games keep their state)\n")
    out.write(f"  batch 1:  {batch1 * 1000:.3f} ms per quarter (median of {len(samples)} steps)\n")
    out.write(f"  speedup of batching: {wqps * batch1:,.0f}×; peak memory {peak:,.0f} MB\n")
    return 0
