"""Finding packs on disk and reading their files: every byte of content is read here.

A pack is a folder with a pack.toml: the shipped content/ holds the base game's, and a player
names more (a pack, or a folder of packs). Each is read once: its manifest checked, its TOML
files hashed into the fingerprint a save records.

A file is refused unread when it is larger than ``MAX_BYTES``, and must be UTF-8. The shipped
content's files are parsed once and kept (``game.paths.parse_cache_dir``), keyed by a hash of
their exact bytes, like Python's own ``__pycache__``: tomllib is pure Python and took two thirds
of loading the base pack. Everything after the parse (the models, the expressions, the
cross-references) is checked on every load; a changed file has another hash and is parsed anew,
and a cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.packs.errors import ContentError, Problem
from game.packs.schema import PackManifest
from game.packs.toml_io import locate
from game.packs.validation import validate_file
from game.paths import content_dir, parse_cache_dir

BASE = "base"  # the base game's pack: every other pack builds on it
MAX_BYTES = 2_000_000  # content files are small; anything larger is refused unread


@dataclass(frozen=True)
class Pack:
    manifest: PackManifest
    path: Path
    content_hash: str
    manifest_text: str = ""

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
    for p in found:
        if p.resolve() not in {u.resolve() for u in unique}:
            unique.append(p)
    return unique, problems


def read_packs(folders: Sequence[Path], problems: list[Problem]) -> dict[str, Pack]:
    """pack id -> the pack in each folder, its manifest read and checked (a folder whose manifest
    does not read, is wrong or takes an id already taken is left out, its problem recorded)."""
    packs: dict[str, Pack] = {}
    for folder in folders:
        manifest_path = folder / "pack.toml"
        got = try_read_toml(manifest_path, problems)
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
        packs[manifest.id] = Pack(manifest, folder, _hash(folder), text)
    return packs


def _hash(folder: Path) -> str:
    return hash_files((path.relative_to(folder), path.read_bytes())
                      for path in sorted(folder.rglob("*.toml")))


def hash_files(files: Iterable[tuple[Path, bytes]]) -> str:
    """A pack's content hash: sha256 over each file's path (relative to the pack's folder) and
    bytes, in the order given (``_hash``'s is sorted), its first 16 hex digits."""
    digest = hashlib.sha256()
    for relative, data in files:
        digest.update(str(relative).encode())
        digest.update(data)
    return digest.hexdigest()[:16]


# --- reading a TOML file ---------------------------------------------------------------------


def try_read_toml(path: Path, problems: list[Problem]) -> tuple[Any, str] | None:
    """(data, text) of a TOML file, or None with its problem recorded."""
    try:
        return read_toml(path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """(data, text) of a TOML file; raises ContentError with one problem on failure."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ContentError([Problem(path, f"cannot read the file: {exc.strerror}")]) from None
    if size > MAX_BYTES:
        raise ContentError([Problem(
            path, f"the file is {size / 1e6:.1f} MB; content files may be at most "
            f"{MAX_BYTES / 1e6:.0f} MB"
        )])
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(path, f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise ContentError([Problem(path, f"cannot read the file: {exc.strerror}")]) from None
    kept = _kept_path(path, raw)
    if kept is not None:
        data = _read_kept(kept)
        if data is not None:
            return data, text
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ContentError([Problem(path, f"TOML syntax: {msg}", line, col)]) from None
    except RecursionError:
        raise ContentError([Problem(path, "TOML nested too deeply")]) from None
    if kept is not None:
        _keep(kept, data)
    return data, text


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
