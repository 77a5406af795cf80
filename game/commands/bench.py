"""``frontier-lab bench``: engine throughput at batch W and the latency of a batch-1 quarter.

Both are measured in the same run, on the default scenario played by the balanced bot. The batch
figure times whole quarters as a balance run plays them (policy + step); the batch-1 figure is the
median of the engine's ``step`` alone over many quarters, as the live game calls it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from game.bots import STRATEGIES
from game.cli import emit_json
from game.engine import Rng, compile_economy, initial_state, resolve, step
from game.packs import load_economy


def run_bench(args: argparse.Namespace) -> int:
    params = load_economy()
    econ = compile_economy(params)
    policy = STRATEGIES["balanced"]
    W, Q = args.worlds, args.quarters
    horizon = params.scenario.horizon_quarters

    # Batch W: the whole loop, as balance runs and projections play it. Games end at the
    # scenario's horizon, so quarters beyond it are played by restarting from quarter 0.
    state = initial_state(params, W)
    rng = Rng.for_batch(args.seed, W)
    policy_s = 0.0
    t0 = time.perf_counter()
    for i in range(Q):
        q = i % horizon
        if q == 0 and i:
            state = initial_state(params, W)
        t = time.perf_counter()
        plan = resolve(policy.plan(state, econ), econ.gpu_names, W)
        policy_s += time.perf_counter() - t
        state, _ = step(state, plan, econ, rng, q)
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
            s1, _ = step(s1, plan, econ, rng1, q)
            samples.append(time.perf_counter() - t)
    batch1 = float(np.median(samples))
    wqps = W * Q / seconds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    result = {
        "worlds": W,
        "quarters": Q,
        "seconds": round(seconds, 4),
        "world_quarters_per_s": round(wqps, 1),
        "batch1_step_ms": round(batch1 * 1000.0, 4),
        "speedup_vs_batch1": round(wqps * batch1, 1),
        "peak_rss_mb": round(peak, 1),
    }
    if args.format == "json":
        emit_json(result)
        return 0
    out = sys.stdout
    out.write(f"Engine benchmark: {W:,} worlds × {Q} quarters (balanced bot, default scenario)\n")
    out.write(f"  batch {W:,}: {seconds:.3f} s, {wqps:,.0f} world-quarters/s "
              f"({policy_s / seconds:.0%} of it in the bot's decisions)\n")
    out.write(f"  batch 1:  {batch1 * 1000:.3f} ms per quarter (median of {len(samples)} steps)\n")
    out.write(f"  speedup of batching: {wqps * batch1:,.0f}×; peak memory {peak:,.0f} MB\n")
    return 0
