"""How long saving and loading a game takes: a realistic 20-quarter save, written and read back.

    .venv/bin/python benchmarks/saves_io.py

Bar (the saves issue): save + load ≤ 50 ms together. "Save" is what an autosave does: check the
save and encode it, keep the previous file as .bak, write and fsync a temporary file, rename it,
fsync the folder. Before keeping the previous file as .bak the writer makes sure it is a good
save: by reading it ("cold": the first save of a session, or after the file changed behind the
game's back), or by its unchanged inode, size and time when this process wrote or read it last
(every later autosave). "Load" is ``read_save``: read, parse, migrate, validate (not the replay,
which belongs to the session). Medians of 30 runs.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from game.session.saves import reader
from game.session.saves.reader import read_save
from game.session.saves.record import EventChoice, PackStamp, QuarterRecord, SaveFile
from game.session.saves.toml_text import dump_save
from game.session.saves.writer import write_save

NUMBERS = ["lease_h100e", "break_lease_h100e", "spot_h100e", "datacenter_mw", "training",
           "inference", "research", "start_run_flop", "price", "hire", "raise_equity",
           "vendor_equity", "draw_debt", "repay_debt", "marketing", "safety", "open_weights",
           "reserve", "capex_cap", "opex_cap"]
METRICS = ["cash", "revenue", "runrate", "burn", "debt", "sentiment", "valuation", "ownership",
           "capability", "share", "capacity_h100e", "utilisation", "rental_price", "market",
           "unserved"]


def realistic_save(quarters: int = 20) -> SaveFile:
    """25 plan values (20 numbers, a GPU order table, a string, an integer, a flag) and 15
    metrics a quarter, an event choice every other quarter: a full-length campaign."""
    rng = random.Random(7)
    log, history = [], []
    for q in range(quarters):
        plan = {name: rng.uniform(0, 1e6) for name in NUMBERS}
        plan.update(gpu_orders={"H100": rng.uniform(0, 1e5), "B200": rng.uniform(0, 1e5),
                                "GB300": 0.0},
                    ipo="hold", lease_quarters=4, cancel_run=False)
        choices = ([EventChoice(event=f"base.event_{q}", choice=rng.randrange(3))]
                   if q % 2 else [])
        log.append(QuarterRecord(quarter=q, plan=plan, choices=choices,
                                 events=[c.event for c in choices]))
        history.append({name: rng.gauss(0, 1e9) for name in METRICS})
    return SaveFile(scenario="ipo-window", seed=2026, lab="Nova Labs",
                    created=datetime(2026, 1, 5, tzinfo=UTC),
                    packs=[PackStamp(id="base", version="0.1.0", hash="c57dbf5fbb67d88f")],
                    log=log, history=history)


def median_ms(fn: Callable[[], object], runs: int = 30) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    save = realistic_save()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nova-labs.ipo-window.toml"
        write_save(path, save)  # so every timed write also rotates the .bak, as autosaves do
        size = path.stat().st_size
        write = median_ms(lambda: write_save(path, save))

        def cold_write() -> None:
            reader._KNOWN_GOOD.clear()
            write_save(path, save)

        cold = median_ms(cold_write)
        read = median_ms(lambda: read_save(path))
        encode = median_ms(lambda: dump_save(save))
    print(f"a {len(save.log)}-quarter save, {size / 1000:.1f} kB: write {write:.1f} ms "
          f"(cold {cold:.1f} ms; encoding alone {encode:.1f} ms), read {read:.1f} ms; "
          f"save + load {write + read:.1f} ms, cold {cold + read:.1f} ms (bar 50 ms)")


if __name__ == "__main__":
    main()
