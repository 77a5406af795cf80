"""A save as TOML text: the record written as a document, and a document parsed back.

Writing checks the record again (it may have been changed in place since it was built), so what
is written always reads back as the same save, with its values in their exact TOML forms
(``game.session.saves.values``). Every save ends with an ``[end]`` table repeating the number of
quarters, so a file cut short anywhere (copied in part, a full disk elsewhere) is refused rather
than read as a shorter game. Parsing turns anything tomllib refuses into one ``SaveError``, with
the line and column when tomllib gives them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from game.session.saves.errors import SaveError, damaged, where
from game.session.saves.record import SaveFile, first_problem
from game.session.saves.values import int_out, plan_out, time_out

# --- writing ------------------------------------------------------------------------------


def _toml_data(save: SaveFile) -> dict[str, Any]:
    """The save as the TOML document holds it: big integers encoded, times in UTC with Z."""
    data = save.model_dump()
    data["seed"] = int_out(data["seed"])
    data["created"] = time_out(data["created"])
    data["updated"] = time_out(data["updated"])
    for record in data["log"]:
        if not record["dev"]:  # (the console's changes: only in a developer's game)
            del record["dev"]
        record["quarter"] = int_out(record["quarter"])
        record["plan"] = {k: plan_out(v) for k, v in record["plan"].items()}
        for choice in record["choices"]:
            choice["choice"] = int_out(choice["choice"])
    draft = data.pop("draft")
    if draft is not None:  # TOML has no null: a save without a draft has no [draft] table
        draft["plan"] = {k: plan_out(v) for k, v in draft["plan"].items()}
        for choice in draft["choices"]:
            choice["choice"] = int_out(choice["choice"])
        data["draft"] = draft
    for optional in ("signed", "continued_from"):  # (nor a save without them their tables)
        if data[optional] is None:
            del data[optional]
    if "signed" in data and data["signed"]["student"] is None:  # (a class without a roster)
        del data["signed"]["student"]
    return data


def dump_save(save: SaveFile, path: Path | str = "<save>") -> str:
    """The text of a save file. Raises SaveError (naming ``path``) for a save that would not read
    back: a NaN, an infinity, or anything else its model refuses."""
    path = Path(path)
    # Validate again: a SaveFile can be changed in place after it was built
    # (history[3]["cash"] = nan), and what is written must read back as the same save.
    try:
        checked = SaveFile.model_validate(save.model_dump())
    except ValidationError as exc:
        loc, what = first_problem(exc)
        raise SaveError(f"not saved: {where(loc)}{what} — the game holds a value a save "
                        "cannot keep (a bug worth reporting)", path) from None
    text = tomli_w.dumps(_toml_data(checked))
    # The closing table: a file cut short anywhere before its last line lacks it or disagrees
    # with it (a digit cut from "quarters = 20" reads 2), so truncation is never silent.
    return f"{text}\n[end]\nquarters = {checked.quarters}\n"


# --- reading ------------------------------------------------------------------------------


_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_AT_END = re.compile(r"\s*\(at end of document\)")


def parse_save(path: Path, text: str) -> dict[str, Any]:
    """The TOML document in ``text`` (read from ``path``), big integers still encoded."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
        else:
            line = text.count("\n") + 1
            col = len(text) - text.rfind("\n")
        msg = _AT_END.sub("", _AT.sub("", msg))
        raise SaveError(f"not valid TOML ({msg}) — {damaged(path)}", path, line, col) \
            from None
    except ValueError as exc:  # an integer of thousands of digits, refused by int()
        raise SaveError(f"not a save ({str(exc).split(':')[0]}) — {damaged(path)}", path) \
            from None
    except RecursionError:
        raise SaveError(f"not a save (nested too deeply) — {damaged(path)}", path) from None


def check_end(path: Path, data: dict[str, Any], text: str) -> None:
    """Take the ``[end]`` table out of ``data``; SaveError unless it agrees with the log."""
    end = data.pop("end", None)
    if end is None:
        raise SaveError("the save is cut off (it lacks the [end] table every save closes "
                        f"with) — {damaged(path)}", path)
    quarters = end.get("quarters") if isinstance(end, dict) else None
    if not isinstance(end, dict) or set(end) != {"quarters"} or isinstance(quarters, bool) \
            or not isinstance(quarters, int):
        raise SaveError(f"end: expected a table holding quarters = <whole number> — "
                        f"{damaged(path)}", path)
    played = data.get("log", [])
    if isinstance(played, list) and quarters != len(played):
        line = next((n for n, raw in enumerate(text.splitlines(), 1)
                     if raw.strip().startswith("[end]")), None)
        raise SaveError(f"[end] says {quarters} quarters but the file has {len(played)}: the "
                        f"save is cut off or was edited — {damaged(path)}", path, line)
