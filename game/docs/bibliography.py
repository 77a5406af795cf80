"""The bibliography, docs/sources.toml, and the citations that the content's comments make of it.

docs/sources.toml holds one ``[[source]]`` table per source, with the string fields of
:class:`Source` (``url`` may be empty; ``confidence`` is H, M or L). :func:`read_sources` reads it
with tomllib and collects every problem of a malformed entry as a sentence (a missing or unknown
field, a field that is not a string, a confidence that is not H/M/L, an id used twice), with the
line of its ``[[source]]`` header when the file's text shows it; :func:`load_sources` raises
:class:`SourcesError` with all of them.

A comment in the content cites a source by its id in square brackets (``[epoch-hardware]``).
Two bracketed words are not sources but markers: ``[design]``, a choice of ours, and
``[derived]``, a number computed from others. :func:`citations` finds both kinds in a comment;
:func:`link_citations` turns each id (not the markers) into a Markdown link to its section of
docs/SOURCES.md.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from game.packs.toml_io import toml_kind

ROOT = Path(__file__).resolve().parents[2]  # the repository
SOURCES_PATH = ROOT / "docs" / "sources.toml"
MARKERS = ("design", "derived")
CONFIDENCES = ("H", "M", "L")

# An id: letters, digits and - _ . between them ("epoch-models-1e25"); "[0, 0, 200]" is not one.
_ID = r"[A-Za-z0-9](?:[A-Za-z0-9_.\-]*[A-Za-z0-9])?"
_CITATION = re.compile(rf"\[({_ID})\]")
_ID_ONLY = re.compile(rf"^{_ID}$")
_SOURCE_HEADER = re.compile(r"^\s*\[\[\s*source\s*\]\]\s*(#.*)?$")


@dataclass(frozen=True, slots=True)
class Source:
    """One entry of the bibliography."""

    id: str  # what the content cites in square brackets
    title: str
    publisher: str  # authors and publisher, or where a figure was read ("via ...")
    url: str  # "" when there is no public page
    date: str  # as precise as known: "2024-07", "2023–2026"
    confidence: str  # H, M or L (see the intro of docs/SOURCES.md)
    figures: str  # the numbers the content takes from it
    line: int = 0  # the line of its [[source]] header in sources.toml; 0 if unknown


FIELDS = tuple(f.name for f in fields(Source) if f.name != "line")


class SourcesError(ValueError):
    """docs/sources.toml is malformed; ``problems`` holds one sentence per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _header_lines(text: str) -> list[int]:
    """The 1-based line of each [[source]] header, in order."""
    return [n for n, line in enumerate(text.splitlines(), 1) if _SOURCE_HEADER.match(line)]


def read_sources(path: Path = SOURCES_PATH) -> tuple[dict[str, Source], list[str]]:
    """The well-formed sources by id, in file order, and a sentence for each problem found."""
    shown = shown_path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        return {}, [f"{shown}: cannot be read ({exc.strerror or exc})"]
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{shown}: not valid TOML: {exc}"]
    entries = data.get("source")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return {}, [f"{shown}: expected an array of tables [[source]], one per source"]
    problems = [
        f"{shown}: unknown top-level key `{key}`; the bibliography is an array of [[source]] tables"
        for key in data
        if key != "source"
    ]
    headers = _header_lines(text)
    lines = headers if len(headers) == len(entries) else [0] * len(entries)
    sources: dict[str, Source] = {}
    for number, (entry, line) in enumerate(zip(entries, lines, strict=True), 1):
        where = f"{shown}:{line}" if line else shown
        name = entry.get("id")
        what = f'[[source]] "{name}"' if isinstance(name, str) and name else f"[[source]] #{number}"
        found: list[str] = []
        for key in entry:
            if key not in FIELDS:
                close = difflib.get_close_matches(key, FIELDS, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                found.append(f"{where}: {what} has an unknown field `{key}`{hint}")
        for key in FIELDS:
            if key not in entry:
                found.append(f"{where}: {what} lacks `{key}` (a string)")
            elif not isinstance(entry[key], str):
                found.append(
                    f"{where}: {what}: `{key}` should be a string, not {toml_kind(entry[key])}"
                )
        if isinstance(name, str) and not _ID_ONLY.match(name):
            found.append(
                f'{where}: {what}: the id "{name}" should be letters, digits and - _ . '
                "(it is cited in square brackets)"
            )
        elif isinstance(name, str) and name in MARKERS:
            found.append(f'{where}: {what}: "{name}" is reserved for the [{name}] marker')
        elif isinstance(name, str) and name in sources:
            first = sources[name].line
            again = f" (first at line {first})" if first else ""
            found.append(f'{where}: {what}: the id "{name}" is used twice{again}')
        level = entry.get("confidence")
        if isinstance(level, str) and level not in CONFIDENCES:
            found.append(f'{where}: {what}: confidence should be H, M or L, not "{level}"')
        if found:
            problems.extend(found)
            continue
        sources[name] = Source(**{key: entry[key] for key in FIELDS}, line=line)
    return sources, problems


def load_sources(path: Path = SOURCES_PATH) -> dict[str, Source]:
    """The sources by id, in file order; :class:`SourcesError` if any entry is malformed."""
    sources, problems = read_sources(path)
    if problems:
        raise SourcesError(problems)
    return sources


def citations(comment: str) -> list[str]:
    """Every bracketed id in a comment, in order and once each, markers included."""
    return list(dict.fromkeys(_CITATION.findall(comment)))


def link_citations(text: str, page: str = "SOURCES.md") -> str:
    """Each cited id in ``text`` as a Markdown link to its section of ``page``; markers stay."""

    def link(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group(0) if name in MARKERS else f"[{name}]({page}#{name})"

    return _CITATION.sub(link, text)


def shown_path(path: Path) -> str:
    """A path as a reader of the repository knows it: relative to its root when inside it."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
