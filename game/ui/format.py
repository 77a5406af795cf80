"""Text on the screen from outside the code: shown as written (numbers are game.text's)."""

from __future__ import annotations

from rich.text import Text

from game.text import printable


def plain(text: str, style: str = "") -> Text:
    """Text from a player, a save or a pack, shown as written: never read as markup, and without
    the control characters that would reach the terminal (game.text)."""
    return Text(printable(text), style=style)
