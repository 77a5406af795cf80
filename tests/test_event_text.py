"""Event texts render with live, formatted numbers (what the player reads)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from game.engine import compile_economy, initial_state
from game.packs import check, load_content, placeholders
from game.packs.names import format_value, render_text
from game.session.game import Game


def test_every_base_event_text_renders_completely() -> None:
    """No placeholder is left unreplaced, and no raw float leaks into the text."""
    content = load_content()
    params = content.params("ipo-window")
    econ = compile_economy(params)
    state = initial_state(params, 3)
    for ce in content.events:
        for text in (ce.event.title, ce.event.text):
            out = render_text(text, state, econ, content.names, world=2)
            assert "{" not in out and "}" not in out, (ce.id, out)
            assert not re.search(r"\d\.\d{4,}", out), (ce.id, out)


def test_values_are_formatted_by_unit() -> None:
    """Money in $B or $T, shares as percentages, multiples with ×, counts with separators."""
    assert format_value("$B", 37.25) == "$37.2B"
    assert format_value("$B", -1.5) == "−$1.5B"
    assert format_value("$B", 1520) == "$1.52T"
    assert format_value("%", 0.412) == "41%"
    assert format_value("x", 2.5) == "2.50×"
    assert format_value("int", 1227503.4) == "1,227,503"
    assert format_value("", 58.03) == "58"


# --- formatted placeholders: {name:format} -------------------------------------------------------

SAMPLES = {"cash": ("$B", 37.25), "big": ("$B", 1520.0), "debt": ("$B", -1.5),
           "rental_price": ("$", 1.3), "share": ("%", 0.374), "price": ("x", 2.5),
           "capacity": ("int", 427_503.4), "year": ("year", 2027.0), "hype": ("", 0.12),
           "sentiment": ("", 58.03)}


def shown(text: str) -> str:
    return placeholders.render(text, SAMPLES.get)


@pytest.mark.parametrize(("text", "expected"), [
    ("{cash}", "$37.2B"), ("{cash:$B}", "$37.2B"), ("{cash:$B.2}", "$37.25B"),
    ("{cash:$B.0}", "$37B"), ("{big:$B}", "$1.52T"), ("{big:$B.1}", "$1.5T"),
    ("{debt:$B}", "−$1.5B"), ("{rental_price:$}", "$1.30"), ("{rental_price:$.0}", "$1"),
    ("{share:%}", "37%"), ("{share:%.1}", "37.4%"), ("{price:x}", "2.50×"),
    ("{price:x.1}", "2.5×"), ("{capacity:int}", "427,503"), ("{year:year}", "2027"),
    ("{year:int}", "2,027"), ("{hype:plain}", "0.1"), ("{hype:plain.2}", "0.12"),
    ("{sentiment:plain}", "58"), ("{share:plain.3}", "0.374"), ("{cash:%}", "3725%"),
    ("{ share : %.1 }", "37.4%"),
])
def test_every_format_renders(text: str, expected: str) -> None:
    """Each format, with and without decimals, whatever the name's own unit."""
    assert shown(text) == expected
    assert placeholders.FORMATS.keys() == {"$B", "$", "%", "x", "int", "year", "plain"}


def test_doubled_braces_are_literal_braces() -> None:
    """{{ and }} write one brace (Python's rule); a lone brace or an unknown name stays as
    written at run time (the validator reports both)."""
    assert shown("{{cash}}") == "{cash}"
    assert shown("{{{cash}}}") == "{$37.2B}"
    assert shown("a }} b {{ c") == "a } b { c"
    assert shown("{cahs} {cash:pct} { and }") == "{cahs} {cash:pct} { and }"
    start = time.perf_counter()
    assert shown("{a" * 100_000) == "{a" * 100_000  # a stranger's text: linear, however long
    assert shown("{" * 100_001 + "}") == "{" * 50_000 + "{}"
    assert time.perf_counter() - start < 1.0


def test_a_placeholder_format_renders_in_a_real_game(tmp_path: Path) -> None:
    """{cash:$B.2} in an event's text and in a choice's note shows the game's cash with two
    decimals when the event happens; the title is shown as written."""
    folder = tmp_path / "fmt"
    (folder / "events").mkdir(parents=True)
    (folder / "pack.toml").write_text('id = "fmt"\nname = "Fmt"\nversion = "0.1.0"\n'
                                      'depends = ["base"]\n')
    (folder / "events" / "e.toml").write_text('''[[event]]
id = "fmt.e"
title = "Prices {{sic}}"
text = "Cash {cash:$B.2}, share {share:%.1}, {{literal}}."
category = "markets"
mtth_quarters = 1000

[[event.choices]]
label = "Yes"
note = "You would keep {cash:$B.0}."
effects = [{ type = "add", target = "cash", value = "1" }]

[[event.choices]]
label = "No"
note = "Nothing changes."
''')
    content = load_content([folder])
    game = Game(content, "ipo-window", 3)
    game.inject("fmt.e")
    event = next(p for p in game.pending if p.id == "fmt.e")
    cash, share = float(game.state.cash[0]), float(game.state.share[0])
    assert event.text == f"Cash ${cash:,.2f}B, share {share:.1%}, {{literal}}."
    assert event.choices[0].note == f"You would keep ${cash:,.0f}B."
    assert event.title == "Prices {{sic}}"


BAD_TEXT = '''[[event]]
id = "bad.e"
title = "Cash {cash}"
text = """Share {share:pct}, cash {cash:$b}, capacity {capacity:int.1},
share again {share:%.9}, a lone { brace."""
category = "markets"
mtth_quarters = 10

[[event.choices]]
label = "Pay {cash}"
note = "Costs {cahs:%}."
effects = [{ type = "add", target = "cash", value = "1" }]

[[event.choices]]
label = "No"
note = "Nothing {}."
'''


def test_bad_formats_are_reported_at_their_line_with_a_suggestion(tmp_path: Path) -> None:
    """An unknown format (with "did you mean"), decimals where there are none or too many, a
    lone brace, an empty placeholder, an unknown name in a note, a placeholder in a title or
    label: each a problem at file:line."""
    folder = tmp_path / "bad"
    (folder / "events").mkdir(parents=True)
    (folder / "pack.toml").write_text('id = "bad"\nname = "Bad"\nversion = "0.1.0"\n'
                                      'depends = ["base"]\n')
    (folder / "events" / "e.toml").write_text(BAD_TEXT)
    said = [str(p).replace(f"{folder}/", "") for p in check([folder])]
    expected = [
        "events/e.toml:3:1: event 'bad.e': '{cash}' in its title would show as written",
        "events/e.toml:4:1: event 'bad.e': unknown format 'pct' in '{share:pct}' in its text; "
        "the formats are $B, $, %, x, int, year, plain",
        "events/e.toml:4:1: event 'bad.e': unknown format '$b' in '{cash:$b}' in its text "
        "(did you mean '$B'?)",
        "events/e.toml:4:1: event 'bad.e': '{capacity:int.1}' in its text: 'int' is a whole "
        "number, without decimals",
        "events/e.toml:4:1: event 'bad.e': '{share:%.9}' in its text: at most 6 decimals",
        "events/e.toml:4:1: event 'bad.e': a lone '{' in its text (before ' brace.'): write "
        "'{{' for a brace",
        "events/e.toml:10:1: event 'bad.e': '{cash}' in choices[0].label would show as written",
        "events/e.toml:11:1: event 'bad.e': unknown placeholder '{cahs}' in choices[0].note "
        "(did you mean 'cash'?)",
        "events/e.toml:16:1: event 'bad.e': an empty placeholder '{}' in choices[1].note",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in said), (start, said)
    assert len(said) == len(expected), said
