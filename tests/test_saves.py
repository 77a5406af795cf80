"""Save files (``game.session.save_*``): exact round trips, atomic writes that survive being
killed, one-line errors for every bad file, migrations, the saves folder."""

from __future__ import annotations

import os
import random
import re
import signal
import time
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from game import __version__
from game.session.saves import migrations, record
from game.session.saves.errors import SaveError
from game.session.saves.folder import list_saves, save_path, saves_dir
from game.session.saves.reader import MAX_SAVE_BYTES, read_save
from game.session.saves.record import (
    FORMAT_VERSION,
    EventChoice,
    PackStamp,
    QuarterRecord,
    SaveFile,
)
from game.session.saves.toml_text import dump_save
from game.session.saves.writer import write_save

PLAN_FIELDS = ["lease_h100e", "break_lease_h100e", "spot_h100e", "datacenter_mw", "training",
               "inference", "research", "start_run_flop", "price", "hire", "raise_equity",
               "vendor_equity", "draw_debt", "repay_debt"]
METRICS = ["cash", "revenue", "runrate", "burn", "debt", "sentiment", "valuation", "ownership",
           "capability", "share", "capacity_h100e", "utilisation", "rental_price", "market",
           "unserved"]


def make_save(quarters: int = 3, seed: int = 2026, lab: str = "Nova Labs",
              updated: datetime | None = None, score: float = 0.0) -> SaveFile:
    """A save shaped like a real one: about 20 plan values and 15 metrics a quarter."""
    rng = random.Random(quarters * 7919 + seed % 1000)
    log, history = [], []
    for q in range(quarters):
        plan: dict[str, Any] = {name: rng.uniform(0, 1e6) for name in PLAN_FIELDS}
        plan.update(lease_quarters=4, cancel_run=False, ipo="hold",
                    gpu_orders={"H100": rng.uniform(0, 1e5), "B200": 0.0})
        choices = [EventChoice(event=f"base.event_{q}", choice=q % 3)] if q % 2 else []
        log.append(QuarterRecord(quarter=q, plan=plan, choices=choices,
                                 events=[c.event for c in choices]))
        history.append({name: rng.gauss(0, 1e9) for name in METRICS})
    created = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    return SaveFile(scenario="ipo-window", seed=seed, lab=lab, created=created,
                    updated=updated or created + timedelta(minutes=quarters), score=score,
                    packs=[PackStamp(id="base", version="0.1.0", hash="c57dbf5fbb67d88f")],
                    log=log, history=history)


def exact(save: SaveFile) -> str:
    """A text that differs whenever any value or type differs, down to the sign of a zero (the
    repr of a float is exact), but not with the order of a table's keys (TOML has none)."""

    def canonical(node: Any) -> Any:
        if isinstance(node, dict):
            return sorted((k, canonical(v)) for k, v in node.items())
        if isinstance(node, list):
            return [canonical(v) for v in node]
        return (type(node).__name__, repr(node))

    return repr(canonical(save.model_dump()))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- round trips ----------------------------------------------------------------------------


AWKWARD_FLOATS = [0.1, 1e-300, -0.0, 0.0, 5e-324, 1.7976931348623157e308, -2.5e-8, 1 / 3,
                  2.0**53 + 2, 123456789.12345678]


def test_round_trip_is_exact_for_big_integers_and_awkward_floats(tmp_path: Path) -> None:
    save = make_save(2, seed=2**200)
    save.log[0].plan.update(big=2**64, negative_big=-(2**70), small=-3, floats=AWKWARD_FLOATS,
                            mixed=[2**100, "x", True], orders={"a": 2**65, "b": -0.0})
    save.history[1].update({f"f{i}": v for i, v in enumerate(AWKWARD_FLOATS)})
    path = tmp_path / "a.toml"
    write_save(path, save)
    back = read_save(path)
    assert back.seed == 2**200 and type(back.seed) is int
    assert back.log[0].plan["big"] == 2**64 and back.log[0].plan["orders"]["a"] == 2**65
    assert [v.hex() for v in back.log[0].plan["floats"]] == [v.hex() for v in AWKWARD_FLOATS]
    assert str(back.history[1]["f2"]) == "-0.0"
    assert exact(back) == exact(save)
    # Every integer in the file is one any TOML reader accepts (signed 64-bit).
    text = path.read_text()
    assert re.search(r'^seed = "1606938044258990275541962092341162602522202993782792835301376"$',
                     text, re.M)
    for number in re.findall(r"(?<![\w.\"-])-?\d{19,}(?![\w.\"])", text):
        assert -(2**63) <= int(number) < 2**63


def test_the_file_reads_like_a_document() -> None:
    text = dump_save(make_save(2, seed=7))
    doc = tomllib.loads(text)
    assert doc["format_version"] == FORMAT_VERSION and doc["game_version"] == __version__
    assert doc["seed"] == 7  # small integers stay integers
    assert "created = 2026-01-05T10:00:00Z\n" in text  # a TOML date-time, ISO 8601 UTC
    assert text.endswith("\n[end]\nquarters = 2\n")
    assert doc["log"][1]["choices"] == [{"event": "base.event_1", "choice": 1}]
    assert set(doc["history"][0]) == set(METRICS)


finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(st.booleans(), st.integers(), finite, st.text(max_size=12))
plan_values = st.one_of(scalars, st.lists(scalars, max_size=4),
                        st.dictionaries(st.text(max_size=8), scalars, max_size=4))
names = st.text(min_size=1, max_size=30)


@st.composite
def save_files(draw: st.DrawFn) -> SaveFile:
    quarters = draw(st.integers(0, 4))
    log = [QuarterRecord(
        quarter=q,
        plan=draw(st.dictionaries(st.text(max_size=10), plan_values, max_size=6)),
        choices=[EventChoice(event=e, choice=c) for e, c in draw(
            st.lists(st.tuples(names, st.integers(min_value=0)), max_size=3))],
        injected=draw(st.lists(names, max_size=2)))
        for q in range(quarters)]
    stamp = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**9)),
                                                         microseconds=draw(st.integers(0, 999999)))
    return SaveFile(
        scenario=draw(names), seed=draw(st.integers(min_value=0)), lab=draw(names),
        created=stamp, updated=stamp, outcome=draw(names), score=draw(finite),
        packs=[PackStamp(id=i, version=v, hash=h)
               for i, v, h in draw(st.lists(st.tuples(names, names, names), max_size=2))],
        log=log,
        history=[draw(st.dictionaries(st.text(max_size=10), finite, max_size=5))
                 for _ in range(quarters)])


@given(save=save_files())
def test_any_save_reads_back_exactly(tmp_path_factory: pytest.TempPathFactory,
                                     save: SaveFile) -> None:
    path = tmp_path_factory.mktemp("rt") / "s.toml"
    write_save(path, save)
    assert exact(read_save(path)) == exact(save)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_infinity_are_refused_when_writing(tmp_path: Path, bad: float) -> None:
    path = tmp_path / "s.toml"
    write_save(path, make_save(2))
    before = snapshot(tmp_path)
    save = make_save(2)
    save.history[1]["cash"] = bad  # changed after the model checked it
    with pytest.raises(SaveError, match=r"s\.toml: not saved: history\[1\]\.cash: must be a "
                                        r"finite number"):
        write_save(path, save)
    save = make_save(2)
    save.log[0].plan["price"] = bad
    with pytest.raises(SaveError, match=r"log\[0\]\.plan\.price: must be a finite number"):
        write_save(path, save)
    assert snapshot(tmp_path) == before
    with pytest.raises(ValueError, match="finite"):
        SaveFile(scenario="s", seed=1, lab="l", score=bad)


def test_integers_too_long_to_write_as_text_are_refused_not_crashed_on(tmp_path: Path) -> None:
    save = make_save(1)
    save.seed = 10**5000
    with pytest.raises(SaveError, match=r"seed: is too large \(more than 4300 digits\)"):
        write_save(tmp_path / "s.toml", save)
    assert not any(tmp_path.iterdir())


# --- atomic writes --------------------------------------------------------------------------


def test_each_write_keeps_the_previous_save_as_bak(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "saves"  # created on first write
    path = folder / "nova.toml"
    (tmp_path / "new").mkdir()
    for n in (1, 2, 3):
        write_save(path, make_save(n))
    assert read_save(path).quarters == 3
    assert read_save(folder / "nova.toml.bak").quarters == 2
    assert sorted(os.listdir(folder)) == ["nova.toml", "nova.toml.bak"]


def test_a_damaged_save_never_becomes_the_bak(tmp_path: Path) -> None:
    path = tmp_path / "nova.toml"
    write_save(path, make_save(1))
    write_save(path, make_save(2))  # .bak: 1 quarter
    path.write_text("edited = [")
    write_save(path, make_save(3))
    assert read_save(path).quarters == 3
    assert read_save(tmp_path / "nova.toml.bak").quarters == 1


def test_a_failed_write_leaves_everything_as_it_was(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nova.toml"
    write_save(path, make_save(1))
    write_save(path, make_save(2))
    (tmp_path / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)

    def no_room(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_room)
    with pytest.raises(SaveError, match=r"nova\.toml: not saved: No space left on device "
                                        r"— the disk is full"):
        write_save(path, make_save(3))
    monkeypatch.undo()
    assert snapshot(tmp_path) == before  # no temporary file left, nothing else changed


def test_a_disk_that_fills_while_the_save_is_written_leaves_the_last_save(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Full at write time (the data's flush), not only at the rename."""
    path = tmp_path / "nova.toml"
    write_save(path, make_save(1))
    before = snapshot(tmp_path)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SaveError, match="the disk is full: free some space"):
        write_save(path, make_save(2))
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
    assert read_save(path).quarters == 1


def test_a_folder_where_the_save_should_be_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "nova.toml").mkdir()
    with pytest.raises(SaveError, match="a folder has the save's name") as caught:
        write_save(tmp_path / "nova.toml", make_save(1))
    assert "disk has room" not in str(caught.value)


def test_a_folder_that_cannot_be_made_is_a_save_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SaveError, match="not saved"):
        write_save(tmp_path / "file" / "nova.toml", make_save(1))


def test_temporary_files_of_killed_writers_are_swept_once_stale(tmp_path: Path) -> None:
    path = tmp_path / "nova.toml"
    old = tmp_path / ".nova.toml.0123456789ab.tmp"
    fresh = tmp_path / ".nova.toml.ba9876543210.tmp"
    others = [tmp_path / ".other.toml.0123456789ab.tmp", tmp_path / ".nova.toml.mine.tmp"]
    for p in [old, fresh, *others]:
        p.write_text("partial")
        if p is not fresh:
            os.utime(p, (time.time() - 3600, time.time() - 3600))
    write_save(path, make_save(1))
    assert not old.exists()
    assert fresh.exists() and all(p.exists() for p in others)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_writer_killed_at_random_moments_never_leaves_a_broken_save(tmp_path: Path) -> None:
    """200 times: a process writing ever newer saves to one path is SIGKILLed after a random
    delay; after each kill the save (and its .bak) reads, and never goes back in time."""
    path = tmp_path / "nova.ipo-window.toml"
    bak = tmp_path / "nova.ipo-window.toml.bak"
    write_save(path, make_save(1, score=0.0))
    rng = random.Random(4)
    newest = 0.0
    started = time.perf_counter()
    for _ in range(200):
        pid = os.fork()
        if pid == 0:  # the writer: never returns into pytest
            try:
                n = int(newest) + 1
                while True:  # growing saves (1 to 12 quarters), numbered by their score
                    write_save(path, make_save(1 + n % 12, score=float(n)))
                    n += 1
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.04))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        save = read_save(path)
        assert save.score >= newest
        newest = save.score
        if bak.exists():  # the one before, or (killed between the two renames) the same
            assert read_save(bak).score <= save.score
    elapsed = time.perf_counter() - started
    assert newest > 50  # the writer got work done between kills
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in (path.name, bak.name)]
    assert all(re.fullmatch(r"\.nova\.ipo-window\.toml\.[0-9a-f]{12}\.tmp", n)
               for n in leftovers)
    assert len(leftovers) >= 20, "few kills landed inside a write: the test proves little"
    assert [s.path for s in list_saves(tmp_path)] == [path]
    assert elapsed < 30


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_game_killed_while_saving_always_leaves_a_save_that_replays(tmp_path: Path) -> None:
    """At least 100 times, and until 5 kills have landed inside a write (a write is a small
    share of the player's time, so how many of 100 random kills land in one depends on the
    machine): a process playing a real game and saving it every quarter is SIGKILLed after a
    random delay; what it leaves (the save, and its .bak) is not only readable but replays and
    verifies, quarter for quarter."""
    from game.packs import DEFAULT_SCENARIO, load_content
    from game.session.game import Game
    from game.session.store import to_save, verify

    content = load_content()
    path = tmp_path / "nova.ipo-window.toml"
    bak = path.with_name(path.name + ".bak")
    rng = random.Random(5)
    inside, longest = 0, 0
    seen: set[str] = set()
    for attempt in range(400):
        if attempt >= 100 and inside >= 5:
            break
        pid = os.fork()
        if pid == 0:  # the player: never returns into pytest
            try:
                game = Game(content, DEFAULT_SCENARIO, 9, "Nova")  # the same game every time
                while game.running:
                    game.end_quarter(auto_choose=True)
                    write_save(path, to_save(game))
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.06))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        temps = {p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"}
        inside += len(temps - seen)  # a kill inside a write leaves its temporary file
        seen |= temps
        for found in (path, bak):
            if found.exists():
                result = verify(found, content)
                assert result.verified, (found.name, result.problems)
                longest = max(longest, len(result.game.log) if result.game else 0)
    assert longest >= 3, "the player never got past the first quarters: the test proves little"
    assert inside >= 5, "few kills landed inside a write: the test proves little"


# --- bad files --------------------------------------------------------------------------------


GOOD = dump_save(make_save(2))


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", r"is empty"),
    "blank": (b"\n  \n", r"is empty"),
    "binary": (bytes(range(256)) * 4, r"binary data \(a zero byte at offset 0\)"),
    "latin-1": (GOOD.replace("Nova Labs", "Növa").encode("latin-1"), r"not UTF-8 text"),
    "malformed": (b'format_version = 1\nlab = "x\n', r":2:\d+: not valid TOML \("),
    "truncated": (GOOD[: len(GOOD) // 2].encode(), r"not valid TOML|cut off"),
    "no end": (GOOD[: GOOD.index("[end]")].encode(), r"cut off \(it lacks the \[end\] table"),
    "end disagrees": (_with(GOOD, "quarters = 2", "quarters = 3").encode(),
                      r"\[end\] says 3 quarters but the file has 2"),
    "not a save": (b'title = "my notes"\n', r"not a Frontier Lab save \(it has no format_v"),
    "version text": (_with(GOOD, f"format_version = {FORMAT_VERSION}",
                           'format_version = "1"').encode(),
                     r"format_version: expected a whole number, got a string"),
    "version zero": (_with(GOOD, f"format_version = {FORMAT_VERSION}",
                           "format_version = 0").encode(),
                     r"format_version 0 was never written"),
    "negative seed": (_with(GOOD, "seed = 2026", "seed = -1").encode(),
                      r":4:1: seed: must be 0 or more, got -1"),
    "seed float": (_with(GOOD, "seed = 2026", "seed = 1.5").encode(),
                   r"seed: expected a whole number, got a number"),
    "missing lab": (_with(GOOD, 'lab = "Nova Labs"\n', "").encode(), r": lab: is missing"),
    "unknown key": (_with(GOOD, "lab =", "labb =").encode(),
                    r"labb: is not a key of a save \(did you mean 'lab'\?\)"),
    "metric text": (_with(GOOD, "\ncash = ", '\ncash = "lots" #').encode(),
                    r"history\[0\]\.cash: expected a number, got a string"),
    "plan table of tables": (_with(GOOD, "[log.plan.gpu_orders]", "[log.plan.gpu_orders.x]")
                             .encode(), r"log\[0\]\.plan\.gpu_orders: x: expected a number"),
    "ancient time": (_with(GOOD, "2026-01-05T10:00:00Z", "0001-01-01T00:00:00+05:00").encode(),
                     r"created: is out of range"),
    "naive time": (_with(GOOD, "2026-01-05T10:00:00Z", "2026-01-05T10:00:00").encode(),
                   r"created: needs a time zone"),
    "log out of order": (_with(GOOD, "quarter = 1", "quarter = 5").encode(),
                         r"log\[1\]\.quarter is 5"),
    "huge integer": (b"format_version = 1\nseed = " + b"9" * 5000 + b"\n", r"not a save \("),
    "deep nesting": (b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", r"not a save|TOML"),
    "newer": (_with(GOOD, f"format_version = {FORMAT_VERSION}", "format_version = 7").encode(),
              rf"made by a newer Frontier Lab \(format 7\); this version reads formats up to "
              rf"{FORMAT_VERSION} — upgrade to open it$"),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A saves folder with a good save and its .bak, and an unrelated file."""
    write_save(tmp_path / "other.ipo-window.toml", make_save(1))
    write_save(tmp_path / "other.ipo-window.toml", make_save(2))
    (tmp_path / "notes.txt").write_bytes(b"\x00 mine")
    return tmp_path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_every_bad_file_is_one_line_naming_it(folder: Path, case: str) -> None:
    content, expected = BAD_FILES[case]
    path = folder / "bad.toml"
    path.write_bytes(content)
    before = snapshot(folder)
    with pytest.raises(SaveError) as info:
        read_save(path)
    message = str(info.value)
    assert message.startswith(f"{path}:") and len(message.splitlines()) == 1
    assert re.search(expected, message), message
    assert snapshot(folder) == before
    if case not in ("newer", "not a save"):
        assert "damaged" in message or "cut off" in message


def test_the_previous_version_is_offered_when_there_is_one(folder: Path) -> None:
    path = folder / "other.ipo-window.toml"
    path.write_text("format_version = ")
    with pytest.raises(SaveError, match=r"its previous version is other\.ipo-window\.toml\.bak "
                                        r"\(copy it over other\.ipo-window\.toml"):
        read_save(path)


def test_missing_files_and_folders_are_named(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match=r"nope\.toml: no such save"):
        read_save(tmp_path / "nope.toml")
    with pytest.raises(SaveError, match=r"not a file"):
        read_save(tmp_path)


def test_a_huge_file_is_refused_unread_and_fast(folder: Path) -> None:
    path = folder / "huge.toml"
    with open(path, "wb") as f:
        f.truncate(50_000_000)
    before = snapshot(folder)
    start = time.perf_counter()
    with pytest.raises(SaveError, match=r"huge\.toml: is 50\.0 MB, larger than any save can "
                                        r"be \(8 MB at most\)"):
        read_save(path)
    assert time.perf_counter() - start < 0.1
    assert snapshot(folder) == before
    assert MAX_SAVE_BYTES == 8_000_000


def test_a_save_cut_at_any_byte_is_refused(tmp_path: Path) -> None:
    text = dump_save(make_save(2)).encode()
    path = tmp_path / "cut.toml"
    for cut in range(len(text) - 1):  # everything short of the final newline
        path.write_bytes(text[:cut])
        with pytest.raises(SaveError):
            read_save(path)
    path.write_bytes(text[:-1])
    assert read_save(path).quarters == 2


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert read_save(path).lab == "Nova Labs"


def _read_or_save_error(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    try:
        assert isinstance(read_save(path), SaveFile)
    except SaveError as exc:
        assert len(str(exc).splitlines()) == 1 and str(exc).startswith(str(path))


@given(content=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
def test_random_bytes_never_raise_anything_but_save_error(
        tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    _read_or_save_error(tmp_path_factory.mktemp("fz") / "x.toml", content)


toml_scalars = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.text(max_size=10),
    st.datetimes(timezones=st.sampled_from([UTC, None, timezone(timedelta(hours=5)),
                                            timezone(timedelta(hours=-5))])),
    st.dates(), st.times())
toml_values = st.recursive(
    toml_scalars, lambda kids: st.lists(kids, max_size=3)
    | st.dictionaries(st.text(max_size=6), kids, max_size=3), max_leaves=12)
SAVE_KEYS = [*SaveFile.model_fields, "end"]


@given(doc=st.dictionaries(st.sampled_from(SAVE_KEYS) | st.text(max_size=8), toml_values,
                           max_size=8))
def test_random_toml_documents_never_raise_anything_but_save_error(
        tmp_path_factory: pytest.TempPathFactory, doc: dict[str, Any]) -> None:
    _read_or_save_error(tmp_path_factory.mktemp("fz") / "x.toml", tomli_w.dumps(doc).encode())


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@given(data=st.data())
def test_damaged_saves_never_raise_anything_but_save_error(
        tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    """A real save with a few of its values replaced or removed: the model's checks, not just
    the parser's, meet strange input."""
    doc = tomllib.loads(dump_save(make_save(2, seed=2**70)))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(_paths(doc)))
        parent = doc
        for part in where[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(toml_values)
    _read_or_save_error(tmp_path_factory.mktemp("fz") / "x.toml", tomli_w.dumps(doc).encode())


# --- versions and migrations ----------------------------------------------------------------


def test_migrations_apply_in_order_up_to_the_current_format(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A synthetic history (formats 1 and 2 before a current 3): format 1 called the lab
    'company', format 2 'name'; the steps must run 1 -> 2 -> 3 to end with 'lab'."""
    calls: list[int] = []

    def one_to_two(doc: dict[str, Any]) -> dict[str, Any]:
        calls.append(doc["format_version"])
        doc["name"] = doc.pop("company")
        return doc

    def two_to_three(doc: dict[str, Any]) -> dict[str, Any]:
        calls.append(doc["format_version"])
        doc["lab"] = doc.pop("name")
        return doc

    path = tmp_path / "old.toml"
    format_1 = _with(GOOD, f"format_version = {FORMAT_VERSION}", "format_version = 1")
    path.write_text(_with(format_1, 'lab = "Nova Labs"', 'company = "Old Co"'))
    monkeypatch.setattr(record, "FORMAT_VERSION", 3)
    monkeypatch.setattr(migrations, "MIGRATIONS", {2: two_to_three, 1: one_to_two})
    save = read_save(path)
    assert save.lab == "Old Co" and save.format_version == 3 and calls == [1, 2]

    path.write_text(_with(GOOD, f"format_version = {FORMAT_VERSION}", "format_version = 2").replace(
        'lab = "Nova Labs"', 'name = "Mid Co"'))
    assert read_save(path).lab == "Mid Co" and calls == [1, 2, 2]

    monkeypatch.setattr(migrations, "MIGRATIONS", {2: two_to_three})
    path.write_text(format_1)
    with pytest.raises(SaveError, match="format 1 can no longer be read"):
        read_save(path)

    monkeypatch.setattr(migrations, "MIGRATIONS", {1: one_to_two, 2: two_to_three})
    with pytest.raises(SaveError, match=r"could not be upgraded from format 1 \(KeyError"):
        read_save(path)  # a format-1 file without the key format 1 had


@pytest.mark.parametrize("old", [1, 2, 3])
def test_the_shipped_formats_and_their_migrations(tmp_path: Path, old: int) -> None:
    """Format 2 added the quarter in progress (``draft``), format 3 a class's signature
    (``signed``), format 4 the student who signed in (``signed.student``); an older save is
    read as one without them, and every format ever shipped has its step up."""
    assert FORMAT_VERSION == 4 and set(migrations.MIGRATIONS) == {1, 2, 3}
    path = tmp_path / f"v{old}.toml"
    path.write_text(_with(GOOD, f"format_version = {FORMAT_VERSION}", f"format_version = {old}"))
    save = read_save(path)
    assert save.format_version == FORMAT_VERSION and save.draft is None and save.signed is None


# --- the saves folder -------------------------------------------------------------------------


def test_saves_dir_prefers_the_option_then_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRONTIER_LAB_SAVES", raising=False)
    assert saves_dir(None) == tmp_path / "saves"
    monkeypatch.setenv("FRONTIER_LAB_SAVES", str(tmp_path / "env"))
    assert saves_dir(None) == tmp_path / "env"
    assert saves_dir("opt") == tmp_path / "opt"
    assert saves_dir(tmp_path / "x") == tmp_path / "x"
    assert not any(tmp_path.iterdir())  # nothing created until a save is written


@pytest.mark.parametrize(("lab", "name"), [
    ("Nova Labs", "nova-labs.ipo-window.toml"),
    ("../../etc/passwd", "etc-passwd.ipo-window.toml"),
    (".hidden", "hidden.ipo-window.toml"),
    ("Laboratoire Éclair", "laboratoire-eclair.ipo-window.toml"),
    ("CON", "con-lab.ipo-window.toml"),
])
def test_save_path_is_a_safe_name(tmp_path: Path, lab: str, name: str) -> None:
    assert save_path(tmp_path, lab, "ipo-window") == tmp_path / name


@given(lab=st.text(max_size=300), scenario=st.text(max_size=100))
def test_any_lab_name_makes_a_safe_file_name(lab: str, scenario: str) -> None:
    path = save_path(Path("/saves"), lab, scenario)
    assert path.parent == Path("/saves")
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*\.toml", path.name)
    assert len(path.name) <= 110
    assert save_path(Path("/saves"), lab, scenario) == path


def test_names_in_other_scripts_stay_apart() -> None:
    a, b = save_path("/s", "深度实验室", "x"), save_path("/s", "智能实验室", "x")
    assert a != b and a.name.startswith("lab-")


def test_list_saves_lists_saves_newest_first_and_bad_files_with_their_error(
        tmp_path: Path) -> None:
    assert list_saves(tmp_path / "missing") == []
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    write_save(tmp_path / "old.x.toml", make_save(2, lab="Old", updated=t0))
    write_save(tmp_path / "new.x.toml", make_save(1, lab="New", updated=t0 + timedelta(days=1)))
    write_save(tmp_path / "new.x.toml", make_save(4, lab="New", updated=t0 + timedelta(days=2)))
    (tmp_path / "broken.toml").write_text("format_version = 1\n[log")
    (tmp_path / ".new.x.toml.0123456789ab.tmp").write_text("partial")
    (tmp_path / "readme.txt").write_text("not a save")
    (tmp_path / "folder.toml").mkdir()
    rows = list_saves(tmp_path)
    assert [r.path.name for r in rows] == ["new.x.toml", "old.x.toml", "broken.toml"]
    new, old, broken = rows
    assert (new.lab, new.scenario, new.quarter, new.outcome, new.updated, new.error) == (
        "New", "ipo-window", 4, "running", "2026-03-03T00:00:00Z", None)
    assert old.quarter == 2 and old.file == "old.x.toml"
    assert broken.error and broken.error.startswith(f"{tmp_path / 'broken.toml'}:2:")
