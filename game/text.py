"""Text for a person: numbers as a player reads them ($37.2B, 350k, ∞), and text from outside the
code — a player, a save file, a pack — made safe to show.

The screens, the rules' sentences and the command line all say a number the same way.

Such text is always shown as written: the terminal game never reads it as markup (a lab called
``[/b]`` is a lab called ``[/b]``), and ``printable`` removes the control characters that would
otherwise reach the terminal (an escape sequence in a lab name could recolour or clear it). Line
breaks and tabs stay.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters (newlines and tabs kept)."""
    return _CONTROL.sub("", text)


def money(x: float) -> str:
    """$B amounts: '$37.2B', '−$1.4B', '$1.25T'."""
    if not math.isfinite(x):
        return "—"
    sign = "−" if x < 0 else ""
    x = abs(x)
    if x >= 1000:
        return f"{sign}${x / 1000:,.2f}T"
    if x < 0.1 and x > 0:
        return f"{sign}${x * 1000:,.0f}M"
    return f"{sign}${x:,.1f}B"


def runway(quarters: float) -> str:
    if not math.isfinite(quarters) or quarters >= 99:
        return "∞"
    return f"{quarters:.0f}q"


def count(x: float) -> str:
    """Large counts: '4.1T', '82B', '1.2M', '350k', '900'."""
    if x >= 1e12:
        return f"{x / 1e12:,.1f}T"
    if x >= 1e9:
        return f"{x / 1e9:,.1f}B"
    if x >= 1e6:
        return f"{x / 1e6:,.1f}M"
    if x >= 1e4:
        return f"{x / 1e3:,.0f}k"
    return f"{x:,.0f}"


def signed(x: float, unit: str = "") -> str:
    sign = "+" if x > 0 else "−" if x < 0 else "±"
    return f"{sign}{abs(x):,.1f}{unit}"


def flop(x: float) -> str:
    """FLOP as 2.0e27."""
    return f"{x:.1e}".replace("e+", "e")


def signed_money(x: float) -> str:
    """A change in $B with its sign: '+$1.2B', '−$0.4B'."""
    return ("+" if x > 0 else "") + money(x) if x else "±$0.0B"


def money_range(low: float, high: float) -> str:
    """A range of $B amounts with the unit once: '$1.20T–1.40T', '$850.0B–$1.02T'."""
    lo, hi = money(low), money(high)
    if lo[-1] == hi[-1] and lo.startswith("$") and hi.startswith("$"):
        return f"{lo[:-1]}–{hi[1:]}"
    return f"{lo}–{hi}"


# The IPO stages (game.engine.state.IPO_STAGES) as a player reads them.
IPO_WORDS = {"none": "not filed", "filed": "filed", "book": "book open", "listed": "listed"}


_ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/])~?(?:/[^\s/'\"`]+)+/?")


def without_paths(text: str, folder: Path | None = None) -> str:
    """``text`` with no path of this machine in it, for a player on another one (a class's
    browser tab): a path inside ``folder`` becomes its path within it, any other absolute path
    its last part (``/srv/lab/period3/nova.toml``, ``~/logs/crash.log`` → ``nova.toml``,
    ``crash.log``)."""
    if folder is not None:
        for base in {str(folder.absolute()), str(folder.resolve())}:
            text = text.replace(base.rstrip("/") + "/", "")
    return _ABSOLUTE_PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def short_path(path: Path) -> str:
    """A path as a person reads it: relative to the working directory when inside it, with
    ``~`` for the home directory, else as it is."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        pass
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except (ValueError, RuntimeError):  # RuntimeError: no home directory to be found
        return str(path)
