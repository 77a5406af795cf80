"""TOML's own words for a value, and finding the line a key was written on.

tomllib gives no positions for values, so ``locate`` finds a dotted key path by scanning the
source: the table header (``[market]``, ``[[gpu]]`` n-th occurrence) and then the key inside it.
It returns None rather than guess. Files are read (safely, and the shipped ones parsed once) by
``game.packs.reading``.
"""

from __future__ import annotations

import functools
import numbers
import re
from datetime import date, datetime, time
from typing import Any


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


# Possessive quantifiers: a line of a pack is text from outside, and a lazy pattern
# backtracked cubically ("[" and 8,000 spaces took 6 minutes).
_KEY = re.compile(r"(\s*+)([A-Za-z0-9_\-]++)\s*+=")
Position = tuple[int, int]


def locate(text: str, loc: tuple[str | int, ...]) -> tuple[int | None, int | None]:
    """(line, column) of the deepest part of a key path that the source shows.

    ``loc`` is a path as pydantic reports it, e.g. ('market', 'pue') or
    ('event', 3, 'choices', 1, 'effects', 0, 'value'): tables and arrays of tables (with their
    indices) are followed through the headers; what lies inside an inline table or array is
    reported at the line of its key. The file's table headers are indexed once (``_tables``),
    and a key is looked for only in the lines of its own table, so locating each of a file's
    thousands of problems costs the length of its path and of one table, not the file's.
    """
    headers, bodies = _tables(text)
    loc = tuple(loc)
    for depth in range(len(loc), 0, -1):
        part = loc[:depth]
        header = headers.get(part)
        key = None
        if isinstance(part[-1], str):  # (a key and a table of one name: the first written)
            key = next((k for body in bodies.get(part[:-1], ())
                        if (k := _key_in(text, body, part[-1])) is not None), None)
        if header is not None or key is not None:
            return min(p for p in (header, key) if p is not None)
    return None, None


_PART = re.compile(r"\s*+(\"[^\"]*+\"|'[^']*+'|[^.\"']*+)\s*+(?:\.|$)")


def _header_keys(header: str) -> list[str]:
    """A table header's keys: split at the dots outside quotes (``event."base.x".choices``
    names three keys, the second ``base.x``)."""
    return [m.group(1).strip().strip("\"'") for m in _PART.finditer(header) if m.group(0)]


# A table header on a line of its own, found over the whole text at once (its spaces stop at
# the line's end).
_SPACE = r"[ \t\r\f\v]*+"
_HEADER_LINE = re.compile(
    rf"^{_SPACE}(\[)\[?+([A-Za-z0-9_.\-\"' \t]++)\]\]?+{_SPACE}(?:#[^\n]*+)?+$", re.MULTILINE)
# The lines of one table: where they start and end in the text, and the first one's number.
Body = tuple[int, int, int]


@functools.lru_cache(maxsize=8)  # a hit costs one hash of the text, computed once per string
def _tables(text: str) -> tuple[dict[tuple[str | int, ...], Position],
                                dict[tuple[str | int, ...], list[Body]]]:
    """Every table header's path in the text -> (line, column) where it is first written, and
    each table's path (the top level's is ()) -> the spans of its own lines, up to the next
    header, in order. Kept for the last few texts: problems come file by file. Only the headers
    are visited: one pattern finds them, and a line's number is the count of newlines before
    it."""
    headers: dict[tuple[str | int, ...], Position] = {}
    bodies: dict[tuple[str | int, ...], list[Body]] = {}
    counters: dict[tuple[str | int, ...], int] = {}
    seen: dict[str, list[str]] = {}  # a header's text -> its keys
    path: tuple[str | int, ...] = ()
    begin, first = 0, 1
    number, counted = 1, 0
    for m in _HEADER_LINE.finditer(text):
        start = m.start()
        number += text.count("\n", counted, start)
        counted = start
        bodies.setdefault(path, []).append((begin, start, first))
        resolved: list[str | int] = []
        header = m.group(2)
        parts = seen.get(header)
        if parts is None:  # (a file repeats a few headers: [[event]], [[event.choices]])
            parts = seen[header] = ([p.strip() for p in header.split(".")] if '"' not in header
                                    and "'" not in header else _header_keys(header))
        is_array = text.startswith("[[", m.start(1))
        for j, part in enumerate(parts):
            resolved.append(part)
            key = tuple(resolved)
            if j == len(parts) - 1 and is_array:
                counters[key] = counters.get(key, -1) + 1
                resolved.append(counters[key])
            elif j < len(parts) - 1 and key in counters:
                resolved.append(counters[key])
        path = tuple(resolved)
        at = (number, m.start(1) - start + 1)
        for depth in range(len(path), 0, -1):  # [a.b] is where table a is first written
            if path[:depth] in headers:  # (and so, already, every table above it)
                break
            headers[path[:depth]] = at
        line_end = text.find("\n", m.end())
        begin, first = (len(text) if line_end < 0 else line_end + 1), number + 1
    bodies.setdefault(path, []).append((begin, len(text), first))
    return headers, bodies


def _key_in(text: str, body: Body, key: str) -> Position | None:
    """(line, column) of ``key`` among the lines of one table, where it is first written."""
    return _keys_of(text, *body).get(key)


@functools.lru_cache(maxsize=256)  # the tables problems are in: a few at a time
def _keys_of(text: str, begin: int, end: int, first: int) -> dict[str, Position]:
    """Each key of one table's lines -> (line, column) where it is first written: made once a
    table, so a table's thousand problems do not each read its lines again."""
    keys: dict[str, Position] = {}
    for offset, raw in enumerate(text[begin:end].split("\n")):
        m = _KEY.match(raw)
        if m:
            keys.setdefault(m.group(2), (first + offset, len(m.group(1)) + 1))
    return keys
