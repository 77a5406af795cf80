"""How a command answers the person at the terminal: the one error they can fix, and JSON.

Every command and the ``frontier-lab`` entry point (game.cli) share these, so a command never
imports the entry point that dispatches to it.
"""

from __future__ import annotations

import json
import sys
from typing import Any


class UserError(Exception):
    """A problem the user can fix; printed as is, exit code 1."""


def emit_json(payload: dict[str, Any]) -> None:
    """One line of JSON on stdout (no NaN: JSON has none)."""
    json.dump(payload, sys.stdout, separators=(",", ":"), allow_nan=False)
    sys.stdout.write("\n")


def load_packs(args: Any) -> Any:
    """The content a command plays with: the shipped packs, ``--pack`` and
    ``$FRONTIER_LAB_PACKS``'s, and every enabled mod that loads (a mod left out is said on
    stderr, a line each), its text in the language chosen (``--lang``,
    ``$FRONTIER_LAB_LANG``)."""
    from game.packs.locales import language, language_note
    from game.packs.sources import load_with_mods
    from game.text import printable

    content, said = load_with_mods(getattr(args, "pack", None) or [],
                                   exactly=getattr(args, "exact_packs", False))
    lang = language(getattr(args, "lang", None))
    note = language_note(content.locales, lang)
    for line in [*said, *([note] if note else [])]:
        sys.stderr.write(f"frontier-lab: {printable(line)}\n")
    return content.translated(lang)
