"""Turning pydantic's errors into problems a modder can act on.

Messages speak TOML's words (table, key, number, array) rather than Python's, carry the line and
column where the source shows them, and suggest the closest known key for a misspelt one.

Pack files are validated in pydantic's strict mode (``STRICT``): a value must already have the
TOML type its key wants. Lax mode took ``"yes"`` and ``1`` for true, ``"6"`` for 6 and ``6.0`` for a
whole number, so a typo passed silently; now each is refused with the value to write instead
(``write true, not "yes"``). A whole number where a number is wanted stays fine (``factor = 2``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from game.packs.errors import Problem, did_you_mean, full
from game.packs.toml_io import locate

M = TypeVar("M", bound=BaseModel)

# The effect union's tags: pydantic puts them in error paths; the TOML does not have them.
_EFFECT_TAGS = frozenset({"add", "multiply", "set", "gpu_price_shock", "rival_boost",
                          "rival_delay", "rival_price", "modifier", "schedule", "offer", "flag",
                          "use"})

_TYPE_WORDS = {
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected a string",
    "list_type": "expected an array",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "bool_type": "expected true or false",
}


STRICT = True  # pack files: no "yes" for true, no "6" for 6 (pydantic's strict mode)
_TRUE, _FALSE = {"true", "yes", "y", "on", "1", "t"}, {"false", "no", "n", "off", "0", "f"}


def toml_spelling(value: Any) -> str:
    """A value as TOML writes it: "yes" (quoted), true, 6, 2.5; a table or array by its kind."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:29] + "…"
        return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int | float):
        return f"{value!r:.40}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"{value!r:.40}"


def wrong_type(kind: str, value: Any) -> str:
    """'expected X, got Y', and the value to write when the intent is plain (lax mode's
    coercions: "yes" for true, 1 for true, "6" for 6, 6.0 for a whole number)."""
    got = toml_spelling(value)
    said = f"{_TYPE_WORDS[kind]}, got {got}"
    fix: str | None = None
    if kind == "bool_type":
        word = str(value).strip().lower() if isinstance(value, str | int | float) else ""
        fix = "true" if word in _TRUE else "false" if word in _FALSE else None
    elif kind in ("int_type", "int_parsing", "int_from_float", "float_type", "float_parsing"):
        number = _number(value)
        if number is not None:
            whole = kind.startswith("int")
            if not whole or number.is_integer():
                fix = str(int(number)) if number.is_integer() else repr(number)
    return said + (f"; write {fix}, not {got}" if fix is not None and fix != got else "")


def _number(value: Any) -> float | None:
    """The number a string was lax-read as, if it is a finite one (true is no number's
    spelling: nothing is suggested for it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip().replace("_", ""))
        except ValueError:
            return None
        return number if number == number and abs(number) < 1e300 else None
    return None


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model that owns the last key of ``loc``."""
    current: Any = model
    keyed = False  # the part is a key of a table of tables ([rivals.ID]): step over it
    for part in loc[:-1]:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        ann = fields[part].annotation
        args = getattr(ann, "__args__", ())
        keyed = getattr(ann, "__origin__", None) is dict
        current = next((a for a in (ann, *args) if isinstance(a, type)
                        and issubclass(a, BaseModel)), None)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _shown(loc: tuple[Any, ...]) -> str:
    """A key path as the TOML reads: union tags (the effect's type) left out."""
    parts: list[str] = []
    for i, p in enumerate(loc):
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif i > 0 and isinstance(loc[i - 1], int) and p in _EFFECT_TAGS:
            continue
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def describe(model: type[BaseModel], err: dict[str, Any]) -> str:
    """One of pydantic's errors, validating ``model``, in a modder's words."""
    return _message(model, err)


# What a pattern asks for, in words (the patterns of game.packs.schema, economy and params).
_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "an id is lowercase letters, digits and _, starting with a letter "
                          "(e.g. mypack_deal)",
    r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$": "an event id is PACK.name: lowercase letters, "
                                           "digits and _, with one dot (e.g. mypack.fab_fire)",
    r"^\d+\.\d+\.\d+$": "a version is three whole numbers with dots (e.g. 1.2.0)",
    r"^[a-z][a-z0-9\-]*$": "a scenario id is lowercase letters, digits and -, starting with a "
                           "letter (e.g. my-scenario)",
    r"^\d{4}Q[1-4]$": "a quarter is written YEARQn (e.g. 2026Q3)",
}


def _pattern_words(value: str, pattern: str) -> str:
    """Why a string does not match its pattern, in words, naming a character that only looks
    like an allowed one (a Cyrillic а for a Latin a)."""
    words = _PATTERN_WORDS.get(pattern, f"does not match {pattern}")
    odd = next((c for c in value if not c.isascii()), None)
    if odd is not None:
        name = unicodedata.name(odd, "an unnamed character")
        like = unicodedata.normalize("NFKD", odd).encode("ascii", "ignore").decode()
        like = like or _LOOKALIKES.get(odd, "")
        hint = f", which looks like '{like}'" if like else ""
        return (f"'{value}' has '{odd}' (U+{ord(odd):04X} {name}{hint}): {words}")
    return f"'{value}' is not valid: {words}"


# Letters of other scripts that look like ASCII ones (Unicode's confusables, the common few).
_LOOKALIKES = dict(zip("аеорсухіјѕԁӏαορτυνεκ", "aeopcyxijsdlaoptuvek", strict=True))


def _message(model: type[BaseModel], err: dict[str, Any]) -> str:
    loc = tuple(p for i, p in enumerate(err["loc"])
                if not (i > 0 and isinstance(err["loc"][i - 1], int) and p in _EFFECT_TAGS))
    key = _shown(loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        got = err.get("input")
        hint = did_you_mean(str(got), allowed)
        return (f"'{key}': '{got}' is not one of {', '.join(allowed)}{hint}" if allowed
                else f"'{key}': {err['msg']}")
    if kind == "union_tag_invalid":
        tags = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        got = ctx.get("tag", err.get("input"))
        return (f"'{key}': unknown {ctx.get('discriminator', 'type').strip(chr(39))} '{got}'"
                f"{did_you_mean(str(got), tags)}; one of {', '.join(tags)}")
    if kind == "union_tag_not_found":
        return f"'{key}': missing required key 'type'"
    if kind == "missing":
        return f"missing required key '{key}'"
    if kind == "extra_forbidden":
        known = _known_keys(model, loc)
        hint = did_you_mean(str(loc[-1]), known)
        return f"unknown key '{key}'{hint}"
    if kind in _TYPE_WORDS:
        return f"'{key}': {wrong_type(kind, err.get('input'))}"
    if kind == "string_pattern_mismatch":
        return f"'{key}': {_pattern_words(str(err.get('input')), str(ctx.get('pattern', '')))}"
    msg = err["msg"].removeprefix("Value error, ")
    return f"'{key}': {msg}" if key else msg


def validate_file(
    model: type[M], data: Any, path: Path | str, text: str, problems: list[Problem],
    strict: bool = STRICT,
) -> M | None:
    """Validate ``data`` as ``model``; on failure append every problem and return None.
    ``strict=False`` for a file that is no pack's (a plan), whose model converts its values."""
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        for err in exc.errors():
            if full(problems):
                break
            line, col = locate(text, tuple(err["loc"]))
            problems.append(Problem(path, _message(model, err), line, col))
        return None


def validate_items(
    model: type[M], data: Any, key: str, path: Path | str, text: str, problems: list[Problem],
) -> list[tuple[int, M]]:
    """Validate each entry of an array of tables (``[[event]]``) on its own, so one bad entry
    does not hide the problems of the others. Returns (index, model) of the entries that hold."""
    if not isinstance(data, dict):
        problems.append(Problem(path, "expected a TOML document of tables"))
        return []
    for extra in sorted(set(data) - {key}):
        if full(problems):
            return []
        hint = did_you_mean(extra, [key])
        line, col = locate(text, (extra,))
        problems.append(Problem(path, f"unknown key '{extra}'{hint}", line, col))
    items = data.get(key)
    if not isinstance(items, list) or not items:
        line, col = locate(text, (key,))
        problems.append(Problem(path, f"expected one or more [[{key}]] tables", line, col))
        return []
    good: list[tuple[int, M]] = []
    for i, item in enumerate(items):
        if full(problems):
            break
        try:
            good.append((i, model.model_validate(item, strict=STRICT)))
        except ValidationError as exc:
            for err in exc.errors():
                if full(problems):
                    break
                loc = (key, i, *err["loc"])
                line, col = locate(text, loc)
                problems.append(Problem(path, _message(_Wrapper.of(model, key), {**err,
                                                                              "loc": loc}),
                                        line, col))
    return good


class _Wrapper:
    """A model with one list field, so messages about an item read like the whole file's."""

    @staticmethod
    @functools.cache  # one model per kind of file, not one per problem (each took ~1 ms)
    def of(model: type[BaseModel], key: str) -> type[BaseModel]:
        from pydantic import create_model

        return create_model(f"{model.__name__}File", **{key: (list[model], ...)})  # type: ignore
