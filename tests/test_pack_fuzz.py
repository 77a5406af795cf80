"""Fuzzing the loader over the shapes of hostile packs (issue 17), with hypothesis (derandomized:
tests/conftest.py's "ci" profile).

Expressions: chained and nested comparisons, long and odd numbers, long chains of signs and
``not``, calls with too many arguments — compiled or refused in bounded time, to code whose size
is bounded by the expression's, reading each name no more often than it is written. Packs: TOML
files holding nan and inf, numbers past 64 bits or 4,300 digits, nesting past the limit, markup
and escape sequences, such expressions, and files that are links, FIFOs or loops — every one a
list of problems, never an exception, each printable on one line.
"""

from __future__ import annotations

import os
import resource
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.packs import check, expressions, intervals
from game.packs.expressions import MAX_CODE, ExprError, compile_expr, evaluate, holds

KNOWN = ("cash", "quarter", "rival.gemini.lead", "flag.deal")
VALUES = {"cash": np.array([0.0, -3.5, 1e6]), "quarter": 2.0,
          "rival.gemini.lead": np.array([1.0, 0.0, -2.0]), "flag.deal": np.array([1.0, 0.0, 1.0])}

@contextmanager
def bounded(seconds: int = 60, memory: int = 2 << 30) -> Iterator[None]:
    """Run in process, but stopped by an exception rather than hung or killed should a
    protection fail: an alarm after ``seconds`` (a FIFO's open waits forever), and at most
    ``memory`` more bytes of address space (an exponential compile ran out of memory)."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    cap = used + memory if hard == resource.RLIM_INFINITY else min(used + memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


_numbers = st.one_of(
    st.integers(0, 10**20).map(str),
    st.integers(1, 600).map(lambda n: "9" * n),  # up to 600 digits: past every bound
    st.sampled_from(["1e400", "1e-400", "1e15", "1e16", "0x" + "f" * 40, "1_000", "0.0",
                     "1e308", "2.5"]),
)
_leaves = st.one_of(st.sampled_from([*KNOWN, "true", "nope.name"]), _numbers)
_COMPARE = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        # a chain of 2 to 6 terms, compared pairwise
        st.tuples(st.lists(inner, min_size=2, max_size=6), st.data()).map(
            lambda t: t[0][0] + "".join(f" {op} {term}" for op, term in zip(
                t[1].draw(st.lists(_COMPARE, min_size=len(t[0]) - 1,
                                   max_size=len(t[0]) - 1)), t[0][1:], strict=True))),
        inner.map(lambda x: f"0<({x})<0"),  # the nesting that blew up
        st.tuples(inner, inner).map(lambda t: f"({t[0]} + {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} / {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} and {t[1]})"),
        st.tuples(st.integers(1, 40), inner).map(lambda t: "-" * t[0] + t[1]),
        st.tuples(st.integers(1, 40), inner).map(lambda t: "not " * t[0] + t[1]),
        st.lists(inner, min_size=1, max_size=10).map(lambda xs: f"max({', '.join(xs)})"),
        st.tuples(inner, inner, inner).map(lambda t: f"clip({t[0]}, {t[1]}, {t[2]})"),
        inner.map(lambda x: f"log10({x})"),
    )


EXPRESSIONS = st.recursive(_leaves, _grow, max_leaves=40).filter(lambda s: len(s) <= 700)


@settings(max_examples=150)
@given(EXPRESSIONS)
def test_hostile_expressions_compile_small_or_are_refused(source: str) -> None:
    """Compiled, or refused with an ExprError, in bounded time; the code grows in proportion to
    the text; a name is read at most as often as it is written; the values are finite."""
    built: list[str] = []
    real = expressions._build

    def spy(code: str):  # the generated source, as compile_expr hands it to Python
        built.append(code)
        return real(code)

    reads: dict[str, int] = {}

    def env(name: str):
        reads[name] = reads.get(name, 0) + 1
        return VALUES[name]

    start = time.perf_counter()
    expressions._build = spy
    try:
        with bounded():
            compiled = compile_expr(source, KNOWN)
            assert time.perf_counter() - start < 2.0, source
            value = evaluate(compiled, env, 3)
    except ExprError:
        return
    finally:
        expressions._build = real
    assert all(len(code) <= MAX_CODE for code in built), source
    assert np.isfinite(value).all()
    for name, n in reads.items():
        assert n <= source.count(name), (source, name, n)


# The bounds VALUES keep to: the interval reasoning of the warnings is checked against them.
BOUNDS = {"cash": (-np.inf, np.inf), "quarter": (0.0, np.inf),
          "rival.gemini.lead": (-np.inf, np.inf), "flag.deal": (0.0, 1.0)}


@settings(max_examples=150)
@given(EXPRESSIONS)
def test_interval_reasoning_never_raises_and_is_never_wrong(source: str) -> None:
    """The validator's reading of an expression (game.packs.intervals) never raises, whatever
    the text, in bounded time; and for one the compiler accepts, what it says holds in every
    world: the value lies within its interval, a comparison it calls never (always) true is
    false (true) wherever the names are within their bounds."""
    start = time.perf_counter()
    with bounded():
        got = intervals.read(source, lambda name: BOUNDS.get(name, (-np.inf, np.inf)))
        assert time.perf_counter() - start < 2.0, source
        try:
            compiled = compile_expr(source, KNOWN)
        except ExprError:
            return
        value = evaluate(compiled, VALUES.__getitem__, 3)
        truth = holds(compiled, VALUES.__getitem__)
    slack = 1e-9 * np.maximum(np.abs(value), 1.0)
    assert (got.low - slack <= value).all() and (value <= got.high + slack).all(), (
        source, got, value)
    if got.truth == intervals.NEVER:
        assert not np.any(truth), source
    if got.truth == intervals.ALWAYS:
        assert np.all(truth), source
    for finding in got.findings:
        part = intervals.read(finding.text, lambda name: BOUNDS.get(name, (-np.inf, np.inf)))
        if finding.kind in (intervals.NEVER, intervals.ALWAYS):
            assert part.truth == finding.kind, (source, finding)
        assert finding.text and 1 <= finding.col <= len(source), (source, finding)


_BOUNDED = {"share": (0.0, 1.0), "sentiment": (0.0, 100.0), "debt": (0.0, np.inf),
            "gross_margin": (-np.inf, 1.0), "cash": (-np.inf, np.inf), "flag.deal": (0.0, 1.0)}
_terms = st.one_of(st.sampled_from([*_BOUNDED, "true", "false"]),
                   st.sampled_from(["0", "1", "2", "0.5", "100", "-1", "1e15", "3"]))


def _arith(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(inner, inner)
    return st.one_of(
        st.tuples(pair, st.sampled_from(["+", "-", "*", "/"])).map(
            lambda t: f"({t[0][0]} {t[1]} {t[0][1]})"),
        st.tuples(pair, _COMPARE).map(lambda t: f"({t[0][0]} {t[1]} {t[0][1]})"),
        st.tuples(inner, inner, inner, _COMPARE, _COMPARE).map(
            lambda t: f"({t[0]} {t[3]} {t[1]} {t[4]} {t[2]})"),
        st.tuples(pair, st.sampled_from(["and", "or"])).map(
            lambda t: f"({t[0][0]} {t[1]} {t[0][1]})"),
        inner.map(lambda x: f"(not {x})"), inner.map(lambda x: f"(-{x})"),
        st.tuples(pair, st.sampled_from(["min", "max"])).map(
            lambda t: f"{t[1]}({t[0][0]}, {t[0][1]})"),
        inner.map(lambda x: f"abs({x})"), inner.map(lambda x: f"log10({x})"),
        st.tuples(inner, inner, inner).map(lambda t: f"clip({t[0]}, {t[1]}, {t[2]})"),
    )


@settings(max_examples=150)
@given(st.recursive(_terms, _arith, max_leaves=12), st.data())
def test_interval_reasoning_holds_within_the_bounds(source: str, data: st.DataObject) -> None:
    """Against worlds whose names take any value within their bounds, the ends included: the
    value lies within the interval the reasoning gives, and what it calls never or always true
    is so (products and quotients too, with names bounded on one side or both)."""
    try:
        compiled = compile_expr(source, list(_BOUNDED))
    except ExprError:
        return
    def within(low: float, high: float) -> list[float]:
        lo, hi = max(low, -1e6), min(high, 1e6)
        return [lo, hi, data.draw(st.floats(lo, hi)), data.draw(st.floats(lo, hi))]

    values = {n: np.array(within(*b)) for n, b in _BOUNDED.items()}
    got = intervals.read(source, _BOUNDED.__getitem__)
    value = evaluate(compiled, values.__getitem__, 4)
    slack = 1e-9 * np.maximum(np.abs(value), 1.0)
    assert (got.low - slack <= value).all() and (value <= got.high + slack).all(), (
        source, got, value, values)
    truth = np.broadcast_to(holds(compiled, values.__getitem__), (4,))
    if got.truth == intervals.NEVER:
        assert not truth.any(), (source, values)
    if got.truth == intervals.ALWAYS:
        assert truth.all(), (source, values)


def test_a_chained_comparison_reads_each_term_once() -> None:
    """0<(0<(0<cash<0)<0)<0 read cash 2^3 times; each term is now evaluated once."""
    reads: list[str] = []
    with bounded():
        compiled = compile_expr("0<(0<(0<cash<0)<0)<0", ["cash"])
        evaluate(compiled, lambda name: reads.append(name) or np.array([1.0, 2.0]), 2)
    assert reads == ["cash"]


def test_generated_code_past_its_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard behind the linear compiler: code longer than MAX_CODE is never built."""
    monkeypatch.setattr(expressions, "MAX_CODE", 40)
    compile_expr("cash + 1", KNOWN)
    with pytest.raises(ExprError, match=r"compiles to .* characters of code; the limit is 40"):
        compile_expr("max(cash, quarter, cash, quarter) + 1", KNOWN)


# --- packs -------------------------------------------------------------------------------------

MANIFEST = 'id = "fuzz"\nname = "Fuzz"\nversion = "1.0.0"\ndepends = ["base"]\n'
_hostile_values = st.one_of(
    st.sampled_from(["nan", "-nan", "inf", "-inf", "+inf", "1e999", "-1e999", "0x" + "f" * 17,
                     "9223372036854775808", "-9223372036854775809", "9223372036854775807",
                     '"[@click=app.quit]quit[/]"', '"\\u001b[2J\\u001b]0;title\\u0007"',
                     '"[/] [link=file:///etc/passwd]x[/link]"', '"{\\u001b[31m}"', "true",
                     '"yes"', "[]", "{}"]),
    st.integers(19, 6000).map(lambda n: "9" * n),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 200).map(lambda n: "{a = " * n + "1" + "}" * n),
    EXPRESSIONS.map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
)
_keys = st.sampled_from(["trigger", "mtth_quarters", "weight", "title", "text", "value",
                         "pue", "ipo", "horizon_quarters", "id", "x"])
_FILES = ["events/e.toml", "economy.toml", "scenarios/s.toml", "glossary.toml", "rivals.toml"]


def _document(where: str, entries: list[tuple[str, str]], depth: int) -> str:
    """A TOML document of the file's kind with the hostile entries in its table."""
    header = {"events/e.toml": "[[event]]\nid = \"fuzz.e\"\n", "economy.toml": "[market]\n",
              "scenarios/s.toml": "id = \"s\"\n[score]\n", "glossary.toml": "[[concept]]\n",
              "rivals.toml": "[[rival]]\n"}[where]
    body = "".join(f"{key} = {value}\n" for key, value in dict(entries).items())
    return header + body + ("a." * depth + "b = 1\n" if depth else "")


@settings(max_examples=60)
@given(st.sampled_from(_FILES), st.lists(st.tuples(_keys, _hostile_values), max_size=5),
       st.sampled_from([0, 0, 0, 31, 40, 5000]),
       st.sampled_from(["plain", "plain", "plain", "link to /dev/zero", "FIFO", "loop",
                        "folder link"]))
def test_hostile_pack_files_are_problems_never_exceptions(where: str,
                                                          entries: list[tuple[str, str]],
                                                          depth: int, kind: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fuzz"
        (folder / "events").mkdir(parents=True)
        (folder / "scenarios").mkdir()
        (folder / "pack.toml").write_text(MANIFEST)
        path = folder / where
        text = _document(where, entries, depth)
        if kind == "plain":
            path.write_text(text)
        elif kind == "link to /dev/zero":
            path.symlink_to("/dev/zero")
        elif kind == "FIFO":
            os.mkfifo(path)
        elif kind == "loop":
            path.symlink_to(path.name)
        else:
            (folder / "more").symlink_to(tmp, target_is_directory=True)
        start = time.perf_counter()
        with bounded():
            problems = check([folder])
        assert time.perf_counter() - start < 10.0
        for p in problems:
            shown = str(p)
            assert "\n" not in shown and "\x1b" not in shown and "\x07" not in shown
        if kind != "plain":
            assert problems, kind


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_nan_and_inf_are_refused_wherever_a_number_is_read(tmp_path: Path, value: str) -> None:
    """A score weight of nan made `simulate` print 'Score: mean nan'."""
    folder = tmp_path / "fuzz"
    (folder / "scenarios").mkdir(parents=True)
    (folder / "pack.toml").write_text(MANIFEST)
    (folder / "scenarios" / "s.toml").write_text(f'id = "s"\n[score]\nipo = {value}\n')
    text = "\n".join(str(p) for p in check([folder]))
    assert f"'score.ipo': {value.replace('1e999', 'inf')} is not a number a pack can use" in text
