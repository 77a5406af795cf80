"""The expression language's numbers: a batch of worlds gets, world by world, exactly what each
world alone gets (as a batch of one, as the live game evaluates it, and with its names read as
plain floats, as a name the same in every world reads), and a condition holds exactly where its
value is a number other than zero."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from game.packs.expressions import compile_expr, evaluate, holds

NAMES = ("a", "b", "flag.c")
# Each name's value in five worlds: zeros, signs, fractions and large numbers.
VALUES = {"a": np.array([0.0, -1.5, 2.0, 1e6, 0.25]),
          "b": np.array([3.0, 0.0, -2.0, 2.0, -1e-3]),
          "flag.c": np.array([1.0, 0.0, 1.0, 0.0, 0.0])}

_leaf = st.one_of(st.sampled_from(NAMES), st.sampled_from(["0", "1", "2.5", "-3", "true"]))


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(inner, inner)
    return st.one_of(
        two.flatmap(lambda t: st.sampled_from(["+", "-", "*", "/"]).map(
            lambda op: f"({t[0]} {op} {t[1]})")),
        two.flatmap(lambda t: st.sampled_from(["<", "<=", ">", ">=", "==", "!="]).map(
            lambda op: f"({t[0]} {op} {t[1]})")),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} < {t[1]} <= {t[2]})"),
        two.flatmap(lambda t: st.sampled_from(["and", "or"]).map(
            lambda op: f"({t[0]} {op} {t[1]})")),
        inner.map(lambda x: f"(not {x})"),
        inner.map(lambda x: f"(-{x})"),
        inner.map(lambda x: f"(+{x})"),
        two.map(lambda t: f"min({t[0]}, {t[1]})"),
        two.map(lambda t: f"max({t[0]}, {t[1]})"),
        inner.map(lambda x: f"abs({x})"),
        inner.map(lambda x: f"log10({x})"),
        st.tuples(inner, inner, inner).map(lambda t: f"clip({t[0]}, {t[1]}, {t[2]})"),
    )


EXPRESSIONS = st.recursive(_leaf, _grow, max_leaves=12)


@given(EXPRESSIONS)
def test_a_batch_gets_what_each_world_gets_alone(source: str) -> None:
    compiled = compile_expr(source, NAMES)
    n = len(VALUES["a"])
    batch = evaluate(compiled, VALUES.__getitem__, n)
    batch_holds = np.broadcast_to(holds(compiled, VALUES.__getitem__), (n,))
    for k in range(n):
        alone = {name: float(v[k]) for name, v in VALUES.items()}.__getitem__
        value = evaluate(compiled, alone, 1)[0]
        assert batch[k] == value or (np.isnan(batch[k]) and np.isnan(value)), (source, k)
        one = {name: v[k:k + 1] for name, v in VALUES.items()}.__getitem__  # the live game
        assert evaluate(compiled, one, 1)[0] == value, (source, k)
        assert bool(batch_holds[k]) == bool(holds(compiled, alone)), (source, k)
        assert bool(batch_holds[k]) == bool(holds(compiled, one)), (source, k)
        assert bool(batch_holds[k]) == (value != 0.0), (source, k)


def test_truth_and_numbers_convert_where_they_meet() -> None:
    """A comparison is 1 or 0 in arithmetic; a number is true where it is not zero."""
    env = VALUES.__getitem__
    np.testing.assert_array_equal(evaluate(compile_expr("1 + (a > 1) * 2", NAMES), env, 5),
                                  [1.0, 1.0, 3.0, 3.0, 1.0])
    np.testing.assert_array_equal(holds(compile_expr("b and not flag.c", NAMES), env),
                                  [False, False, False, True, True])
    np.testing.assert_array_equal(evaluate(compile_expr("-(a < b)", NAMES), env, 5),
                                  [-1.0, -1.0, -0.0, 0.0, 0.0])
