"""The parse cache of the shipped content: used when it can be, never wrong, never required."""

from __future__ import annotations

import marshal
import tomllib
from pathlib import Path

import pytest

from game.packs import reading
from game.packs.reading import read_toml
from game.paths import base_pack_dir, parse_cache_dir


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("FRONTIER_LAB_CACHE", str(folder))
    return parse_cache_dir()  # type: ignore[return-value]


def kept(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.marshal")) if cache.is_dir() else []


def test_a_shipped_file_is_parsed_once_and_read_back_the_same(cache: Path) -> None:
    path = base_pack_dir() / "economy.toml"
    first, text = read_toml(path)
    assert first == tomllib.loads(text)
    assert len(kept(cache)) == 1
    again, _ = read_toml(path)
    assert again == first and again is not first  # a fresh copy: loaders may change it


def test_the_cache_is_used_and_keyed_by_the_files_bytes(cache: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "content"
    shipped.mkdir()
    monkeypatch.setattr(reading, "_shipped", lambda: shipped)
    path = shipped / "a.toml"
    path.write_text("x = 1\n")
    assert read_toml(path)[0] == {"x": 1}
    (entry,) = kept(cache)
    entry.write_bytes(marshal.dumps({"x": 99}))
    assert read_toml(path)[0] == {"x": 99}  # the kept parse was read, not the file
    path.write_text("x = 2\n")  # other bytes: another key, parsed afresh
    assert read_toml(path)[0] == {"x": 2}


def test_a_broken_cache_entry_is_parsed_afresh(cache: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "_shipped", lambda: tmp_path)
    path = tmp_path / "b.toml"
    path.write_text("[t]\ny = [1.5, 'z']\n")
    read_toml(path)
    for junk in (b"", b"\x00garbage", marshal.dumps([1, 2])):
        kept(cache)[0].write_bytes(junk)
        assert read_toml(path)[0] == {"t": {"y": [1.5, "z"]}}


def test_a_modders_file_and_a_cache_that_is_off_keep_nothing(cache: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    outside = tmp_path / "mypack.toml"
    outside.write_text("x = 1\n")
    assert read_toml(outside)[0] == {"x": 1}
    assert kept(cache) == []
    monkeypatch.setenv("FRONTIER_LAB_CACHE", "off")
    assert parse_cache_dir() is None
    assert read_toml(base_pack_dir() / "economy.toml")[0]


def test_an_unwritable_cache_is_not_an_error(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FRONTIER_LAB_CACHE", str(blocker / "cache"))
    data, text = read_toml(base_pack_dir() / "economy.toml")
    assert data == tomllib.loads(text)
