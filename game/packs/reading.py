"""Finding packs on disk and reading their files: every byte of content is read here.

A pack is a folder with a pack.toml: the shipped content/ holds the base game's, and a player
names more (a pack, or a folder of packs). Each is read once: its manifest checked, its TOML
files hashed into the fingerprint a save records.

A pack's files are read once, by ``game.packs.files`` (plain files inside the pack, within
limits), and everything after works on those bytes: the hash a save records is of the bytes the
loader parsed. A file must be UTF-8 and TOML, with numbers a pack can use: finite (no ``nan``,
no ``inf``) and whole numbers within TOML's 64 bits, nested at most ``MAX_NESTING`` deep.

The parser is tomli, the project tomllib comes from, in its compiled wheel: tomllib is pure
Python, and took half of validating 100,000 events. The shipped content's files are parsed once
and kept (``game.paths.parse_cache_dir``), keyed by a hash of their exact bytes, like Python's
own ``__pycache__``: parsing took two thirds of loading the base pack. Everything after the
parse (the models, the expressions, the cross-references) is checked on every load; a changed
file has another hash and is parsed anew, and a cache that cannot be read or written is simply
not used.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli  # tomllib's parser compiled (mypyc): 3.3x faster on a big pack; pure Python else

from game.packs.errors import ContentError, Problem
from game.packs.files import MAX_BYTES, Refused, pack_files, read_file
from game.packs.schema import PackManifest
from game.packs.toml_io import locate
from game.packs.toml_syntax import explain
from game.packs.validation import validate_file
from game.paths import content_dir, parse_cache_dir

__all__ = ["BASE", "MAX_BYTES", "Pack", "Source", "discover", "hash_files", "parse_toml",
           "read_packs", "read_toml", "try_parse_toml"]

BASE = "base"  # the base game's pack: every other pack builds on it
MAX_NESTING = 32  # tables and arrays within each other: content is a few levels deep
MAX_PACKS = 500  # packs in one load
INT_BOUND = 2**63  # TOML's whole numbers are 64-bit: -2**63 <= n < 2**63
MAX_UNUSABLE = 100  # unusable values reported in one file: the rest are more of the same


@dataclass(frozen=True)
class Pack:
    manifest: PackManifest
    path: Path
    content_hash: str
    manifest_text: str = ""
    # The bytes of its TOML files as read (relative path -> bytes), for the loader; the packs
    # of a loaded Content no longer carry them.
    files: Mapping[Path, bytes] = field(default_factory=dict, compare=False, repr=False)

    def at(self, message: str, key: str) -> Problem:
        """A problem located at a key of this pack's pack.toml."""
        line, col = locate(self.manifest_text, (key,))
        return Problem(self.path / "pack.toml", message, line, col)

    @property
    def id(self) -> str:
        return self.manifest.id


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    loc: tuple[str | int, ...]

    def problem(self, message: str, *more: str | int) -> Problem:
        line, col = locate(self.text, (*self.loc, *more))
        return Problem(self.path, message, line, col)


# --- finding packs ---------------------------------------------------------------------------


def discover(extra: Sequence[Path] = (), shipped: bool = True) -> tuple[list[Path], list[Problem]]:
    """Pack folders: the shipped content/ plus each extra path (a pack, or a folder of packs)."""
    roots: list[Path] = [content_dir()] if shipped else []
    found: list[Path] = []
    problems: list[Problem] = []
    for root in roots:
        found += sorted(p.parent for p in root.glob("*/pack.toml"))
    for path in extra:
        if (path / "pack.toml").is_file():
            found.append(path)
        elif path.is_dir() and any(path.glob("*/pack.toml")):
            found += sorted(p.parent for p in path.glob("*/pack.toml"))
        elif path.is_file() and path.name == "pack.toml":
            found.append(path.parent)
        else:
            problems.append(Problem(path, "no pack here: a pack is a folder with a pack.toml"))
    unique: list[Path] = []
    seen: set[Path] = set()  # each folder resolved once (a set made per folder was quadratic)
    for p in found:
        try:
            where = p.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a loop, on older Pythons
            problems.append(Problem(p, f"cannot be read: {getattr(exc, 'strerror', exc)}"))
            continue
        if where not in seen:
            seen.add(where)
            unique.append(p)
    if len(unique) > MAX_PACKS:  # the load order's pairs grow with the square of the packs
        problems.append(Problem(unique[MAX_PACKS].parent, f"{len(unique):,} packs: a game loads "
                                                          f"at most {MAX_PACKS}"))
        unique = unique[:MAX_PACKS]
    return unique, problems


def read_packs(folders: Sequence[Path], problems: list[Problem]) -> dict[str, Pack]:
    """pack id -> the pack in each folder, its files read and its manifest checked (a folder
    whose manifest does not read, is wrong or takes an id already taken is left out, its
    problems recorded). A file refused is a problem, and the rest of the pack is still read
    for theirs."""
    packs: dict[str, Pack] = {}
    for folder in folders:
        files, refused = pack_files(folder)
        problems.extend(refused)
        manifest_path = folder / "pack.toml"
        if Path("pack.toml") not in files:
            if not refused:
                problems.append(Problem(manifest_path, "no pack.toml: a pack is a folder with "
                                                       "one"))
            continue
        got = try_parse_toml(manifest_path, files[Path("pack.toml")], problems)
        if got is None:
            continue
        data, text = got
        manifest = validate_file(PackManifest, data, manifest_path, text, problems)
        if manifest is None:
            continue
        if manifest.id in packs:
            problems.append(Problem(manifest_path, f"pack id '{manifest.id}' is also used by "
                                                   f"{packs[manifest.id].path}"))
            continue
        packs[manifest.id] = Pack(manifest, folder, hash_files(files.items()), text, files)
    return packs


def _hash(folder: Path) -> str:
    """The content hash of the pack in folder; ContentError when a file is refused."""
    files, problems = pack_files(folder)
    if problems:
        raise ContentError(problems)
    return hash_files(files.items())


def hash_files(files: Iterable[tuple[Path, bytes]]) -> str:
    """A pack's content hash: sha256 over each file's path (relative to the pack's folder) and
    bytes, in the order given (``pack_files`` sorts them by path), its first 16 hex digits."""
    digest = hashlib.sha256()
    for relative, data in files:
        digest.update(str(relative).encode())
        digest.update(data)
    return digest.hexdigest()[:16]


# --- reading a TOML file ---------------------------------------------------------------------


def try_parse_toml(path: Path, raw: bytes, problems: list[Problem]) -> tuple[Any, str] | None:
    """(data, text) of a TOML file's bytes, or None with its problems recorded."""
    try:
        return parse_toml(path, raw)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """(data, text) of the TOML file at path (a plain file: a link to one is followed, nothing
    else is opened); raises ContentError with its problems on failure."""
    try:
        raw = read_file(path)
    except Refused as exc:
        raise ContentError([Problem(path, str(exc))]) from None
    except OSError as exc:
        raise ContentError([Problem(path, f"cannot read the file: {exc.strerror}")]) from None
    return parse_toml(path, raw)


def parse_toml(path: Path, raw: bytes) -> tuple[dict[str, Any], str]:
    """(data, text) of a TOML file's bytes; raises ContentError naming path on failure."""
    if len(raw) > MAX_BYTES:
        raise ContentError([Problem(path, f"the file is {len(raw) / 1e6:.1f} MB, larger than "
                                          f"the {MAX_BYTES / 1e6:g} MB a content file may be")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(path, f"not UTF-8 text (byte {exc.start})")]) from None
    kept = _kept_path(path, raw)
    if kept is not None:
        data = _read_kept(kept)
        if data is not None:
            return data, text
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        msg = getattr(exc, "msg", None) or re.sub(r"\s*\(at line \d+, column \d+\)", "",
                                                  str(exc))
        raise ContentError([Problem(path, *explain(msg, text, line, col))]) from None
    except ValueError:  # Python's own bound on reading a number of over 4,300 digits
        raise ContentError([_long_number(path, text)]) from None
    except RecursionError:
        raise ContentError([Problem(path, "TOML nested too deeply")]) from None
    wrong = unusable_values(data)
    if wrong:
        raise ContentError([Problem(path, message, *locate(text, loc)) for loc, message in wrong])
    if kept is not None:
        _keep(kept, data)
    return data, text


def unusable_values(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(key path, message) for each value a pack cannot use: a number that is not finite (TOML
    reads nan and inf), a whole number beyond 64 bits (tomllib reads any), tables and arrays
    nested more than MAX_NESTING deep (dotted keys make any depth in a line); the first
    MAX_UNUSABLE found. Iterative: the data may be nested as deep as a file of dots. Only
    tables and arrays are stacked, with their paths: a path is made for a scalar only when it is
    wrong (this walk is a tenth of parsing's time)."""
    wrong: list[tuple[tuple[str | int, ...], str]] = []
    pending: list[tuple[dict[str, Any] | list[Any], tuple[str | int, ...]]] = [(data, ())]
    while pending and len(wrong) < MAX_UNUSABLE:
        value, loc = pending.pop()
        if len(loc) >= MAX_NESTING:
            wrong.append((loc, f"'{_key(loc)}': tables and arrays nested more than "
                               f"{MAX_NESTING} deep"))
            continue
        items: Iterable[tuple[str | int, Any]] = (
            value.items() if isinstance(value, dict) else enumerate(value))
        for k, v in items:
            kind = type(v)
            if kind is dict or kind is list:
                pending.append((v, (*loc, k)))
            elif kind is float and not math.isfinite(v):
                wrong.append(((*loc, k), f"'{_key((*loc, k))}': {v} is not a number a pack can "
                                         "use; write a finite number"))
            elif kind is int and not -INT_BOUND <= v < INT_BOUND:
                wrong.append(((*loc, k), f"'{_key((*loc, k))}': a whole number of "
                                         f"{v.bit_length()} bits; TOML's whole numbers have "
                                         "at most 64"))
    return sorted(wrong, key=lambda w: [str(p) for p in w[0]])


def _key(loc: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _long_number(path: Path, text: str) -> Problem:
    """The problem of a number too long for Python to read, at the first run of digits that is."""
    found = next((m for m in re.finditer(r"[0-9_]+", text) if len(m.group(0)) > 4300), None)
    if found is None:
        return Problem(path, "a number too long to read")
    line = text.count("\n", 0, found.start()) + 1
    col = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    digits = found.group(0).replace("_", "")
    return Problem(path, f"a whole number of {len(digits):,} digits; TOML's whole numbers have "
                         "at most 19 (64 bits)", line, col)


def _kept_path(path: Path, raw: bytes) -> Path | None:
    """Where the parse of these bytes is kept, for a file of the shipped content (a modder's
    files are parsed afresh each time)."""
    cache = parse_cache_dir()
    if cache is None:
        return None
    try:
        if not path.resolve().is_relative_to(_shipped()):
            return None
    except OSError:
        return None
    return cache / (hashlib.blake2b(raw, digest_size=16).hexdigest() + ".marshal")


@functools.cache
def _shipped() -> Path:
    return content_dir()


def _read_kept(kept: Path) -> dict[str, Any] | None:
    try:
        data = marshal.loads(kept.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _keep(kept: Path, data: dict[str, Any]) -> None:
    try:
        blob = marshal.dumps(data)  # plain tables, arrays, strings and numbers (no dates)
    except ValueError:
        return
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        part = kept.with_name(f"{kept.name}.{os.getpid()}.part")
        part.write_bytes(blob)
        os.replace(part, kept)  # whole or not at all, even with two processes at once
    except OSError:
        return
