"""Markdown for the generated documents: tables, numbers, literal text in a cell, code spans.

Two kinds of cell. :func:`table` takes cells written in Markdown (MODDING.md's tables mean their
backticks and ``$B`` as written) and only keeps each on one line with its pipes escaped.
:func:`escape` is for text shown as it was written, the TOML comments in the tables of ENGINE.md
and SOURCES.md: no accidental math or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def _one_line(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table of cells written in Markdown, each kept on one line."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_one_line(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def number(v: float) -> str:
    """1e6 as '1e6', 0.001 as '0.001', 100 as '100'."""
    if v == int(v) and abs(v) < 1e5:
        return f"{int(v):,}"
    text = f"{v:g}"
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "")
                  + m.group(2), text)


def escape(text: str) -> str:
    """Text safe inside a Markdown table cell (no pipes, no accidental math or HTML)."""
    return text.replace("|", "\\|").replace("$", "\\$").replace("<", "&lt;")


def code(value: str) -> str:
    return "`" + value.replace("|", "\\|").replace("`", "'") + "`"
