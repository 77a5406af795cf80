"""The terminal game, driven by key presses (Textual's Pilot) as a player would drive it."""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest
from textual.binding import Binding
from textual.widgets import Input, Label, Static

from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.text import count as format_count
from game.text import money
from game.ui import app as app_module
from game.ui import decisions, modals, saves, screens, title
from game.ui.app import FrontierLab
from game.ui.dashboard import NewsFeed
from game.ui.debrief import DebriefScreen
from game.ui.modals import EventModal, NoticeModal, PreviewModal, WhyModal
from game.ui.screens import GameScreen
from game.ui.title import TitleScreen


@pytest.fixture(scope="module")
def content():
    return load_content()


def make_app(content, tmp_path, seed: int = 5) -> FrontierLab:
    game = Game(content, DEFAULT_SCENARIO, seed=seed, lab="Pilot Labs")
    return FrontierLab(content, tmp_path, game=game)


async def to_main(pilot, app: FrontierLab) -> None:
    """Answer the quarter's dialogs until the dashboard is in front."""
    while not isinstance(app.screen, GameScreen):
        await pilot.press("enter")
        await pilot.pause()


def game_screen(app: FrontierLab) -> GameScreen:
    return next(s for s in app.screen_stack if isinstance(s, GameScreen))


async def advance(pilot, app: FrontierLab) -> None:
    """One key press of a player who accepts what is offered: choose, close, end quarter."""
    screen = app.screen
    if isinstance(screen, EventModal | NoticeModal):
        await pilot.press("enter")
    elif isinstance(screen, PreviewModal | GameScreen):
        await pilot.press("e")
    await pilot.pause()


def test_headless_layers_never_import_textual() -> None:
    # every module of the headless layers, imported for real (the contracts check the source)
    code = ("import importlib, pkgutil, sys, game\n"
            "for pkg in ('engine', 'packs', 'session', 'bots', 'classroom'):\n"
            "    p = importlib.import_module('game.' + pkg)\n"
            "    for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_plotext')]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_binding_has_an_id() -> None:
    classes = [obj for module in (app_module, screens, modals, decisions, saves, title)
               for _, obj in inspect.getmembers(module, inspect.isclass)
               if obj.__module__ == module.__name__ and "BINDINGS" in vars(obj)]
    assert len(classes) >= 10
    for cls in classes:
        for b in cls.BINDINGS:
            assert isinstance(b, Binding) and b.id, f"{cls.__name__}: {b}"


async def test_title_screen_starts_a_new_game_with_n(content, tmp_path) -> None:
    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, TitleScreen)
        await pilot.press("n")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen | EventModal | NoticeModal)
        assert app.screen_stack[-1].__class__ is not TitleScreen


async def test_new_game_takes_the_typed_name_and_the_scenarios_own_seed(content,
                                                                        tmp_path) -> None:
    """n, then type: the name replaces the default (focus starts in it); choosing the tutorial
    sets its own seed (21) unless one was typed; enter starts."""
    from textual.widgets import Input, Select

    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#scenario", Select).value = "tutorial"
        await pilot.pause()
        assert app.screen.query_one("#seed", Input).value == str(
            content.scenarios["tutorial"].default_seed())
        await pilot.press(*"Team 5", "enter")
        await pilot.pause()
        game = game_screen(app).game
        assert game.lab == "Team 5" and game.scenario_id == "tutorial"
        assert game.seed == content.scenarios["tutorial"].default_seed() == 21


async def test_a_whole_campaign_by_key_presses(content, tmp_path) -> None:
    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = game_screen(app)
        game = main.game
        seen_quarters = {game.quarter}
        shown_quarters = set()
        for _ in range(400):
            if isinstance(app.screen, DebriefScreen):
                break
            before = game.quarter
            await advance(pilot, app)
            if game.quarter != before:
                seen_quarters.add(game.quarter)
                # The cash moved by exactly what the ledger explains.
                h, ledger = game.history[-1], game.ledgers[-1]
                prev = game.history[-2]["cash"] if len(game.history) > 1 else None
                if prev is not None:
                    assert abs(h["cash"] - prev - ledger.total("cash")[0]) < 1e-9
            if app.screen is main and game.running:
                # Whenever the dashboard shows (after the quarter's event dialogs, which cover
                # it), it shows the quarter reached and the cash the ledger explains.
                bar = str(main.query_one("#metrics", Static).content)
                assert game.calendar() in bar and money(game.metrics()["cash"]) in bar
                news = main.query_one(NewsFeed)  # and the news ends with the newest
                assert news.scroll_y == news.max_scroll_y
                shown_quarters.add(game.quarter)
        assert isinstance(app.screen, DebriefScreen)
        assert len(seen_quarters) == len(game.log) + 1 >= 2
        assert shown_quarters == seen_quarters - {game.quarter}  # all but the last, the debrief's
        text = " ".join(str(w.content) for w in app.screen.query(Static))
        assert game.lab in text and "Score" in text


async def test_the_preview_ends_one_quarter_however_often_it_is_confirmed(content,
                                                                         tmp_path) -> None:
    """The quarter ends as the preview's confirmation is handled (behind the preview): a second
    confirmation before the dialog has gone must not end another quarter."""
    app = make_app(content, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        while not isinstance(app.screen, GameScreen):
            await advance(pilot, app)  # the first quarter's events
        game = game_screen(app).game
        quarter = game.quarter
        await pilot.press("e")
        await app.workers.wait_for_complete()
        preview = app.screen
        assert isinstance(preview, PreviewModal) and preview.on_confirm is not None
        ended, end_quarter = [], preview.on_confirm
        preview.on_confirm = lambda: ended.append(end_quarter()) or ended[-1]
        preview.action_confirm()
        preview.action_confirm()
        await pilot.pause()
        assert ended == [True] and game.quarter == quarter + 1
        assert not any(isinstance(s, PreviewModal) for s in app.screen_stack)


async def test_an_event_choice_changes_what_it_promises(content, tmp_path) -> None:
    """Pick each event's first open choice; when it has a cash effect, the quarter's cash
    ledger carries a line under the event's title."""
    app = make_app(content, tmp_path, seed=9)
    checked = 0
    async with app.run_test(size=(100, 30)) as pilot:
        game = game_screen(app).game
        for _ in range(200):
            if isinstance(app.screen, DebriefScreen) or checked:
                break
            if isinstance(app.screen, EventModal):
                event = app.screen.event
                ce = game.director.events[game.director.index[event.id]]
                first = next(c.index for c in event.choices if c.available)
                cash = [e for e in ce.choices[first].effects
                        if getattr(e.effect, "target", None) == "cash"]
                quarter = game.quarter
                await pilot.press("enter")
                await pilot.pause()
                if cash:
                    while game.quarter == quarter:
                        await advance(pilot, app)
                    lines = dict(game.ledgers[-1].for_world(0, "cash"))
                    assert ce.event.title in lines
                    checked += 1
                continue
            await advance(pilot, app)
    assert checked


async def test_bad_input_is_explained_beside_the_field(content, tmp_path) -> None:
    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_main(pilot, app)
        screen = app.screen
        await pilot.press("2")  # Procurement
        field = screen.query_one("#field-lease-h100e")
        field.query_one(Input).value = "lots"
        await pilot.pause()
        assert "not a number" in str(field.query_one(".hint", Static).content)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)  # no preview with a bad plan
        assert "Fix the plan" in str(screen.query_one("#status", Static).content)
        field.query_one(Input).value = "-5"
        await pilot.pause()
        assert "zero or more" in str(field.query_one(".hint", Static).content)
        field.query_one(Input).value = "0"
        await pilot.press("3")  # Allocation
        screen.query_one("#field-training").query_one(Input).value = "90"
        await pilot.pause()
        assert "100%" in str(screen.query_one("#allocation-status", Static).content)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
        screen.query_one("#field-training").query_one(Input).value = "35"
        await pilot.press("4")  # Training: a run far beyond the lab's means is refused
        await pilot.pause()


async def test_why_and_glossary_and_help_open_and_close(content, tmp_path) -> None:
    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        game = game_screen(app).game
        while game.quarter < 1:
            await advance(pilot, app)
        await to_main(pilot, app)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WhyModal)
        text = str(app.screen.query_one("#breakdown", Static).content)
        await pilot.press("escape")
        await pilot.press("g")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "GlossaryModal"
        await pilot.press("b", "u", "r", "n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpModal"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
        assert text


def test_every_key_is_in_the_players_guide() -> None:
    """docs/PLAYING.md's key table lists every binding the screens have."""
    from pathlib import Path

    guide = (Path(__file__).parent.parent / "docs" / "PLAYING.md").read_text()
    table = guide[guide.index("## Keys"):guide.index("## Saves")]
    from game.ui.crash import QuitDialog

    for cls in (FrontierLab, TitleScreen, GameScreen, DebriefScreen, WhyModal, PreviewModal,
                QuitDialog):
        for binding in cls.BINDINGS:
            if binding.key.isdigit():
                assert "`1`–`6`" in table
                continue
            if binding.key.startswith("alt+") and binding.key[4:5].isdigit():
                assert "`alt+1`–`alt+6`" in table
                continue
            for key in binding.key.split(","):
                if key in ("y", "n") and cls is QuitDialog:  # the usual yes and no, unlisted
                    continue
                shown = {"question_mark": "?"}.get(key, key)
                assert f"`{shown}`" in table, f"{cls.__name__}: {key} ({binding.description})"


async def test_a_corrupt_save_in_the_load_dialog_keeps_the_player_in_the_menu(
        content, tmp_path) -> None:
    from game.bots import STRATEGIES
    from game.session.store import save_game
    from game.ui.saves import LoadModal

    game = Game(content, DEFAULT_SCENARIO, seed=4, lab="Good Labs")
    game.autoplay(STRATEGIES["cloud"], 3)
    good = save_game(game, tmp_path)
    tampered = tmp_path / "tampered.ipo-window.toml"
    text = good.read_text().replace("price = 1.0", "price = 1.25", 1)
    assert text != good.read_text()
    tampered.write_text(text)
    (tmp_path / "junk.toml").write_bytes(b"\x00\x01 not a save")
    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await app.workers.wait_for_complete()  # every save replayed and marked
        await pilot.pause()
        assert isinstance(app.screen, LoadModal)
        options = app.screen.query_one("#saves")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("junk.toml" in label for label in labels)  # listed with its error
        ids = [options.get_option_at_index(i).id or "" for i in range(options.option_count)]
        index = ids.index(str(tampered))
        # marked for what it is, with why, and not offered: picking it does nothing
        assert "EDITED" in labels[index] and "changed" in " ".join(labels[index].split())
        assert options.get_option_at_index(index).disabled
        options.highlighted = index
        await pilot.press("enter", "r")
        await pilot.pause()
        assert isinstance(app.screen, LoadModal)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)  # back in the menu


async def test_keys_type_in_a_field_and_act_after_escape(content, tmp_path) -> None:
    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_main(pilot, app)
        screen = app.screen
        await pilot.press("4")  # Training
        field = screen.query_one("#field-start-run-flop").query_one(Input)
        field.focus()
        field.value = ""
        await pilot.press("5", "e", "2", "7")
        await pilot.pause()
        assert field.value == "5e27" and isinstance(app.screen, GameScreen)
        await pilot.press("escape", "e")
        await pilot.pause()
        status = str(screen.query_one("#status", Static).content)
        assert isinstance(app.screen, PreviewModal) or status, "e did nothing"
        assert field.value == "5e27"


async def test_the_footer_rebuilds_only_when_its_keys_change(content, tmp_path) -> None:
    """A dialog opening and closing over the dashboard leaves the footer's keys as they were
    (no rebuild, the cost of a third of an end of quarter); a change of what it shows rebuilds
    it."""
    from game.ui.footer import SteadyFooter

    app = make_app(content, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        screen = game_screen(app)
        footer = screen.query_one(SteadyFooter)
        await pilot.pause()
        rebuilds = []
        original = footer.recompose
        footer.recompose = lambda: rebuilds.append(1) or original()  # type: ignore[method-assign]
        for _ in range(2):
            await pilot.press("question_mark")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, GameScreen) and rebuilds == []
        keys = [str(k.description) for k in footer.query("FooterKey")]
        assert "End quarter" in keys and "Why?" in keys
        screen._bindings.bind("f5", "tab('tab-pricing')", "Prices", show=True)  # a key to show
        screen.refresh_bindings()
        for _ in range(3):
            await pilot.pause()
        assert rebuilds and "Prices" in [str(k.description) for k in footer.query("FooterKey")]


async def test_in_a_class_a_loaded_save_goes_on_in_a_copy(content, tmp_path) -> None:
    """The server cannot tell students apart: a save this tab did not write is continued in a
    new file, and the classmate's file is left byte for byte as it was."""
    from game.bots import STRATEGIES
    from game.session.store import save_game
    from game.ui.saves import LoadModal

    theirs = Game(content, DEFAULT_SCENARIO, seed=4, lab="Their Labs")
    theirs.autoplay(STRATEGIES["cloud"], 2)
    path = save_game(theirs, tmp_path)
    before = path.read_bytes()
    app = FrontierLab(content, tmp_path, class_dir=tmp_path)  # as `play --class` makes it
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LoadModal)
        options = app.screen.query_one("#saves")
        ids = [options.get_option_at_index(i).id or "" for i in range(options.option_count)]
        options.highlighted = ids.index(str(path))
        await pilot.press("enter")
        await pilot.pause()
        await to_main(pilot, app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("copy" in n.message for n in app._notifications)
    assert path.read_bytes() == before
    copies = sorted(p.name for p in tmp_path.glob("*.toml") if p != path)
    assert copies == ["their-labs-2.ipo-window.toml"], copies


async def test_the_tutorial_shows_each_quarters_hint(content, tmp_path) -> None:
    """The tutorial's hints appear above the decisions, one per quarter, and the other scenarios
    show none."""
    seed = content.scenarios["tutorial"].seed
    game = Game(content, "tutorial", seed=2026 if seed is None else seed, lab="Pupil Labs")
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_main(pilot, app)
        hint = app.screen.query_one("#hint", Static)
        assert str(hint.content).startswith("Hint: Procurement:") and hint.display
        while game.quarter < 1:
            await advance(pilot, app)
        await to_main(pilot, app)
        assert str(app.screen.query_one("#hint", Static).content).startswith("Hint: Allocation:")
    plain = make_app(content, tmp_path / "plain")
    async with plain.run_test(size=(120, 40)) as pilot:
        await to_main(pilot, plain)
        hint = plain.screen.query_one("#hint", Static)
        assert str(hint.content) == "" and hint.has_class("-hidden")


def plain(renderable) -> str:
    """What a widget's Rich renderable reads as, without styles."""
    from rich.console import Console

    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


async def play_quarter(pilot, app: FrontierLab) -> None:
    """End the quarter by keys (e, the preview's e, the events' enter) and answer what the next
    one opens with, until the dashboard or the debrief is in front."""
    game = game_screen(app).game
    quarter = game.quarter
    for _ in range(50):
        if game.quarter > quarter or isinstance(app.screen, DebriefScreen):
            break
        if isinstance(app.screen, PreviewModal):
            await app.workers.wait_for_complete()
        await advance(pilot, app)
    for _ in range(50):
        if isinstance(app.screen, GameScreen | DebriefScreen):
            break
        await pilot.press("enter")
        await pilot.pause()
    assert game.quarter == quarter + 1


async def test_tokens_per_parameter_resize_the_run_in_the_preview(content, tmp_path) -> None:
    """The Training tab: the chosen k sizes the proposed run (parameters, capability, serving
    cost against today's model) beside the compute-optimal k and 5× the chosen one; blank is
    the industry's practice, out of range is explained; the choice stands next quarter."""
    from game.engine import training

    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_main(pilot, app)
        screen = app.screen
        game = screen.game
        decisions_ = screen.query_one(decisions.Decisions)
        await pilot.press("4")  # Training
        preview = screen.query_one("#scaling-preview", Static)
        sizes = screen.query_one("#size-preview", Static)
        industry = game.params.training.tokens_per_parameter
        before = plain(preview.content)
        assert f"At {industry:g} tokens per parameter" in before
        assert f"{industry:g} industry (yours)" in plain(sizes.content)
        assert decisions_.plan_kwargs()["tokens_per_parameter"] is None
        run = screen.query_one("#input-start-run-flop", Input)
        run.value = "2e27"
        field = screen.query_one("#input-tokens-per-parameter", Input)
        field.value = "20"
        await pilot.pause()
        after = plain(preview.content)
        assert "At 20 tokens per parameter" in after and after != before
        n20 = float(training.size(2e27, 20)[0])
        assert format_count(n20) in after.splitlines()[2]  # the 1× row: its parameters
        table = plain(sizes.content)
        assert "20 optimal (yours)" in table and f"{industry:g} industry" in table
        rows = [line for line in table.splitlines() if line.strip()[:1].isdigit()]
        serving = [float(line.split()[-1].rstrip("×")) for line in rows]
        assert len(rows) == 2 and serving[0] > serving[1]  # the bigger model costs more to serve
        with pytest.raises(decisions.FieldError, match="a run is in progress"):
            decisions_.plan_kwargs()  # a second run, explored above, cannot start yet
        run.value = "0"
        await pilot.pause()
        assert decisions_.plan_kwargs()["tokens_per_parameter"] == 20
        field.value = "5000"
        await pilot.pause()
        hint = screen.query_one("#field-tokens-per-parameter .hint", Static)
        assert "2,000" in str(hint.content) and hint.has_class("-error")
        with pytest.raises(decisions.FieldError):
            decisions_.plan_kwargs()
        field.value = "40"
        run.value = "0"
        await pilot.pause()
        await play_quarter(pilot, app)
        assert game.log[-1].plan["tokens_per_parameter"] == 40.0
        assert field.value == "40"  # a standing decision
        field.value = ""
        await pilot.pause()
        assert decisions_.plan_kwargs()["tokens_per_parameter"] is None


async def test_a_sale_of_gpus_goes_into_the_quarter_and_no_further(content, tmp_path) -> None:
    """The Procurement tab: a sale field for each generation in service, with what a used GPU
    fetches; a sale goes from the field into the plan and the log, and is not carried over."""
    from game.engine import Plan
    from game.ui.decisions import NumberField

    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_main(pilot, app)
        screen = app.screen
        game = screen.game
        decisions_ = screen.query_one(decisions.Decisions)
        await pilot.press("2")  # Procurement
        h100 = game.econ.gpu_names.index("H100")
        owned = float(game.state.owned[0, h100])
        sell = screen.query_one("#field-sell-H100", NumberField)
        hint = str(sell.query_one(".hint", Static).content)
        assert sell.display and f"{format_count(owned)} in service" in hint and "each used" in hint
        assert not screen.query_one("#field-sell-A100", NumberField).display  # none owned
        decisions_.load(Plan(sell_gpus={"H100": 500}))
        await pilot.pause()
        assert sell.input.value == "500"
        assert decisions_.plan_kwargs()["sell_gpus"] == {"H100": 500.0}
        sell.input.value = f"{owned * 10:.0f}"  # more than the lab has: refused with a reason
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
        assert "cannot sell" in str(screen.query_one("#status", Static).content)
        sell.input.value = "1000"
        await pilot.pause()
        assert decisions_.plan_kwargs()["sell_gpus"] == {"H100": 1000.0}
        await play_quarter(pilot, app)
        assert game.log[-1].plan["sell_gpus"] == {"H100": 1000.0}
        assert float(game.state.owned[0, h100]) == pytest.approx(owned - 1000)
        assert sell.input.value == "0"  # one quarter only
        assert "GPU sales" in dict(game.ledgers[-1].for_world(0, "cash"))


def listing_game(content, min_sentiment: float | None = 0.0) -> Game:
    """A game whose IPO asks for no trailing revenue (and, by default, no sentiment): the book
    comes ``filing_quarters`` after filing and an accepted book lists, whatever the luck, so
    the path through the Finance tab is certain."""
    from game.engine import compile_economy

    game = Game(content, DEFAULT_SCENARIO, seed=5, lab="Listing Labs")
    bars = {"min_ttm_revenue": 0.0}
    if min_sentiment is not None:
        bars["min_sentiment"] = min_sentiment
    ipo = game.params.ipo.model_copy(update=bars)
    params = game.params.model_copy(update={"ipo": ipo})
    params._compiled = None  # a copy of the private cache would still hold the old tables
    game.params, game.econ = params, compile_economy(params)
    return game


async def test_filing_then_accepting_the_book_lists_the_company(content, tmp_path) -> None:
    """The Finance & IPO tab: file, see when the book comes, see the book's range in the
    status line and the header, accept it, and the game ends listed."""
    from textual.widgets import Select
    from textual.widgets.select import InvalidSelectValueError

    from game.text import money_range

    game = listing_game(content)
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        screen = app.screen
        await pilot.press("6")  # Finance & IPO
        status = screen.query_one("#ipo-status", Static)
        choice = screen.query_one("#ipo", Select)
        assert "Not filed" in plain(status.content)
        for closed in ("accept", "withdraw"):  # nothing to accept or withdraw: not offered
            with pytest.raises(InvalidSelectValueError):
                choice.value = closed
        choice.value = "file"
        await pilot.pause()
        await play_quarter(pilot, app)
        assert game.ipo_stage == "filed" and choice.value == "hold"  # a one-quarter action
        assert "The book comes at the end of this quarter" in plain(status.content)
        assert "IPO filed" in str(screen.query_one("#metrics", Static).content)
        for closed in ("file", "accept"):  # filed: hold or withdraw, until the book comes
            with pytest.raises(InvalidSelectValueError):
                choice.value = closed
        for _ in range(game.params.ipo.filing_quarters):
            if game.ipo_stage == "book":
                break
            await play_quarter(pilot, app)
        assert game.ipo_stage == "book"
        s = game.state
        book = money_range(float(s.ipo_low[0]), float(s.ipo_high[0]))
        text = " ".join(plain(status.content).split())
        assert f"The book: {book} equity; accept to list this quarter" in text
        assert "IPO book open" in str(screen.query_one("#metrics", Static).content)
        assert book in plain(screen.query_one("#finance", Static).content)
        choice.value = "accept"
        await pilot.pause()
        assert "no price range" not in plain(status.content)  # accepting is open now
        await play_quarter(pilot, app)
        assert isinstance(app.screen, DebriefScreen)
        assert game.outcome == "ipo" and game.ipo_stage == "listed"
        summary = str(app.screen.query_one("#summary", Static).content)
        assert "You listed the company." in summary


async def test_a_book_accepted_but_pulled_is_said_in_the_news(content, tmp_path) -> None:
    """Accepting the book lists only if sentiment ends the quarter above the bar: when it does
    not, the news says the listing was pulled and why (it used to say nothing)."""
    from game.engine import Plan, compile_economy

    game = listing_game(content)
    game.submit(Plan(ipo="file"))
    while game.ipo_stage != "book":
        game.end_quarter(auto_choose=True)
    ipo = game.params.ipo.model_copy(update={"min_sentiment": 99.0})  # out of reach now
    params = game.params.model_copy(update={"ipo": ipo})
    params._compiled = None
    game.params, game.econ = params, compile_economy(params)
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        await pilot.press("6")
        app.screen.query_one("#ipo").value = "accept"
        await pilot.pause()
        await play_quarter(pilot, app)
        assert game.running and game.outcome != "ipo"
        news = " ".join(" ".join("".join(seg.text for seg in line)
                                 for line in app.screen.query_one(NewsFeed).lines).split())
        assert "The listing was pulled: sentiment ended the quarter at" in news
        assert "below the 99 a listing needs" in news


async def test_a_loaded_game_shows_the_news_of_the_quarters_played(content, tmp_path) -> None:
    """A game loaded at 2027Q1 tells what happened in each quarter played, not only the
    scenario's opening ("It is the first quarter of 2026 …")."""
    game = Game(content, DEFAULT_SCENARIO, seed=4, lab="Loaded Labs")
    for _ in range(4):
        game.end_quarter(auto_choose=True)
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        news = "\n".join("".join(seg.text for seg in line)
                         for line in app.screen.query_one(NewsFeed).lines)
        for record in game.log:
            assert game.calendar(record.quarter) in news
        assert news.count("cash ") >= 3  # each quarter's change after the first


async def test_a_historical_scenarios_debrief_sets_the_lab_beside_history(content,
                                                                          tmp_path) -> None:
    """openai-2023 records what really happened ([[history]]): the debrief shows each recorded
    figure beside the lab's own at the same quarter; a scenario without a record shows none."""
    from game.bots import STRATEGIES

    game = Game(content, "openai-2023", seed=3, lab="History Labs")
    game.autoplay(STRATEGIES["adaptive"])
    rows = game.against_history()
    recorded = [(p.quarter, m) for p in game.scenario.history
                for m in ("runrate", "valuation", "rental_price") if getattr(p, m) is not None]
    if game.outcome == "ipo" or len(game.history) < game.scenario.horizon_quarters:
        played = {p.quarter for p in game.scenario.history
                  if game.scenario.history_quarter(p.quarter) < len(game.history)}
        recorded = [(q, m) for q, m in recorded if q in played]
    assert [(r.quarter, r.metric) for r in rows] == recorded and rows
    for r in rows:
        at = game.history[game.scenario.history_quarter(r.quarter)]
        assert r.played == at[r.metric]
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(DebriefScreen(game))
        await pilot.pause()
        text = plain(app.screen.query_one("#history", Static).content)
        assert "what happened" in text and "your lab" in text
        first = rows[0]
        assert first.quarter in text and money(first.recorded) in text
        assert money(first.played) in text
    plain_game = Game(content, DEFAULT_SCENARIO, seed=3, lab="No History")
    plain_game.autoplay(STRATEGIES["adaptive"])
    assert plain_game.against_history() == []
    app = FrontierLab(content, tmp_path, game=plain_game)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(DebriefScreen(plain_game))
        await pilot.pause()
        assert not app.screen.query("#history")
        assert app.screen.query("#timeline")


async def test_hostile_names_and_keys_at_machine_speed(content, tmp_path) -> None:
    """A pack's GPU named with markup and symbols, a lab named with markup and a control
    character, and a burst of keys with no pause between them: every tab shows the names as
    written, an order of the oddly named GPU goes into the plan, and the debrief reads it back."""
    from game.bots import STRATEGIES
    from game.ui.decisions import NumberField, field_id

    hostile = "A 100 [/b] [@click=app.quit] #1"
    # content whose economy names a GPU so (a replay, as the debrief's weighing makes, sees it)
    def renamed(economy):
        gpus = [g.model_copy(update={"name": hostile}) if g.name == "A100" else g
                for g in economy.gpu]
        return economy.model_copy(update={"gpu": gpus})
    content = dataclasses.replace(
        content, economy=renamed(content.economy),
        scenario_economy={k: renamed(e) for k, e in content.scenario_economy.items()})
    game = Game(content, DEFAULT_SCENARIO, seed=5, lab="[/b]Labs [@click=app.quit]\x07")
    assert hostile in [g.name for g in game.params.gpus]
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        await pilot.press(*"23456123456", "e", "escape", "w", "escape", "g", "escape", "1")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen) and game.quarter == 0
        await pilot.press("2")
        field = app.screen.query_one(f"#field-{field_id('buy_' + hostile)}", NumberField)
        assert str(field.query_one(Label).content) == f"Buy {hostile} GPUs"
        field.input.value = "10"
        await pilot.pause()
        await play_quarter(pilot, app)
        assert game.log[0].plan["gpu_orders"][hostile] == 10.0
        game.autoplay(STRATEGIES["cloud"], quarters=1)
        await app.push_screen(DebriefScreen(game))
        await pilot.pause()
        timeline = plain(app.screen.query_one("#timeline", Static).content)
        assert f"buy 10 {hostile}" in " ".join(timeline.split())
        await app.workers.wait_for_complete()  # the decisions weighed, the odd name among them
        await pilot.pause()
        assert f"buy 10 {hostile}" in " ".join(
            plain(app.screen.query_one("#mattered", Static).content).split())
        assert "[/b]Labs" in plain(app.screen.query_one("#summary", Static).content)


HELD_KEYS = ["e", "enter", "enter", "e", "escape", "w", "g", "question_mark", "1", "2", "3", "4",
             "5", "6", "tab", "down", "up", "space", "n", "l", "t", "r", "0", "9", "ctrl+s",
             "backspace", "left", "right"]


async def hold_keys(app: FrontierLab, keys: list[str], gap: float) -> None:
    """Keys as a held key sends them: one every ``gap`` seconds, whether or not the app has
    caught up (``pilot.press`` waits for each to be handled; a keyboard does not)."""
    import asyncio

    from textual import events

    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
        await asyncio.sleep(gap)


@pytest.mark.parametrize("seed", [0, 1, 3])
async def test_held_keys_across_every_screen_never_crash(content, tmp_path, seed) -> None:
    """200 keys at 50 a second (a held key sends about 20), drawn from every screen's keys:
    events, previews, Why?, glossary, help, the tabs, the title, the debrief. A crash anywhere
    re-raises from run_test; the game must still be consistent after."""
    import random

    rnd = random.Random(seed)
    app = make_app(content, tmp_path, seed=seed)
    async with app.run_test(size=(80, 24)) as pilot:
        keys = [rnd.choice(HELD_KEYS) for _ in range(200)]
        await hold_keys(app, keys, gap=0.02)
        await pilot.pause()
        assert app.is_running and app.crash_log is None
    from game.session.store import verify

    saves = sorted(tmp_path.glob("*.toml"))
    assert saves, "a quarter or a ctrl+s saved the game"
    for path in saves:  # what the keys did is a game that replays exactly
        assert verify(path, content).verified, verify(path, content).problems


async def wait_until(pilot, condition, limit: float = 20.0) -> None:
    """Let the app work until ``condition()`` holds, for as long as a busy machine needs."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition() and loop.time() < deadline:
        await pilot.pause(0.05)


async def test_a_burst_of_keys_types_in_order(content, tmp_path) -> None:
    """Keys faster than the app (tmux's send-keys, a fast typist, typing while the previews
    redraw) act in the order typed: in Textual 8 a bound key such as backspace acted only after
    the keys behind it, so End, 8 × backspace, "12345" on a field holding 150 left ''."""
    from textual.widgets import Input

    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        lab = app.screen.query_one("#lab", Input)
        await hold_keys(app, ["end", *["backspace"] * 20, *"Acme", "left", "left", "backspace",
                              "home", "Z"], gap=0)
        await wait_until(pilot, lambda: lab.value == "ZAme")
        assert lab.value == "ZAme"
        await pilot.press("enter")
        await to_main(pilot, app)
        await pilot.press("5")
        price = app.screen.query_one(f"#field-{decisions.field_id('price')}",
                                     decisions.NumberField)
        price.input.focus()
        await pilot.pause()
        await hold_keys(app, ["end", *["backspace"] * 8, *"1.25"], gap=0)
        await wait_until(pilot, lambda: price.input.value == "1.25")
        assert price.input.value == "1.25"
        await hold_keys(app, ["left", "backspace", "delete", "7", "home", "delete", "2", "end",
                              "0"], gap=0)
        await wait_until(pilot, lambda: price.input.value == "2.70")
        assert price.input.value == "2.70"
        note = app.screen.query_one("#pricing-note", Static)
        await wait_until(pilot, lambda: "At 2.70×" in str(note.render()))
        assert "At 2.70×" in str(note.render())  # the previews follow the last key


async def test_without_animations_a_fields_cursor_holds_still(content, tmp_path) -> None:
    """Served games run with Textual's animations off: no cursor blinks there (each blink
    was a frame to send, twice a second for every student typing); in a terminal it blinks."""
    for level, blinks in (("none", False), ("full", True)):
        app = make_app(content, tmp_path)
        app.animation_level = level
        async with app.run_test(size=(100, 30)) as pilot:
            await to_main(pilot, app)
            await pilot.press("5")
            price = app.screen.query_one(f"#field-{decisions.field_id('price')}",
                                         decisions.NumberField).input
            price.focus()
            await pilot.pause()
            assert price.cursor_blink is blinks, level
            seen = {price._cursor_visible}
            for _ in range(30):  # 1.5 s: three blinks where it blinks
                await pilot.pause(0.05)
                seen.add(price._cursor_visible)
            assert seen == ({True, False} if blinks else {True}), level


async def test_an_unforeseen_error_saves_the_game_and_says_where(content, tmp_path,
                                                                 monkeypatch) -> None:
    """Whatever breaks, the game is saved, the traceback goes to a log file and not over the
    terminal, a dialog says where both are, and closing it exits with code 1."""
    monkeypatch.setenv("FRONTIER_LAB_LOGS", str(tmp_path / "logs"))
    app = make_app(content, tmp_path)

    def broken() -> None:
        raise RuntimeError("something nobody foresaw [/b]")

    with pytest.raises(RuntimeError, match="nobody foresaw"):
        async with app.run_test(size=(80, 24)) as pilot:
            await to_main(pilot, app)
            monkeypatch.setattr(game_screen(app), "action_why", broken)
            await pilot.press("w")
            await pilot.pause()
            assert app.screen.__class__.__name__ == "CrashDialog"
            shown = " ".join(str(s.content) for s in app.screen.query(Static))
            assert "[/b]" in shown and str(app.crash_log) in shown
            assert "Your game is saved in" in shown
            await pilot.press("enter")
            await pilot.pause()
    assert app.return_code == 1
    log = app.crash_log.read_text(encoding="utf-8")
    assert "RuntimeError: something nobody foresaw" in log and "Traceback" in log
    assert list(tmp_path.glob("*.toml")), "the game was saved"


async def test_a_finished_save_opens_its_debrief_and_loading_writes_nothing(content,
                                                                             tmp_path) -> None:
    from game.bots import STRATEGIES
    from game.session.store import save_game
    from game.ui.saves import LoadModal

    game = Game(content, DEFAULT_SCENARIO, seed=4, lab="Done [/b] Labs\x1b[31m")
    game.autoplay(STRATEGIES["cloud"], 40)
    assert not game.running
    path = save_game(game, tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await app.workers.wait_for_complete()  # verified, so it can be picked
        await pilot.pause()
        assert isinstance(app.screen, LoadModal)
        label = str(app.screen.query_one("#saves").get_option_at_index(0).prompt)
        assert "Done [/b] Labs[31m" in label  # as written, without the escape character
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await pilot.press("e", "e", "enter")  # nothing to end: no crash, no quarter after the end
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before, path


async def test_ctrl_q_with_a_game_in_play_asks_first(content, tmp_path) -> None:
    from game.ui.crash import QuitDialog

    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_main(pilot, app)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitDialog) and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
        app.save_failure = "No space left on device"  # as a failed autosave leaves it
        await pilot.press("ctrl+q")
        await pilot.pause()
        text = " ".join(str(s.content) for s in app.screen.query(Static))
        assert "The last save failed (No space left on device)" in text
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_q_on_the_title_quits_at_once(content, tmp_path) -> None:
    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_a_scenarios_disabled_actions_are_greyed_with_the_reason(content, tmp_path) -> None:
    from game.ui.decisions import NumberField

    game = Game(content, "tutorial", seed=3, lab="Rules Labs")
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        for key in ("vendor_equity", "break_lease_h100e"):
            field = app.screen.query_one(f"#field-{key.replace('_', '-')}", NumberField)
            assert field.input.disabled
            assert "not in this scenario" in str(field.query_one(".hint", Static).content)
        raise_field = app.screen.query_one("#field-raise-equity", NumberField)
        assert not raise_field.input.disabled


async def test_the_debrief_lists_each_decision_once_and_counts_quarters_from_one(
        content, tmp_path) -> None:
    """A price set once stands for the quarters after it: the debrief says it where it was
    decided, not again; the replay row counts quarters as the header does, from 1."""
    from game.session.game import carry_over

    game = Game(content, DEFAULT_SCENARIO, seed=5, lab="Debrief Labs")
    for q in range(4):
        plan = carry_over(game.plan)
        if q == 1:
            plan = plan.model_copy(update={"price": 1.2, "repay_debt": 0.0})
        game.submit(plan)
        game.end_quarter(auto_choose=True)
    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await app.push_screen(DebriefScreen(game))
        await pilot.pause()
        timeline = " ".join(plain(app.screen.query_one("#timeline", Static).content).split())
        assert timeline.count("price 1.20×") == 1
        label = str(app.screen.query_one("#replay-row Label", Label).content)
        assert f"(1–{len(game.log)}," in label
        app.screen.query_one("#replay-quarter", Input).value = "1"
        await pilot.press("r")
        await pilot.pause()
        forked = game_screen(app).game
        assert forked is not game and forked.quarter == 0  # quarter 1 of the header


async def test_the_tabs_say_what_a_plan_costs_and_needs_before_it_plays(content,
                                                                        tmp_path) -> None:
    """An order's price and delivery quarter, the power it needs, when leases end (with a
    warning when capacity falls next quarter), and cash and runway after the plan — each the
    engine's own number."""
    from game.engine import fleet, market
    from game.ui.decisions import NumberField, field_id

    app = make_app(content, tmp_path, seed=3)
    async with app.run_test(size=(100, 40)) as pilot:
        await to_main(pilot, app)
        game = game_screen(app).game
        s, econ, q = game.state, game.econ, game.quarter
        K = s.lease_qty.shape[1]
        s.lease_qty[0, q % K] += 50_000.0  # a lease that ends after this quarter
        await pilot.press("2")
        field = app.screen.query_one(f"#field-{field_id('buy_B200')}", NumberField)
        field.input.value = "100000"
        await pilot.pause()
        summary = plain(app.screen.query_one("#procurement-summary", Static).content)
        orders = np.zeros((1, len(econ.gpu_names)))
        orders[0, econ.gpu_names.index("B200")] = 100_000
        cost = float(fleet.order_cost(econ, q, orders)[0])
        lead = int(market.lead_times(econ, market.rental_price(econ, q, s)[1])[0][
            econ.gpu_names.index("B200")])
        text = " ".join(summary.split())
        assert f"Orders: {money(cost)} paid now" in text
        assert f"B200 in service from {game.calendar(q + lead)}" in text
        assert "⚠ 50k H100e of leases end after this quarter" in text
        await pilot.press("escape", "6")
        await pilot.pause()
        finance = " ".join(plain(app.screen.query_one("#finance-summary", Static).content).split())
        cash = float(s.cash[0])
        assert f"Cash {money(cash)} → {money(cash - cost)} after this plan's orders" in finance
        assert f"your stake {float(s.ownership[0]):.1%}" in finance


async def test_the_split_says_what_it_serves_and_when_the_run_finishes(content, tmp_path) -> None:
    """The Allocation tab: serving capacity against the demand at the price, and the quarter
    the run in progress finishes at this training share — which the game then keeps."""
    import re

    app = make_app(content, tmp_path, seed=5)
    async with app.run_test(size=(100, 40)) as pilot:
        await to_main(pilot, app)
        game = game_screen(app).game
        await pilot.press("3")
        await pilot.pause()
        note = app.screen.query_one("#allocation-note", Static)
        text = " ".join(str(note.content).split())
        assert "Serving 50%" in text and "room for" in text
        quarters = int(re.search(r"finishes in about (\d+) quarter", text).group(1))
        app.screen.query_one("#input-inference").value = "15"
        app.screen.query_one("#input-research").value = "75"
        await pilot.pause()
        squeezed = " ".join(str(note.content).split())
        assert re.search(r"about \d+% of it would go unserved", squeezed)
        app.screen.query_one("#input-inference").value = "50"
        app.screen.query_one("#input-research").value = "40"
        await pilot.pause()
    before = float(game.state.capability[0])
    for _ in range(quarters - 1):
        game.end_quarter(auto_choose=True)
    assert float(game.state.run_target[0]) > 0 and float(game.state.capability[0]) == before
    game.end_quarter(auto_choose=True)
    assert float(game.state.run_target[0]) == 0  # finished in the quarter the note said


async def test_g_in_an_event_opens_the_glossary_at_its_concept(content, tmp_path) -> None:
    from game.ui.modals import GlossaryModal

    for seed in range(20):
        app = make_app(content, tmp_path, seed=seed)
        async with app.run_test(size=(80, 24)) as pilot:
            while isinstance(app.screen, EventModal | NoticeModal):
                if isinstance(app.screen, EventModal) and app.screen.concept is not None:
                    concept = app.screen.concept
                    await pilot.press("g")
                    await pilot.pause()
                    assert isinstance(app.screen, GlossaryModal)
                    shown = str(app.screen.query_one("#definition", Static).content)
                    assert shown.startswith(concept.term), (shown[:60], concept.term)
                    terms = app.screen.query_one("#terms")
                    assert terms.get_option_at_index(terms.highlighted).id == concept.id
                    return
                await pilot.press("enter")
                await pilot.pause()
    pytest.fail("no event with a concept opened any of 20 games")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_glossary_shows_every_definition_whole_and_says_its_keys(content, tmp_path,
                                                                          size) -> None:
    """At 80×24 too, the longest definition is shown to its last line (the list of terms gives
    up rows for it); ↑↓ from the search field move through the terms; the keys are in the
    dialog's border (a dialog has no footer)."""
    from textual.containers import Vertical

    from game.ui.modals import GlossaryModal

    app = make_app(content, tmp_path)
    async with app.run_test(size=size) as pilot:
        await to_main(pilot, app)
        await pilot.press("g")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, GlossaryModal)
        box = modal.query_one(Vertical)
        assert "esc close" in str(box.border_subtitle)
        terms = modal.query_one("#terms")
        definition = modal.query_one("#definition", Static)
        for i in range(terms.option_count):
            terms.highlighted = i
            await pilot.pause()
            assert definition.region.bottom <= box.content_region.bottom, (
                terms.get_option_at_index(i).id, definition.region, box.content_region)
        terms.highlighted = 0
        assert isinstance(app.focused, Input)  # the search field
        await pilot.press("down", "down")
        assert terms.highlighted == 2
        await pilot.press("up")
        assert terms.highlighted == 1


async def test_every_field_error_at_once_cleared_when_fixed_and_bounds_as_typed(
        content, tmp_path) -> None:
    from game.ui.decisions import NumberField

    app = make_app(content, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        screen = app.screen
        hire = screen.query_one("#field-hire", NumberField)
        hire.input.value = "1e12"
        await pilot.pause()
        assert "within ±1,000,000" in str(hire.query_one(".hint", Static).content)  # as typed
        spot = screen.query_one("#field-spot-h100e", NumberField)
        spot.input.value = "1e300"  # the plan's own bound, said beside the field as typed
        await pilot.pause()
        assert "at most 1,000,000,000" in str(spot.query_one(".hint", Static).content)
        spot.input.value = "0"
        lease = screen.query_one("#field-lease-h100e", NumberField)
        lease.input.value = "lots"
        await pilot.pause()
        await pilot.press("escape", "e")
        await pilot.pause()
        status = str(screen.query_one("#status", Static).content)
        assert "Hire (− to lay off): within ±1,000,000" in status
        assert "Lease H100e: 'lots' is not a number" in status
        lease.input.value = "0"
        hire.input.value = "0"
        await pilot.pause()
        assert str(screen.query_one("#status", Static).content) == ""


async def test_a_quarter_in_progress_survives_save_and_load(content, tmp_path) -> None:
    """ctrl+s mid-quarter keeps the answered events and the typed plan: loading comes back to
    the same quarter with nothing asked again and the plan as it was typed."""
    from game.session.store import load_game
    from game.ui.decisions import NumberField

    for seed in range(12):
        game = Game(content, DEFAULT_SCENARIO, seed=seed, lab="Draft Labs")
        if any(p.choices for p in game.pending):
            break
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)  # every event answered
        answered = {p.id: p.chosen for p in game.pending if p.choices}
        assert answered and None not in answered.values()
        price = app.screen.query_one("#field-price", NumberField)
        price.input.value = "1.3"
        await pilot.pause()
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
    loaded = load_game(game.save_path, content)
    assert loaded.quarter == game.quarter
    assert {p.id: p.chosen for p in loaded.pending if p.choices} == answered
    assert not any(p.needs_choice for p in loaded.pending)
    assert float(loaded.plan.price) == 1.3


async def test_ctrl_q_behind_an_event_dialog_still_asks_and_can_save(content, tmp_path) -> None:
    from game.ui.crash import QuitDialog

    app = make_app(content, tmp_path, seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, EventModal | NoticeModal)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("s")
        await pilot.pause()
    assert not app.is_running and list(tmp_path.glob("*.toml"))


async def test_past_hints_stay_readable_in_help(content, tmp_path) -> None:
    from game.ui.modals import HelpModal

    game = Game(content, "tutorial", seed=3, lab="Hint Labs")
    for _ in range(2):
        game.end_quarter(auto_choose=True)
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 40)) as pilot:
        await to_main(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        shown = " ".join(str(s.content) for s in app.screen.query(Static))
        for hint in game.scenario.hints:
            if hint.quarter <= game.quarter:
                assert hint.text[:40] in shown
            else:
                assert hint.text[:40] not in shown


def test_why_gives_every_metric_its_unit() -> None:
    from game.engine import METRICS
    from game.ui.modals import WHY_UNITS

    assert set(WHY_UNITS) == set(METRICS)


async def test_alt_digits_switch_tabs_from_inside_a_field(content, tmp_path) -> None:
    from game.ui.decisions import Decisions, NumberField

    app = make_app(content, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        await pilot.press("5")
        price = app.screen.query_one("#field-price", NumberField)
        price.input.focus()
        await pilot.pause()
        before = price.input.value
        await pilot.press("end", "3")  # a digit in a field is typed, once
        await pilot.pause()
        assert price.input.value == before + "3"
        price.input.value = before
        await pilot.press("alt+2")
        await pilot.pause()
        assert app.screen.query_one(Decisions).active == "tab-procurement"
        assert price.input.value == before and not isinstance(app.focused, type(price.input))
        # what a Linux terminal or tmux sends for alt+digit (ESC, then the digit), as Textual
        # reads it: the key option+digit types on a Mac; from inside a field too, typing nothing
        from textual._xterm_parser import XTermParser

        for digit, tab in (("5", "tab-pricing"), ("4", "tab-training"), ("1", "tab-overview")):
            await pilot.press("5")
            price.input.focus()
            await pilot.pause()
            before = price.input.value
            (key,) = [e.key for e in XTermParser(debug=False).feed("\x1b" + digit)]
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.query_one(Decisions).active == tab, key
            assert price.input.value == before, key


async def test_the_focus_ring_marks_the_field_being_typed_into(content, tmp_path) -> None:
    """Tabbing through the fields: exactly one field is marked, the one with focus, and its
    input stands out from the others (a compact input alone shows only a cursor)."""
    from game.ui.decisions import NumberField

    app = make_app(content, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        await pilot.press("2")
        seen = 0
        for _ in range(6):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            marked = [f for f in app.screen.query(NumberField) if f.has_class("-focused")]
            if isinstance(focused, Input) and isinstance(focused.parent, NumberField):
                assert marked == [focused.parent]
                others = [f.input for f in app.screen.query(NumberField)
                          if f is not focused.parent and f.display]
                assert all(o.styles.background != focused.styles.background for o in others)
                seen += 1
            else:
                assert marked == []
        assert seen >= 3  # the tabbing went through fields, not only the tab bar


def test_each_legend_names_its_line_in_the_lines_colour() -> None:
    """The legends drawn under the charts use Rich's name of the very ANSI colour plotext draws
    the line in (plotext's "yellow" is no ANSI colour; its "orange" is ANSI yellow)."""
    from plotext._dict import color_codes
    from rich.color import Color

    from game.ui.charts import RICH_NAMES, SERIES_COLOURS

    for name in (*SERIES_COLOURS, "white", "blue", "cyan"):  # the fan chart's too
        assert Color.parse(RICH_NAMES.get(name, name)).number == color_codes[name], name


async def test_the_load_dialog_says_which_saves_verify_and_restores_a_damaged_one(
        content, tmp_path) -> None:
    """Each save replayed in the background: a good one marked verified and pickable, an edited
    one marked and not pickable, a damaged one with a .bak restored by r."""
    from textual.widgets import OptionList

    from game.session.store import save_game

    good = Game(content, DEFAULT_SCENARIO, seed=1, lab="Good Labs")
    good.end_quarter(auto_choose=True)
    good_path = save_game(good, tmp_path)
    edited = Game(content, DEFAULT_SCENARIO, seed=2, lab="Edited Labs")
    edited.end_quarter(auto_choose=True)
    edited_path = save_game(edited, tmp_path)
    edited_path.write_text(edited_path.read_text().replace("price = 1.0", "price = 1.5", 1))
    broken = Game(content, DEFAULT_SCENARIO, seed=3, lab="Broken Labs")
    broken_path = save_game(broken, tmp_path)
    broken.end_quarter(auto_choose=True)
    save_game(broken, tmp_path)  # the first version is now the .bak
    broken_path.write_text("garbage = [\n")
    app = FrontierLab(content, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saves = app.screen.query_one("#saves", OptionList)
        prompts = {saves.get_option_at_index(i).id: plain(saves.get_option_at_index(i).prompt)
                   for i in range(saves.option_count)}
        assert "verified ✓" in prompts[str(good_path)]
        assert not saves.get_option(str(good_path)).disabled
        assert "EDITED:" in " ".join(prompts[str(edited_path)].split())
        assert saves.get_option(str(edited_path)).disabled
        assert "restores broken-labs.ipo-window.toml.bak" in " ".join(
            prompts[str(broken_path)].split())
        saves.highlighted = saves.get_option_index(str(broken_path))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saves = app.screen.query_one("#saves", OptionList)
        restored = plain(saves.get_option(str(broken_path)).prompt)
        assert "verified ✓" in restored and "0 quarters played" in restored
        assert (tmp_path / ".broken-labs.ipo-window.toml.damaged").read_text() == "garbage = [\n"


async def test_a_second_run_is_refused_as_typed_unless_the_first_is_cancelled(content,
                                                                              tmp_path) -> None:
    """Beside 'Start run': the run in progress, and a second run refused as typed; ticking
    'Cancel the run' lets the new one start the same quarter (the engine cancels, then starts)."""
    from textual.widgets import Checkbox

    from game.ui.decisions import NumberField

    app = make_app(content, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_main(pilot, app)
        game = game_screen(app).game
        assert float(game.state.run_target[0]) > 0  # the scenario starts with a run under way
        await pilot.press("4")
        start = app.screen.query_one("#field-start-run-flop", NumberField)
        hint = start.query_one(".hint", Static)
        assert "% done" in str(hint.content)
        start.input.value = "3e27"
        await pilot.pause()
        assert "a run is in progress" in str(hint.content)  # beside the field, as typed
        cancel = app.screen.query_one("#cancel-run", Checkbox)
        assert not cancel.disabled
        cancel.value = True
        await pilot.pause()
        assert "in progress" not in str(hint.content)
        await play_quarter(pilot, app)
    assert game.log[0].plan["cancel_run"] is True and game.log[0].plan["start_run_flop"] == 3e27
    assert float(game.state.run_target[0]) == 3e27  # the old run gone, the new one under way


def test_cash_after_the_plan_counts_new_leases_and_staff_and_the_round_cap(content) -> None:
    from game.engine.params import HOURS_PER_QUARTER
    from game.ui.consequences import finance_summary, round_cap

    game = Game(content, DEFAULT_SCENARIO, seed=5, lab="Sums")
    s, fp = game.state, game.params.finance
    orders = np.zeros((1, len(game.econ.gpu_names)))
    added = (1e6 * float(s.rental_price[0]) * HOURS_PER_QUARTER / 1e9
             + 1000 * fp.staff_cost_per_head_year / 4)
    text = " ".join(plain(finance_summary(game, orders, 0.0, 0.0, 0.0, lease=1e6,
                                          hire=1000)).split())
    assert f"last quarter's burn {'+'}{money(added)} for the new leases and staff" in text
    assert f"{money(float(s.burn[0]) + added)} a quarter" in text
    capped = min(1e4, round_cap(game))  # as the Finance tab passes a raise of $10,000B
    text = " ".join(plain(finance_summary(game, orders, 0.0, capped, 0.0)).split())
    assert f"→ {money(float(s.cash[0]) + round_cap(game))}" in text


async def test_the_countdowns_stay_in_view_when_the_overview_scrolls(content, tmp_path) -> None:
    from textual.containers import VerticalScroll

    from game.ui.dashboard import WatchLine

    app = make_app(content, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_main(pilot, app)
        watch = app.screen.query_one(WatchLine)
        top = watch.region.y
        scroll = app.screen.query_one("#overview-scroll", VerticalScroll)
        scroll.scroll_end(animate=False)
        await pilot.pause()
        assert scroll.scroll_y > 0  # it did scroll, at 80×24
        assert watch.region.y == top and watch.region.height > 0
        assert "Board: sentiment" in str(watch.render())
