"""Part 1 of docs/MODDING.md, the tutorial, done as a reader does it: in document order, in an
empty folder, every file written and every command run, its output compared with what the
document quotes.

The walk (``walk``) reads Part 1 from its first heading to Part 2's and does, in order:

- a block captioned ``File `path`:`` writes the file; ``Add to `path`:`` appends to it. A
  ``File`` block for a file a command wrote (``packs new``) is compared with it instead: the
  document shows what you got. ``file:///home/you/frontier-lab/`` in a block stands for the
  game's own folder, as the document says.
- a ``console`` block runs each ``$ …`` line: ``frontier-lab ARGS`` through ``game.cli.main``
  with stdout and stderr captured (stderr after stdout, as the terminal shows them: the
  commands write their count there last), ``rm PATH…`` by deleting the files; any other
  command fails the test. The lines after a ``$`` line are its output, compared line by line.
  The exit code expected is 1 when the output counts errors (``1 error``) and 0 otherwise.
- a sentence of ``PROSE`` (found verbatim, spaces aside) does what it tells the reader: an edit
  to make (some only to see what they give, then undone), a message to get, a command named in
  the text. An uncaptioned block or a ``text`` block it names is its own; a block no step
  claims fails the test, so nothing shown goes unchecked. The ``sh`` block of step 13 is parsed
  by the command line's own parser, not run: ``play`` is the interactive game.

Part 2 then goes on in the same folder: its captioned blocks (the same pack's variables,
library and French text) are written and its ``console`` blocks run the same way; its other
blocks are examples, checked by tests/test_docs_modding.py. The packs must end valid with
``--strict``.

What may differ between the document and the program, and nothing else:

- ``checked in 46 ms``: any number of milliseconds;
- ``/…/`` inside a line: any absolute folder (the game's install);
- a line ``…`` alone: any number of lines (lines left out);
- ``packs stats``, whose figures are simulation results: in a row ``event  64.8%  0.47``, the
  share may differ by ``STATS_SHARE_POINTS`` percentage points and the per-world count by
  ``STATS_PER_WORLD``; in its last line, "Fire in nearly every world: N" by ``STATS_NEARLY``.
  The event ids, their order, the flags after the figures and every other word are exact.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import game
from game.cli import build_parser
from game.cli import main as cli_main

ROOT = Path(game.__file__).resolve().parent.parent
DOC = ROOT / "docs" / "MODDING.md"
YOUR_INSTALL = "file:///home/you/frontier-lab/"
STATS_SHARE_POINTS = 3.0
STATS_PER_WORLD = 0.05
STATS_NEARLY = 3

_FENCE = re.compile(r"^([ \t]*)```(\w*)[^\n]*\n(.*?)^\1```[ \t]*$", re.DOTALL | re.MULTILINE)
_CAPTION = re.compile(r"^(File|Add to) `([^`]+)`:\s*$")
_STATS_ROW = re.compile(r"^(\S+)\s+(\d+\.\d)%\s+(\d+\.\d\d)(.*)$")
_NEARLY = re.compile(r"Fire in nearly every world: (\d+)\.")


def parts(text: str) -> tuple[str, str]:
    """Part 1's text (the tutorial), and Part 2's (the reference)."""
    start, end = text.index("\n# Part 1"), text.index("\n# Part 2")
    return text[start:end], text[end:]


@dataclass
class Block:
    at: int
    language: str
    body: str
    caption: tuple[str, str] | None
    claimed: bool = False

    def where(self) -> str:
        first = self.body.strip().splitlines()[0] if self.body.strip() else ""
        return f"the {self.language or 'plain'} block starting {first!r}"


def blocks(part: str) -> list[Block]:
    found = []
    for m in _FENCE.finditer(part):
        before = [line for line in part[:m.start()].splitlines() if line.strip()]
        caption = _CAPTION.match(before[-1]) if before else None
        found.append(Block(m.start(), m.group(2), textwrap.dedent(m.group(3)),
                           (caption.group(1), caption.group(2)) if caption else None))
    return found


# --- comparing output ----------------------------------------------------------------------------


def _line_pattern(expected: str) -> re.Pattern[str]:
    parts = re.split(r"(checked in \d+ ms|/…/)", expected)
    out = []
    for part in parts:
        if re.fullmatch(r"checked in \d+ ms", part):
            out.append(r"checked in \d+ ms")
        elif part == "/…/":
            out.append(r"/(?:[^/\s][^/]*/)+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def _same_line(expected: str, actual: str, stats: bool) -> bool:
    if stats:
        e, a = _STATS_ROW.match(expected), _STATS_ROW.match(actual)
        if e and a:
            return (e.group(1) == a.group(1) and e.group(4).strip() == a.group(4).strip()
                    and abs(float(e.group(2)) - float(a.group(2))) <= STATS_SHARE_POINTS
                    and abs(float(e.group(3)) - float(a.group(3))) <= STATS_PER_WORLD + 1e-9)
        e, a = _NEARLY.search(expected), _NEARLY.search(actual)
        if e and a:
            if abs(int(e.group(1)) - int(a.group(1))) > STATS_NEARLY:
                return False
            expected, actual = _NEARLY.sub("", expected), _NEARLY.sub("", actual)
    return _line_pattern(expected).fullmatch(actual) is not None


def same_output(expected: list[str], actual: list[str], stats: bool = False) -> bool:
    """Whether ``actual`` is what ``expected`` quotes, with the module docstring's wildcards."""
    memo: dict[tuple[int, int], bool] = {}

    def match(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if i == len(expected):
                memo[i, j] = j == len(actual)
            elif expected[i] == "…":
                memo[i, j] = any(match(i + 1, k) for k in range(j, len(actual) + 1))
            else:
                memo[i, j] = (j < len(actual) and _same_line(expected[i], actual[j], stats)
                              and match(i + 1, j + 1))
        return memo[i, j]

    return match(0, 0)


# --- the reader ----------------------------------------------------------------------------------


@dataclass
class Reader:
    """Someone doing the tutorial in ``cwd``."""

    cwd: Path
    doc: str = ""
    written: set[str] = field(default_factory=set)
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def install(self) -> str:
        return ROOT.as_uri() + "/"

    def path(self, name: str) -> Path:
        return self.cwd / name

    def run(self, command: str) -> tuple[int, list[str]]:
        argv = shlex.split(command)
        if argv[0] == "rm":
            for name in argv[1:]:
                self.path(name).unlink()
            return 0, []
        assert argv[0] == "frontier-lab", f"the tutorial runs `{command}`, which the walk " \
            "does not know: teach it `Reader.run`"
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_main(argv[1:])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        return code, (out.getvalue() + err.getvalue()).splitlines()

    def expect(self, command: str, expected: list[str]) -> None:
        code, lines = self.run(command)
        wanted = 1 if any(re.search(r"\b[1-9][\d,]* errors?\b", line) for line in expected) else 0
        assert same_output(expected, lines, stats=" stats" in command), (
            f"docs/MODDING.md quotes `$ {command}` as printing\n  " + "\n  ".join(expected)
            + "\nbut it prints\n  " + "\n  ".join(lines))
        assert code == wanted, f"`{command}` exits with {code}, not {wanted}:\n" + "\n".join(lines)

    def quoted(self, command: str, message: str, whole: bool = False) -> None:
        """``message`` is in a line that ``command`` prints (``whole``: is one of its lines)."""
        _, lines = self.run(command)
        assert any(message == line if whole else message in line for line in lines), (
            f"docs/MODDING.md says `{command}` gives\n  {message}\nbut it prints\n  "
            + "\n  ".join(lines))

    def write(self, verb: str, name: str, body: str) -> None:
        body = body.replace(YOUR_INSTALL, self.install)
        target = self.path(name)
        if verb == "File" and target.exists() and name not in self.written:
            assert target.read_text(encoding="utf-8") == body, (
                f"docs/MODDING.md shows {name} as a command wrote it, and it differs")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if verb == "Add to":
            assert target.exists(), f"docs/MODDING.md adds to {name} before it exists"
            body = target.read_text(encoding="utf-8") + "\n" + body
        target.write_text(body, encoding="utf-8")
        self.written.add(name)

    def edit(self, name: str, old: str, new: str) -> None:
        target = self.path(name)
        text = target.read_text(encoding="utf-8")
        assert old in text, f"docs/MODDING.md has the reader change {old!r} in {name}, " \
            "which is not there"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        self.edits[new] = (name, old)

    def undo(self, new: str) -> None:
        name, old = self.edits.pop(new)
        self.edit(name, new, old)
        self.edits.pop(old)

    @contextlib.contextmanager
    def trying(self, name: str, old: str, new: str) -> Iterator[None]:
        """An edit the text makes only to show what it gives, then takes back."""
        self.edit(name, old, new)
        try:
            yield
        finally:
            self.undo(new)


# --- what the text tells the reader to do ---------------------------------------------------------

SUPPLY = "mypack/events/supply.toml"
SCENARIO = "mypack/scenarios/fab-fire.toml"
VALIDATE = "frontier-lab packs validate mypack"


def _tree(reader: Reader, block: Block | None) -> None:
    """Step 2's listing is what `packs new` made."""
    assert block is not None
    lines = block.body.splitlines()
    folder = lines[0].strip().rstrip("/")
    listed = {line.split()[0] for line in lines[1:] if line.strip()}
    made = {p.relative_to(reader.path(folder)).as_posix()
            for p in reader.path(folder).rglob("*") if p.is_file()}
    assert listed == made, f"step 2 lists {sorted(listed)}, but `packs new` made {sorted(made)}"


def _typo_in_trigger(reader: Reader, _: Block | None) -> None:
    reader.edit(SUPPLY, "and owned_h100e >", "and owned_h100 >")


def _misspelt_key(reader: Reader, block: Block | None) -> None:
    assert block is not None
    with reader.trying(SUPPLY, "mtth_quarters = 12", "mtth_quarter = 12"):
        for line in block.body.splitlines():
            reader.quoted(VALIDATE, line, whole=True)


def _lax_type(reader: Reader, _: Block | None) -> None:
    with reader.trying(SUPPLY, "once = true", 'once = "yes"'):
        reader.quoted(VALIDATE, "'event[0].once': expected true or false, got \"yes\"; write "
                      "true, not \"yes\"")


def _typo_fixed(reader: Reader, _: Block | None) -> None:
    reader.undo("and owned_h100 >")
    code, lines = reader.run(VALIDATE)
    assert code == 0 and lines[0].startswith("ok: "), "\n".join(lines)


def _schema_lines(reader: Reader, block: Block | None) -> None:
    """Step 7's `#:schema` paths reach the schemas `packs schema --out` wrote."""
    assert block is not None
    relative = block.body.split("#:schema", 1)[1].strip()
    assert (reader.path("mypack/events") / relative).is_file(), relative
    assert (reader.path("mypack") / "./.schemas/pack.schema.json").is_file()


def _economy_typo(reader: Reader, _: Block | None) -> None:
    with reader.trying("mypack/economy.toml", "power_price_mwh = 150", "power_prise_mwh = 150"):
        reader.quoted(VALIDATE, "unknown key 'fleet.power_prise_mwh' (did you mean "
                      "'power_price_mwh'?)")


def _pool_note(reader: Reader, _: Block | None) -> None:
    reader.quoted(VALIDATE, "mypack.meridian_release 35.0%")


def _runrate(reader: Reader, _: Block | None) -> None:
    with reader.trying("mypack/rivals.toml", "runrate = 0.04 ", "runrate = 1.0 "):
        reader.quoted(VALIDATE, "the labs' run-rates ($1.47B/year at their prices) leave no room "
                      "for open-weight models in a $0.65B/year market")


def _second_replacement(reader: Reader, _: Block | None) -> None:
    """Step 11: a second pack replacing the same base event, with no order between the two."""
    mine = reader.path("mypack/events/partners.toml").read_text(encoding="utf-8")
    theirs = reader.path("otherpack/events/partners.toml")
    theirs.write_text(mine.replace("mypack.vendor_deal_review", "otherpack.vendor_deal_review"),
                      encoding="utf-8")
    try:
        with reader.trying("otherpack/pack.toml", 'load_after = ["mypack"]', "load_after = []"):
            reader.quoted("frontier-lab packs validate mypack otherpack",
                          "conflict: pack 'mypack' also replaces 'base.vendor_deal_review' and "
                          "neither pack loads after the other; add load_after to one of them")
    finally:
        theirs.unlink()


def _pack_option(reader: Reader, _: Block | None) -> None:
    """Step 13 names every command that takes --pack, and only those."""
    said = re.search(r"\*\*`--pack DIR`\*\*, on (.*?) \(repeat", reader.doc, re.DOTALL)
    assert said is not None
    named = set(re.findall(r"`([a-z ]+)`", said.group(1)))
    taking = set()
    for command, sub in _subcommands(build_parser()):
        if any("--pack" in action.option_strings for action in sub._actions):
            taking.add(command)
    assert named == taking, f"step 13 names {sorted(named)}; --pack is on {sorted(taking)}"


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[
        tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield prefix + name, sub
                yield from _subcommands(sub, prefix + name + " ")


def _load_after(reader: Reader, block: Block | None) -> None:
    assert block is not None
    reader.edit("otherpack/pack.toml", "load_after = []", block.body.strip())


def _ordered(reader: Reader, _: Block | None) -> None:
    code, lines = reader.run("frontier-lab packs validate mypack otherpack")
    assert code == 0, "\n".join(lines)


def _scenario(reader: Reader, block: Block | None) -> None:
    """Step 12: the document's top, then the three tables of the base scenario it names."""
    assert block is not None
    base = (ROOT / "content" / "base" / "scenarios" / "ipo-window.toml").read_text("utf-8")
    tables = base[base.index("\n[start_state]") + 1:]
    assert re.findall(r"^\[(\w+)\]", tables, re.MULTILINE) == ["start_state", "outcome", "score"]
    reader.write("File", SCENARIO, block.body + "\n" + tables)
    code, lines = reader.run("frontier-lab packs validate --strict mypack otherpack")
    assert code == 0, "\n".join(lines)


def _script_too_early(reader: Reader, _: Block | None) -> None:
    with reader.trying(SCENARIO, "quarter = 2\n", "quarter = 1\n"):
        reader.quoted(VALIDATE, "warning: scenario 'fab-fire': scripted event 'mypack.fab_fire' "
                      "cannot happen at quarter 1: its trigger never holds there: ")


def _script_typo(reader: Reader, block: Block | None) -> None:
    assert block is not None
    with reader.trying(SCENARIO, 'event = "mypack.fab_fire"', 'event = "mypack.fab_fir"'):
        for line in block.body.splitlines():
            reader.quoted(VALIDATE, line, whole=True)


def _simulate(reader: Reader, _: Block | None) -> None:
    command = ("frontier-lab simulate --pack mypack --scenario fab-fire --strategy balanced "
               "--worlds 2000")
    code, lines = reader.run(command)
    assert code == 0 and lines[0].startswith("The fab fire — balanced strategy"), "\n".join(lines)


def _parse_only(reader: Reader, block: Block | None) -> None:
    """Step 13's commands parse (they are not run: `play` is the interactive game)."""
    assert block is not None
    for line in block.body.splitlines():
        argv = shlex.split(line)
        assert argv[0] == "frontier-lab", line
        build_parser().parse_args(argv[1:])
        assert "--pack" not in argv or reader.path(argv[argv.index("--pack") + 1]).is_dir(), line


def _version(reader: Reader, _: Block | None) -> None:
    code, lines = reader.run("frontier-lab --version")
    assert code == 0 and lines == [f"frontier-lab {game.__version__}"], lines


Step = Callable[[Reader, "Block | None"], None]

# (a sentence of Part 1, the language of the block after it that it claims or None, what the
# reader does). A step that claims a block is done where the block stands.
PROSE: list[tuple[str, str | None, Step]] = [
    ("`frontier-lab --version` should answer", None, _version),
    ("## 2. What you got", "", _tree),
    ("In the trigger, write `owned_h100` instead of `owned_h100e`:", None, _typo_in_trigger),
    ("write `mtth_quarter = 12` and you get", "text", _misspelt_key),
    ("`once = \"yes\"` gives `'event[0].once': expected true or false, got \"yes\"; write true, "
     "not \"yes\"`", None, _lax_type),
    ("Put `owned_h100e` back and validate again.", None, _typo_fixed),
    ("point at that with a relative path:", "toml", _schema_lines),
    ("A misspelt key is an error (`unknown key 'fleet.power_prise_mwh' (did you mean "
     "'power_price_mwh'?)`)", None, _economy_typo),
    ("or the validator says so (with `runrate = 1.0`:", None, _runrate),
    ("`packs validate` says so in a **note**", None, _pool_note),
    ("In `otherpack/pack.toml`, change the line `load_after = []` that `packs new` wrote to:",
     "toml", _load_after),
    ("Now the packs validate and `otherpack`'s price applies.", None, _ordered),
    ("Two packs that replace the same event need an order too", None, _second_replacement),
    ("below a top of your own, in `mypack/scenarios/fab-fire.toml`:", "toml", _scenario),
    ("(`scenario 'fab-fire': scripted event 'mypack.fab_fire' cannot happen at quarter 1: its "
     "trigger never holds there: ...`)", None, _script_too_early),
    ("A scripted event with a typo is reported where you wrote it, with a suggestion:", "text",
     _script_typo),
    ("`frontier-lab simulate --pack mypack --scenario fab-fire --strategy balanced --worlds "
     "2000`", None, _simulate),
    ("none of which touches the game's install:", "sh", _parse_only),
    ("**`--pack DIR`**, on `play`,", None, _pack_option),
]


def _find(part: str, sentence: str) -> int:
    pattern = r"\s+".join(re.escape(word) for word in sentence.split())
    found = [m.start() for m in re.finditer(pattern, part)]
    assert len(found) == 1, (f"docs/MODDING.md's Part 1 says {len(found)} times (not once): "
                             f"{sentence!r}; the walk's PROSE must follow the text")
    return found[0]


def plan(part: str, tutorial: bool = True) -> list[tuple[int, Callable[[Reader], None]]]:
    """Every step of Part 1, in the order a reader meets it; of Part 2 (``tutorial`` false),
    its captioned blocks and console blocks only: its other blocks are examples."""
    found = blocks(part)
    steps: list[tuple[int, Callable[[Reader], None]]] = []
    for sentence, language, step in PROSE if tutorial else []:
        at = _find(part, sentence)
        block = None
        if language is not None:
            block = next((b for b in found if b.at > at and b.language == language
                          and not b.claimed), None)
            assert block is not None, f"no {language or 'plain'} block follows {sentence!r}"
            block.claimed = True
            at = block.at
        steps.append((at, lambda r, s=step, b=block: s(r, b)))
    for b in found:
        if b.claimed:
            continue
        if b.caption is not None:
            steps.append((b.at, lambda r, b=b: r.write(*b.caption, b.body)))
        elif b.language == "console":
            steps.append((b.at, lambda r, b=b: console(r, b.body)))
        elif tutorial:
            pytest.fail(f"no step of the walk reads {b.where()} in Part 1 of docs/MODDING.md: "
                        "caption it, or give PROSE a step for it")
    return sorted(steps, key=lambda s: s[0])


def console(reader: Reader, body: str) -> None:
    command: str | None = None
    output: list[str] = []
    for line in [*body.splitlines(), "$ "]:
        if line.startswith("$ "):
            if command:
                reader.expect(command, output)
            command, output = line[2:].strip(), []
        else:
            assert command is not None, f"a console block starts without a command: {line!r}"
            output.append(line)


def walk(folder: Path, text: str) -> Reader:
    """The tutorial, then Part 2's files of the same pack and its console blocks, in order."""
    reader = Reader(folder, text)
    tutorial, reference = parts(text)
    for _, step in [*plan(tutorial), *plan(reference, tutorial=False)]:
        step(reader)
    return reader


@pytest.fixture
def reader_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRONTIER_LAB_LANG", raising=False)
    return tmp_path


def test_the_tutorial_is_exactly_true(reader_folder: Path) -> None:
    """Part 1 done from an empty folder, then Part 2's files of the same pack: every command
    prints what the document quotes, and the packs end valid without a warning."""
    reader = walk(reader_folder, DOC.read_text(encoding="utf-8"))
    code, lines = reader.run("frontier-lab packs validate --strict mypack otherpack")
    assert code == 0 and [line for line in lines if ": warning: " in line] == [], lines
    for name in ("mypack/events/supply.toml", "mypack/economy.toml", "mypack/rivals.toml",
                 SCENARIO, "otherpack/economy.toml"):
        assert reader.path(name).is_file(), f"the tutorial no longer writes {name}"


@pytest.mark.parametrize(("quoted", "drifted"), [
    ("(base, mypack), 99 events", "(base, mypack), 98 events"),
    ("created mypack: pack.toml", "created mypack: manifest.toml"),
    ('name = "mypack"\nversion = "0.1.0"', 'name = "mypack"\nversion = "0.1.1"'),
    ("(column 18 of the expression)\n1 problem", "(column 17 of the expression)\n1 problem"),
    ("fab_fire                                             24.6%",
     "fab_fire                                             34.6%"),
])
def test_the_walk_fails_when_a_quoted_line_drifts(reader_folder: Path, quoted: str,
                                                  drifted: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(quoted) == 1, quoted
    with pytest.raises(AssertionError):
        walk(reader_folder, text.replace(quoted, drifted))


def test_the_wildcards_are_only_those_the_docstring_names() -> None:
    ok = "ok: 2 packs (base, mypack), 99 events — checked in 46 ms"
    assert same_output([ok], ["ok: 2 packs (base, mypack), 99 events — checked in 7 ms"])
    assert not same_output([ok], ["ok: 2 packs (base, mypack), 98 events — checked in 7 ms"])
    assert not same_output([ok], ["ok: 2 packs (base, mypack), 99 events — checked in 7 s"])
    listed = " 1  base  0.2.2  97  Frontier Lab base game — /…/content/base"
    assert same_output([listed], [listed.replace("/…/", "/opt/frontier lab/")])
    assert not same_output([listed], [listed.replace("/…/", "/").replace("0.2.2", "0.2.3")])
    assert not same_output([listed], [listed.replace("/…/content", "relative/content")])
    assert same_output(["a", "…", "d"], ["a", "b", "c", "d"])
    assert same_output(["a", "…", "d"], ["a", "d"])
    assert not same_output(["a", "…", "d"], ["a", "b", "c"])
    assert not same_output(["a", "b"], ["a", "b", "c"])
    assert same_output(["…"], [])


def test_simulated_figures_are_compared_within_the_stated_tolerance() -> None:
    row = "mypack.fab_fire                                             24.6%       0.17"
    near = "mypack.fab_fire                                             27.5%       0.21"
    far = "mypack.fab_fire                                             27.7%       0.17"
    busy = "mypack.fab_fire                                             24.6%       0.23"
    assert same_output([row], [near], stats=True)
    assert not same_output([row], [far], stats=True)
    assert not same_output([row], [busy], stats=True)
    assert not same_output([row], [near])  # outside `packs stats`, figures are exact
    flagged = "base.viral_launch          100.0%       0.34  in nearly every world"
    assert not same_output([flagged], [flagged.replace("  in nearly every world", "")],
                           stats=True)
    assert not same_output([row], [row.replace("fab_fire", "fab_reopens")], stats=True)
    last = ("101 events over 7 scenarios × 2,000 worlds (share: the scenario where it fires "
            "most). Never fire: 0. Fire in nearly every world: 19. Fire every quarter of every "
            "world: 0.")
    assert same_output([last], [last.replace("world: 19.", "world: 22.")], stats=True)
    assert not same_output([last], [last.replace("world: 19.", "world: 23.")], stats=True)
    assert not same_output([last], [last.replace("Never fire: 0", "Never fire: 1")], stats=True)
    assert not same_output([last], [last.replace("2,000", "500")], stats=True)
