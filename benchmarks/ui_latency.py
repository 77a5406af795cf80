"""The terminal game's speed bars (DESIGN.md §9): cold start, end of quarter, the preview.

    python benchmarks/ui_latency.py

- cold start: a fresh interpreter until the title screen's first frame is drawn (headless),
  started as `frontier-lab` starts it;
- end of quarter: from the key that ends the quarter (the preview dialog's `e`) to the next
  frame, median over three campaigns' quarters, and apart by what that frame shows: the
  dashboard with the new quarter, or the quarter's first event dialog (opaque), or the debrief;
- and, when the quarter had event dialogs, from the key that closes the last one to the next
  frame, the dashboard with the new quarter (brought up to date behind that dialog);
- preview: the 1,000-world fan chart, from opening the dialog to the charts drawn.
Bars: 0.8 s, 150 ms and 0.5 s.

Frames are timed from the handler of the key to the first frame painted after it
(``call_after_refresh``, registered before the game's own work), in wall time. The preview is
the process's CPU time from the key press until the app is idle again: Textual's test pilot
sleeps in 20 ms steps while it waits for idleness, which wall time would count, and the
projection runs in a worker thread, which CPU time includes.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEEDS = (5, 8, 13)  # the campaigns played (default scenario)

COLD = """
from game.ui.startup import pause_collection

pause_collection()  # as `frontier-lab` starts the game (game.commands.play)
from pathlib import Path
from game.ui.app import FrontierLab

class Once(FrontierLab):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.exit)

Once(None, Path("{saves}")).run(headless=True)
"""


def cold_start(runs: int = 5) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as saves:
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", COLD.format(saves=saves)], check=True)
            times.append(time.perf_counter() - t0)
    return times


async def in_game() -> tuple[list[tuple[float, str]], list[float], list[float]]:
    from game.packs import DEFAULT_SCENARIO, load_content
    from game.session.game import Game
    from game.ui.app import FrontierLab
    from game.ui.modals import EventModal, NoticeModal, PreviewModal
    from game.ui.screens import DebriefScreen, GameScreen

    content = load_content()
    ends: list[tuple[float, str]] = []  # (seconds, the screen on top at that frame)
    original = GameScreen.end_quarter_now

    def timed(screen: GameScreen) -> bool:
        # The preview's confirmation calls this as the key is handled. The callback is
        # registered before any of the game's work, so it runs at the first frame painted
        # after the key, whatever that frame shows; everything the quarter does before that
        # frame (the step, the autosave, the dashboard or the event dialog) is counted.
        t0 = time.perf_counter()
        app = screen.app
        screen.app.call_after_refresh(lambda: ends.append(
            (time.perf_counter() - t0, type(app.screen).__name__)))
        return original(screen)

    GameScreen.end_quarter_now = timed  # type: ignore[method-assign]

    # When the quarter's events open dialogs, the dashboard they cover is brought up to date
    # when the last one closes: timed from the key that closes it to the next frame.
    dialog_key = [0.0]  # when the last dialog key was pressed (0: the quarter had no dialog)
    after_dialogs: list[float] = []
    show_quarter = GameScreen._show_quarter

    def shown(screen: GameScreen) -> None:
        if dialog_key[0]:
            t0 = dialog_key[0]
            screen.app.call_after_refresh(lambda: after_dialogs.append(time.perf_counter() - t0))
        show_quarter(screen)

    GameScreen._show_quarter = shown  # type: ignore[method-assign]
    previews: list[float] = []
    for seed in SEEDS:  # a few campaigns: the quarters without an event are few in each
        with tempfile.TemporaryDirectory() as saves:
            game = Game(content, DEFAULT_SCENARIO, seed, "Bench")
            app = FrontierLab(content, Path(saves), game=game)
            async with app.run_test(size=(120, 40)) as pilot:
                for _ in range(400):
                    screen = app.screen
                    if isinstance(screen, DebriefScreen):
                        break
                    if isinstance(screen, EventModal | NoticeModal):
                        dialog_key[0] = time.perf_counter()
                        await pilot.press("enter")
                    elif isinstance(screen, GameScreen):
                        t0 = time.process_time()
                        await pilot.press("e")
                        await app.workers.wait_for_complete()
                        await pilot.pause()
                        if isinstance(app.screen, PreviewModal):
                            previews.append(time.process_time() - t0)
                    elif isinstance(screen, PreviewModal):
                        game = next(s for s in app.screen_stack if isinstance(s, GameScreen)).game
                        quarter = game.quarter
                        dialog_key[0] = 0.0
                        await pilot.press("e")
                        while game.quarter == quarter:
                            await pilot.pause()
                        await pilot.pause()  # the dashboard's repaint
                    await pilot.pause()
    return ends, after_dialogs, previews


def main() -> None:
    cold = cold_start()
    ends, after_dialogs, previews = asyncio.run(in_game())
    print(f"cold start to first frame: median {statistics.median(cold):.3f} s "
          f"(min {min(cold):.3f}, max {max(cold):.3f}; bar 0.8 s)")
    every = [t for t, _ in ends]
    print(f"end-quarter key to the next frame: median {statistics.median(every) * 1000:.0f} ms "
          f"over {len(every)} quarters (max {max(every) * 1000:.0f}; bar 150 ms)")
    for kind, names in (("the dashboard itself", ("GameScreen",)),
                        ("an event dialog over it", ("EventModal", "NoticeModal")),
                        ("the debrief", ("DebriefScreen",))):
        times = [t for t, name in ends if name in names]
        if times:
            print(f"  frames showing {kind}: median {statistics.median(times) * 1000:.0f} ms "
                  f"over {len(times)}")
    if after_dialogs:
        print(f"  and from the key that closes the quarter's last event dialog to the updated "
              f"dashboard: median {statistics.median(after_dialogs) * 1000:.0f} ms over "
              f"{len(after_dialogs)} (max {max(after_dialogs) * 1000:.0f})")
    print(f"preview fan chart (1,000 worlds): median {statistics.median(previews):.3f} s "
          f"(max {max(previews):.3f}; bar 0.5 s)")


if __name__ == "__main__":
    main()
