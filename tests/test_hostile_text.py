"""Hostile text through every screen that shows it: a pack whose every text field (event, choices,
glossary, rival, scenario, hints) and a lab name made of markup, control characters and odd
Unicode. Nothing crashes, nothing is read as markup or reaches the terminal as a control
character, and each text is shown as written (without its control characters).

The texts are drawn by hypothesis (derandomized, so CI sees the same cases every run) beside the
cases that crashed the game once.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import tomllib
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.widget import Widget
from textual.widgets import Label, OptionList, RichLog, Static

from game.packs import load_content
from game.session.game import Game
from game.text import printable
from game.ui.app import FrontierLab
from game.ui.debrief import DebriefScreen
from game.ui.modals import EventModal, GlossaryModal, HelpModal, NoticeModal, PreviewModal
from game.ui.screens import GameScreen
from game.ui.title import TitleScreen

ROOT = Path(__file__).resolve().parent.parent
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Pieces that meant something to Rich or Textual markup, or to a terminal, and odd Unicode.
PIECES = ["[/]", "[b]", "[/b]", "[@click=app.quit]", "[link=https://e.x]", "[/link]", "[estimate]",
          "[red on blue]", "\x1b[2J", "\x1b]0;title\x07", "\x07", "\x00", "\x9b", "\\", "'", '"',
          "é", "漢字", "🙂", "\u200f", "\u0301", "#", "=", "@"]
WORDS = st.text(alphabet="abcXYZ 019.-", min_size=1, max_size=5)
HOSTILE = st.lists(st.one_of(st.sampled_from(PIECES), WORDS), min_size=1, max_size=5).map(
    lambda parts: "x" + "".join(parts))  # never empty, never only whitespace


def hostile_pack(root: Path, texts: list[str]) -> Path:
    """A pack that writes ``texts`` (round-robin) into every text field a player can see: an
    event scripted into the first quarter (title, text, choices and notes), its glossary concept,
    a rival (name and model name), a scenario (title, briefing, objectives, hints)."""
    cycle = iter(texts * 40)

    def t() -> str:
        return next(cycle)

    folder = root / "hostile"
    (folder / "events").mkdir(parents=True)
    (folder / "scenarios").mkdir()
    (folder / "pack.toml").write_text(tomli_w.dumps(
        {"id": "hostile", "name": t(), "version": "0.1.0"}))
    event = {"id": "hostile.thing", "title": t(), "text": t(), "category": "demand",
             "concept": "hostile_concept", "trigger": "quarter >= 0", "mtth_quarters": 1000,
             "choices": [
                 {"label": t(), "note": t(),
                  "effects": [{"type": "add", "target": "cash", "value": "0.5"}]},
                 {"label": t(), "note": t(),
                  "effects": [{"type": "add", "target": "sentiment", "value": "1"}]}]}
    (folder / "events" / "hostile.toml").write_text(tomli_w.dumps({"event": [event]}))
    (folder / "glossary.toml").write_text(tomli_w.dumps({"concept": [
        {"id": "hostile_concept", "term": t(), "definition": t(), "why_it_matters": t(),
         "see_also": []}]}))
    base = tomllib.loads((ROOT / "content/base/rivals.toml").read_text())["rival"][0]
    # a small run-rate: the historical scenario's small market has room for it
    rival = dict(base, id="hostile_rival", name=t(), model_name=t(), runrate=0.01)
    (folder / "rivals.toml").write_text(tomli_w.dumps({"rival": [rival]}))
    scenario = tomllib.loads((ROOT / "content/base/scenarios/tutorial.toml").read_text())
    scenario.update(id="hostile-scenario", title=t(), briefing=t(), objectives=[t()],
                    score_description=t(), horizon_quarters=3,
                    scripted=[{"quarter": 0, "event": "hostile.thing"}],
                    hints=[{"quarter": q, "topic": "procurement", "text": t()}
                           for q in range(3)])
    (folder / "scenarios" / "hostile.toml").write_text(tomli_w.dumps(scenario))
    return folder


def words(text: str) -> str:
    """Text as compared on screen: control characters gone, runs of whitespace one space."""
    return " ".join(printable(text).split())


def shown(screen) -> str:
    """Everything the screen's text widgets say, each rendered as plain text, wide enough that
    a table cell is not wrapped into its neighbours."""
    console = Console(width=2000, record=True, file=open(os.devnull, "w"),  # noqa: SIM115
                      color_system=None)
    out = []
    for widget in screen.query(Widget):
        if isinstance(widget, Label | Static):
            content = widget.content
            if not isinstance(content, str):
                console.print(content)
                content = console.export_text()
            out.append(content)
        elif isinstance(widget, RichLog):  # the news
            out.extend("".join(seg.text for seg in line) for line in widget.lines)
        elif isinstance(widget, OptionList):  # an event's choices, the Load dialog's rows
            for i in range(widget.option_count):
                prompt = widget.get_option_at_index(i).prompt
                console.print(prompt)
                out.append(console.export_text())
    return "\n".join(out)


def assert_shows(screen, *texts: str) -> None:
    said = shown(screen)
    leak = CONTROL.search(said)
    if leak:
        around = said[max(0, leak.start() - 80):leak.end() + 20]
        raise AssertionError(f"{leak.group()!r} on {type(screen).__name__}: {around!r}")
    flat = words(said)
    for text in texts:
        assert words(text) in flat, f"{words(text)!r} not on {type(screen).__name__}"


async def campaign(content, texts: list[str], lab: str, saves: Path, size) -> None:
    app = FrontierLab(content, saves, game=Game(content, "hostile-scenario", 1, lab))
    # in hostile_pack's order: pack name, the event's six texts, the concept's three, the
    # rival's two; then, from the start again, the scenario's title, briefing, objective, score
    # description and its hints
    title, text, label1, _, label2, _ = texts[1:7]
    term, definition, model_name = texts[7], texts[8], texts[11]
    scenario_title, briefing, first_hint = texts[0], texts[1], texts[4]
    async with app.run_test(size=size) as pilot:
        async def until(cond, what: str) -> None:
            for _ in range(400):
                if cond():
                    return
                await pilot.pause(0.01)
            raise AssertionError(f"waited for {what}; on {type(app.screen).__name__}")

        await until(lambda: isinstance(app.screen, EventModal | NoticeModal), "the event")
        while not (isinstance(app.screen, EventModal) and app.screen.event.id == "hostile.thing"):
            await pilot.press("enter")
            await until(lambda: isinstance(app.screen, EventModal | GameScreen), "an event")
        assert_shows(app.screen, title, text, label1, label2)
        await pilot.press("g")  # the event's concept
        await until(lambda: isinstance(app.screen, GlossaryModal), "the glossary")
        assert_shows(app.screen, term, definition)
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, EventModal), "the event again")
        await pilot.press("enter")
        while not isinstance(app.screen, GameScreen):
            await pilot.press("enter")
            await pilot.pause()
        assert_shows(app.screen, model_name, briefing)
        for key in ("2", "3", "4", "5", "6", "1", "w", "escape", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        assert_shows(app.screen, first_hint)
        await pilot.press("escape")
        while not isinstance(app.screen, DebriefScreen):
            if isinstance(app.screen, GameScreen | PreviewModal):
                await pilot.press("e")
            else:
                await pilot.press("enter")
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert_shows(app.screen, lab, scenario_title, title, term)
        await pilot.press("n")  # a new game: the title's Load dialog lists this one
        await until(lambda: not isinstance(app.screen, DebriefScreen), "the title")
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, TitleScreen), "the title")
        await pilot.press("l")
        await pilot.pause()
        assert_shows(app.screen, lab)
        assert app.is_running  # no [@click=app.quit] was clicked into being


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(HOSTILE, min_size=12, max_size=12), lab=HOSTILE,
       wide=st.booleans())
@example(texts=["[/] x", "[@click=app.quit]Quit", "\x1b[31mred", "[link=https://e.x]L[/link]",
                "[estimate] ok", "tab\there", "é漢🙂\u200f", "[b]bold", "x[/b]", "\x07bell",
                "[red]R", "\x9bcsi"],
         lab="Evil [/b] Lab\x1b[2J", wide=False)
def test_hostile_text_through_every_screen(texts: list[str], lab: str, wide: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content = load_content([hostile_pack(root, texts)])
        (root / "saves").mkdir()
        asyncio.run(campaign(content, texts, lab, root / "saves",
                             (160, 48) if wide else (80, 24)))
