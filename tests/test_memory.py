"""A game gives back what a preview's projection freed (game.ui.memory)."""

from __future__ import annotations

import gc
import platform
import subprocess
import sys
from collections import Counter

import pytest

# Run apart (its malloc settings are its own). Arrays under glibc's mmap threshold live in the
# heap; one kept above them holds the heap's top, so free() alone returns nothing: the shape a
# projection leaves behind.
SCRIPT = """
import ctypes
import numpy as np
from game.ui.memory import give_back

def resident_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

ctypes.CDLL(None).mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD 1 MB: 64 KB arrays use the heap
arrays = [np.ones(8192) for _ in range(600)]  # ~40 MB
kept = np.ones(8192)
before = resident_mb()
del arrays
freed = resident_mb()
give_back()
print(before, freed, resident_mb())
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's (Linux)")
def test_freed_heap_pages_go_back_to_the_system() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          check=True, timeout=120)
    before, freed, after = map(float, done.stdout.split())
    assert before - freed < 10, (before, freed)  # free() kept the pages
    assert freed - after > 25, (before, freed, after)  # give_back returned them


def _alive() -> Counter[str]:
    """The objects a screen's drawing is made of, alive now (after a full collection)."""
    from textual._styles_cache import StylesCache
    from textual.strip import Strip
    from textual.widget import Widget

    gc.collect()
    return Counter(type(o).__name__ if isinstance(o, Widget)
                   else "StylesCache" if isinstance(o, StylesCache)
                   else "Strip" for o in gc.get_objects()
                   if isinstance(o, Widget | StylesCache | Strip))


async def test_previews_and_quarters_leave_nothing_behind(tmp_path) -> None:
    """A preview opened and closed, a quarter ended: what they drew goes when they do. Three
    leaks kept it: each preview's charts (held by the theme signal, game.ui.charts), each
    footer rebuild's keys (held by a data binding, game.ui.footer) and the last 1,024 widgets'
    drawn lines (held by a Textual cache, game.ui.memory): 1-2 MB a quarter, for a class's
    whole game."""
    from game.packs import load_content
    from game.session.game import Game
    from game.ui.app import FrontierLab
    from game.ui.modals import PreviewModal
    from game.ui.screens import GameScreen
    from tests.class_ui import to_dashboard, until

    content = load_content()
    app = FrontierLab(content, tmp_path, game=Game(content, "ipo-window", 11, "Leak Labs"))
    async with app.run_test(size=(100, 30)) as pilot:

        async def preview(end: bool) -> None:
            await to_dashboard(pilot, app)
            await pilot.press("3", "1", "e")  # (a tab switched: the footer's keys rebuilt)
            await until(pilot, lambda: isinstance(app.screen, PreviewModal)
                        and app.screen.projection is not None, "the preview's worlds")
            await pilot.pause()
            await pilot.press("e" if end else "escape")
            await until(pilot, lambda: not isinstance(app.screen, PreviewModal), "closed")

        for end in (False, True, False):
            await preview(end)
        await to_dashboard(pilot, app)
        before = _alive()
        for end in (False, True, False, False, True, False):
            await preview(end)
        await to_dashboard(pilot, app)
        assert isinstance(app.screen, GameScreen)
        after = _alive()
    grew = {k: after[k] - before[k] for k in after if after[k] > before[k]}
    assert not {k: n for k, n in grew.items() if k in ("_Plot", "FooterKey", "StylesCache")
                or (k != "Strip" and n > 3)}, grew
    assert grew.get("Strip", 0) < 200, grew  # (the news feed's new lines)
