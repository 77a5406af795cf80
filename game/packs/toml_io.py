"""Reading TOML safely, and finding the line a key was written on.

tomllib gives no positions for values, so ``locate`` finds a dotted key path by scanning the
source: the table header (``[market]``, ``[[gpu]]`` n-th occurrence) and then the key inside it.
It returns None rather than guess.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from game.packs.errors import ContentError, Problem

MAX_BYTES = 2_000_000  # content files are small; anything larger is refused unread


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """(data, text) of a TOML file; raises ContentError with one problem on failure."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ContentError([Problem(path, f"cannot read the file: {exc.strerror}")]) from None
    if size > MAX_BYTES:
        raise ContentError([Problem(
            path, f"the file is {size / 1e6:.1f} MB; content files may be at most "
            f"{MAX_BYTES / 1e6:.0f} MB"
        )])
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(path, f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise ContentError([Problem(path, f"cannot read the file: {exc.strerror}")]) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ContentError([Problem(path, f"TOML syntax: {msg}", line, col)]) from None
    except RecursionError:
        raise ContentError([Problem(path, "TOML nested too deeply")]) from None


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")


def locate(text: str, loc: tuple[str | int, ...]) -> tuple[int | None, int | None]:
    """(line, column) of a key path such as ('market', 'pue') or ('gpu', 2, 'watts')."""
    if not loc:
        return None, None
    lines = text.splitlines()
    table: list[str] = []
    counts: dict[str, int] = {}
    keys = [str(k) for k in loc if not isinstance(k, int)]
    index = next((k for k in loc if isinstance(k, int)), None)
    want_table = keys[:-1]
    want_key = keys[-1]
    for i, raw in enumerate(lines, start=1):
        m = _HEADER.match(raw)
        if m:
            table = [part.strip().strip("\"'") for part in m.group(1).split(".")]
            name = ".".join(table)
            counts[name] = counts.get(name, -1) + 1 if raw.strip().startswith("[[") else 0
            if table == keys and (index is None or counts[name] == index):
                return i, raw.index("[") + 1
            continue
        key_m = re.match(r"^(\s*)([A-Za-z0-9_\-]+)\s*=", raw)
        if not key_m:
            continue
        name = ".".join(table)
        in_table = table == want_table and (index is None or counts.get(name, 0) == index)
        if in_table and key_m.group(2) == want_key:
            return i, len(key_m.group(1)) + 1
    if len(keys) > 1:
        return locate(text, tuple(loc[:-1]))
    return None, None
