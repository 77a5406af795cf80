"""What an expression can be, given the bounds of the names it reads: interval reasoning over its
syntax tree, for the validator's warnings.

    unserved > 2          unserved is 0 – 1: never true
    sentiment >= 0        sentiment is 0 – 100: always true
    cash / (2 - 2)        the divisor is always 0, so the quotient is 0

Each value is an interval [low, high] whose ends may be infinite (no bound); a name's comes from
its declared bounds (``game.packs.names``), or from the caller (a quarter fixed by a scenario's
script). The arithmetic follows the compiled code's rules: division by zero gives 0, log10 of 0
or less is -300, comparisons and ``and``/``or``/``not`` give 1 or 0, and a condition holds where
its value is not 0. Each node is visited once, and a chained comparison reads each of its terms
once, as the compiled code does: the work is linear in the expression's size.

It is sound, not complete: where it says a comparison is never (or always) true, it is so in
every world, as long as no value overflows past 1e300 (no state name comes near, and constants
are at most 1e15); it says "may be" where a cleverer check would know more (``cash - cash`` may be
anything to it, not 0), so it misses some mistakes but never invents one. It never raises on an
expression the compiler accepts (the pack fuzz test holds it to that), and on anything else it
gives up with "anything".
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from game.packs.expressions import (
    CONSTANTS,
    ExprError,
    as_written,
    name_of,
    parse,
    parsed_text,
)

INF = math.inf
Bounds = Callable[[str], tuple[float, float]]  # a state name -> (low, high)
NEVER, ALWAYS, ZERO = "never", "always", "zero"
_LINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Finding:
    """Something the bounds show about a part of an expression."""

    kind: str  # NEVER or ALWAYS: a comparison reading state that is never, or always, true;
    # ZERO: a division whose divisor is always 0
    text: str  # the part as written (the comparison, or the division)
    col: int  # where the part starts in the expression's string, from 1
    names: tuple[str, ...]  # the state names it reads, in order, each once


@dataclass(frozen=True)
class Reading:
    """What an expression can be: its value's interval, whether it reads the state at all, and
    the findings about its parts, innermost first and then left to right. A comparison that is
    vacuous only because a part inside it is (``(unserved > 2) < 5``) is not a finding of its
    own: one root cause, one finding."""

    low: float
    high: float
    reads: bool
    findings: tuple[Finding, ...] = ()

    @property
    def truth(self) -> str | None:
        """NEVER when it can never hold (it is always 0), ALWAYS when it always holds (it is
        never 0), None when it may or may not."""
        return _truth(self.low, self.high)


ANYTHING = Reading(-INF, INF, True)


def read(source: str, bounds: Bounds) -> Reading:
    """What ``source`` can be when each name it reads is within ``bounds``. An expression the
    compiler refuses reads as anything."""
    try:
        body, offset = parse(source)
    except ExprError:
        return ANYTHING
    walker = _Walker(source, offset, bounds)
    try:
        low, high, reads = walker.visit(body)
    except (RecursionError, MemoryError):  # not for a compiled expression: 32 levels at most
        return ANYTHING
    return Reading(low, high, reads, tuple(walker.findings))


def _truth(low: float, high: float) -> str | None:
    if low == 0.0 and high == 0.0:
        return NEVER
    if low > 0.0 or high < 0.0:
        return ALWAYS
    return None


def _interval(*candidates: float) -> tuple[float, float]:
    """The smallest interval holding every candidate end; anything if one is not a number."""
    if any(c != c for c in candidates):
        return -INF, INF
    return min(candidates), max(candidates)


def _times(a: float, b: float) -> float:
    """An end of a product: 0 times an unbounded end is 0 (the value itself is finite)."""
    return 0.0 if a == 0.0 or b == 0.0 else a * b


def _over(a: float, b: float) -> float:
    """An end of a quotient by an interval without 0: a finite value over an unbounded end
    tends to 0; two unbounded ends say nothing (not a number: anything)."""
    if math.isinf(b):
        return math.nan if math.isinf(a) else 0.0
    return a / b


_VERDICTS: dict[type[ast.cmpop], Callable[[float, float, float, float], str | None]] = {
    ast.Lt: lambda al, ah, bl, bh: ALWAYS if ah < bl else NEVER if al >= bh else None,
    ast.LtE: lambda al, ah, bl, bh: ALWAYS if ah <= bl else NEVER if al > bh else None,
    ast.Gt: lambda al, ah, bl, bh: ALWAYS if al > bh else NEVER if ah <= bl else None,
    ast.GtE: lambda al, ah, bl, bh: ALWAYS if al >= bh else NEVER if ah < bl else None,
    ast.Eq: lambda al, ah, bl, bh: (ALWAYS if al == ah == bl == bh
                                    else NEVER if ah < bl or bh < al else None),
    ast.NotEq: lambda al, ah, bl, bh: (NEVER if al == ah == bl == bh
                                       else ALWAYS if ah < bl or bh < al else None),
}
_AS_NUMBER = {NEVER: (0.0, 0.0), ALWAYS: (1.0, 1.0), None: (0.0, 1.0)}


class _Walker:
    """One bottom-up pass: each node's interval (low, high) and whether it reads the state,
    recording the findings on the way."""

    def __init__(self, source: str, offset: int, bounds: Bounds):
        self.text = parsed_text(source)  # what ast's positions count in
        self.offset = offset
        self.bounds = bounds
        self.findings: list[Finding] = []
        self._starts: list[int] | None = None  # where each line of the text starts

    def visit(self, node: ast.AST) -> tuple[float, float, bool]:
        if isinstance(node, ast.Constant):
            value = node.value
            if not isinstance(value, int | float) or isinstance(value, complex):
                return -INF, INF, False
            try:
                v = float(value)
            except OverflowError:  # an int past a float: the compiler refuses it before
                v = INF if value > 0 else -INF
            return v, v, False
        if isinstance(node, ast.Name):
            raw = name_of(node)
            if raw in CONSTANTS:
                return CONSTANTS[raw], CONSTANTS[raw], False
            low, high = self.bounds(raw)
            return low, high, True
        if isinstance(node, ast.UnaryOp):
            low, high, reads = self.visit(node.operand)
            if isinstance(node.op, ast.Not):
                return (*_AS_NUMBER[_flip(_truth(low, high))], reads)
            if isinstance(node.op, ast.USub):
                return -high, -low, reads
            return low, high, reads
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.BoolOp):
            parts = [self.visit(v) for v in node.values]
            verdicts = [_truth(lo, hi) for lo, hi, _ in parts]
            stop, go = (NEVER, ALWAYS) if isinstance(node.op, ast.And) else (ALWAYS, NEVER)
            verdict = (stop if stop in verdicts else go if all(v == go for v in verdicts)
                       else None)
            return (*_AS_NUMBER[verdict], any(r for _, _, r in parts))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        return -INF, INF, True  # nothing the compiler accepts: anything

    def binop(self, node: ast.BinOp) -> tuple[float, float, bool]:
        al, ah, ar = self.visit(node.left)
        bl, bh, br = self.visit(node.right)
        reads = ar or br
        if isinstance(node.op, ast.Add):
            return (*_interval(al + bl, ah + bh), reads)
        if isinstance(node.op, ast.Sub):
            return (*_interval(al - bh, ah - bl), reads)
        if isinstance(node.op, ast.Mult):
            return (*_interval(_times(al, bl), _times(al, bh), _times(ah, bl), _times(ah, bh)),
                    reads)
        if not isinstance(node.op, ast.Div):
            return -INF, INF, reads
        if bl == 0.0 and bh == 0.0:  # always divided by 0: always 0
            self.found(ZERO, node)
            return 0.0, 0.0, reads
        if al == 0.0 and ah == 0.0:
            return 0.0, 0.0, reads
        if bl > 0.0 or bh < 0.0:  # the divisor is never 0
            return (*_interval(_over(al, bl), _over(al, bh), _over(ah, bl), _over(ah, bh)),
                    reads)
        # The divisor may be 0 (the quotient is then 0) or come as near it as it likes.
        if bl >= 0.0 or bh <= 0.0:  # one sign, or 0: the quotient's sign is known when a's is
            positive = bl >= 0.0
            if al >= 0.0:
                return (0.0, INF, reads) if positive else (-INF, 0.0, reads)
            if ah <= 0.0:
                return (-INF, 0.0, reads) if positive else (0.0, INF, reads)
        return -INF, INF, reads

    def compare(self, node: ast.Compare) -> tuple[float, float, bool]:
        before = len(self.findings)
        terms = [self.visit(t) for t in (node.left, *node.comparators)]
        verdicts = []
        for op, (al, ah, _), (bl, bh, _) in zip(node.ops, terms, terms[1:], strict=False):
            judge = _VERDICTS.get(type(op))
            verdicts.append(judge(al, ah, bl, bh) if judge is not None else None)
        verdict = (NEVER if NEVER in verdicts
                   else ALWAYS if all(v == ALWAYS for v in verdicts) else None)
        reads = any(r for _, _, r in terms)
        if verdict is not None and reads and len(self.findings) == before:
            self.found(verdict, node)  # not when a finding inside it is why: one root cause
        return (*_AS_NUMBER[verdict], reads)

    def call(self, node: ast.Call) -> tuple[float, float, bool]:
        args = [self.visit(a) for a in node.args]
        name = name_of(node.func) if isinstance(node.func, ast.Name) else ""
        reads = any(r for _, _, r in args)
        if not args:
            return -INF, INF, reads
        if name == "min":
            return min(lo for lo, _, _ in args), min(hi for _, hi, _ in args), reads
        if name == "max":
            return max(lo for lo, _, _ in args), max(hi for _, hi, _ in args), reads
        if name == "abs":
            low, high, _ = args[0]
            if low >= 0.0:
                return low, high, reads
            if high <= 0.0:
                return -high, -low, reads
            return 0.0, max(-low, high), reads
        if name == "clip" and len(args) == 3:  # min(max(x, lo), hi)
            (xl, xh, _), (ll, lh, _), (hl, hh, _) = args
            return min(max(xl, ll), hl), min(max(xh, lh), hh), reads
        if name == "log10":
            low, high, _ = args[0]
            return _log10(low), _log10(high), reads
        return -INF, INF, reads

    def found(self, kind: str, node: ast.expr) -> None:
        text = as_written(ast.get_source_segment(self.text, node) or "")
        inside = list(ast.walk(node))
        called = {id(n.func) for n in inside if isinstance(n, ast.Call)}
        names = tuple(dict.fromkeys(name_of(n) for n in inside if isinstance(n, ast.Name)
                                    and id(n) not in called and name_of(n) not in CONSTANTS))
        self.findings.append(Finding(kind, " ".join(text.split()), self.column(node), names))

    def column(self, node: ast.expr) -> int:
        """The node's column in the expression's string, from 1, in characters (ast counts the
        bytes of UTF-8 within a line, and lines from 1)."""
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _LINES.finditer(self.text)]
        line = min(max(getattr(node, "lineno", 1), 1), len(self._starts)) - 1
        start = self._starts[line]
        raw = self.text[start:].encode("utf-8")[:getattr(node, "col_offset", 0)]
        return start + len(raw.decode("utf-8", errors="ignore")) + 1 + self.offset


def _flip(verdict: str | None) -> str | None:
    return {NEVER: ALWAYS, ALWAYS: NEVER}.get(verdict or "")


def _log10(v: float) -> float:
    """log10 as the compiled code takes it: of 1e-300 for anything at or below it."""
    return math.log10(max(v, 1e-300))
