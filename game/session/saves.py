"""Save files: everything needed to continue, replay and verify a game, as TOML on disk.

A save records what was *decided* (the seed, the content it was played with, each quarter's plan,
event choices and injected events) and what *came of it* (the headline metrics after each
quarter, the outcome and score), never the engine's arrays: loading replays the log from the seed
and compares the history, so a hand-edited save or one played with other content is noticed.

The layer promises three things:

- **Exactness.** TOML integers are signed 64-bit, so larger integers (a seed may be any
  non-negative integer) are written as decimal strings in integer fields, and as a tagged table
  ``{ bigint = "…" }`` inside a plan; floats are written with ``repr``, which reads back
  bit-for-bit; NaN and infinity are refused when writing.
- **Nothing is ever half-written.** ``write_save`` writes a temporary file in the same folder,
  fsyncs it, keeps the previous good save as ``PATH.bak`` (a hard link, so PATH never goes
  missing), renames the temporary file onto PATH and fsyncs the folder. A crash at any instant
  leaves PATH a complete save. Every save ends with an ``[end]`` table repeating the number of
  quarters, so a file cut short anywhere (copied in part, a full disk elsewhere) is refused rather
  than read as a shorter game.
- **Every problem is one sentence.** ``read_save`` raises ``SaveError`` naming the file (and the
  line and key, when they are known) and saying what to do; nothing a file can contain produces
  another exception.

Older formats are upgraded step by step through ``MIGRATIONS``; a newer one is refused with a
request to upgrade.
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import json
import math
import numbers
import os
import re
import secrets
import shutil
import time
import tomllib
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from game import __version__
from game.packs.toml_io import toml_kind

FORMAT_VERSION = 1
"""The format this build writes, and the newest it reads."""

MAX_SAVE_BYTES = 8_000_000
"""A 40-quarter save is about 100 kB; anything this large is not a save and is refused unread."""

SAVES_ENV = "FRONTIER_LAB_SAVES"

Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}
"""Format N -> the function that turns a format-N document into a format-(N+1) one.

Applied in order from the file's version up to ``FORMAT_VERSION``; each receives the parsed TOML
(with big integers still encoded) and returns the upgraded document (``format_version`` is set by
the caller). Empty while format 1 is the only one that ever shipped.
"""

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_MAX_DIGITS = 4300  # Python's own limit for converting integers to and from text
_TOO_BIG = 10**_MAX_DIGITS
_BIGINT_TAG = "bigint"
_WHOLE = re.compile(r"-?[0-9]+")
_STALE_TEMP_SECONDS = 600  # a temporary file this old was left by a killed writer


class SaveError(Exception):
    """A save that cannot be read or written; ``str()`` is one line naming the file."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 col: int | None = None) -> None:
        self.message = message
        self.path = None if path is None else Path(path)
        self.line = line
        self.col = col
        if path is None:
            super().__init__(_one_line(message))
            return
        where = str(path)
        if line is not None:
            where += f":{line}" + (f":{col}" if col is not None else "")
        super().__init__(_one_line(f"{where}: {message}"))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Control characters (a key or file name may hold a newline) shown as escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _fail(path: Path, message: str, line: int | None = None, col: int | None = None) -> SaveError:
    return SaveError(message, path, line, col)


# --- value types: exact, finite, and explained in TOML's words -----------------------------


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


def _whole(value: Any, least: int | None = None) -> int:
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
                raise ValueError(f"{_keypath((key,))}: {exc}") from None
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
WholeNumber = Annotated[int, PlainValidator(lambda v: _whole(v, 0))]
UtcTime = Annotated[datetime, PlainValidator(_utc)]
PlanField = Annotated[PlanValue, PlainValidator(_plan_value)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def utc_now() -> datetime:
    """Now, in UTC, to the second: what ``created`` and ``updated`` hold."""
    return datetime.now(UTC).replace(microsecond=0)


# --- the model --------------------------------------------------------------------------------


class PackStamp(BaseModel):
    """One content pack the game was played with: a replay needs the same content."""

    model_config = ConfigDict(extra="forbid")

    id: Name
    version: Name
    hash: Name = Field(description="The pack's content hash (sha256 of its files).")


class EventChoice(BaseModel):
    """The player's answer to one event: the index of the choice taken."""

    model_config = ConfigDict(extra="forbid")

    event: Name
    choice: WholeNumber


class QuarterRecord(BaseModel):
    """One quarter of the action log: enough to play the quarter again exactly."""

    model_config = ConfigDict(extra="forbid")

    quarter: WholeNumber = Field(description="0 for the first quarter played.")
    plan: dict[str, PlanField] = Field(
        default_factory=dict, description="The plan as played: field name -> value.")
    choices: list[EventChoice] = Field(
        default_factory=list, description="Event choices made this quarter, in order.")
    injected: list[Name] = Field(
        default_factory=list, description="Events an instructor made happen this quarter.")
    events: list[Name] = Field(
        default_factory=list,
        description="Every event that happened, in order: what a replay should see again.")
    seal: str = Field(
        "", description="A digest of this quarter's record and history chained to the previous "
                        "quarter's seal (game.session.store.seal): an edit shows where it begins.")


class SaveFile(BaseModel):
    """A whole save; see the module docstring. ``log[i]`` and ``history[i]`` are the i-th
    quarter played: what was decided, and the headline metrics that came of it."""

    model_config = ConfigDict(extra="forbid")

    format_version: int = Field(
        default_factory=lambda: FORMAT_VERSION, description="The layout of this file.")
    game_version: Name = Field(__version__, description="The Frontier Lab that wrote it.")
    scenario: Name = Field(description="The scenario's id.")
    seed: WholeNumber = Field(description="The seed: any non-negative integer.")
    lab: Name = Field(description="The player's lab, as they named it.")
    created: UtcTime = Field(default_factory=utc_now, description="When the game began.")
    updated: UtcTime = Field(default_factory=utc_now, description="When it was last saved.")
    outcome: Name = Field("running", description="'running' until the game ends, then how.")
    score: Number = Field(0.0, description="The scenario's score so far.")
    packs: list[PackStamp] = Field(
        default_factory=list, description="The content played with, in load order.")
    log: list[QuarterRecord] = Field(
        default_factory=list, description="The action log: one record per quarter played.")
    history: list[dict[str, Number]] = Field(
        default_factory=list, description="Headline metrics after each quarter played.")

    @field_validator("format_version", mode="plain")
    @classmethod
    def _current_format(cls, value: Any) -> int:
        # Older formats are migrated and newer ones refused before validation; in the model
        # itself only the current format makes sense.
        if _whole(value) != FORMAT_VERSION:
            raise ValueError(f"must be {FORMAT_VERSION}, the format this build writes")
        return FORMAT_VERSION

    @model_validator(mode="after")
    def _quarters_line_up(self) -> SaveFile:
        for i, record in enumerate(self.log):
            if record.quarter != i:
                raise ValueError(f"log[{i}].quarter is {record.quarter}: the log holds quarters "
                                 "0, 1, 2… in order, one record each")
        if len(self.history) != len(self.log):
            raise ValueError(
                f"the log has {len(self.log)} quarters but the history {len(self.history)}: "
                "each quarter played has one entry in each")
        return self

    @property
    def quarters(self) -> int:
        """How many quarters have been played."""
        return len(self.log)


_MODELS: dict[str, type[BaseModel]] = {
    "": SaveFile, "packs": PackStamp, "log": QuarterRecord, "log.choices": EventChoice}


# --- writing ------------------------------------------------------------------------------


class _TomlUtc(datetime):
    """A UTC datetime that tomli-w (which writes ``str(value)``) writes as ISO 8601 with Z."""

    def __str__(self) -> str:
        return self.isoformat().replace("+00:00", "Z")


def _int_out(n: int) -> int | str:
    return n if _I64_MIN <= n <= _I64_MAX else str(n)


def _scalar_out(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and not _I64_MIN <= v <= _I64_MAX:
        return {_BIGINT_TAG: str(v)}
    return v


def _plan_out(v: Any) -> Any:
    if isinstance(v, list):
        return [_scalar_out(x) for x in v]
    if isinstance(v, dict):
        return {k: _scalar_out(x) for k, x in v.items()}
    return _scalar_out(v)


def _time_out(t: datetime) -> datetime:
    return _TomlUtc(t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond, UTC)


def _toml_data(save: SaveFile) -> dict[str, Any]:
    """The save as the TOML document holds it: big integers encoded, times in UTC with Z."""
    data = save.model_dump()
    data["seed"] = _int_out(data["seed"])
    data["created"] = _time_out(data["created"])
    data["updated"] = _time_out(data["updated"])
    for record in data["log"]:
        record["quarter"] = _int_out(record["quarter"])
        record["plan"] = {k: _plan_out(v) for k, v in record["plan"].items()}
        for choice in record["choices"]:
            choice["choice"] = _int_out(choice["choice"])
    return data


def dump_save(save: SaveFile) -> str:
    """The text of a save file. Raises SaveError (path '<save>') for a save that would not read
    back: a NaN, an infinity, or anything else its model refuses."""
    return _dump(save, Path("<save>"))


def _dump(save: SaveFile, path: Path) -> str:
    # Validate again: a SaveFile can be changed in place after it was built
    # (history[3]["cash"] = nan), and what is written must read back as the same save.
    try:
        checked = SaveFile.model_validate(save.model_dump())
    except ValidationError as exc:
        loc, what = _first_problem(exc)
        raise _fail(path, f"not saved: {_where(loc)}{what} — the game holds a value a save "
                    "cannot keep (a bug worth reporting)") from None
    text = tomli_w.dumps(_toml_data(checked))
    # The closing table: a file cut short anywhere before its last line lacks it or disagrees
    # with it (a digit cut from "quarters = 20" reads 2), so truncation is never silent.
    return f"{text}\n[end]\nquarters = {checked.quarters}\n"


def write_save(path: str | Path, save: SaveFile) -> None:
    """Write ``save`` to ``path`` atomically, keeping the previous good save as ``PATH.bak``.

    At every instant PATH (once it exists) is a complete save and ``.bak``, when present, the
    one before it. The folder is created if needed. Raises SaveError with the reason (a disk full,
    a folder that cannot be written, a value a save cannot hold); no temporary file is left
    behind by a failure short of the process being killed, and such leftovers of this path are
    removed by a later write once they are ten minutes old.
    """
    path = Path(path)
    payload = _dump(save, path).encode("utf-8")
    folder = path.parent
    temps: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temps.append(_temp_name(path))
        with open(temps[0], "xb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        _keep_previous(path, temps)
        os.replace(temps[0], path)
        temps.pop(0)
    except OSError as exc:
        raise _fail(path, f"not saved: {exc.strerror or exc} — check that the folder "
                    f"{folder} can be written and the disk has room") from None
    finally:
        for temp in temps:
            with suppress(OSError):
                os.unlink(temp)
    _fsync_dir(folder)
    with suppress(OSError):
        _remember(path, os.stat(path))
    _sweep_stale_temps(path)


def _temp_name(path: Path) -> Path:
    # A dot file in the same folder (rename is atomic only within a file system), unique per
    # writer, and recognisable as this path's own so it is never listed or taken for a save.
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def _keep_previous(path: Path, temps: list[Path]) -> None:
    """Make the current PATH the ``.bak``, if it is a good save; PATH itself stays in place."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if _KNOWN_GOOD.get(_key(path)) != _fingerprint(st):
        try:
            read_save(path)
        except SaveError:
            return  # a damaged file is replaced, but .bak keeps the last good save
    link = _temp_name(path)
    temps.append(link)
    try:
        os.link(path, link)  # the same bytes under a second name: nothing copied, no gap
    except OSError:  # no hard links on this file system (FAT, some network shares): copy
        shutil.copyfile(path, link)
        with open(link, "rb+") as f:
            os.fsync(f.fileno())
    os.replace(link, path.with_name(path.name + ".bak"))
    temps.remove(link)


# Files this process wrote or read as good saves, by path, with the (inode, size, mtime) they
# had then: an autosave over its own previous save need not read it again to know it is good
# (half the cost of a write). Any change to the file (a new inode from an editor's save, a
# new size or time) sends it through read_save again.
_KNOWN_GOOD: dict[str, tuple[int, int, int]] = {}


def _key(path: Path) -> str:
    return os.path.abspath(path)


def _fingerprint(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns


def _remember(path: Path, st: os.stat_result) -> None:
    if len(_KNOWN_GOOD) > 1000:
        _KNOWN_GOOD.clear()
    _KNOWN_GOOD[_key(path)] = _fingerprint(st)


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable (POSIX only; elsewhere a rename is as good as it gets)."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sweep_stale_temps(path: Path) -> None:
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{12}}\.tmp")
    limit = time.time() - _STALE_TEMP_SECONDS
    with suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            if pattern.fullmatch(entry.name):
                with suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)


# --- reading ------------------------------------------------------------------------------


def read_save(path: str | Path) -> SaveFile:
    """The save at ``path``, upgraded to the current format; SaveError for anything else."""
    path = Path(path)
    text, st = _read_text(path)
    data = _parse(path, text)
    data = _upgrade(path, data, text)
    try:
        save = SaveFile.model_validate(data)
    except ValidationError as exc:
        loc, what = _first_problem(exc)
        line = col = None
        if loc:
            from game.packs.toml_io import locate  # only on failure: packs imports numpy

            line, col = locate(text, loc)
        raise _fail(path, f"{_where(loc)}{what} — {_damaged(path)}", line, col) from None
    _remember(path, st)
    return save


def _damaged(path: Path) -> str:
    """What to do about a save that cannot be read: the previous version, if there is one."""
    bak = path.with_name(path.name + ".bak")
    if not path.name.endswith(".bak") and bak.is_file():
        return (f"the save is damaged or was edited; its previous version is {bak.name} "
                f"(copy it over {path.name} to go back to it)")
    return "the save is damaged or was edited; the file was left as it is"


def _read_text(path: Path) -> tuple[str, os.stat_result]:
    """The file's text, and its stat before it was read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _fail(path, "no such save — check the name and the folder") from None
    except OSError as exc:
        raise _fail(path, f"cannot read it ({exc.strerror}) — check the path") from None
    if not path.is_file():
        raise _fail(path, "not a file — give the path of a .toml save")
    if st.st_size > MAX_SAVE_BYTES:
        raise _fail(path, f"is {st.st_size / 1e6:.1f} MB, larger than any save can be "
                    f"({MAX_SAVE_BYTES / 1e6:.0f} MB at most) — not a Frontier Lab "
                    "save; it was left unread")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SAVE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise _fail(path, f"cannot read it ({exc.strerror}) — check its permissions") \
            from None
    if len(raw) > MAX_SAVE_BYTES:
        raise _fail(path, "is larger than any save can be — not a Frontier Lab save")
    if not raw.strip():
        raise _fail(path, f"is empty — {_damaged(path)}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise _fail(path, f"holds binary data (a zero byte at offset {nul}), not a save "
                    f"— {_damaged(path)}")
    if raw.startswith(codecs.BOM_UTF8):  # some editors add one; TOML does not allow it
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8"), st
    except UnicodeDecodeError as exc:
        raise _fail(path, f"is not UTF-8 text (byte {exc.start}), so not a save — "
                    f"{_damaged(path)}") from None


_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_AT_END = re.compile(r"\s*\(at end of document\)")


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
        else:
            line = text.count("\n") + 1
            col = len(text) - text.rfind("\n")
        msg = _AT_END.sub("", _AT.sub("", msg))
        raise _fail(path, f"not valid TOML ({msg}) — {_damaged(path)}", line, col) \
            from None
    except ValueError as exc:  # an integer of thousands of digits, refused by int()
        raise _fail(path, f"not a save ({str(exc).split(':')[0]}) — {_damaged(path)}") \
            from None
    except RecursionError:
        raise _fail(path, f"not a save (nested too deeply) — {_damaged(path)}") from None


def _upgrade(path: Path, data: dict[str, Any], text: str) -> dict[str, Any]:
    """The document checked for its version and closing table, migrated to the current format."""
    version = data.get("format_version")
    if version is None:
        raise _fail(path, "not a Frontier Lab save (it has no format_version) — choose a "
                    "save the game wrote")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _fail(path, f"format_version: expected a whole number, got {toml_kind(version)} "
                    f"— {_damaged(path)}")
    if version > FORMAT_VERSION:
        raise _fail(path, f"made by a newer Frontier Lab (format {version}); this version "
                    f"reads formats up to {FORMAT_VERSION} — upgrade to open it")
    _check_end(path, data, text)
    return migrate(data, path)


def _check_end(path: Path, data: dict[str, Any], text: str) -> None:
    end = data.pop("end", None)
    if end is None:
        raise _fail(path, "the save is cut off (it lacks the [end] table every save closes "
                    f"with) — {_damaged(path)}")
    quarters = end.get("quarters") if isinstance(end, dict) else None
    if not isinstance(end, dict) or set(end) != {"quarters"} or isinstance(quarters, bool) \
            or not isinstance(quarters, int):
        raise _fail(path, f"end: expected a table holding quarters = <whole number> — "
                    f"{_damaged(path)}")
    played = data.get("log", [])
    if isinstance(played, list) and quarters != len(played):
        line = next((n for n, raw in enumerate(text.splitlines(), 1)
                     if raw.strip().startswith("[end]")), None)
        raise _fail(path, f"[end] says {quarters} quarters but the file has {len(played)}: the "
                    f"save is cut off or was edited — {_damaged(path)}", line)


def migrate(data: dict[str, Any], path: Path | str = "<save>") -> dict[str, Any]:
    """Bring a document of an older format up to ``FORMAT_VERSION``, one step at a time.

    ``MIGRATIONS[n]`` turns format n into n + 1; this sets ``format_version`` after each step.
    """
    path = Path(path)
    version = data["format_version"]
    if version < 1:
        raise _fail(path, f"format_version {version} was never written by Frontier Lab — "
                    f"{_damaged(path)}")
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise _fail(path, f"saves of format {version} can no longer be read by this "
                        f"version (format {FORMAT_VERSION}) — open it with an older "
                        "Frontier Lab")
        try:
            upgraded = step(dict(data))
        except Exception as exc:  # a migration meeting data its format never allowed
            raise _fail(path, f"could not be upgraded from format {version} "
                        f"({type(exc).__name__}: {exc}) — {_damaged(path)}") from None
        if not isinstance(upgraded, dict):
            raise TypeError(f"MIGRATIONS[{version}] returned {type(upgraded).__name__}, "
                            "not a dict")  # a bug in this build, not in the file
        data = upgraded
        version += 1
        data["format_version"] = version
    return data


# --- explaining validation problems ---------------------------------------------------------


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _keypath(loc: tuple[Any, ...]) -> str:
    """('quarters', 3, 'plan', 'price') -> 'quarters[3].plan.price', as TOML's reader sees it."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = str(part) if _BARE_KEY.fullmatch(str(part)) else json.dumps(
                str(part), ensure_ascii=False)  # TOML's quoted keys escape as JSON does
            out += f".{key}" if out else key
    return out


def _where(loc: tuple[Any, ...]) -> str:
    return f"{_keypath(loc)}: " if loc else ""


def _first_problem(exc: ValidationError) -> tuple[tuple[Any, ...], str]:
    """(key path, what is wrong in plain words) of the problem to report."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    if err["type"] == "missing":  # a misspelt key is better named than the key it lacks
        near = [e for e in errors if e["type"] == "extra_forbidden"
                and tuple(e["loc"][:-1]) == tuple(err["loc"][:-1])
                and difflib.get_close_matches(str(e["loc"][-1]), [str(err["loc"][-1])], n=1)]
        err = near[0] if near else err
    loc = tuple(err["loc"])
    kind, ctx, given = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "missing":
        what = "is missing"
    elif kind == "extra_forbidden":
        what = "is not a key of a save" + _did_you_mean(loc)
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        what = f"expected a table, got {toml_kind(given)}"
    elif kind == "list_type":
        what = f"expected an array, got {toml_kind(given)}"
    elif kind == "string_type":
        what = f"expected a string, got {toml_kind(given)}"
    elif kind == "string_too_short":
        what = "must not be empty"
    elif kind == "string_too_long":
        what = f"is too long (at most {ctx.get('max_length')} characters)"
    elif kind == "value_error":
        what = str(ctx.get("error", err["msg"]))
    else:
        msg = err["msg"]
        what = msg[:1].lower() + msg[1:]
    return loc, what


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    owner = ".".join(str(p) for p in loc[:-1] if not isinstance(p, int))
    model = _MODELS.get(owner)
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), sorted(model.model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- the saves folder -------------------------------------------------------------------------


def saves_dir(option: str | Path | None = None) -> Path:
    """Where saves go: ``--saves DIR``, else ``$FRONTIER_LAB_SAVES``, else ./saves.

    Returned absolute (so a later change of directory cannot move it) and not created: the
    first write creates it.
    """
    chosen = option if option not in (None, "") else os.environ.get(SAVES_ENV) or "saves"
    return Path(chosen).expanduser().absolute()


_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # names Windows will not create, whatever follows


def _slug(text: str, limit: int, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")
    if not slug:  # a name in another script: keep names apart by a short hash
        slug = f"{fallback}-{hashlib.blake2b(text.encode(), digest_size=4).hexdigest()}"
    if slug in _RESERVED:
        slug = f"{slug}-{fallback}"
    return slug


def save_path(folder: str | Path, lab: str, scenario: str) -> Path:
    """``FOLDER/<lab>.<scenario>.toml``: lowercase letters, digits and dashes only, never a dot
    file, at most about 100 characters, so any lab name makes a safe file name."""
    return Path(folder) / f"{_slug(lab, 48, 'lab')}.{_slug(scenario, 48, 'scenario')}.toml"


@dataclass(frozen=True)
class SaveSummary:
    """One row of the load dialog; ``error`` is set (and the rest empty) for a bad file."""

    path: Path
    lab: str = ""
    scenario: str = ""
    quarter: int = 0
    outcome: str = ""
    score: float | None = None
    updated: str | None = None  # ISO 8601 UTC, e.g. 2026-01-05T10:00:00Z
    error: str | None = None

    @property
    def file(self) -> str:
        return self.path.name


def list_saves(folder: str | Path) -> list[SaveSummary]:
    """Every ``*.toml`` save in ``folder``, most recently updated first, then the unreadable
    ones (with their error) by name. ``.bak`` and temporary files are not saves of their own."""
    folder = Path(folder)
    try:
        names = sorted(e.name for e in os.scandir(folder)
                       if e.name.endswith(".toml") and not e.name.startswith("."))
    except OSError:
        return []
    good: list[SaveSummary] = []
    bad: list[SaveSummary] = []
    for name in names:
        path = folder / name
        try:
            save = read_save(path)
        except SaveError as exc:
            if path.is_file():
                bad.append(SaveSummary(path, error=str(exc)))
            continue
        good.append(SaveSummary(path, save.lab, save.scenario, save.quarters,
                                save.outcome, save.score, str(_time_out(save.updated))))
    good.sort(key=lambda s: s.updated or "", reverse=True)  # ISO 8601 in UTC sorts as text
    return good + bad
