"""The safe expression language of packs, compiled to numpy over the world axis.

    trigger = "quarter >= 2 and (cash < 10 or rival.gemini.lead > 30) and not flag.deal_cut"

An expression is numbers, documented state names (dotted names are names, not attribute
access), comparisons, ``and``/``or``/``not``, ``+ - * /`` and the functions min, max, abs,
clip(x, lo, hi) and log10. It is parsed once with Python's ``ast`` and checked node by node
against a whitelist; anything else — attribute access, calls outside the list, subscripts,
strings, lambdas, powers — is an error naming the column. Length and nesting are bounded, so a
hostile expression is refused in bounded time, and the code it compiles to grows in proportion
to its text: each part is written once (a chained comparison ``a < b < c`` reads ``b`` once,
as Python does; writing it as ``a < b and b < c`` doubled ``b`` at every level of nesting, and
``0<(0<(…cash…)<0)<0`` of 145 characters ran out of memory), and ``MAX_CODE`` caps the rest.
Numbers are bounded as they are read. Division by zero gives 0, and log10 of a non-positive
number is log10 of 1e-300: an expression always yields finite numbers.

The compiled closures work on numpy arrays over worlds and on plain floats alike: a batch (the
live game is a batch of one world) hands them arrays, while a name that is the same in every
world (the quarter, the year) reads as a float, and a part that reads no state is folded to a
constant when it is compiled. The operations are the same either way.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Collection, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from game.packs.errors import Suggestions, did_you_mean

MAX_LENGTH = 500
MAX_DEPTH = 32
MAX_CONSTANT = 1e15
MAX_CODE = 20 * MAX_LENGTH  # characters of generated code: about 10 for each of the source's
FUNCTIONS = {"min": (2, 8), "max": (2, 8), "abs": (1, 1), "clip": (3, 3), "log10": (1, 1)}
CONSTANTS = {"true": 1.0, "false": 0.0, "True": 1.0, "False": 0.0}
# A letter that may stand in an identifier: dotted names keep their length (and columns) when
# their dots become this before parsing.
_DOT = "ǀ"
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")

Value = np.ndarray | float
Env = Callable[[str], Value]  # name -> value, for one batch of worlds
Fn = Callable[[Env], Value]


class ExprError(ValueError):
    """An expression that cannot be compiled; ``col`` is 1-based within the expression."""

    def __init__(self, message: str, col: int | None = None) -> None:
        self.message = message
        self.col = col
        super().__init__(message if col is None else f"column {col}: {message}")


@dataclass(frozen=True)
class Compiled:
    source: str
    names: frozenset[str]
    fn: Fn
    constant: float | None = None  # the value, when the expression reads no state
    # Whether it holds, for an expression whose last operation is a comparison or a logical
    # one: computed without turning truth into numbers and back (None: ``fn`` gives a number).
    truth: Fn | None = None

    def __call__(self, env: Env) -> Value:
        return self.fn(env)


def compile_expr(
    source: str, known: Collection[str], max_constant: float = MAX_CONSTANT
) -> Compiled:
    """Compile ``source``; raises ExprError naming what is wrong and where."""
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression is {len(source):,} characters long; the limit is "
                        f"{MAX_LENGTH}")
    body, offset = parse(source)
    names: set[str] = set()
    lookup = known if isinstance(known, AbstractSet | Mapping | Suggestions) else set(known)
    code, kind = _Compiler(lookup, names, offset, max_constant).visit(body, 1)
    if len(code) > MAX_CODE:  # cannot happen with code linear in the text; a guard if it did
        raise ExprError(f"expression compiles to {len(code):,} characters of code; the limit "
                        f"is {MAX_CODE:,}")
    fn = _build(_as_number(code, kind))
    if not names:  # fold it: it reads no state
        value = fn(lambda name: 0.0)
        constant = float(value) if np.isfinite(value) else 0.0
        return Compiled(source, frozenset(), _const(constant), constant)
    return Compiled(source, frozenset(names), fn, None,
                    _build(code) if kind == _TRUTH else None)


@lru_cache(maxsize=8192)  # the compiler and the validator's warnings read each text
def parse(source: str) -> tuple[ast.expr, int]:
    """The syntax tree of an expression as the compiler reads it, and how many characters of
    space were stripped before it. Dotted names are one name there, their dots written ``_DOT``
    (``name_of`` reads one back); positions are those of ``parsed_text(source)``. Raises
    ExprError when the text is no expression; what the tree may hold is checked by the
    compiler. The tree is shared (kept for the texts read last): never change it."""
    if not source.strip():
        raise ExprError("expression is empty")
    mangled = _DOTTED.sub(lambda m: m.group(0).replace(".", _DOT), source)
    offset = len(mangled) - len(mangled.lstrip())
    try:
        tree = ast.parse(parsed_text(source, mangled), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"syntax error: {exc.msg}", (exc.offset or 1) + offset) from None
    except (RecursionError, MemoryError):
        raise ExprError("expression is nested too deeply") from None
    except ValueError as exc:  # whatever else Python's parser refuses (older versions: a NUL)
        raise ExprError(f"cannot be read: {exc}") from None
    return tree.body, offset


def parsed_text(source: str, mangled: str | None = None) -> str:
    """The text ``parse`` hands to Python's parser: its dotted names' dots written ``_DOT`` (so
    each is one name), the space around it stripped. A node's positions count in it."""
    if mangled is None:
        mangled = _DOTTED.sub(lambda m: m.group(0).replace(".", _DOT), source)
    return mangled.strip()


def name_of(node: ast.Name) -> str:
    """The state name (or constant) a Name node of ``parse``'s tree stands for."""
    return as_written(node.id)


def as_written(text: str) -> str:
    """A piece of ``parsed_text`` as the pack wrote it: its dotted names' dots back."""
    return text.replace(_DOT, ".")


def _const(v: float) -> Fn:
    return lambda env: v


# What a piece of generated source yields: a number (a float or float array), a truth (a bool or
# bool array: comparisons, and/or/not) or a state name's value as read (a number in practice).
_NUMBER, _TRUTH, _READ = "number", "truth", "read"


def _as_number(code: str, kind: str) -> str:
    return code if kind == _NUMBER else f"_num({code})"


def _as_truth(code: str, kind: str) -> str:
    return code if kind == _TRUTH else f"_truth({code})"


class _Compiler:
    """Checks each node against the whitelist and writes the Python source of the same
    expression in which every name is a lookup ``E("cash")`` and every operation that must
    work on arrays and floats alike is one of this module's helpers. Only this source, built
    from checked nodes, is ever compiled: a pack's text never reaches the compiler.

    Each piece of source comes with its kind, so a truth is turned into a number (1.0 or 0.0)
    only where arithmetic needs one, and a number into a truth (≠ 0) only where logic does:
    ``a > 1 and b < 2`` is two comparisons and one ``and`` over the worlds, and where a number is
    wanted, exactly the numbers that converting at every step would give.
    """

    def __init__(self, known: Collection[str], names: set[str], offset: int,
                 max_constant: float):
        self.known = known
        self.names = names
        self.offset = offset
        self.max_constant = max_constant

    def fail(self, node: ast.AST, message: str) -> ExprError:
        col = getattr(node, "col_offset", None)
        return ExprError(message, None if col is None else col + 1 + self.offset)

    def visit(self, node: ast.AST, depth: int) -> tuple[str, str]:
        """The source of ``node`` and its kind."""
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression is nested more than {MAX_DEPTH} deep")
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self.constant(node), _NUMBER
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BoolOp):
            combine = "_and" if isinstance(node.op, ast.And) else "_or"
            parts = [_as_truth(*self.visit(v, d)) for v in node.values]
            out = parts[0]
            for part in parts[1:]:
                out = f"{combine}({out}, {part})"
            return out, _TRUTH
        if isinstance(node, ast.UnaryOp):
            inner = self.visit(node.operand, d)
            if isinstance(node.op, ast.Not):
                return f"_not({_as_truth(*inner)})", _TRUTH
            if isinstance(node.op, ast.USub):
                return f"(-{self.number(inner)})", _NUMBER
            if isinstance(node.op, ast.UAdd):
                return inner
            raise self.fail(node, "only 'not', '-' and '+' may stand before a value")
        if isinstance(node, ast.BinOp):
            return self.binop(node, d)
        if isinstance(node, ast.Compare):
            return self.compare(node, d)
        if isinstance(node, ast.Call):
            return self.call(node, d)
        if isinstance(node, ast.Attribute):
            raise self.fail(node, "attribute access is not allowed; state names such as "
                                  "rival.gemini.capability are written as one name")
        if isinstance(node, ast.IfExp):
            raise self.fail(node, "'if ... else' is not allowed; multiply by a comparison "
                                  "instead, e.g. 1 + (cash > 20) * 2")
        raise self.fail(node, f"{_describe(node)} is not allowed in an expression")

    @staticmethod
    def number(piece: tuple[str, str]) -> str:
        return _as_number(*piece)

    def constant(self, node: ast.Constant) -> str:
        value = node.value
        if isinstance(value, bool):
            return repr(float(value))
        if not isinstance(value, int | float) or isinstance(value, complex):
            raise self.fail(node, f"{type(value).__name__} values are not allowed; use numbers")
        # An int is compared before it becomes a float: 10**499 has no float (OverflowError).
        if isinstance(value, int) and abs(value) > self.max_constant:
            raise self.fail(node, f"the number {str(value)[:20]}… ({len(str(value))} digits) is "
                                  f"too large (at most {self.max_constant:g} here)")
        v = float(value)
        if not np.isfinite(v) or abs(v) > self.max_constant:
            raise self.fail(node, f"the number {value!r:.20} is too large (at most "
                                  f"{self.max_constant:g} here)")
        return repr(v)

    def name(self, node: ast.Name) -> tuple[str, str]:
        raw = name_of(node)
        if raw in CONSTANTS:
            return repr(CONSTANTS[raw]), _NUMBER
        if raw not in self.known:
            hint = did_you_mean(raw, self.known)
            kind = "flag" if raw.startswith("flag.") else "state name"
            extra = " that no loaded effect sets" if kind == "flag" else ""
            raise self.fail(node, f"unknown {kind} '{raw}'{extra}{hint}")
        self.names.add(raw)
        return f"E({raw!r})", _READ

    def binop(self, node: ast.BinOp, d: int) -> tuple[str, str]:
        left, right = self.number(self.visit(node.left, d)), self.number(self.visit(node.right, d))
        op = node.op
        if isinstance(op, ast.Div):
            return f"_divide({left}, {right})", _NUMBER
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}.get(type(op))
        if symbol is None:
            bad = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//"}.get(type(op),
                                                                         "this operator")
            raise self.fail(node, f"'{bad}' is not allowed; use + - * / and the functions "
                                  f"{', '.join(FUNCTIONS)}")
        return f"({left} {symbol} {right})", _NUMBER

    def compare(self, node: ast.Compare, d: int) -> tuple[str, str]:
        for op in node.ops:
            if type(op) not in _COMPARISONS:
                raise self.fail(node, "only < <= > >= == != compare values")
        terms = [self.number(self.visit(t, d)) for t in (node.left, *node.comparators)]
        if len(node.ops) == 1:
            return f"({terms[0]} {_COMPARISONS[type(node.ops[0])]} {terms[1]})", _TRUTH
        # A chain: every term evaluated once, then compared pairwise (see _chain).
        ops = tuple(_COMPARISONS[type(op)] for op in node.ops)
        return f"_chain({ops!r}, {', '.join(terms)})", _TRUTH

    def call(self, node: ast.Call, d: int) -> tuple[str, str]:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise self.fail(node, f"only the functions {', '.join(FUNCTIONS)} may be called")
        name = node.func.id.replace(_DOT, ".")
        if name not in FUNCTIONS:
            hint = did_you_mean(name, list(FUNCTIONS))
            raise self.fail(node, f"unknown function '{name}'{hint}; the functions are "
                                  f"{', '.join(FUNCTIONS)}")
        lo, hi = FUNCTIONS[name]
        if not lo <= len(node.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise self.fail(node, f"{name}() takes {want} arguments, got {len(node.args)}")
        args = [self.number(self.visit(a, d)) for a in node.args]
        if name in ("min", "max"):
            out = args[0]
            for a in args[1:]:
                out = f"_{name}({out}, {a})"
            return out, _NUMBER
        if name == "abs":
            return f"abs({args[0]})", _NUMBER
        if name == "clip":
            return f"_min(_max({args[0]}, {args[1]}), {args[2]})", _NUMBER
        return f"_log10({args[0]})", _NUMBER


_COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
                ast.NotEq: "!="}


@lru_cache(maxsize=8192)
def _build(source: str) -> Fn:
    """Compile generated source (never a pack's text) into a function of the environment."""
    code = compile(f"lambda E: {source}", "<expression>", "eval")
    return eval(code, {"__builtins__": {"abs": abs}, **_HELPERS})


# Each helper takes floats or arrays: plain Python for floats, numpy for arrays.

def _num(v: Value | bool) -> Value:
    if isinstance(v, np.ndarray):
        return v.astype(float) if v.dtype == bool else v
    return float(v)


def _truth(v: Value) -> Value | bool:
    return v != 0.0


def _and(a: Value | bool, b: Value | bool) -> Value | bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.logical_and(a, b)
    return bool(a) and bool(b)


def _or(a: Value | bool, b: Value | bool) -> Value | bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.logical_or(a, b)
    return bool(a) or bool(b)


def _not(v: Value | bool) -> Value | bool:
    return np.logical_not(v) if isinstance(v, np.ndarray) else not v


def _min(a: Value, b: Value) -> Value:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.minimum(a, b)
    return min(a, b)


def _max(a: Value, b: Value) -> Value:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.maximum(a, b)
    return max(a, b)


def _log10(v: Value) -> Value:
    if isinstance(v, np.ndarray):
        return np.log10(np.maximum(v, 1e-300))
    return math.log10(max(v, 1e-300))


_COMPARE: dict[str, Callable[[Value, Value], Value | bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
    "!=": operator.ne}


def _chain(ops: tuple[str, ...], *terms: Value) -> Value | bool:
    """``terms[0] ops[0] terms[1] ops[1] terms[2] …``, each term already evaluated once: what
    ``(t0 < t1) and (t1 < t2)`` gives, with t1 computed once instead of twice."""
    out = _COMPARE[ops[0]](terms[0], terms[1])
    for i in range(1, len(ops)):
        out = _and(out, _COMPARE[ops[i]](terms[i], terms[i + 1]))
    return out


def _divide(a: Value, b: Value) -> Value:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        zero = np.equal(b, 0.0)
        return np.where(zero, 0.0, np.divide(a, np.where(zero, 1.0, b)))
    return a / b if b != 0.0 else 0.0


def _describe(node: ast.AST) -> str:
    return {
        ast.Subscript: "indexing with [...]", ast.Lambda: "a lambda", ast.List: "a list",
        ast.Tuple: "a tuple", ast.Dict: "a table", ast.Set: "a set", ast.JoinedStr: "a string",
        ast.NamedExpr: "':='", ast.Starred: "'*'", ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a generator", ast.Await: "'await'",
    }.get(type(node), type(node).__name__)


def evaluate(compiled: Compiled, env: Env, n_worlds: int) -> np.ndarray:
    """The expression's value in every world, as a finite float array of shape (W,)."""
    if compiled.constant is not None:
        return np.full(n_worlds, compiled.constant)
    value = compiled(env)
    if isinstance(value, np.ndarray):
        if value.dtype != np.float64:
            value = value.astype(np.float64)
        if value.shape != (n_worlds,):
            value = np.broadcast_to(value, (n_worlds,))
    else:
        value = np.full(n_worlds, float(value))
    if not np.isfinite(value).all():
        value = np.nan_to_num(value, nan=0.0, posinf=1e300, neginf=-1e300)
    return value


def holds(compiled: Compiled, env: Env) -> np.ndarray | bool:
    """Whether a condition holds: a bool array over worlds, or a plain bool where it reads no
    array (a constant, or only names that read as floats)."""
    if compiled.constant is not None:
        return compiled.constant != 0.0
    if compiled.truth is not None:
        return compiled.truth(env)
    value = compiled(env)
    if isinstance(value, np.ndarray):
        out = value != 0.0
        out &= value == value  # NaN never holds
        return out
    return value != 0.0 and value == value


def env_from(values: Mapping[str, Value]) -> Env:
    return values.__getitem__


_HELPERS = {"_num": _num, "_truth": _truth, "_and": _and, "_or": _or, "_not": _not,
            "_min": _min, "_max": _max, "_log10": _log10, "_divide": _divide, "_chain": _chain}
