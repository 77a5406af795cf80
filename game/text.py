"""Text from outside the code — a player, a save file, a pack — made safe to show.

Such text is always shown as written: the terminal game never reads it as markup (a lab called
``[/b]`` is a lab called ``[/b]``), and ``printable`` removes the control characters that would
otherwise reach the terminal (an escape sequence in a lab name could recolour or clear it). Line
breaks and tabs stay.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters (newlines and tabs kept)."""
    return _CONTROL.sub("", text)
