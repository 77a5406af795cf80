"""The archive of packs as they were (game.packs.archive): stored whole, found only by content,
never through a link; a save's content rebuilt from it; and the rule that a pack's version
changes whenever its content does."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from game.packs import ContentError, load_content
from game.packs.archive import (
    LEGACY_VERSIONS,
    content_for,
    entries,
    find,
    store,
    version_clashes,
)
from game.packs.content import Content
from game.packs.reading import MAX_BYTES, Pack, _hash, discover, hash_files, read_packs
from game.paths import archive_dir, content_dir

# The base pack of commit 00d207b: the content of every save made before ea01e24 changed text.
OLD_BASE = ("base", "f115253a4a5367a8")


@pytest.fixture(scope="module")
def current() -> Content:
    return load_content()


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A test that would read /dev/zero fails after 20 s instead of running on."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("still reading after 20 s: a link was followed")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _pack(folder: Path, version: str = "1.0.0", pack_id: str = "tiny",
          text: str = "a") -> Pack:
    """A small pack written into folder and read as the loader reads it."""
    (folder / "events").mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(f'id = "{pack_id}"\nname = "Tiny"\nversion = "{version}"\n'
                                      'depends = ["base"]\n')
    (folder / "events" / "a.toml").write_text(f"""# {text}
[[event]]
id = "{pack_id}.fire"
title = "A fab burns"
text = "A fab burns while you hold {{cash}}."
category = "supply"
scripted = true
effects = [{{ type = "add", target = "sentiment", value = "-1" }}]
""")
    problems: list = []
    pack = read_packs([folder], problems)[pack_id]
    assert not problems
    return pack


def _shipped_packs() -> list[Pack]:
    folders, problems = discover()
    packs = read_packs(folders, problems)
    assert not problems
    return list(packs.values())


# --- the shipped archive and the version rule ------------------------------------------------


def test_every_shipped_pack_is_archived_as_it_is_now() -> None:
    for pack in _shipped_packs():
        assert find(pack.id, pack.content_hash, [archive_dir()]) is not None, (
            f"content/{pack.id} changed: bump `version` in its pack.toml and run "
            "`python -m game.packs.archive`")


def test_no_version_of_a_pack_names_two_contents() -> None:
    assert version_clashes(archive_dir()) == []


def test_every_legacy_version_is_archived_with_more_than_one_content() -> None:
    """An exemption that nothing needs would let a later clash pass unseen."""
    archived = [(p.id, p.manifest.version) for p in entries(archive_dir())]
    for legacy in LEGACY_VERSIONS:
        assert archived.count(legacy) > 1, legacy


def test_a_version_archived_with_two_contents_is_a_clash(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    store(_pack(tmp_path / "one", "1.0.0", text="first"), root)
    assert version_clashes(root) == []
    store(_pack(tmp_path / "two", "1.0.0", text="second"), root)
    store(_pack(tmp_path / "three", "1.1.0", text="third"), root)
    clashes = version_clashes(root)
    assert len(clashes) == 1
    assert clashes[0].startswith("tiny 1.0.0 is archived with 2 contents")
    # the base pack's 0.1.0 predates the rule, and is let through
    store(_pack(tmp_path / "b1", "0.1.0", "base", text="first"), root)
    store(_pack(tmp_path / "b2", "0.1.0", "base", text="second"), root)
    assert len(version_clashes(root)) == 1


def test_every_archived_entry_loads_with_this_code() -> None:
    root = archive_dir()
    folders = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
    found = entries(root)
    assert [p.path.name for p in found] == folders, "a folder of the archive is not what it says"
    assert f"{OLD_BASE[0]}-{OLD_BASE[1]}" in folders
    for pack in found:
        content = load_content([pack.path], shipped=False)
        assert content.fingerprint() == {pack.id: f"{pack.manifest.version} {pack.content_hash}"}


# --- storing and finding ---------------------------------------------------------------------


def test_store_and_find_round_trip(tmp_path: Path, current: Content) -> None:
    base = current.packs[0]
    entry = store(base, tmp_path)
    assert entry == tmp_path / f"base-{base.content_hash}"
    assert find("base", base.content_hash, [tmp_path / "elsewhere", tmp_path]) == entry
    assert _hash(entry) == base.content_hash
    assert sorted(p.relative_to(entry) for p in entry.rglob("*") if p.is_file()) == sorted(
        p.relative_to(base.path) for p in base.path.rglob("*.toml"))
    made = entry.stat().st_ino
    assert store(base, tmp_path) == entry and entry.stat().st_ino == made  # left as it was
    assert [p.name for p in tmp_path.iterdir()] == [entry.name]  # no part-written folder left


def test_an_edited_entry_is_not_found(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "tiny")
    entry = store(pack, tmp_path / "archive")
    assert find("tiny", pack.content_hash, [tmp_path / "archive"]) == entry
    event = entry / "events" / "a.toml"
    data = bytearray(event.read_bytes())
    data[2] ^= 1
    event.write_bytes(bytes(data))
    assert find("tiny", pack.content_hash, [tmp_path / "archive"]) is None
    assert entries(tmp_path / "archive") == []
    data[2] ^= 1
    event.write_bytes(bytes(data))  # put back: found again
    assert find("tiny", pack.content_hash, [tmp_path / "archive"]) == entry
    (entry / "extra.toml").write_text("")  # a file added is a change too
    assert find("tiny", pack.content_hash, [tmp_path / "archive"]) is None


def test_a_folder_name_is_not_trusted(tmp_path: Path) -> None:
    one, two = _pack(tmp_path / "one", text="one"), _pack(tmp_path / "two", text="two")
    entry = store(one, tmp_path / "archive")
    entry.rename(entry.with_name(f"tiny-{two.content_hash}"))
    assert find("tiny", two.content_hash, [tmp_path / "archive"]) is None
    assert find("tiny", one.content_hash, [tmp_path / "archive"]) is None
    assert entries(tmp_path / "archive") == []


@pytest.mark.parametrize("stamp", [("../tiny", "0123456789abcdef"), ("tiny", "../../etc"),
                                   ("tiny", "0123456789ABCDEF"), ("", "")])
def test_a_stamp_that_cannot_name_a_folder_is_not_looked_for(tmp_path: Path,
                                                              stamp: tuple[str, str]) -> None:
    assert find(*stamp, [tmp_path]) is None


@pytest.mark.parametrize("link", ["zero", "outside file", "outside folder", "inside file"])
def test_store_follows_no_link(tmp_path: Path, no_hang: None, link: str) -> None:
    pack = _pack(tmp_path / "tiny")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.toml").write_text("password = 'hunter2'\n")
    events = pack.path / "events"
    if link == "zero":
        (events / "zero.toml").symlink_to("/dev/zero")
    elif link == "outside file":
        (events / "key.toml").symlink_to(secret / "key.toml")
    elif link == "outside folder":
        (pack.path / "more").symlink_to(secret, target_is_directory=True)
    else:
        (events / "b.toml").symlink_to(events / "a.toml")
    root = tmp_path / "archive"
    with pytest.raises(ContentError, match="a link"):
        store(pack, root)  # the pack's hash is as read before the link was made: no matter
    assert not root.exists() or list(root.iterdir()) == []


def test_find_passes_over_an_entry_holding_a_link(tmp_path: Path, no_hang: None) -> None:
    pack = _pack(tmp_path / "tiny")
    entry = store(pack, tmp_path / "archive")
    (entry / "events" / "a.toml").unlink()
    (entry / "events" / "a.toml").symlink_to(pack.path / "events" / "a.toml")
    through = [(p.relative_to(entry), p.read_bytes()) for p in sorted(entry.rglob("*.toml"))]
    assert hash_files(through) == pack.content_hash  # same bytes through the link, but a link
    assert find("tiny", pack.content_hash, [tmp_path / "archive"]) is None
    (entry / "events" / "a.toml").unlink()
    (entry / "events" / "a.toml").symlink_to("/dev/zero")
    assert find("tiny", pack.content_hash, [tmp_path / "archive"]) is None


def test_store_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "tiny")
    with (pack.path / "events" / "big.toml").open("wb") as big:
        big.truncate(MAX_BYTES + 1)  # sparse: nothing written to disk
    with pytest.raises(ContentError, match="larger than"):
        store(pack, tmp_path / "archive")


def test_store_refuses_a_pack_changed_since_it_was_read(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "tiny")
    (pack.path / "events" / "a.toml").write_text("# changed\n")
    with pytest.raises(ContentError, match="changed since loaded"):
        store(pack, tmp_path / "archive")
    assert list((tmp_path / "archive").iterdir()) == []


# --- a save's content ------------------------------------------------------------------------


def test_content_for_the_current_stamps_is_the_current_content(current: Content) -> None:
    stamps = [(p.id, p.content_hash) for p in current.packs]
    assert content_for(stamps, current, [archive_dir()]) is current
    assert content_for(list(reversed(stamps)), current, []) is current


def test_content_for_an_older_base_loads_it_from_the_archive(current: Content) -> None:
    older = content_for([OLD_BASE], current, [archive_dir()])
    assert older is not None and older is not current
    assert older.fingerprint() == {"base": f"0.1.0 {OLD_BASE[1]}"}
    assert older.packs[0].path == archive_dir() / f"base-{OLD_BASE[1]}"
    assert content_for([OLD_BASE], current, [archive_dir()]) is older  # loaded once


def test_content_for_takes_a_current_pack_whose_hash_matches(tmp_path: Path) -> None:
    mod = _pack(tmp_path / "tiny")
    current = load_content([mod.path])
    content = content_for([OLD_BASE, ("tiny", mod.content_hash)], current, [archive_dir()])
    assert content is not None
    assert content.fingerprint() == {"base": f"0.1.0 {OLD_BASE[1]}",
                                     "tiny": f"1.0.0 {mod.content_hash}"}
    assert {p.id: p.path for p in content.packs}["tiny"] == mod.path


def test_content_for_an_unknown_pack_or_hash_is_none(current: Content) -> None:
    assert content_for([("base", "0000000000000000")], current, [archive_dir()]) is None
    assert content_for([OLD_BASE, ("gone", "0123456789abcdef")], current,
                       [archive_dir()]) is None


def test_content_for_archived_content_this_code_no_longer_loads(tmp_path: Path,
                                                                current: Content) -> None:
    """An archived pack written for an older game (here: a key it no longer knows) is None."""
    folder = tmp_path / "base"
    shutil.copytree(content_dir() / "base", folder)
    with (folder / "economy.toml").open("a") as economy:
        economy.write("\n[retired_table]\nold_key = 1\n")
    problems: list = []
    old = read_packs([folder], problems)["base"]
    store(old, tmp_path / "archive")
    assert find("base", old.content_hash, [tmp_path / "archive"]) is not None
    assert content_for([("base", old.content_hash)], current, [tmp_path / "archive"]) is None


def test_a_game_with_a_mod_verifies_after_the_mod_changes(tmp_path: Path) -> None:
    """Saving keeps each pack the game does not ship beside the saves (``.packs``); when the
    modder edits the pack afterwards, the save still replays with the pack as it was, and the
    shipped base is not copied there."""
    from game.packs import DEFAULT_SCENARIO
    from game.session.game import Game
    from game.session.store import PACK_STORE, save_game, verify

    mod = _pack(tmp_path / "mods" / "tiny")
    content = load_content([mod.path])
    game = Game(content, DEFAULT_SCENARIO, 3, "Modded")
    for _ in range(3):
        game.end_quarter(auto_choose=True)
    saves = tmp_path / "saves"
    path = save_game(game, saves)
    assert sorted(p.name for p in (saves / PACK_STORE).iterdir()) == [
        f"tiny-{mod.content_hash}"]
    _pack(tmp_path / "mods" / "tiny", text="edited after the game")  # the modder's next version
    edited = load_content([mod.path])
    assert {p.id: p.content_hash for p in edited.packs}["tiny"] != mod.content_hash
    result = verify(path, edited)
    assert result.verified, result.problems
    assert result.game is not None
    assert {p.id: p.content_hash for p in result.game.content.packs}["tiny"] == mod.content_hash
