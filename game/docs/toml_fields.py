"""A pydantic model's fields in TOML's words: type, default, limits and description of each.

:func:`fields_table` is the table docs/MODDING.md shows for every file and table a pack writes
(pack.toml, an event, a choice, a scenario's ``[start_state]`` ...): each field's TOML key, its
type (:func:`toml_type`: "whole number", "array of choice tables"), its default, its limits
(:func:`limits`: the model's bounds, lengths and patterns in words) and its description, from
``Field(description=...)`` or else :data:`game.docs.modding_words.FIELD_NOTES`.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from game.docs.markdown import number, table
from game.docs.modding_words import FIELD_NOTES, PATTERNS, TABLE_NAMES
from game.packs import schema


def type_hints(model: type[BaseModel]) -> dict[str, Any]:
    """A model's field annotations, Annotated constraints kept."""
    return get_type_hints(model, include_extras=True)


def toml_type(tp: Any) -> str:
    """A type annotation in TOML's words: string, number, whole number, true|false, array, table."""
    if tp == schema.Expr:
        return "expression (string)"
    if tp == schema.Effect:
        return "effect (table)"
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated:
        return toml_type(args[0])
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return toml_type(rest[0]) if len(rest) == 1 else " or ".join(toml_type(a) for a in rest)
    if origin is Literal:
        if len(args) == 1:
            return f'string: `"{args[0]}"`'
        return "string, one of " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return "array of " + _plural(toml_type(args[0]))
    if origin is dict:
        return "table of " + _plural(toml_type(args[1]))
    if tp is bool:
        return "true|false"
    if tp is int:
        return "whole number"
    if tp is float:
        return "number"
    if tp is str:
        return "string"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"{TABLE_NAMES[tp]} table" if tp in TABLE_NAMES else "table"
    raise TypeError(f"no TOML words for {tp!r}")


def _plural(words: str) -> str:
    special = {"expression (string)": "expressions (strings)",
               "effect (table)": "effect tables", "true|false": "true|false values"}
    if words in special:
        return special[words]
    if words.endswith("table"):
        return words + "s"
    if words in ("string", "number", "whole number"):
        return words + "s"
    if words.startswith("string, one of "):
        return "strings, each one of " + words.removeprefix("string, one of ")
    if words.startswith("string: "):
        return "strings: " + words.removeprefix("string: ")
    return words


def _metadata(info: FieldInfo, hint: Any) -> list[Any]:
    """The constraints of a field, including those inside an Optional[Annotated[...]]."""
    found = list(info.metadata)
    stack = [hint]
    while stack:
        tp = stack.pop()
        if get_origin(tp) is Annotated:
            for extra in get_args(tp)[1:]:
                if isinstance(extra, FieldInfo):
                    found += extra.metadata
        if get_origin(tp) in (Union, types.UnionType, Annotated):
            stack += list(get_args(tp))
    return found


def limits(info: FieldInfo, hint: Any) -> str:
    """The rules a value must meet, in words: '1 – 12', 'at most 80 characters', a pattern."""
    parts: list[str] = []
    lo = hi = None
    lo_strict = hi_strict = False
    min_len = max_len = None
    for m in _metadata(info, hint):
        if isinstance(m, Ge):
            lo = m.ge
        elif isinstance(m, Gt):
            lo, lo_strict = m.gt, True
        elif isinstance(m, Le):
            hi = m.le
        elif isinstance(m, Lt):
            hi, hi_strict = m.lt, True
        elif isinstance(m, MinLen):
            min_len = m.min_length
        elif isinstance(m, MaxLen):
            max_len = m.max_length
        elif getattr(m, "pattern", None):
            parts.append(PATTERNS.get(m.pattern, f"matches `{m.pattern}`"))
    if lo is not None and hi is not None and not lo_strict and not hi_strict:
        parts.insert(0, f"{number(lo)} – {number(hi)}")
    else:
        if lo is not None:
            parts.insert(0, f"{'>' if lo_strict else '≥'} {number(lo)}")
        if hi is not None:
            parts.insert(1 if lo is not None else 0, f"{'<' if hi_strict else '≤'} {number(hi)}")
    words = toml_type(hint)
    unit = "entries" if words.startswith("array") else "characters"
    if min_len is not None and max_len is not None:
        parts.append(f"{min_len} – {max_len} {unit}" if min_len > 0 else
                     f"at most {max_len} {unit}")
    elif max_len is not None:
        parts.append(f"at most {max_len} {unit}")
    elif min_len is not None and min_len > 1:
        parts.append(f"at least {min_len} {unit}")
    elif min_len == 1 and unit == "entries":
        parts.append("at least one entry")
    elif min_len == 1:
        parts.append("not empty")
    return "; ".join(parts)


def default(info: FieldInfo) -> str:
    """The default in TOML's words, 'required' when there is none."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, int | float):
        return f"`{number(value)}`"
    if isinstance(value, list | dict) and not value:
        return "`[]`" if isinstance(value, list) else "`{}`"
    if isinstance(value, BaseModel):
        return "the defaults below"
    return f"`{value!r}`"


def description(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    """The model's own description of a field, else the words of FIELD_NOTES."""
    if info.description:
        return info.description
    key = f"{model.__name__}.{name}"
    if key not in FIELD_NOTES:
        raise KeyError(f"{key} has no description: add Field(description=...) in the model, or "
                       "an entry in game.docs.modding_words.FIELD_NOTES")
    return FIELD_NOTES[key]


def fields_table(model: type[BaseModel]) -> str:
    """Every field of a model: its TOML key, type, default, limits and description."""
    hints = type_hints(model)
    rows = []
    for name, info in model.model_fields.items():
        hint = hints[name]
        rows.append([f"`{name}`", toml_type(hint), default(info), limits(info, hint),
                     description(model, name, info)])
    return table(["key", "type", "default", "limits", "description"], rows)
