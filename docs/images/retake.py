"""Retake the pictures in README.md and docs/PLAYING.md from the game itself.

    .venv/bin/python docs/images/retake.py          # all four; needs Debian's chromium

Each picture is a bot's game (the balanced strategy, seed 5, ipo-window) at a fixed terminal size,
saved by Textual as SVG and turned into PNG by headless Chromium at the SVG's own size. Run it
after a change to a screen the pictures show, and look at them before committing.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.containers import VerticalScroll

from game.bots import STRATEGIES
from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.ui.app import FrontierLab
from game.ui.dashboard import NewsFeed
from game.ui.debrief import DebriefScreen
from game.ui.modals import PreviewModal
from game.ui.screens import GameScreen

HERE = Path(__file__).resolve().parent
Scene = Callable[[object, FrontierLab], Awaitable[None]]


async def _dashboard(pilot, app: FrontierLab) -> None:
    """Answer the quarter's dialogs until the dashboard is in front, drawn."""
    for _ in range(100):
        if isinstance(app.screen, GameScreen):
            break
        await pilot.press("enter")
        await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def game(pilot, app: FrontierLab) -> None:
    await _dashboard(pilot, app)
    app.screen.query_one(NewsFeed).scroll_end(animate=False)
    await pilot.pause(0.3)


async def finance(pilot, app: FrontierLab) -> None:
    await _dashboard(pilot, app)
    await pilot.press("6")
    app.screen.query_one("#input-raise-equity").value = "15"
    await pilot.pause(0.5)


async def preview(pilot, app: FrontierLab) -> None:
    await _dashboard(pilot, app)
    await pilot.press("e")
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(app.screen, PreviewModal):
            break
    await app.workers.wait_for_complete()
    await pilot.pause(0.5)


async def debrief(pilot, app: FrontierLab) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(app.screen, DebriefScreen):
            break
    await app.workers.wait_for_complete()  # the decisions that mattered, weighed
    await pilot.pause(0.3)
    scroll = app.screen.query_one(VerticalScroll)
    scroll.scroll_to_widget(app.screen.query_one("#mattered"), top=True, animate=False)
    scroll.scroll_relative(y=-4, animate=False)
    await pilot.pause(0.3)


# picture -> (quarters the bot plays first (None: the whole game), terminal size, scene)
PICTURES: dict[str, tuple[int | None, tuple[int, int], Scene]] = {
    "game.png": (5, (120, 36), game),
    "finance.png": (5, (110, 34), finance),
    "preview.png": (3, (110, 34), preview),
    "debrief.png": (None, (110, 40), debrief),
}


async def _svg(quarters: int | None, size: tuple[int, int], scene: Scene, out: Path) -> None:
    content = load_content()
    played = Game(content, DEFAULT_SCENARIO, seed=5, lab="Frontier Lab")
    played.autoplay(STRATEGIES["balanced"], quarters)
    app = FrontierLab(content, Path(tempfile.mkdtemp()), game=played)
    async with app.run_test(size=size) as pilot:
        await scene(pilot, app)
        app.save_screenshot(str(out))


def _png(svg: Path, png: Path, browser: str) -> None:
    width, height = (round(float(v)) for v in re.search(
        r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text(encoding="utf-8")).groups())
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},{height}", f"--screenshot={png}", svg.as_uri()],
                   check=True, capture_output=True, timeout=120)


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("needs Chromium (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        for name, (quarters, size, scene) in PICTURES.items():
            svg = Path(work) / f"{name}.svg"
            asyncio.run(_svg(quarters, size, scene, svg))
            _png(svg, HERE / name, browser)
            print(f"{HERE / name}: {size[0]}×{size[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
