"""The archive of packs as they were, so that a save made with older content still loads.

A save records each pack it was played with as (id, version, hash), the hash being
``reading._hash``: sha256 over the pack's ``*.toml`` files. When a pack's content changes (one
sentence is enough) the current pack no longer has that hash, and the save could not be
replayed. The archive keeps every pack's hashed files, each content in a folder of its own named
``<id>-<hash>``: content-addressed, so a folder is never rewritten, only added. The name only
says where to look: the hash is computed again from the files each time a folder is read, and a
folder that does not match (edited, damaged, or holding a link or anything but plain files) is
passed over.

The shipped archive is the repository's ``content-archive/`` (``game.paths.archive_dir``); a
test requires it to hold every shipped pack as it is now, so a change to the shipped content
comes with a new version and an archived copy (``python -m game.packs.archive``).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from game.packs.content import Content
from game.packs.errors import ContentError, Problem
from game.packs.files import pack_files
from game.packs.loading import load_content
from game.packs.reading import Pack, _hash, hash_files, read_packs
from game.packs.schema import ID
from game.paths import archive_dir

LEGACY_VERSIONS: frozenset[tuple[str, str]] = frozenset({("base", "0.1.0")})
"""(pack id, version) pairs shipped with more than one content, before the rule that a pack's
version changes whenever its content does: base 0.1.0 was the version of every base pack up to
commit ea01e24, whose text edits kept it. Every other version names one content."""

_HASH = re.compile(r"[0-9a-f]{16}")
_CACHED = 4  # contents kept once loaded: a class folder holds many saves of few contents


def _entry_name(pack_id: str, content_hash: str) -> str | None:
    """The folder name of a pack's content, or None when either part could not be one (a
    save's stamp is text from outside: '../x' must not become a path)."""
    if re.fullmatch(ID, pack_id) and _HASH.fullmatch(content_hash):
        return f"{pack_id}-{content_hash}"
    return None


# --- storing and finding -----------------------------------------------------------------------


def store(pack: Pack, root: Path) -> Path:
    """Copy the pack's hashed files into ``root/<id>-<hash>/`` and return that folder.

    The copy is written into a hidden sibling first and renamed into place, so a folder of the
    archive is whole or absent; one already there is left as it is. Raises ContentError when a
    file is refused (a link, not a regular file, too large) or when the copy's hash is not the
    pack's (its files changed since they were read).
    """
    name = _entry_name(pack.id, pack.content_hash)
    if name is None:
        raise ContentError([Problem(pack.path, f"'{pack.id}-{pack.content_hash}' cannot name "
                                               "an archive folder")])
    target = root / name
    if target.exists():
        return target
    files, problems = pack_files(pack.path)
    if problems:
        raise ContentError(problems)
    root.mkdir(parents=True, exist_ok=True)
    part = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=root))
    try:
        for relative, data in files.items():
            (part / relative).parent.mkdir(parents=True, exist_ok=True)
            (part / relative).write_bytes(data)
        copied = _hash(part)
        if copied != pack.content_hash:
            raise ContentError([Problem(pack.path, f"its files now hash to {copied}, not "
                                                   f"{pack.content_hash}: changed since loaded")])
        part.chmod(0o755)
        try:
            os.rename(part, target)
        except OSError:
            if not target.is_dir():
                raise
            # another process stored the same content first: theirs stays
    finally:
        shutil.rmtree(part, ignore_errors=True)
    return target


def find(pack_id: str, content_hash: str, roots: Sequence[Path]) -> Path | None:
    """The first ``root/<id>-<hash>/`` holding a pack.toml whose files hash to content_hash."""
    name = _entry_name(pack_id, content_hash)
    if name is None:
        return None
    for root in roots:
        if _holds(root / name, content_hash):
            return root / name
    return None


def _holds(folder: Path, content_hash: str) -> bool:
    """Whether folder is an archived pack with this hash, computed from its files."""
    files, problems = pack_files(folder)
    return not problems and Path("pack.toml") in files and hash_files(files.items()) == content_hash


def entries(root: Path) -> list[Pack]:
    """Every folder of an archive whose name its files bear out, as packs (the rest left out)."""
    found: list[Pack] = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        pack_id, _, content_hash = folder.name.rpartition("-")
        if folder.name.startswith(".") or find(pack_id, content_hash, [root]) != folder:
            continue
        packs = read_packs([folder], [])
        if pack_id in packs:
            found.append(packs[pack_id])
    return found


def version_clashes(root: Path) -> list[str]:
    """One sentence for each pack version archived with more than one content (none but
    LEGACY_VERSIONS may be: a version names one content)."""
    hashes: dict[tuple[str, str], list[str]] = {}
    for pack in entries(root):
        hashes.setdefault((pack.id, pack.manifest.version), []).append(pack.content_hash)
    return [f"{pack_id} {version} is archived with {len(found)} contents ({', '.join(found)}): "
            "a version names one content"
            for (pack_id, version), found in sorted(hashes.items())
            if len(found) > 1 and (pack_id, version) not in LEGACY_VERSIONS]


# --- the content a save was played with ------------------------------------------------------

_loaded: dict[tuple[tuple[str, str], ...], Content] = {}
_loaded_lock = threading.Lock()


def content_for(stamps: Sequence[tuple[str, str]], current: Content,
                roots: Sequence[Path]) -> Content | None:
    """The content made of exactly these (pack id, hash) stamps: ``current`` when it is that,
    else each pack from the current content when its hash matches and from the archive when it
    does not. None when a pack is in no archive or the archived packs no longer load."""
    wanted = tuple(sorted((str(pack_id), str(content_hash)) for pack_id, content_hash in stamps))
    if _stamps(current) == wanted:
        return current
    with _loaded_lock:
        if wanted in _loaded:
            return _loaded[wanted]
    here = {pack.id: pack for pack in current.packs}
    folders: list[Path] = []
    for pack_id, content_hash in wanted:
        pack = here.get(pack_id)
        folder = (pack.path if pack is not None and pack.content_hash == content_hash
                  else find(pack_id, content_hash, roots))
        if folder is None:
            return None
        folders.append(folder)
    try:
        content = load_content(folders, shipped=False)
    except ContentError:
        return None
    if _stamps(content) != wanted:  # a file changed since it was checked
        return None
    with _loaded_lock:
        _loaded[wanted] = content
        while len(_loaded) > _CACHED:
            del _loaded[next(iter(_loaded))]
    return content


def _stamps(content: Content) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((pack.id, pack.content_hash) for pack in content.packs))


# --- python -m game.packs.archive ------------------------------------------------------------


def main() -> int:
    """Archive every shipped pack as it is now into the shipped archive, one line a pack."""
    try:
        content = load_content()
    except ContentError as exc:
        print(f"the shipped content does not load:\n{exc}", file=sys.stderr)
        return 1
    root = archive_dir()
    failed = False
    for pack in content.packs:
        name = f"{pack.id}-{pack.content_hash}"
        version = pack.manifest.version
        others = [p.path.name for p in entries(root) if p.id == pack.id
                  and p.manifest.version == version and p.content_hash != pack.content_hash]
        if find(pack.id, pack.content_hash, [root]) is not None:
            print(f"{name} ({version}): already there")
        elif (root / name).exists():
            print(f"{name}: damaged in {root}: remove that folder and run this again",
                  file=sys.stderr)
            failed = True
        elif others and (pack.id, version) not in LEGACY_VERSIONS:
            print(f"{name}: version {version} is archived with other content ({others[0]}): "
                  f"content/{pack.id} changed, so bump `version` in its pack.toml",
                  file=sys.stderr)
            failed = True
        else:
            store(pack, root)
            print(f"{name} ({version}): stored in {root}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
