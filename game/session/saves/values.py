"""The values a save holds, exact and finite, and how each is written in TOML.

The promise is **exactness**. TOML integers are signed 64-bit, so larger integers (a seed may be
any non-negative integer) are written as decimal strings in integer fields, and as a tagged table
``{ bigint = "…" }`` inside a plan (where a string is a value of its own); floats are written
with ``repr``, which reads back bit-for-bit; NaN and infinity are refused, so they are never
written. Times are UTC, written with a ``Z``.

The validators (the annotated types below) read both forms back and explain a refusal in TOML's
words ("expected a number, got a string"); the ``*_out`` functions write them.
"""

from __future__ import annotations

import math
import numbers
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, PlainValidator

from game.packs.toml_io import toml_kind
from game.session.saves.errors import keypath

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_MAX_DIGITS = 4300  # Python's own limit for converting integers to and from text
_TOO_BIG = 10**_MAX_DIGITS
_BIGINT_TAG = "bigint"
_WHOLE = re.compile(r"-?[0-9]+")


# --- reading: exact, finite, and explained in TOML's words ----------------------------------


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"expected a number, got {toml_kind(value)}")
    try:
        f = float(value)
    except OverflowError:
        raise ValueError("is too large for a number") from None
    if not math.isfinite(f):
        raise ValueError(f"must be a finite number, not {f}")
    return f


def _integer(value: numbers.Integral) -> int:
    n = int(value)
    if abs(n) >= _TOO_BIG:  # beyond what Python will write as text
        raise ValueError(f"is too large (more than {_MAX_DIGITS} digits)")
    return n


def whole(value: Any, least: int | None = None) -> int:
    """An integer of any size: TOML gives small ones as integers, big ones as decimal strings."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        n = _integer(value)
    elif isinstance(value, str) and len(value) <= _MAX_DIGITS and _WHOLE.fullmatch(value):
        n = int(value)
    else:
        raise ValueError(f"expected a whole number, got {toml_kind(value)}")
    if least is not None and n < least:
        raise ValueError(f"must be {least} or more, got {n}")
    return n


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value[:40]}' is not a date-time like 2026-01-05T10:00:00Z") \
                from None
    if not isinstance(value, datetime):
        raise ValueError(f"expected a date-time like 2026-01-05T10:00:00Z, got {toml_kind(value)}")
    if value.utcoffset() is None:
        raise ValueError("needs a time zone, like 2026-01-05T10:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01 in a zone east of UTC
        raise ValueError("is out of range") from None


def _plan_scalar(value: Any) -> bool | int | float | str:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return _integer(value)
    if isinstance(value, numbers.Real):
        return _number(value)
    if _is_bigint_tag(value):
        return int(value[_BIGINT_TAG])
    raise ValueError(f"expected a number, string or true/false, got {toml_kind(value)}")


def _plan_value(value: Any) -> PlanValue:
    """A plan field: a scalar, a flat array of scalars, or a table of scalars (orders by GPU)."""
    if isinstance(value, dict) and not _is_bigint_tag(value):
        out: dict[str, bool | int | float | str] = {}
        for key, item in value.items():
            try:
                out[str(key)] = _plan_scalar(item)
            except ValueError as exc:
                raise ValueError(f"{keypath((key,))}: {exc}") from None
        return out
    if isinstance(value, list | tuple):
        items: list[bool | int | float | str] = []
        for i, item in enumerate(value):
            try:
                items.append(_plan_scalar(item))
            except ValueError as exc:
                raise ValueError(f"item {i}: {exc}") from None
        return items
    return _plan_scalar(value)


def _is_bigint_tag(value: Any) -> bool:
    return (isinstance(value, dict) and len(value) == 1 and isinstance(value.get(_BIGINT_TAG), str)
            and len(value[_BIGINT_TAG]) <= _MAX_DIGITS
            and _WHOLE.fullmatch(value[_BIGINT_TAG]) is not None)


Scalar = bool | int | float | str
PlanValue = Scalar | list[Scalar] | dict[str, Scalar]
Number = Annotated[float, PlainValidator(_number)]
WholeNumber = Annotated[int, PlainValidator(lambda v: whole(v, 0))]
UtcTime = Annotated[datetime, PlainValidator(_utc)]
PlanField = Annotated[PlanValue, PlainValidator(_plan_value)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


# --- writing: what TOML can hold, exactly ----------------------------------------------------


class _TomlUtc(datetime):
    """A UTC datetime that tomli-w (which writes ``str(value)``) writes as ISO 8601 with Z."""

    def __str__(self) -> str:
        return self.isoformat().replace("+00:00", "Z")


def int_out(n: int) -> int | str:
    """An integer field as TOML holds it: a decimal string beyond 64 bits."""
    return n if _I64_MIN <= n <= _I64_MAX else str(n)


def _scalar_out(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and not _I64_MIN <= v <= _I64_MAX:
        return {_BIGINT_TAG: str(v)}
    return v


def plan_out(v: Any) -> Any:
    """A plan field as TOML holds it: integers beyond 64 bits as ``{ bigint = "…" }``."""
    if isinstance(v, list):
        return [_scalar_out(x) for x in v]
    if isinstance(v, dict):
        return {k: _scalar_out(x) for k, x in v.items()}
    return _scalar_out(v)


def time_out(t: datetime) -> datetime:
    """A UTC time that tomli-w writes, and ``str()`` shows, as 2026-01-05T10:00:00Z."""
    return _TomlUtc(t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond, UTC)
