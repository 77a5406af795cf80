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
