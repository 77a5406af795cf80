"""Event texts render with live, formatted numbers (what the player reads)."""

from __future__ import annotations

import re

from game.engine import compile_economy, initial_state
from game.packs import load_content
from game.packs.names import format_value, render_text


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
