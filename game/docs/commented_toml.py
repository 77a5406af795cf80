"""Read a TOML file's text, comments included, into tables of parameters with their sources.

The documents about the numbers are built from the *text* of the TOML because the source of each
number lives in a comment, which a TOML parser throws away. For every ``key = value`` line the
reader records:

- the value as written, and its line;
- the source: the comment after the value plus any indented comment-only lines right below it
  (continuations). A key without a comment of its own takes the comment block standing directly
  above it; further uncommented keys in the same run refer back to that key ("as ``key`` above")
  and share its citations and confidence;
- the confidence: the H / M / L token (or a pair such as ``M/L``) that ends the source, or failing
  that, the last such token in it;
- the citations: every ``[id]`` in the source (:func:`game.docs.bibliography.citations`), the
  markers ``[design]`` and ``[derived]`` included.

A ``[table]`` becomes one :class:`Table`; an array of tables (``[[gpu]]``, ``[[rival]]``) becomes
one table whose parameters name their entry (its ``id``, ``name`` or ``quarter``). Top-level keys
are skipped. ENGINE.md's parameter tables (:mod:`game.docs.engine_tables`), docs/SOURCES.md and
the citation check (:mod:`game.docs.citations`) are made from what it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from game.docs.bibliography import citations

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*(\]\]?)\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=(.*)$")
_TOKEN = r"[HML](?:/[HML])*"
_END_TOKEN = re.compile(rf"(?:^|\s)({_TOKEN})\s*$")
_ANY_TOKEN = re.compile(rf"(?<![\w/])({_TOKEN})(?![\w/])")
_LABEL_KEYS = ("id", "name", "quarter")


@dataclass(slots=True)
class Param:
    key: str
    value: str
    source: str = ""
    confidence: str = ""
    entry: str = ""  # the entry's name or id, for arrays of tables
    line: int = 0  # 1-based line of the key in its file
    cites: list[str] = field(default_factory=list)  # [id]s and markers in the source, in order


@dataclass(slots=True)
class Table:
    name: str
    file: str
    array: bool
    params: list[Param] = field(default_factory=list)


def _split_comment(text: str) -> tuple[str, str | None]:
    """(value text, comment text or None) of the rest of a line, minding quoted strings."""
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None:
            if ch == "#":
                return text[:i].rstrip(), text[i + 1 :].strip()
            if ch in "\"'":
                quote = ch
        elif ch == "\\" and quote == '"':
            i += 1
        elif ch == quote:
            quote = None
        i += 1
    return text.rstrip(), None


def _open_brackets(value: str) -> int:
    """How many [ or { a value leaves open (strings excluded): a multi-line array continues."""
    depth, quote, i = 0, None, 0
    while i < len(value):
        ch = value[i]
        if quote is None:
            if ch in "\"'":
                quote = ch
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
        elif ch == "\\" and quote == '"':
            i += 1
        elif ch == quote:
            quote = None
        i += 1
    return depth


def confidence(source: str) -> tuple[str, str]:
    """(source, confidence) of a comment: a final H/M/L token is moved out of the source; a
    token elsewhere (``(design, L)``, ``design L; shocks ...``) is reported and left in place."""
    found = _END_TOKEN.search(source)
    if found:
        return source[: found.start()].rstrip(" ,;"), found.group(1)
    tokens = _ANY_TOKEN.findall(source)
    return source, tokens[-1] if tokens else ""


def _value_lines(first: str, lines: list[str], i: int) -> tuple[str, str | None, int]:
    """A key's value and comment, following multi-line arrays and strings; returns the index of
    the next unread line."""
    value, comment = _split_comment(first)
    for quotes in ('"""', "'''"):
        if value.strip().startswith(quotes) and value.count(quotes) == 1:
            while i < len(lines):
                value, i = f"{value} {lines[i].strip()}", i + 1
                if quotes in lines[i - 1]:
                    return value.strip(), None, i
    while _open_brackets(value) > 0 and i < len(lines):
        more, more_comment = _split_comment(lines[i])
        value, i = f"{value} {more.strip()}", i + 1
        comment = comment or more_comment
    return value.strip(), comment, i


def read_tables(path: Path) -> list[Table]:
    """The tables of a TOML file, each parameter with its value, source and confidence."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tables: list[Table] = []
    current: Table | None = None
    entry_start = 0  # index in current.params where the current [[array]] entry begins
    block: list[str] = []  # column-0 comment lines waiting for the key below them
    last: Param | None = None  # the key whose comment an indented comment line continues
    shared: Param | None = None  # the key that took a comment block, for the keys after it
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        i += 1
        if not stripped:
            block, last, shared = [], None, None
            continue
        if stripped.startswith("#"):
            text = stripped.lstrip("#").strip()
            if line[0].isspace() and last is not None:
                last.source = f"{last.source} {text}".strip()
            else:
                block.append(text)
                last, shared = None, None
            continue
        header = _HEADER.match(line)
        if header:
            name = header.group(2).strip().strip("\"'")
            array = header.group(1) == "[["
            block, last, shared = [], None, None
            if current is None or not (array and current.array and current.name == name):
                current = Table(name, path.name, array)
                tables.append(current)
            entry_start = len(current.params)
            continue
        key_match = _KEY.match(line)
        if key_match is None or current is None:
            if key_match is not None:  # a top-level key: skip its value, multi-line strings too
                i = _value_lines(key_match.group(2), lines, i)[2]
            block, last, shared = [], None, None
            continue
        key_line = i
        value, comment, i = _value_lines(key_match.group(2), lines, i)
        param = Param(key_match.group(1).strip(), value, line=key_line)
        if comment:
            param.source, last, shared = comment, param, None
        elif block:
            param.source, last, shared = " ".join(block), None, param
        elif shared is not None:
            param.source, last = f"as `{shared.key}` above", None
        else:
            last = None
        block = []
        current.params.append(param)
        if current.array:
            label = current.params[entry_start].entry
            if not label and param.key in _LABEL_KEYS:
                label = param.value.strip("\"'")
                for earlier in current.params[entry_start:]:
                    earlier.entry = label
            param.entry = label
    for table in tables:
        for param in table.params:
            if not param.source.startswith("as `"):
                param.cites = citations(param.source)
                param.source, param.confidence = confidence(param.source)
        _inherit(table)
    return tables


def _inherit(table: Table) -> None:
    """Keys that share a comment block share its confidence and citations (known once the block
    is parsed)."""
    by_key = {(p.entry, p.key): p for p in table.params}
    for param in table.params:
        if param.source.startswith("as `"):
            origin = by_key.get((param.entry, param.source.split("`")[1]))
            if origin is not None:
                param.confidence, param.cites = origin.confidence, list(origin.cites)
