"""How pack loading scales, and how fast hostile packs are refused (issue 17's bars).

    .venv/bin/python benchmarks/packs_scale.py            # all three
    .venv/bin/python benchmarks/packs_scale.py events     # or one: events, problems, hostile

- events: the base pack and 100,000 generated events (packs_load.py's event, 40 files of
  2,500), loaded and validated by ``check``, then again with the warnings (as ``packs
  validate`` does). Bar 30 s.
- problems: 3,000 events in one file, every other one with a misspelt key (two problems: the
  key missing, the key unknown), the others with two unknown state names: 6,000 problems
  found, located and printed. Bar 5 s.
- hostile: every pack of tests/test_hostile_packs.py's corpus, refused by `python -m game packs
  validate PATH` in a child process (which starts Python and loads the base pack, ~0.5 s):
  the slowest, and its peak memory. Bar 5 s and 3 GB each.

One run each (the first two are seconds long; compare runs, the machine's speed varies by
up to 1.6x between phases).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from packs_load import EVENT

from game.packs import check

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = 'id = "gen"\nname = "Generated"\nversion = "1.0.0"\ndepends = ["base"]\n'


def _event(i: int) -> str:
    return EVENT.format(i=i, q=i % 12, c=i % 30, m=10 + i % 40, k=i % 5 + 1)


def events(n: int = 100_000, per_file: int = 2_500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "gen"
        (folder / "events").mkdir(parents=True)
        (folder / "pack.toml").write_text(MANIFEST)
        for f in range(n // per_file):
            (folder / "events" / f"e{f}.toml").write_text(
                "".join(_event(f * per_file + i) for i in range(per_file)))
        start = time.perf_counter()
        problems = check([folder])
        took = time.perf_counter() - start
        assert not problems, problems[:3]
        print(f"{n:,} events: load and validate {took:.1f} s (bar 30 s)")
        start = time.perf_counter()
        problems = check([folder], warnings=True)
        took = time.perf_counter() - start
        assert not [p for p in problems if p.is_error], problems[:3]
        print(f"{n:,} events: with warnings, as `packs validate` checks: {took:.1f} s "
              f"(bar 30 s; {len(problems):,} warnings: the events with `quarter >= 0`)")


def problems(n: int = 3_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "gen"
        (folder / "events").mkdir(parents=True)
        (folder / "pack.toml").write_text(MANIFEST)
        (folder / "events" / "bad.toml").write_text("".join(
            _event(i).replace('title = "', 'titel = "') if i % 2 else
            _event(i).replace("cash >", "csh >") for i in range(n)))
        start = time.perf_counter()
        found = check([folder])
        text = "\n".join(str(p) for p in found)
        took = time.perf_counter() - start
        print(f"{len(found):,} problems: found, located and printed in {took:.1f} s (bar 5 s; "
              f"{len(text) / 1e6:.1f} MB of text)")


def hostile() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_hostile_packs import CORPUS, ID
    from test_hostile_packs import MANIFEST as HOSTILE_MANIFEST

    timings: list[tuple[float, str]] = []
    for name, (build, _) in CORPUS.items():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / ID
            (folder / "events").mkdir(parents=True)
            (folder / "pack.toml").write_text(HOSTILE_MANIFEST)
            build(folder)
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "game", "packs", "validate",
                                   str(folder)], capture_output=True, timeout=120, cwd=ROOT)
            took = time.perf_counter() - start
            assert done.returncode == 1, (name, done.stdout[-500:], done.stderr[-500:])
            timings.append((took, name))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6  # the largest child's
    timings.sort(reverse=True)
    for took, name in timings[:5]:
        print(f"  {took:5.2f} s  {name}")
    print(f"{len(timings)} hostile packs refused (exit 1): the slowest {timings[0][0]:.2f} s "
          f"({timings[0][1]}), peak memory of any {peak:.2f} GB (bars 5 s, 3 GB)")


if __name__ == "__main__":
    wanted = sys.argv[1:] or ["events", "problems", "hostile"]
    for which in wanted:
        {"events": events, "problems": problems, "hostile": hostile}[which]()
