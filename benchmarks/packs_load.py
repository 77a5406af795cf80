"""How long loading and validating packs takes: the base pack, and a generated 1,000-event pack.

    .venv/bin/python benchmarks/packs_load.py

Bars (DESIGN.md §9 and the packs issue): base pack ≤ 150 ms, 1,000-event pack ≤ 1.5 s. Each
figure is the median of several cold runs in one process (imports excluded, caches cleared).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from game.packs import check, load_content
from game.packs.expressions import _build, parse

EVENT = '''
[[event]]
id = "gen.event_{i}"
title = "Generated event {i}"
text = "Cash is {{cash}} and sentiment {{sentiment}}."
category = "markets"
trigger = "quarter >= {q} and cash > {c}"
mtth_quarters = {m}
modifiers = [{{ factor = 1.5, condition = "sentiment < 40" }}]
[[event.choices]]
label = "Spend"
effects = [{{ type = "add", target = "cash", value = "-0.1 * {k}" }},
           {{ type = "add", target = "sentiment", value = "1" }}]
note = "Money for goodwill."
ai_weight = "1 + (cash > 20) * 2"
[[event.choices]]
label = "Save"
effects = [{{ type = "add", target = "sentiment", value = "-1" }}]
note = "Goodwill for money."
'''


def timed(fn, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        _build.cache_clear()  # as cold as a fresh `frontier-lab packs validate`
        parse.cache_clear()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    base = timed(lambda: check())
    print(f"base pack: load and validate {len(load_content().events)} events: "
          f"{base * 1000:.0f} ms (bar 150 ms)")
    linted = timed(lambda: check(warnings=True))
    print(f"base pack: with warnings, as `packs validate` checks: {linted * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "gen"
        (folder / "events").mkdir(parents=True)
        (folder / "pack.toml").write_text('id = "gen"\nname = "Generated"\nversion = "1.0.0"\n'
                                          'depends = ["base"]\n')
        for f in range(10):
            (folder / "events" / f"e{f}.toml").write_text("".join(
                EVENT.format(i=f * 100 + i, q=i % 12, c=i % 30, m=10 + i % 40, k=i % 5 + 1)
                for i in range(100)))
        problems = check([folder])
        assert not problems, problems[:3]
        big = timed(lambda: check([folder]), runs=3)
        print(f"base + 1,000 generated events: load and validate: {big * 1000:.0f} ms "
              "(bar 1,500 ms)")


if __name__ == "__main__":
    main()
