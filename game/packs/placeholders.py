"""{placeholders} in a pack's text: a state name's value, formatted by its unit or by a format.

The grammar is a small part of Python's ``str.format``, the one a modder may already know:

- ``{name}`` is the value of a state name, formatted by the name's unit (``$40.0B``, ``37%``);
- ``{name:FORMAT}`` formats it another way: one of ``FORMATS`` (``{cash:$B}``, ``{share:%}``),
  with ``.N`` for N decimals where a format has decimals (``{share:%.1}`` is ``37.4%``);
- ``{{`` and ``}}`` are a literal brace.

Placeholders are rendered in an event's ``text`` and its choices' ``note``: the texts read when
the event happens, with that moment's state. A title or a choice's label is the event's name in
the news, the debrief and the "Why?" ledger, where no state of that moment is at hand, so there
a placeholder is refused and braces are shown as written. Any other brace in a rendered text (a
lone ``{`` or ``}``) is a problem for the validator, and is shown as written at run time: a text
never fails to render.

The scan is one regular expression over the text, linear in its length however the braces
fall (a text is from a stranger, and may be a megabyte of ``{``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from game.packs.errors import did_you_mean

FORMATS: dict[str, tuple[str, str, str, float]] = {
    # format -> (unit in game.packs.names, what it shows, a name and a value to show it with)
    "$B": ("$B", "money in $B, in $T from $1,000B", "cash", 37.25),
    "$": ("$", "dollars and cents", "rental_price", 1.3),
    "%": ("%", "a share as a percentage", "share", 0.374),
    "x": ("x", "a multiple", "price", 2.5),
    "int": ("int", "a whole number with thousands separators", "capacity", 427_503.4),
    "year": ("year", "a year, without a separator", "year", 2027.0),
    "plain": ("", "a number: no decimal from 10 up, one below", "hype", 0.12),
}
WHOLE = frozenset({"int", "year"})  # formats without decimals
MAX_DECIMALS = 6

_FORMAT = re.compile(r"(?P<spec>[^.]+)(?:\.(?P<decimals>\d+))?")
# A doubled brace, a placeholder (no brace inside), or a brace alone: each match is one token,
# and the text between matches is literal.
_TOKEN = re.compile(r"\{\{|\}\}|\{(?P<inner>[^{}]*)\}|[{}]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


class FormatError(ValueError):
    """A format after ':' that is not one (``unknown``), or decimals it cannot have."""

    def __init__(self, message: str, unknown: bool = False) -> None:
        super().__init__(message)
        self.unknown = unknown


@dataclass(frozen=True, slots=True)
class Format:
    unit: str  # a unit of game.packs.names ("" is plain)
    decimals: int | None  # None: the unit's own


def parse_format(spec: str) -> Format:
    """``$B``, ``%.1``… as a Format; FormatError when it is none."""
    m = _FORMAT.fullmatch(spec)
    name = m.group("spec") if m else spec
    if m is None or name not in FORMATS:
        raise FormatError(f"unknown format '{spec}'", unknown=True)
    digits = m.group("decimals")
    if digits is None:
        return Format(FORMATS[name][0], None)
    if name in WHOLE:
        raise FormatError(f"'{name}' is a whole number, without decimals (plain.{digits} "
                          f"shows {digits})")
    if int(digits) > MAX_DECIMALS:
        raise FormatError(f"at most {MAX_DECIMALS} decimals, not {int(digits):,}")
    return Format(FORMATS[name][0], int(digits))


def format_value(unit: str, value: float, decimals: int | None = None) -> str:
    """A number as a player reads it: '$37.2B', '41%', '2.40×', '1,536'; with ``decimals``
    where the unit has them ('$37.25B', '41.2%')."""
    def d(default: int) -> int:
        return default if decimals is None else decimals

    if unit == "$B":
        sign = "−" if value < 0 else ""
        v = abs(value)
        return f"{sign}${v / 1000:,.{d(2)}f}T" if v >= 1000 else f"{sign}${v:,.{d(1)}f}B"
    if unit == "$":
        return f"${value:,.{d(2)}f}"
    if unit == "%":
        return f"{value:.{d(0)}%}"
    if unit == "x":
        return f"{value:.{d(2)}f}×"
    if unit == "int":
        return f"{value:,.0f}"
    if unit == "year":
        return f"{value:.0f}"
    if decimals is not None:
        return f"{value:.{decimals}f}"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


# --- rendering -----------------------------------------------------------------------------------

Lookup = Callable[[str], tuple[str, float] | None]  # name -> (unit, value), None when unknown


def render(text: str, lookup: Lookup) -> str:
    """``text`` with each {name} or {name:format} replaced by its value and each doubled brace
    made single. A placeholder whose name or format is unknown, and a lone brace, stay as
    written (the validator has said so)."""

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        inner = m.group("inner")
        if inner is None:
            return token
        name, colon, spec = inner.partition(":")
        found = lookup(name.strip())
        if found is None:
            return token
        unit, value = found
        decimals = None
        if colon:
            try:
                fmt = parse_format(spec.strip())
            except FormatError:
                return token
            unit, decimals = fmt.unit, fmt.decimals
        return format_value(unit, value, decimals)

    return _TOKEN.sub(one, text)


# --- checking ------------------------------------------------------------------------------------


def names_in(text: str) -> list[str]:
    """The names of the text's placeholders, in order, each once."""
    found: dict[str, None] = {}
    for m in _TOKEN.finditer(text):
        inner = m.group("inner")
        if inner is not None:
            found.setdefault(inner.partition(":")[0].strip(), None)
    return list(found)


def problems(text: str, where: str, known: Collection[str], suggest: Callable[[str], str],
             allowed: Collection[str] | None = None) -> list[str]:
    """What is wrong with the placeholders of a rendered text (``where``: "its text"), each
    said once: an unknown name (with ``suggest``'s "did you mean"), a name the original text
    does not have (``allowed``: a translation's original's names), an unknown format, a lone
    brace."""
    said: list[str] = []
    seen: set[str] = set()
    for m in _TOKEN.finditer(text):
        token, inner = m.group(0), m.group("inner")
        if token in ("{{", "}}"):
            continue
        if inner is None:
            if token not in seen:
                seen.add(token)
                after = text[m.end():m.end() + 12].split("\n")[0]
                said.append(f"a lone '{token}' in {where}" + (f" (before '{after}')" if after
                                                               else "")
                            + f": write '{token * 2}' for a brace, or {{name}} for a value")
            continue
        name, colon, spec = inner.partition(":")
        name = name.strip()
        if token in seen or name in seen:  # each name said once, each format once
            continue
        seen.add(token)
        if not name:
            said.append(f"an empty placeholder '{token}' in {where}: name a state, as in "
                        "{cash}, or write '{{' for a brace")
            continue
        if name not in known:
            seen.add(name)
            said.append(f"unknown placeholder '{{{name}}}' in {where}{suggest(name)}")
            continue
        if allowed is not None and name not in allowed:
            seen.add(name)
            have = ", ".join(f"{{{n}}}" for n in allowed) or "none"
            said.append(f"placeholder '{{{name}}}' in {where} is not in the original "
                        f"(which has {have})")
            continue
        if colon:
            spec = spec.strip()
            try:
                parse_format(spec)
            except FormatError as exc:
                said.append(f"{exc} in '{token}' in {where}{_format_hint(spec)}; the formats "
                            f"are {', '.join(FORMATS)}, with .N for N decimals (as in %.1)"
                            if exc.unknown else f"'{token}' in {where}: {exc}")
    return said


def shown_as_written(text: str, where: str) -> list[str]:
    """A text shown as written (a title, a choice's label): a placeholder there would reach
    the screen as '{cash}', so each one is a problem."""
    said = []
    for m in _TOKEN.finditer(text):
        inner = m.group("inner")
        if inner is not None and _NAME.fullmatch(inner.partition(":")[0].strip()):
            said.append(f"'{m.group(0)}' in {where} would show as written: placeholders show "
                        "values only in an event's text and its choices' notes")
            break  # one is enough to say it
    return said


def _format_hint(spec: str) -> str:
    base = spec.split(".")[0]
    if base in FORMATS:
        return ""
    same = next((f for f in FORMATS if f.lower() == base.lower()), None)  # $b, Int, %
    return f" (did you mean '{same}'?)" if same else did_you_mean(base, list(FORMATS))
