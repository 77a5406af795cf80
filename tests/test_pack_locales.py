"""Languages (game.packs.locales): locales/<lang>.toml translates a pack's text, checked like any
pack file, shown in a real game and in the terminal, falling back key by key to the pack's own
text, and never changing what a game plays or how its save verifies."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Label, OptionList, Static

from game.cli import build_parser, main
from game.commands.serve import command_for
from game.engine import Plan
from game.packs import check, load_content
from game.packs.locales import LANG_ENV, fallbacks, language, language_note
from game.packs.reading import read_packs
from game.session.game import Game
from game.session.store import load_game, save_game, to_save, verify
from game.ui.app import FrontierLab
from game.ui.modals import EventModal, NoticeModal

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "base_fr"

EVENTS = '''[[event]]
id = "lang.offer"
title = "A buyer calls"
text = "A buyer offers {cash:$B.1} for your lab, whose share is {share}."
category = "investors"
trigger = "true"
scripted = true

[[event.choices]]
label = "Sell"
note = "You keep {share:%.1} of nothing."
effects = [{ type = "add", target = "cash", value = "1" }]

[[event.choices]]
label = "Refuse"
note = "Nothing changes."
'''

FRENCH = '''[event."lang.offer"]
title = "Un acheteur appelle"
text = "Un acheteur offre {cash:$B.2} pour votre labo."
choices = [{ label = "Vendre" }, { note = "Rien ne change." }]

[concept.lang_offer]
term = "Offre de rachat"

[scenario.lang-trial]
title = "L'essai"
hints = ["Un conseil."]
'''


def write(root: Path, pack_id: str = "lang", locales: dict[str, str] | None = None,
          manifest: str = "", events: str = EVENTS) -> Path:
    """A pack with one scripted event (in the first quarter of its own scenario), a concept,
    and the locale files given."""
    folder = root / pack_id
    (folder / "events").mkdir(parents=True)
    (folder / "scenarios").mkdir()
    (folder / "pack.toml").write_text(f'id = "{pack_id}"\nname = "{pack_id}"\n'
                                      f'version = "0.1.0"\ndepends = ["base"]\n{manifest}')
    if events:
        (folder / "events" / "e.toml").write_text(events.replace("lang.", f"{pack_id}."))
        (folder / "glossary.toml").write_text(
            f'[[concept]]\nid = "{pack_id}_offer"\nterm = "Buyout offer"\n'
            'definition = "An offer to buy the lab."\nwhy_it_matters = "It ends the game."\n')
        scenario = (ROOT / "content/base/scenarios/tutorial.toml").read_text()
        scenario = scenario.replace('id = "tutorial"', f'id = "{pack_id}-trial"', 1)
        scenario = scenario.replace('event = "base.viral_launch"', f'event = "{pack_id}.offer"')
        scenario = scenario.replace("quarter = 1 ", "quarter = 0 ", 1)
        (folder / "scenarios" / "trial.toml").write_text(scenario)
    if locales:
        (folder / "locales").mkdir()
        for lang, text in locales.items():
            (folder / "locales" / f"{lang}.toml").write_text(text)
    return folder


def problems(folders: list[Path], root: Path) -> list[str]:
    return [str(p).replace(f"{root}/", "") for p in check(folders)]


def first_quarter(content, scenario: str = "lang-trial") -> Game:
    game = Game(content, scenario, 5)
    assert any(p.id.endswith(".offer") for p in game.pending), "the scripted event happens"
    return game


# --- a game in French ---------------------------------------------------------------------------


def test_a_french_game_shows_the_translation_and_english_where_it_has_none(tmp_path) -> None:
    """The title, text, a label, a note, the concept, the scenario's title and hint are French;
    what fr.toml leaves out (a label, a note) is the pack's own English, key by key."""
    content = load_content([write(tmp_path, locales={"fr": FRENCH})])
    game = first_quarter(content.translated("fr"))
    event = next(p for p in game.pending if p.id == "lang.offer")
    cash = float(game.state.cash[0])
    assert event.title == "Un acheteur appelle"
    assert event.text == f"Un acheteur offre ${cash:,.2f}B pour votre labo."
    assert [c.label for c in event.choices] == ["Vendre", "Refuse"]  # the second: English
    share = float(game.state.share[0])
    assert [c.note for c in event.choices] == [f"You keep {share:.1%} of nothing.",
                                               "Rien ne change."]
    assert game.content.glossary["lang_offer"].term == "Offre de rachat"
    assert game.content.glossary["lang_offer"].definition == "An offer to buy the lab."
    assert game.scenario.title == "L'essai" and game.scenario.hints[0].text == "Un conseil."
    assert game.scenario.hints[1].text.startswith("Allocation:")  # not translated
    english = next(p for p in first_quarter(content).pending if p.id == "lang.offer")
    assert english.title == "A buyer calls" and english.choices[0].label == "Sell"


def test_the_example_translation_pack_validates_and_plays_in_french() -> None:
    """docs/examples/base_fr translates the base pack's tutorial; it validates clean, and the
    tutorial's first scripted event (2026Q2) and its hint show in French."""
    assert check([EXAMPLE]) == []
    content = load_content([EXAMPLE]).translated("fr")
    assert content.scenarios["tutorial"].title == "Tutoriel : vos premiers trimestres"
    game = Game(content, "tutorial", 21)
    game.end_quarter(auto_choose=True)
    viral = next(p for p in game.pending if p.id == "base.viral_launch")
    assert viral.title == "Une fonction devient virale"
    assert f"vos {float(game.state.capacity[0]):,.0f} équivalents H100" in viral.text
    assert content.glossary["spot_capacity"].term == "Capacité spot"
    assert content.glossary["runway"].term == "Runway"  # base_fr leaves it in English


def test_a_language_falls_back_to_its_parent_then_to_english(tmp_path, monkeypatch) -> None:
    """pt-BR reads pt where it has nothing of its own; --lang wins over $FRONTIER_LAB_LANG; the
    system's $LANG is not read; a language nobody translates into is said, in one sentence."""
    pt = FRENCH.replace('"Un acheteur appelle"', '"Um comprador liga"')
    br = '[event."lang.offer"]\ntext = "Um comprador oferece {cash}."\n'
    content = load_content([write(tmp_path, locales={"pt": pt, "pt-BR": br})])
    shown = next(p for p in first_quarter(content.translated("pt-BR")).pending
                 if p.id == "lang.offer")
    assert shown.title == "Um comprador liga" and shown.text.startswith("Um comprador oferece $")
    assert fallbacks("pt-BR") == ["pt-BR", "pt"]
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.delenv(LANG_ENV, raising=False)
    assert language(None) is None
    monkeypatch.setenv(LANG_ENV, "pt")
    assert language(None) == "pt" and language("de") == "de" and language("en") is None
    assert language_note(content.locales, "pt-BR") is None
    assert language_note(content.locales, "de") == (
        "no pack translates into 'de' (languages: pt, pt-BR); the packs' text shows as written, "
        "in English")


async def test_the_event_dialog_shows_the_translation_as_written(tmp_path) -> None:
    """In the terminal game, the event dialog shows fr.toml's title, text and labels, its
    markup as written (a translation is pack text: [@click=app.quit] is not a link)."""
    hostile = FRENCH.replace('"Un acheteur appelle"', '"[@click=app.quit]Quitter[/] [b]Offre"')
    hostile = hostile.replace('"Vendre"', '"[link=https://e.x]Vendre[/link]"')
    content = load_content([write(tmp_path, locales={"fr": hostile})]).translated("fr")
    (tmp_path / "saves").mkdir()
    app = FrontierLab(content, tmp_path / "saves", game=Game(content, "lang-trial", 5))
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(600):  # the quarter's other events first, answered with enter
            if isinstance(app.screen, EventModal) and app.screen.event.id == "lang.offer":
                break
            if isinstance(app.screen, EventModal | NoticeModal):
                await pilot.press("enter")
            await pilot.pause(0.01)
        assert isinstance(app.screen, EventModal) and app.screen.event.id == "lang.offer"
        console = Console(width=200, record=True, file=open(os.devnull, "w"),  # noqa: SIM115
                          color_system=None)
        for widget in [*app.screen.query(Label), *app.screen.query(Static)]:
            console.print(widget.content)
        options = app.screen.query_one(OptionList)
        for i in range(options.option_count):
            console.print(options.get_option_at_index(i).prompt)
        said = console.export_text()
        assert "[@click=app.quit]Quitter[/] [b]Offre" in said
        assert "Un acheteur offre $" in said and "pour votre labo." in said
        assert "[link=https://e.x]Vendre[/link]" in said and "Refuse" in said
        await pilot.click("Label")  # clicking the title quits nothing
        await pilot.pause()
        assert app.is_running


def test_the_app_and_the_commands_load_the_language_asked_for(tmp_path, monkeypatch,
                                                                capsys) -> None:
    """play --lang (and serve's tabs) reach the content the game shows; a language nobody
    translates into is said on stderr and the game is in English."""
    folder = write(tmp_path, locales={"fr": FRENCH})
    app = FrontierLab(None, tmp_path, packs=[folder], lang="fr")
    assert app.content.lang == "fr"
    assert app.content.scenarios["lang-trial"].title == "L'essai"
    monkeypatch.setenv(LANG_ENV, "fr")
    assert FrontierLab(None, tmp_path, packs=[folder]).content.lang == "fr"
    args = build_parser().parse_args(["play", "--lang", "pt-BR"])
    assert args.lang == "pt-BR"
    assert build_parser().parse_args(["serve", "--lang", "fr"]).lang == "fr"
    assert command_for(Path("/c"), None, None, lang="fr").endswith("--lang fr")
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["play", "--lang", "../fr"])
    assert stop.value.code == 2
    from game.commands.console import load_packs

    args = build_parser().parse_args(["simulate", "--pack", str(folder)])
    args.lang = "de"
    assert load_packs(args).lang == "de"
    assert "no pack translates into 'de' (languages: fr)" in capsys.readouterr().err


# --- checked like any pack file -----------------------------------------------------------------

BAD = '''[event."lang.ofer"]
title = "x"

[event."lang.offer"]
title = "Offre {cash}"
text = "Offre {debt} et {cahs} et {cash:pct}"
titel = "y"
choices = [{ label = "a" }, { note = "b {share}" }, { label = "c" }]

[event.lang.offer]
title = "z"

[concept.lang_ofer]
term = "t"

[scenario.lang-trial]
briefing = "b"
hints = ["1", "2", "3", "4", "5", "6", "7"]

[scenarios.x]
title = "t"
'''


def test_every_problem_of_a_locale_is_reported_at_its_line(tmp_path) -> None:
    """Unknown ids (with "did you mean"), unknown keys, placeholders the original lacks or no
    state has, a placeholder in a title, too many choices or hints, a note the original has not,
    an unquoted event id, a file not named by a language, English as a locale."""
    folder = write(tmp_path, locales={"fr": BAD, "French": "", "en": ""})
    said = problems([folder], tmp_path)
    expected = [
        "lang/locales/French.toml: a locale file is named by its language's code, e.g. "
        "locales/fr.toml or locales/pt-BR.toml",
        "lang/locales/en.toml: English is the language of the pack's own files: write it there",
        "lang/locales/fr.toml:1:1: unknown event 'lang.ofer' (did you mean 'lang.offer'?)",
        "lang/locales/fr.toml:7:1: unknown key 'event.lang.offer.titel' (did you mean 'title'?)",
        "lang/locales/fr.toml:10:1: 'event.lang.offer' reads as tables within tables: quote the "
        "event id, [event.\"lang.offer\"]",
        "lang/locales/fr.toml:13:1: unknown concept 'lang_ofer' (did you mean 'lang_offer'?)",
        "lang/locales/fr.toml:18:1: scenario 'lang-trial': 'hints' has 7 texts; the original "
        "has 6",
        "lang/locales/fr.toml:20:1: unknown key 'scenarios' (did you mean 'scenario'?)",
    ]
    for line in expected:
        assert line in said, (line, said)
    assert len(said) == len(expected), said
    fixed = BAD.replace('titel = "y"\n', "")
    (folder / "locales" / "fr.toml").write_text(fixed)
    for name in ("French", "en"):
        (folder / "locales" / f"{name}.toml").unlink()
    said = problems([folder], tmp_path)
    expected = [
        "lang/locales/fr.toml:5:1: event 'lang.offer': '{cash}' in its title would show as "
        "written",
        "lang/locales/fr.toml:6:1: event 'lang.offer': placeholder '{debt}' in its text is not "
        "in the original (which has {cash}, {share})",
        "lang/locales/fr.toml:6:1: event 'lang.offer': unknown placeholder '{cahs}' in its text "
        "(did you mean 'cash'?)",
        "lang/locales/fr.toml:6:1: event 'lang.offer': unknown format 'pct' in '{cash:pct}'",
        "lang/locales/fr.toml:7:1: event 'lang.offer': the event has 2 choices; 'choices' has 3",
        "lang/locales/fr.toml:7:1: event 'lang.offer': placeholder '{share}' in choices[1].note "
        "is not in the original (which has none)",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in said), (start, said)
    # and the five of the first round that are not the entry's (ids, the unquoted id, hints)
    assert len(said) == len(expected) + 5, said


def test_a_note_the_original_lacks_and_a_briefing_it_lacks_are_refused(tmp_path) -> None:
    events = EVENTS.replace('note = "Nothing changes."\n', 'effects = [{ type = "add", '
                            'target = "sentiment", value = "1" }]\n')
    text = ('[event."lang.offer"]\nchoices = [{}, { note = "Rien." }]\n'
            '[scenario.lang-trial]\nbriefing = "x"\nscore_description = "y"\n')
    folder = write(tmp_path, locales={"fr": text}, events=events)
    scenario = folder / "scenarios" / "trial.toml"
    data = scenario.read_text()
    start = data.index('briefing = """')
    scenario.write_text(data[:start] + data[data.index('"""', start + 14) + 3:])
    said = problems([folder], tmp_path)
    assert said == [
        "lang/locales/fr.toml:2:1: event 'lang.offer': choices[1] has no note in the original "
        "to translate",
        "lang/locales/fr.toml:4:1: scenario 'lang-trial': the original has no briefing to "
        "translate"], said
    scenario.write_text(data)
    assert problems([folder], tmp_path) == said[:1]


def test_packs_translating_one_text_need_an_order(tmp_path) -> None:
    """Two packs translating the same text into one language with no order between them is a
    conflict (listed by `packs list`); with load_after the later pack's text shows."""
    ours = write(tmp_path, locales={"fr": FRENCH})
    theirs = write(tmp_path, "other", events="",
                   locales={"fr": '[event."lang.offer"]\ntitle = "Un autre titre"\n'})
    (theirs / "pack.toml").write_text((theirs / "pack.toml").read_text().replace(
        'depends = ["base"]', 'depends = ["base", "lang"]'))
    assert check([ours, theirs]) == []  # depends: an order
    content = load_content([ours, theirs])
    assert content.translated("fr").events[-1].event.title == "Un autre titre"
    (theirs / "pack.toml").write_text((theirs / "pack.toml").read_text().replace(
        'depends = ["base", "lang"]', 'depends = ["base"]'))
    said = problems([ours, theirs], tmp_path)
    assert said == ["other/locales/fr.toml:1:1: conflict: pack 'lang' also translates event "
                    "'lang.offer' into fr and neither pack loads after the other; add "
                    "load_after to one of them"], said
    manifest = theirs / "pack.toml"
    manifest.write_text(manifest.read_text() + 'load_after = ["lang"]\n')
    assert check([ours, theirs]) == []
    assert main(["packs", "list", str(ours), str(theirs)]) == 0


def test_a_translation_of_a_replaced_event_is_allowed_and_unused(tmp_path) -> None:
    """A French pack for base still loads beside a pack that replaces one of base's events."""
    french = write(tmp_path, "base_fr", events="", locales={
        "fr": '[event."base.vendor_deal_review"]\ntitle = "Revoir l\'accord"\n'})
    replacing = write(tmp_path, "swap", events=EVENTS.replace(
        'id = "lang.offer"', 'id = "lang.offer"\nreplaces = "base.vendor_deal_review"'))
    assert problems([french, replacing], tmp_path) == []


# --- what is missing -----------------------------------------------------------------------------


def test_validate_counts_and_lists_the_missing_texts(tmp_path, capsys) -> None:
    """`packs validate` says how much each language translates of each pack it touches;
    `--lang fr` lists each missing text as the key a translator writes; exit 0 either way."""
    folder = write(tmp_path, locales={"fr": FRENCH})
    assert main(["packs", "validate", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok: 2 packs (base, lang)")
    assert out[1:] == ["fr: lang, 7 of 23 texts translated (16 missing: packs validate --lang "
                       "fr lists them)"]
    assert main(["packs", "validate", str(folder), "--lang", "fr"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "fr: base, none of its 823 texts translated",
        "fr: lang, 7 of 23 texts translated; missing:",
        '  event."lang.offer".choices[0].note',
        '  event."lang.offer".choices[1].label',
        "  concept.lang_offer.definition",
        "  concept.lang_offer.why_it_matters",
        "  scenario.lang-trial.briefing",
        "  scenario.lang-trial.score_description",
        *(f"  scenario.lang-trial.objectives[{i}]" for i in range(5)),
        *(f"  scenario.lang-trial.hints[{i}]" for i in range(1, 6)),
    ]
    assert main(["packs", "validate", str(folder), "--lang", "de"]) == 0
    assert "de: no pack translates into 'de' (languages: fr)" in capsys.readouterr().out


# --- a language changes only what text shows -----------------------------------------------------


def test_french_and_english_play_and_verify_the_same(tmp_path) -> None:
    """Same seed and decisions in French and in English: the same log, history and score;
    the same content stamps; a save made in French verifies in English and the other way,
    and a game loaded in French keeps its language."""
    folder = write(tmp_path, locales={"fr": FRENCH})
    english = load_content([folder])
    french = english.translated("fr")
    assert french.fingerprint() == english.fingerprint()
    games = []
    for content in (french, english):
        game = Game(content, "lang-trial", 11)
        while game.running:
            for p in game.pending:  # the player's answers: sell, and the last open choice
                if p.needs_choice:
                    game.choose(p.id, 0 if p.id == "lang.offer" else
                                [c.index for c in p.choices if c.available][-1])
            game.submit(Plan(price=1.2, training=0.2, inference=0.6, research=0.2))
            game.end_quarter()
        games.append(game)
    fr_game, en_game = games
    assert fr_game.history == en_game.history and fr_game.score == en_game.score
    # the "Why?" ledger names the event in the game's language, with the same numbers
    fr_cash, en_cash = fr_game.ledgers[0].entries["cash"], en_game.ledgers[0].entries["cash"]
    assert "Un acheteur appelle" in fr_cash and "A buyer calls" in en_cash
    assert fr_cash["Un acheteur appelle"] == en_cash["A buyer calls"]
    assert [r.events for r in fr_game.log] == [r.events for r in en_game.log]
    fr_save, en_save = to_save(fr_game), to_save(en_game)
    assert fr_save.packs == en_save.packs
    assert [r.seal for r in fr_save.log] == [r.seal for r in en_save.log]
    saves = tmp_path / "saves"
    path = save_game(fr_game, saves)
    assert verify(path, english).verified
    assert verify(path, french).verified
    assert load_game(path, french).content.lang == "fr"


def test_a_locale_file_is_part_of_its_packs_content_hash(tmp_path) -> None:
    """A save records the text it was played with (the archive keeps it); the language chosen
    is no part of the hash."""
    folder = write(tmp_path, locales={"fr": FRENCH})
    before = read_packs([folder], [])["lang"].content_hash
    (folder / "locales" / "fr.toml").write_text(FRENCH.replace("L'essai", "L'épreuve"))
    after = read_packs([folder], [])["lang"].content_hash
    assert before != after
    content = load_content([folder])
    assert content.translated("fr").fingerprint() == content.fingerprint()


def test_the_locale_schema_names_every_key() -> None:
    """schemas/locale.schema.json (the editors' schema) knows the three tables and their keys."""
    import json

    schema = json.loads((ROOT / "schemas" / "locale.schema.json").read_text())
    assert set(schema["properties"]) == {"event", "concept", "scenario"}
    assert set(schema["$defs"]["EventText"]["properties"]) == {"title", "text", "choices"}
    tomllib.loads((EXAMPLE / "locales" / "fr.toml").read_text())
