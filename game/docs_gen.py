"""Generate the parameter tables of docs/ENGINE.md and the whole of docs/SOURCES.md from the
base pack's TOML, comments included, and check the content's citations.

The tables are built from the *text* of the TOML because the source of each number lives in a
comment, which a TOML parser throws away. For every ``key = value`` line the reader records:

- the value as written, and its line;
- the source: the comment after the value plus any indented comment-only lines right below it
  (continuations). A key without a comment of its own takes the comment block standing directly
  above it; further uncommented keys in the same run refer back to that key ("as ``key`` above")
  and share its citations and confidence;
- the confidence: the H / M / L token (or a pair such as ``M/L``) that ends the source, or failing
  that, the last such token in it;
- the citations: every ``[id]`` in the source (:func:`game.sources.citations`), the markers
  ``[design]`` and ``[derived]`` included.

ENGINE.md gets one Markdown table per TOML table of ``economy.toml`` and ``rivals.toml``
(``[market]``, ``[fleet]`` ...), in file order; an array of tables (``[[gpu]]``, ``[[rival]]``)
becomes one table whose rows name their entry. Each cited id links to its section of SOURCES.md.
New parameters and tables appear without any change here.

SOURCES.md is generated from docs/sources.toml (read by :mod:`game.sources`) and the citations of
economy.toml, rivals.toml and every scenario: one section per source with the parameters that cite
it, then the parameters that rest on ``[design]`` / ``[derived]`` alone, then any that cite
nothing.

:func:`citation_problems` reports, as sentences naming docs/sources.toml and the file and line:
an id cited but not in sources.toml (with a did-you-mean), a source never cited, and a parameter
with no citation at all (neither an id nor a marker) or no confidence token. A *parameter* is a
``key = value`` line of economy.toml or rivals.toml, or of a scenario's ``[start_state]``,
``[outcome]``, ``[[history]]``, ``[economy.*]`` or ``[rivals.*]`` tables. Not parameters, so
free of the rule: a scenario's top-level keys (``id``, ``title``, ``start``, ``briefing``,
``objectives``, ``pacing``, ``seed``, ``horizon_quarters``, ``disabled_actions``,
``instructor_notes``, ``score_description``), its ``[[scripted]]`` and ``[[hints]]`` tables and its
``[score]`` weights (the game's rules, explained by the table's own comment); and the keys that
name or date an entry rather than measure something (``id``, ``name``, ``model_name``, a history
row's ``quarter``). Keys under a shared comment block (the Chinchilla constants) are cited by it.

``python -m game.docs_gen`` rewrites the part of docs/ENGINE.md between the two markers and
docs/SOURCES.md, and lists the citation problems; ``python -m game.docs_gen --check`` only
reports whether each document is up to date (exit code 1 if either is not, naming which).
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from game.paths import base_pack_dir
from game.sources import (
    MARKERS,
    ROOT,
    SOURCES_PATH,
    Source,
    SourcesError,
    citations,
    link_citations,
    load_sources,
    read_sources,
    shown_path,
)

BEGIN = "<!-- BEGIN GENERATED PARAMETERS -->"
END = "<!-- END GENERATED PARAMETERS -->"
SOURCES = ("economy.toml", "rivals.toml")
DOC_PATH = ROOT / "docs" / "ENGINE.md"
SOURCES_DOC_PATH = ROOT / "docs" / "SOURCES.md"
# A scenario's tables whose keys are parameters (each needs a citation and a confidence).
SCENARIO_TABLES = ("start_state", "outcome", "history")
SCENARIO_TABLE_PREFIXES = ("economy.", "rivals.")
# Keys that name or date an entry rather than measure something: no citation needed.
NAME_KEYS = ("id", "name", "model_name", "quarter")

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*(\]\]?)\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=(.*)$")
_TOKEN = r"[HML](?:/[HML])*"
_END_TOKEN = re.compile(rf"(?:^|\s)({_TOKEN})\s*$")
_ANY_TOKEN = re.compile(rf"(?<![\w/])({_TOKEN})(?![\w/])")
_LABEL_KEYS = ("id", "name", "quarter")
_TITLES = {"gpu": "GPU generations", "rival": "rival labs"}


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


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (no pipes, no accidental math or HTML)."""
    return text.replace("|", "\\|").replace("$", "\\$").replace("<", "&lt;")


def _code(value: str) -> str:
    return "`" + value.replace("|", "\\|").replace("`", "'") + "`"


def render_table(table: Table) -> str:
    if table.array:
        title = f"### `[[{table.name}]]` {_TITLES.get(table.name, 'entries')} ({table.file})"
    else:
        title = f"### `[{table.name}]` ({table.file})"
    rows = [title, "", "| parameter | value | source | confidence |", "|---|---|---|---|"]
    for p in table.params:
        name = f"{_cell(p.entry)} · `{p.key}`" if p.entry else f"`{p.key}`"
        source = link_citations(_cell(p.source)) if p.source else "—"
        rows.append(f"| {name} | {_code(p.value)} | {source} | {p.confidence or '—'} |")
    return "\n".join(rows)


def parameter_tables(pack_dir: Path | None = None) -> str:
    """Markdown tables of every parameter in the pack's economy.toml and rivals.toml."""
    folder = pack_dir or base_pack_dir()
    parts = [
        "_Generated by `python -m game.docs_gen` from "
        + " and ".join(f"`content/base/{name}`" for name in SOURCES)
        + "; edit the TOML, not these tables. Each [id] links to its source in"
        " [SOURCES.md](SOURCES.md). Confidence: H = paper, filing or company statement;"
        " M = reputable press or analyst; L = aggregator, estimate or design choice._"
    ]
    for name in SOURCES:
        parts.extend(render_table(t) for t in read_tables(folder / name))
    return "\n\n".join(parts) + "\n"


def _locate(doc_text: str) -> tuple[int, int]:
    start = doc_text.find(BEGIN)
    end = doc_text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"the document needs the markers {BEGIN} and {END}, in that order")
    return start + len(BEGIN), end


def generated_section(doc_text: str) -> str:
    """The text between the markers, as it stands in the document."""
    start, end = _locate(doc_text)
    return doc_text[start:end]


def render(doc_text: str, tables: str | None = None) -> str:
    """The document with everything between the markers replaced by the generated tables."""
    start, end = _locate(doc_text)
    body = parameter_tables() if tables is None else tables
    return f"{doc_text[:start]}\n\n{body.strip()}\n\n{doc_text[end:]}"


# --- The content's citations and docs/SOURCES.md ----------------------------------------------


@dataclass(slots=True)
class ContentFile:
    """A TOML file of the pack, read into tables."""

    name: str  # relative to the pack: "economy.toml", "scenarios/ai-boom.toml"
    path: Path
    tables: list[Table]


@dataclass(frozen=True, slots=True, eq=False)
class Cited:
    """A parameter with where it stands: the unit of SOURCES.md and of the citation checks."""

    file: ContentFile
    table: Table
    param: Param

    @property
    def where(self) -> str:
        """`[table] key` or `[[table]] entry · key`, in TOML's words."""
        if self.table.array:
            entry = f" {self.param.entry} ·" if self.param.entry else ""
            return f"[[{self.table.name}]]{entry} {self.param.key}"
        return f"[{self.table.name}] {self.param.key}"

    @property
    def location(self) -> str:
        return f"{shown_path(self.file.path)}:{self.param.line}"

    @property
    def ids(self) -> list[str]:
        """The sources it cites (markers left out)."""
        return [c for c in self.param.cites if c not in MARKERS]


def content_files(pack_dir: Path | None = None) -> list[ContentFile]:
    """economy.toml, rivals.toml and the scenarios (by name), each read into tables."""
    folder = pack_dir or base_pack_dir()
    paths = [folder / name for name in SOURCES if (folder / name).is_file()]
    paths += sorted((folder / "scenarios").glob("*.toml"))
    return [
        ContentFile(path.relative_to(folder).as_posix(), path, read_tables(path)) for path in paths
    ]


def _is_parameter_table(file: ContentFile, table: Table) -> bool:
    if not file.name.startswith("scenarios/"):
        return True
    return table.name in SCENARIO_TABLES or table.name.startswith(SCENARIO_TABLE_PREFIXES)


def _every_parameter(files: list[ContentFile]) -> list[Cited]:
    """Every key the reader found, in every table: what may cite a source."""
    return [Cited(f, t, p) for f in files for t in f.tables for p in t.params]


def parameters(files: list[ContentFile]) -> list[Cited]:
    """Every parameter that must cite a source or a marker (see the module's docstring)."""
    return [
        Cited(file, table, param)
        for file in files
        for table in file.tables
        if _is_parameter_table(file, table)
        for param in table.params
        if param.key not in NAME_KEYS
    ]


def citation_problems(
    pack_dir: Path | None = None, sources_path: Path = SOURCES_PATH
) -> list[str]:
    """A sentence for each citation problem of the pack's content against the bibliography:
    a malformed entry of sources.toml, an unknown id (with a did-you-mean), a source never cited,
    a parameter that cites nothing or has no confidence token."""
    sources, problems = read_sources(sources_path)
    bibliography = shown_path(sources_path)
    files = content_files(pack_dir)
    every = _every_parameter(files)
    known = [*sources, *MARKERS]
    for cited in every:
        for name in cited.ids:
            if name in sources:
                continue
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            problems.append(
                f"{cited.location}: {cited.where} cites [{name}], which is not in "
                f"{bibliography}{hint}"
            )
    used = {name for cited in every for name in cited.ids}
    for source in sources.values():
        if source.id not in used:
            where = f"{bibliography}:{source.line}" if source.line else bibliography
            problems.append(
                f"{where}: [{source.id}] is never cited by economy.toml, rivals.toml or a "
                "scenario; cite it or remove it"
            )
    for cited in parameters(files):
        cites, level = cited.param.cites, cited.param.confidence
        if not cites and not level:
            problems.append(
                f"{cited.location}: {cited.where} has no source and no confidence: end its "
                f"comment with an id from {bibliography} in square brackets (or [design] / "
                "[derived]) and H, M or L"
            )
        elif not cites:
            problems.append(
                f"{cited.location}: {cited.where} cites nothing: add an id from {bibliography} "
                "in square brackets, or [design] / [derived]"
            )
        elif not level:
            problems.append(
                f"{cited.location}: {cited.where} has no confidence token: end its comment "
                f"with H, M or L (as defined in {bibliography})"
            )
    return problems


def _text(text: str) -> str:
    """Text from the bibliography shown literally in Markdown (no links, emphasis, math, HTML)."""
    return re.sub(r"([\\`*_\[\]<>$|])", r"\\\1", " ".join(text.split()))


def _used_for(cited: Cited) -> str:
    table = f"[[{cited.table.name}]]" if cited.table.array else f"[{cited.table.name}]"
    entry = f" {_text(cited.param.entry)}" if cited.param.entry else ""
    return (
        f"`{cited.file.name}` · `{table}`{entry} · `{cited.param.key}` = "
        f"{_code(cited.param.value)}"
    )


def _source_section(source: Source, uses: list[Cited]) -> str:
    lines = [
        f'<a id="{source.id}"></a>',
        "",
        f"### {source.id}: {_text(source.title)}",
        "",
        f"- Publisher: {_text(source.publisher)}",
        f"- Date: {_text(source.date)}",
        f"- Confidence: {source.confidence}",
    ]
    if source.url.strip():
        lines.append(f"- URL: <{source.url.strip()}>")
    lines.append(f"- Figures: {_text(source.figures)}")
    if uses:
        lines.append(f"- Used for ({len(uses)}):")
        lines.extend(f"  - {_used_for(c)}" for c in uses)
    else:
        lines.append("- Used for: nothing yet")
    return "\n".join(lines)


def _by_file(items: list[Cited], with_marker: bool) -> list[str]:
    """One Markdown table per content file of the given parameters."""
    parts: list[str] = []
    for name in dict.fromkeys(c.file.name for c in items):
        columns = ["parameter", "value", *(["marked"] if with_marker else []), "comment"]
        rows = [
            f"### {name}",
            "",
            "| " + " | ".join(columns) + " |",
            "|" + "---|" * len(columns),
        ]
        for c in (c for c in items if c.file.name == name):
            where = f"`{c.where}`"
            marker = " ".join(m for m in c.param.cites if m in MARKERS)
            comment = _cell(c.param.source) if c.param.source else "—"
            cells = [where, _code(c.param.value), *([marker] if with_marker else []), comment]
            rows.append("| " + " | ".join(cells) + " |")
        parts.append("\n".join(rows))
    return parts


def sources_page(pack_dir: Path | None = None, sources_path: Path = SOURCES_PATH) -> str:
    """docs/SOURCES.md: the bibliography with the parameters citing each source, then ours."""
    sources = load_sources(sources_path)
    files = content_files(pack_dir)
    every = _every_parameter(files)
    uses = {name: [c for c in every if name in c.ids] for name in sources}
    required = parameters(files)
    ours = [c for c in required if c.param.cites and not c.ids]
    bare = [c for c in required if not c.param.cites]
    sourced = sum(1 for c in required if c.ids)
    bibliography = shown_path(sources_path)
    intro = f"""# Sources

<!-- Generated by `python -m game.docs_gen` from {bibliography} and the comments of content/base;
edit those, not this file. -->

Every number of the base pack (`content/base/economy.toml`, `rivals.toml` and the scenarios)
says in its comment where it comes from: the id of a source below in square brackets, as in
`rental_start = 1.3  # ... [h100-rental-history] [b200-specs] ... M`, and a confidence at the end:

- **H**: a paper, a filing or a company's own statement;
- **M**: reputable press or an analyst;
- **L**: an aggregator, a blog or an estimate, and most of our own choices.

`[design]` marks a choice of ours: a number the game needs that no source gives, tuned for play.
`[derived]` marks a number computed from others (its comment says how). The parameters that rest
on those alone are listed under [Our choices](#our-choices).

This page is generated from `{bibliography}` and the TOML comments: edit those, then run
`python -m game.docs_gen`, which also rewrites the parameter tables of
[ENGINE.md](ENGINE.md#parameter-reference); `python -m game.docs_gen --check` and the tests fail
when it is out of date.

{len(sources)} sources; of {len(required)} parameters, {sourced} cite at least one,
{len(ours)} only `[design]` or `[derived]`{f", {len(bare)} nothing" if bare else ""}.

## Index

| source | title | confidence | parameters |
|---|---|---|---|
"""
    index = "\n".join(
        f"| [{s.id}](#{s.id}) | {_text(s.title)} | {s.confidence} | {len(uses[s.id])} |"
        for s in sources.values()
    )
    parts = [intro + index, "## Sources"]
    parts += [_source_section(s, uses[s.id]) for s in sources.values()]
    parts += [
        "## Our choices",
        "These parameters cite no source, only `[design]` (a choice of ours) or `[derived]` "
        "(computed from other numbers, as the comment says), grouped by file.",
        *_by_file(ours, with_marker=True),
    ]
    if bare:
        parts += [
            "## Not yet cited",
            "These parameters cite neither a source nor `[design]` / `[derived]`; "
            "`game.docs_gen.citation_problems()` reports them.",
            *_by_file(bare, with_marker=False),
        ]
    return "\n\n".join(parts) + "\n"


def _status(where: str, old: str, new: str, check: bool, path: Path, what: str) -> bool:
    """Report (and unless checking, write) one document; True if it is up to date."""
    if new == old:
        print(f"{where}: {what} up to date")
        return True
    if check:
        print(f"{where}: {what} out of date; run `python -m game.docs_gen`")
        return False
    path.write_text(new, encoding="utf-8")
    print(f"{where}: rewrote the {what}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    if any(a != "--check" for a in args):
        print("usage: python -m game.docs_gen [--check]", file=sys.stderr)
        return 2
    try:
        engine_old = DOC_PATH.read_text(encoding="utf-8")
        engine_new = render(engine_old)
        sources_new = sources_page()
    except SourcesError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"{DOC_PATH}: {exc}", file=sys.stderr)
        return 1
    try:
        sources_old = SOURCES_DOC_PATH.read_text(encoding="utf-8")
    except FileNotFoundError:
        sources_old = ""
    tables = [t for n in SOURCES for t in read_tables(base_pack_dir() / n)]
    params = sum(len(t.params) for t in tables)
    ok = _status(
        shown_path(DOC_PATH), engine_old, engine_new, check, DOC_PATH,
        f"parameter tables ({len(tables)} tables, {params} parameters)",
    )
    ok = _status(
        shown_path(SOURCES_DOC_PATH), sources_old, sources_new, check, SOURCES_DOC_PATH,
        "bibliography page",
    ) and ok
    problems = citation_problems()
    if problems:
        print(f"{len(problems)} citation problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
