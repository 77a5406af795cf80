"""What goes wrong with a save, said in one sentence.

Every part of the saves (the record, its TOML text, migrating, reading, writing, the folder)
reports a problem as a ``SaveError``: one line naming the file (and the line and column, when
they are known), then what is wrong and what to do. A key or a file name may hold a newline or
another control character; it is shown as an escape, so the message stays one line. A key is
named by its path as TOML's reader sees it (``log[3].plan.price``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


class SaveError(Exception):
    """A save that cannot be read or written; ``str()`` is one line naming the file."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 col: int | None = None) -> None:
        self.message = message
        self.path = None if path is None else Path(path)
        self.line = line
        self.col = col
        if path is None:
            super().__init__(_one_line(message))
            return
        where = str(path)
        if line is not None:
            where += f":{line}" + (f":{col}" if col is not None else "")
        super().__init__(_one_line(f"{where}: {message}"))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Control characters (a key or file name may hold a newline) shown as escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def damaged(path: Path) -> str:
    """What to do about a save that cannot be read: the previous version, if there is one."""
    bak = path.with_name(path.name + ".bak")
    if not path.name.endswith(".bak") and bak.is_file():
        return (f"the save is damaged or was edited; its previous version is {bak.name} "
                f"(copy it over {path.name} to go back to it)")
    return "the save is damaged or was edited; the file was left as it is"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def keypath(loc: tuple[Any, ...]) -> str:
    """('quarters', 3, 'plan', 'price') -> 'quarters[3].plan.price', as TOML's reader sees it."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = str(part) if _BARE_KEY.fullmatch(str(part)) else json.dumps(
                str(part), ensure_ascii=False)  # TOML's quoted keys escape as JSON does
            out += f".{key}" if out else key
    return out


def where(loc: tuple[Any, ...]) -> str:
    """The key path and a colon, to begin a message; nothing for the document as a whole."""
    return f"{keypath(loc)}: " if loc else ""
