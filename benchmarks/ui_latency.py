"""The terminal game's speed bars (DESIGN.md §9): cold start, end of quarter, the preview.

    python benchmarks/ui_latency.py

- cold start: from starting a fresh interpreter (as `frontier-lab` starts the game) to the title
  screen's first frame, which the app signals through a pipe (headless); the time to the
  process's end is printed beside it: it also waits for the packs that load behind the title
  screen, and for the app's shutdown;
- end of quarter: from the key that ends the quarter (the preview dialog's `e`) to the first
  frame written of the screen the quarter leads to: the new dashboard, the quarter's first event
  dialog (opaque), or the debrief; median over three campaigns' quarters, and apart by screen.
  Beside it, when the app had settled (every repaint the key caused done: a dialog's focus and
  highlight, for instance);
- after a quarter's event dialogs, from the key that closes the last one to the new dashboard
  (brought up to date behind that dialog), the same two ways;
- preview: the 1,000-world fan chart, from opening the dialog to the charts drawn.
Bars: 0.8 s, 150 ms and 0.5 s.

Frames are the app's writes of a screen's update (``App._display``), in wall time from the
handler of the key. The preview is the process's CPU time from the key press until the app is
idle again: Textual's test pilot sleeps in 20 ms steps while it waits for idleness, which wall
time would count, and the projection runs in a worker thread, which CPU time includes.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SEEDS = (5, 8, 13)  # the campaigns played (default scenario)

COLD = """
from game.ui.startup import pause_collection

pause_collection()  # as `frontier-lab` starts the game (game.commands.play)
import sys
from pathlib import Path
from game.ui.app import FrontierLab

class Once(FrontierLab):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.first_frame)

    def first_frame(self):
        sys.__stdout__.write("first frame\\n")  # to the benchmark, through a pipe
        sys.__stdout__.flush()
        self.exit()

Once(None, Path("{saves}")).run(headless=True)
"""


def cold_start(runs: int = 7) -> tuple[list[float], list[float]]:
    """Seconds from starting a fresh interpreter to the title screen's first frame, and to the
    process's end (which waits for the packs loading behind the title screen, and for the
    app's shutdown)."""
    frames, ends = [], []
    with tempfile.TemporaryDirectory() as saves:
        for _ in range(runs):
            t0 = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-c", COLD.format(saves=saves)],
                                     stdout=subprocess.PIPE, text=True)
            assert child.stdout is not None
            if child.stdout.readline() != "first frame\n":
                raise SystemExit("the app ended before its first frame")
            frames.append(time.perf_counter() - t0)
            if child.wait() != 0:
                raise SystemExit("the app failed")
            ends.append(time.perf_counter() - t0)
    return frames, ends


@dataclass
class Window:
    """From a key to the screen it leads to: when that screen's first frame was written, and
    when the app had settled (every repaint the key caused done)."""

    start: float
    frames: list[tuple[float, str]] = field(default_factory=list)  # (seconds, screen shown)
    settled: float | None = None
    screen: str = ""  # on top once settled

    @property
    def first_frame(self) -> float:
        return min(t for t, name in self.frames if name == self.screen)


async def in_game() -> tuple[list[Window], list[Window], list[float]]:
    from textual.app import App

    from game.packs import DEFAULT_SCENARIO, load_content
    from game.session.game import Game
    from game.ui.app import FrontierLab
    from game.ui.debrief import DebriefScreen
    from game.ui.modals import EventModal, NoticeModal, PreviewModal
    from game.ui.screens import GameScreen

    content = load_content()
    open_windows: list[Window] = []

    def watch(app: App[None], window: Window) -> Window:
        """Record the frames written from now on until the app has settled. The callback is
        registered before any of the game's work, so it runs once every repaint that work
        causes is done."""
        open_windows.append(window)

        def settle() -> None:
            window.settled, window.screen = time.perf_counter() - window.start, \
                type(app.screen).__name__
            open_windows.remove(window)

        app.call_after_refresh(settle)
        return window

    display = App._display

    def displayed(app: App[None], screen: object, renderable: object) -> None:
        if renderable is not None:
            for window in open_windows:
                window.frames.append((time.perf_counter() - window.start,
                                      type(screen).__name__))
        display(app, screen, renderable)  # type: ignore[arg-type]

    App._display = displayed  # type: ignore[method-assign]

    # The end of a quarter: the preview's confirmation calls end_quarter_now as its key is
    # handled; everything the quarter does (the step, the autosave, the dashboard or the event
    # dialog) comes after this point.
    ends: list[Window] = []
    end_quarter_now = GameScreen.end_quarter_now

    def timed(screen: GameScreen) -> bool:
        ends.append(watch(screen.app, Window(time.perf_counter())))
        return end_quarter_now(screen)

    GameScreen.end_quarter_now = timed  # type: ignore[method-assign]

    # When the quarter's events open dialogs, the dashboard they cover is brought up to date
    # behind the last one: timed from the key that closes it.
    dialog_key = [0.0]  # when the last dialog key was pressed (0: the quarter had no dialog)
    after_dialogs: list[Window] = []
    show_quarter = GameScreen._show_quarter

    def shown(screen: GameScreen) -> None:
        if dialog_key[0]:
            after_dialogs.append(watch(screen.app, Window(dialog_key[0])))
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


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def main() -> None:
    cold, exits = cold_start()
    ends, after_dialogs, previews = asyncio.run(in_game())
    print(f"cold start to first frame: median {statistics.median(cold):.3f} s "
          f"(min {min(cold):.3f}, max {max(cold):.3f}; bar 0.8 s); to the process's end "
          f"{statistics.median(exits):.3f} s")
    print(f"end-quarter key to the frame that shows the quarter's outcome (bar 150 ms), "
          f"median over {len(ends)} quarters: {_ms([w.first_frame for w in ends])} "
          f"(max {max(w.first_frame for w in ends) * 1000:.0f}); settled "
          f"{_ms([w.settled for w in ends])}")  # type: ignore[misc]
    for kind, names in (("the new dashboard", ("GameScreen",)),
                        ("the quarter's first event dialog", ("EventModal", "NoticeModal")),
                        ("the debrief", ("DebriefScreen",))):
        some = [w for w in ends if w.screen in names]
        if some:
            print(f"  when it is {kind}: {_ms([w.first_frame for w in some])} over {len(some)}; "
                  f"settled {_ms([w.settled for w in some])}")  # type: ignore[misc]
    if after_dialogs:
        print(f"  after the dialogs, from the key that closes the last one to the new "
              f"dashboard: {_ms([w.first_frame for w in after_dialogs])} over "
              f"{len(after_dialogs)}; settled "
              f"{_ms([w.settled for w in after_dialogs])}")  # type: ignore[misc]
    print(f"preview fan chart (1,000 worlds): median {statistics.median(previews):.3f} s "
          f"(max {max(previews):.3f}; bar 0.5 s)")


if __name__ == "__main__":
    main()
