"""Problems in content, collected and reported like a compiler: ``path:line:col: message``.

A problem is an error (the packs do not load), a warning (they load, but something is very likely
not what the author meant: ``path:line:col: warning: message``) or a note (they load as written,
and the note says something the author may not expect: ``note:``). ``packs validate --strict``
counts warnings as errors; notes never stop anything. A warning's ``code`` (printed last, in
brackets) is what an event's or a scripted entry's ``allow = [...]`` names to silence it.

A pack is text from a stranger, and it can have millions of mistakes: a load keeps the first
``MAX_PROBLEMS`` and stops checking (``full``), each message is at most ``MAX_MESSAGE``
characters however long the text it quotes and is printed on one line without control
characters, and ``report`` lists at most ``MAX_SHOWN`` with a
count of the rest. "Did you mean" costs each problem a bounded amount, however large the pack
and however its names are made: a name is compared with every option only when they are few,
else with its neighbours in spelling (``Suggestions``, indexed once a load), and difflib's full
comparison (quadratic in the length: 0.5 ms for two names of 64 x's) is made for the two options
most alike by its linear measure, never for names longer than ``MAX_NAME``.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
from collections.abc import Collection, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path

from game.text import printable

MAX_PROBLEMS = 10_000  # a load that finds this many stops checking
MAX_SHOWN = 100  # problems listed in a ContentError's text; the rest are counted
MAX_MESSAGE = 400  # characters of one message: a name it quotes may be a megabyte long
MAX_NAME = 64  # a longer name, or option, is no slip of the finger: nothing is suggested
SCAN = 64  # options compared one by one; a larger set is searched by spelling
NEIGHBOURS = 6  # options taken each side of a name, by spelling from the front and the back
RATIOS = 2  # full comparisons for one name
CUTOFF = 0.6  # difflib's: how alike a suggestion must be


def did_you_mean(name: str, options: Iterable[str] | Suggestions) -> str:
    """' (did you mean 'x'?)' for the closest option, or '' when nothing is close."""
    if isinstance(options, Suggestions):
        return options(name)
    close = closest(name, options)
    return f" (did you mean '{close}'?)" if close is not None else ""


def closest(name: str, options: Iterable[str]) -> str | None:
    """difflib.get_close_matches(name, options, n=1)[0], its cost bounded: the full comparison
    (``ratio``) only for the RATIOS options that its linear upper bound (``quick_ratio``) finds
    most alike, and nothing for a name or an option longer than MAX_NAME. None when no option
    is as alike as CUTOFF."""
    if len(name) > MAX_NAME:
        return None
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(name)
    likely: list[tuple[float, str]] = []
    for option in options:
        if len(option) > MAX_NAME:
            continue
        matcher.set_seq1(option)
        if matcher.real_quick_ratio() >= CUTOFF and (alike := matcher.quick_ratio()) >= CUTOFF:
            likely.append((alike, option))
    best: tuple[float, str] | None = None
    for _, option in heapq.nlargest(RATIOS, likely):
        matcher.set_seq1(option)
        found = (matcher.ratio(), option)
        if found[0] >= CUTOFF and (best is None or found > best):
            best = found
    return best[1] if best is not None else None


class Suggestions:
    """"Did you mean" over one set of options, indexed once for the many problems that may
    need it: a large set is searched among the options of about the name's length that sort
    nearest it, spelt forwards and backwards (a slip late or early in the name), so a problem
    costs a few dozen comparisons, not one per option. Each name is answered once."""

    def __init__(self, options: Iterable[str]) -> None:
        self.options = sorted(set(options))
        self.by_length: dict[int, tuple[list[str], list[str]]] = {}
        if len(self.options) > SCAN:
            groups: dict[int, list[str]] = {}
            for option in self.options:
                groups.setdefault(len(option), []).append(option)
            self.by_length = {n: (group, sorted(o[::-1] for o in group))
                              for n, group in groups.items()}
        self.answers: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self.answers:
            self.answers[name] = did_you_mean(name, self.candidates(name))
        return self.answers[name]

    def __contains__(self, name: object) -> bool:
        i = bisect.bisect_left(self.options, name) if isinstance(name, str) else 0
        return i < len(self.options) and self.options[i] == name

    def __len__(self) -> int:
        return len(self.options)

    def __iter__(self) -> Iterator[str]:
        return iter(self.options)

    def candidates(self, name: str) -> Collection[str]:
        if not self.by_length:
            return self.options
        near: set[str] = set()
        for length in range(len(name) - 1, len(name) + 2):  # one letter more or fewer
            forward, backward = self.by_length.get(length, ([], []))
            for group, key, flip in ((forward, name, False), (backward, name[::-1], True)):
                i = bisect.bisect_left(group, key)
                near.update(o[::-1] if flip else o
                            for o in group[max(0, i - NEIGHBOURS):i + NEIGHBOURS])
        return near


ERROR, WARNING, NOTE = "error", "warning", "note"


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path | str
    message: str
    line: int | None = None
    col: int | None = None
    severity: str = ERROR  # ERROR, WARNING or NOTE
    code: str | None = None  # a warning's kind, which `allow = [...]` names to silence it

    def __post_init__(self) -> None:
        if len(self.message) > MAX_MESSAGE:
            cut = self.message[:MAX_MESSAGE - 40] + " … " + self.message[-37:]
            object.__setattr__(self, "message", cut)

    def __str__(self) -> str:
        """One line, without control characters: a message quotes a pack's text (a key in
        quotes may hold an escape sequence that would recolour or clear the terminal)."""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        tag = "" if self.severity == ERROR else f"{self.severity}: "
        code = f" [{self.code}]" if self.code else ""
        return " ".join(printable(f"{where}: {tag}{self.message}{code}").split("\n"))

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def full(problems: Sized) -> bool:
    """Whether a load has found all the problems it reports: then it stops checking."""
    return len(problems) >= MAX_PROBLEMS


def capped(problems: list[Problem]) -> list[Problem]:
    """A load's problems as reported: the first MAX_PROBLEMS found and, when the load stopped
    there, one more saying so (at the file where it stopped)."""
    if not full(problems):
        return problems
    kept = problems[:MAX_PROBLEMS]
    return [*kept, Problem(kept[-1].path, f"checking stopped after {MAX_PROBLEMS:,} problems: "
                                          "fix these, then check again for the rest")]


def report(problems: Sequence[Problem], limit: int = MAX_SHOWN) -> list[str]:
    """The problems one a line: the first ``limit``, then a line counting the rest."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        rest = len(problems) - limit
        lines.append(f"… and {rest:,} more problem{'s' * (rest != 1)} "
                     "(`frontier-lab packs validate` lists them)")
    return lines


class ContentError(Exception):
    """One or more problems in content files; ``str()`` lists them one per line (the first
    MAX_SHOWN, then how many more)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(report(problems)))
