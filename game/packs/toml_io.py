"""Reading TOML safely, and finding the line a key was written on.

tomllib gives no positions for values, so ``locate`` finds a dotted key path by scanning the
source: the table header (``[market]``, ``[[gpu]]`` n-th occurrence) and then the key inside it.
It returns None rather than guess.

The shipped content's files are parsed once and kept (``game.paths.parse_cache_dir``), keyed by
a hash of their exact bytes, like Python's own ``__pycache__``: tomllib is pure Python and took
two thirds of loading the base pack. Everything after the parse (the models, the expressions,
the cross-references) is checked on every load; a changed file has another hash and is parsed
anew, and a cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import numbers
import os
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from game.packs.errors import ContentError, Problem
from game.paths import content_dir, parse_cache_dir

MAX_BYTES = 2_000_000  # content files are small; anything larger is refused unread


def toml_kind(value: Any) -> str:
    """What a parsed value is, as TOML calls it ("an integer", "a table"), for error messages."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, numbers.Integral):
        return "an integer"
    if isinstance(value, numbers.Real):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time of day"
    return type(value).__name__


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
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(path, f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise ContentError([Problem(path, f"cannot read the file: {exc.strerror}")]) from None
    kept = _kept_path(path, raw)
    if kept is not None:
        data = _read_kept(kept)
        if data is not None:
            return data, text
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ContentError([Problem(path, f"TOML syntax: {msg}", line, col)]) from None
    except RecursionError:
        raise ContentError([Problem(path, "TOML nested too deeply")]) from None
    if kept is not None:
        _keep(kept, data)
    return data, text


def _kept_path(path: Path, raw: bytes) -> Path | None:
    """Where the parse of these bytes is kept, for a file of the shipped content (a modder's
    files are parsed afresh each time)."""
    cache = parse_cache_dir()
    if cache is None:
        return None
    try:
        if not path.resolve().is_relative_to(_shipped()):
            return None
    except OSError:
        return None
    return cache / (hashlib.blake2b(raw, digest_size=16).hexdigest() + ".marshal")


@functools.cache
def _shipped() -> Path:
    return content_dir()


def _read_kept(kept: Path) -> dict[str, Any] | None:
    try:
        data = marshal.loads(kept.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _keep(kept: Path, data: dict[str, Any]) -> None:
    try:
        blob = marshal.dumps(data)  # plain tables, arrays, strings and numbers (no dates)
    except ValueError:
        return
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        part = kept.with_name(f"{kept.name}.{os.getpid()}.part")
        part.write_bytes(blob)
        os.replace(part, kept)  # whole or not at all, even with two processes at once
    except OSError:
        return


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_\-]+)\s*=")


def locate(text: str, loc: tuple[str | int, ...]) -> tuple[int | None, int | None]:
    """(line, column) of the deepest part of a key path that the source shows.

    ``loc`` is a path as pydantic reports it, e.g. ('market', 'pue') or
    ('event', 3, 'choices', 1, 'effects', 0, 'value'): tables and arrays of tables (with their
    indices) are followed through the headers; what lies inside an inline table or array is
    reported at the line of its key.
    """
    loc = tuple(loc)
    best: tuple[int | None, int | None, int] = (None, None, 0)
    path: tuple[str | int, ...] = ()
    counters: dict[tuple[str | int, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            parts = [p.strip().strip("\"'") for p in header.group(1).split(".")]
            is_array = raw.lstrip().startswith("[[")
            resolved: list[str | int] = []
            for j, part in enumerate(parts):
                resolved.append(part)
                key = tuple(resolved)
                if j == len(parts) - 1 and is_array:
                    counters[key] = counters.get(key, -1) + 1
                    resolved.append(counters[key])
                elif j < len(parts) - 1 and key in counters:
                    resolved.append(counters[key])
            path = tuple(resolved)
            if len(path) > best[2] and loc[:len(path)] == path:
                best = (number, raw.index("[") + 1, len(path))
            continue
        key_m = _KEY.match(raw)
        if key_m:
            keypath = (*path, key_m.group(2))
            if len(keypath) > best[2] and loc[:len(keypath)] == keypath:
                best = (number, len(key_m.group(1)) + 1, len(keypath))
    return best[0], best[1]
