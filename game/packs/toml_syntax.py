"""TOML syntax errors told as a modder can act on them: what is wrong, where it began, and what
to write instead.

The parser stops where it can no longer read; for a string or an array left open that is far
below the mistake (at the end of the file, for an unclosed ``\"\"\"``). ``explain`` moves such
an error back to the line that opened what was left open, and adds the fix for the common
mistakes: a string not closed, text without quotes, ``True`` for ``true``, a key given twice.
"""

from __future__ import annotations

import re

_TRIPLE = re.compile(r'"""|\'\'\'')


def explain(msg: str, text: str, line: int | None, col: int | None
            ) -> tuple[str, int | None, int | None]:
    """(message, line, column) for the parser's ``msg`` at ``line``:``col`` of ``text``."""
    lines = text.splitlines()
    here = lines[line - 1] if line and 0 < line <= len(lines) else ""
    if msg == "Unterminated string":
        opened = _open_triple(lines)
        if opened is not None:
            return (f"TOML syntax: a multi-line string opened here is never closed: end it "
                    f"with {opened[1]}", opened[0], None)
    if msg == "Illegal character '\\n'" and here.count('"') % 2:
        return ("TOML syntax: a string is not closed on this line: end it with \", or use "
                "\"\"\" … \"\"\" for text over several lines", line, col)
    if msg.startswith("Expected \"'\""):
        start = next((k + 1 for k in range(min(line or 1, len(lines)) - 1, -1, -1)
                      if lines[k].count("'") % 2), line)
        return ("TOML syntax: a 'string' is not closed on this line: end it with '", start,
                None)
    if msg == "Invalid value":
        value = here[(col or 1) - 1:].strip()
        if value[:4] in ("True", "Fals"):
            return (f"TOML syntax: write {value[:5].strip().lower()} in lowercase", line, col)
        if value[:1].isalpha():
            return ("TOML syntax: text must be in quotes: key = \"…\" (and true, false are "
                    "lowercase)", line, col)
    if msg == "Unclosed array":
        start = next((k + 1 for k in range(min(line or 1, len(lines)) - 1, -1, -1)
                      if lines[k].count("[") > lines[k].count("]")
                      and not lines[k].lstrip().startswith("[")), line)
        return "TOML syntax: an array opened here is not closed: end it with ]", start, None
    if msg == "Cannot overwrite a value" or msg.startswith("Cannot declare"):
        return ("TOML syntax: this key or table is already set above; give each key once",
                line, col)
    if msg.startswith("Expected '=' after a key"):
        return "TOML syntax: write key = value", line, col
    if msg.startswith("Expected newline or end of document"):
        return ("TOML syntax: one key = value a line, and text with spaces in quotes", line,
                col)
    return f"TOML syntax: {msg}", line, col


def _open_triple(lines: list[str]) -> tuple[int, str] | None:
    """The line (1-based) and quotes of a multi-line string opened and never closed."""
    opened: tuple[int, str] | None = None
    for k, text in enumerate(lines, start=1):
        for m in _TRIPLE.finditer(text):
            if opened is None:
                opened = (k, m.group(0))
            elif m.group(0) == opened[1]:
                opened = None
    return opened
