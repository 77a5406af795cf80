"""Games to save files and back: writing a game, loading it by replay, verifying a save.

A save holds the seed and the action log; the state is never stored. Loading replays the log
from the seed with the loaded packs and compares each quarter's headline metrics with the ones
the save recorded, so a save edited by hand, or made with other content, cannot pass for a real
game. ``verify`` reports every problem it finds; ``load_game`` refuses a save with any.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from game.engine import Plan, PlanError
from game.engine.plan import plan_problems
from game.packs import Content, archive
from game.packs.errors import ContentError
from game.paths import archive_dir, content_dir
from game.session.game import Game, GameError, plan_to_dict
from game.session.game import QuarterRecord as LogLine
from game.session.market import ClassMarket, LabPlay
from game.session.saves import lock, signature
from game.session.saves.errors import SaveError
from game.session.saves.folder import save_path
from game.session.saves.reader import read_save
from game.session.saves.record import (
    Draft,
    EventChoice,
    Origin,
    PackStamp,
    QuarterRecord,
    SaveFile,
    utc_now,
)
from game.session.saves.writer import write_save


def seal(previous: str, record: QuarterRecord, history: dict[str, float]) -> str:
    """The digest of one quarter's log line and history, chained to the quarter before.

    A replay checks the numbers that play back, but some numbers change nothing (an order the
    engine trims, a choice with the same effects): the chain of seals catches an edit of any
    of them, and names the first quarter where it was made.
    """
    # (a quarter without console changes seals as it did before the console existed)
    body = record.model_dump(exclude={"seal"} if record.dev else {"seal", "dev"})
    text = json.dumps([previous, body, history], sort_keys=True, separators=(",", ":"),
                      default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def to_save(game: Game, created: dt.datetime | None = None) -> SaveFile:
    """The save of a game as it stands."""
    now = utc_now()
    return SaveFile(
        scenario=game.scenario_id,
        seed=game.seed,
        lab=game.lab,
        created=created or now,
        updated=now,
        outcome=game.outcome,
        score=game.score,
        packs=[PackStamp(id=p.id, version=str(p.manifest.version), hash=p.content_hash)
               for p in game.content.packs],
        log=_sealed(game),
        history=[dict(h) for h in game.history],
        draft=_draft(game),
        continued_from=Origin(**game.continued_from) if game.continued_from else None,
        dev=game.dev_used,
    )


def _draft(game: Game) -> Draft | None:
    """The quarter in progress: the plan as it stands and the events answered (None: the game
    is over, so nothing is in progress)."""
    if not game.running:
        return None
    return Draft(plan=plan_to_dict(game.plan),
                 choices=[EventChoice(event=p.id, choice=p.chosen) for p in game.pending
                          if p.chosen is not None])


def restore_draft(game: Game, draft: Draft | None) -> list[str]:
    """Put a saved quarter in progress back: its answers, then its plan. What the game refuses
    (a hand-edited draft, an event no longer pending) is left out; the sentences say what."""
    if draft is None or not game.running:
        return []
    skipped = []
    for c in draft.choices:
        try:
            game.choose(c.event, c.choice)
        except GameError as exc:
            skipped.append(f"the answer to '{c.event}' ({exc})")
    try:
        game.submit(Plan(**draft.plan))
    except ValidationError as exc:
        skipped.append(f"the plan in progress ({'; '.join(plan_problems(exc))})")
    except (PlanError, ValueError) as exc:
        skipped.append(f"the plan in progress ({str(exc).splitlines()[0]})")
    return skipped


def _sealed(game: Game) -> list[QuarterRecord]:
    out: list[QuarterRecord] = []
    previous = ""
    for r, h in zip(game.log, game.history, strict=True):
        record = QuarterRecord(
            quarter=r.quarter, plan=r.plan,
            choices=[EventChoice(event=e, choice=c) for e, c in r.choices],
            injected=list(r.injected), events=list(r.events), dev=list(r.dev))
        previous = record.seal = seal(previous, record, h)
        out.append(record)
    return out


def save_game(game: Game, folder: Path, path: Path | None = None,
              key: bytes | None = None) -> Path:
    """Write the game's save (atomically, keeping the previous version as .bak).

    With a class's secret ``key`` (the class's server has it; a student does not), the save is
    signed as the game ``game.game_id``, which is given one if it has none.

    Without ``path`` the game keeps the file it was first saved to (``game.save_path``); a new
    game takes ``LAB.SCENARIO.toml``, or ``LAB-2.SCENARIO.toml`` and so on when that name
    holds another game's save, which is never overwritten.
    """
    if path is None:
        path = game.save_path or free_path(folder, game.lab, game.scenario_id)
    if not lock.hold(path):
        raise SaveError(f"not saved: {path.name} is open in another Frontier Lab (another "
                        "window or process is playing it); close that one first, or load this "
                        "game again to go on in a copy", path)
    if path != game.save_path and game.save_path is not None:
        lock.release(game.save_path)
    _archive_mods(game, path.parent)
    save = to_save(game, game.created)
    if key is not None:
        game.game_id = game.game_id or secrets.token_hex(8)
        save = signature.sign(save, key, game.game_id, game.student)
    write_save(path, save)
    game.created = save.created
    game.save_path = path
    return path


def taken_by_another(path: Path, game: Game | None = None) -> bool:
    """Whether ``path`` holds a save of a different game (not this one's earlier version)."""
    if not path.exists():
        return False
    try:
        other = read_save(path)
    except SaveError:
        return True  # unreadable: not ours to overwrite
    return game is None or game.created is None or other.created != game.created


def free_path(folder: Path, lab: str, scenario: str) -> Path:
    """The first of ``LAB.SCENARIO.toml``, ``LAB-2.SCENARIO.toml``… that holds no other game's
    save, claimed by taking its lock first (so two games starting at once never share a name)."""
    base = save_path(folder, lab, scenario)
    for n in range(1, 1000):
        candidate = base if n == 1 else save_path(folder, f"{lab}-{n}", scenario)
        ours = lock.is_held(candidate)  # (a game this process has open)
        if not lock.hold(candidate):
            continue  # another process is playing it
        if not taken_by_another(candidate):
            return candidate
        if not ours:
            lock.release(candidate)
    raise SaveError(f"{base}: a thousand saves of '{lab}' already; choose another lab name")


@dataclass
class Verification:
    """What replaying a save found."""

    path: Path
    save: SaveFile | None
    game: Game | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.problems and self.game is not None


def content_problems(save: SaveFile, content: Content) -> list[str]:
    """Packs the save was made with that differ from the loaded ones, by name."""
    here = {p.id: p for p in content.packs}
    problems = []
    for stamp in save.packs:
        pack = here.get(stamp.id)
        if pack is None:
            problems.append(f"made with pack '{stamp.id}' {stamp.version}, which is not "
                            "installed here")
        elif pack.content_hash != stamp.hash or str(pack.manifest.version) != stamp.version:
            problems.append(f"made with different content: pack '{stamp.id}' was "
                            f"{stamp.version} ({stamp.hash[:12]}), here it is "
                            f"{pack.manifest.version} ({pack.content_hash[:12]})")
    saved = {s.id for s in save.packs}
    for pack in content.packs:
        if pack.id not in saved:
            problems.append(f"made without pack '{pack.id}', which is installed here")
    return problems


PACK_STORE = ".packs"
"""Beside the saves: every pack a game there was played with that the game does not ship
(a mod), as it was (``game.packs.archive``), so the game replays after the mod changes."""

_stored: set[tuple[Path, str]] = set()  # (folder, pack hash) archived by this process


def played_content(save: SaveFile, content: Content, folder: Path) -> Content | None:
    """The content the save was played with: ``content`` when it is that, else the same packs
    as they were, from the archive shipped with the game or the one beside the saves (in
    ``content``'s language, from their own locale files); None when neither has them."""
    played = archive.content_for([(stamp.id, stamp.hash) for stamp in save.packs], content,
                                 [folder / PACK_STORE, archive_dir()])
    return None if played is None else played.translated(content.lang)


def _archive_mods(game: Game, folder: Path) -> None:
    """Keep each pack of the game that the game does not ship beside the saves, once."""
    shipped = (content_dir().resolve(), archive_dir().resolve())  # (the game keeps these)
    for pack in game.content.packs:
        where = pack.path.resolve()
        if (folder, pack.content_hash) in _stored or any(where.is_relative_to(s) for s in shipped):
            continue
        try:
            archive.store(pack, folder / PACK_STORE)
        except (OSError, ContentError):
            continue  # the save itself is written; only a later mod change would show it
        _stored.add((folder, pack.content_hash))


def verify(path: Path, content: Content,
           market: tuple[ClassMarket, int] | None = None) -> Verification:
    """Read a save and replay it from its seed, checking every recorded quarter: with the
    content it was played with when the archive has it (``played_content``), else with
    ``content``, whose differences are the first problems. A game of a shared market is checked
    against its lab of the class's market instead (``market``: the class played from its
    rounds' records, and the lab's index): each quarter as the market played it."""
    save = read_save(path)
    result = Verification(path, save)
    played = played_content(save, content, Path(path).parent)
    if played is None:
        result.problems += content_problems(save, content)
    else:
        content = played
    if save.scenario not in content.scenarios:
        result.problems.append(f"scenario '{save.scenario}' is not in the installed packs")
        return result
    try:
        game = Game(content, save.scenario, save.seed, save.lab)
    except GameError as exc:
        result.problems.append(str(exc))
        return result
    previous = ""
    lab: LabPlay | None = None  # a market's lab, read once
    for k, (record, recorded) in enumerate(zip(save.log, save.history, strict=True)):
        label = game.calendar(k)
        expected = seal(previous, record, recorded)
        if record.seal != expected:
            result.problems.append(
                f"{label}: the record was changed after it was saved (its seal does not match "
                "what it holds)" if record.seal else f"{label}: the record has no seal")
            break
        previous = record.seal
        if not game.running:
            result.problems.append(f"{label}: the game had already ended, but the save goes on")
            break
        line = _log_line(record)
        if market is not None:
            said = _in_market(market, k, line)
            if said:
                result.problems.append(f"{label}: {said}")
                break
            lab = market[0].lab(market[1]) if lab is None else lab
            happened, replayed = lab.log[k].events, lab.history[k]
        else:
            try:
                game.apply_record(line)
            except ValidationError as exc:  # a plan no game could make (pydantic's, plainly)
                result.problems.append(f"{label}: the plan cannot be played: "
                                       + "; ".join(plan_problems(exc)))
                break
            except (GameError, PlanError, ValueError) as exc:
                result.problems.append(f"{label}: the action log cannot be replayed: {exc}")
                break
            happened, replayed = game.log[-1].events, game.history[-1]
        if happened != list(record.events):  # (none recorded is a claim too)
            result.problems.append(
                f"{label}: the recorded events ({', '.join(record.events) or 'none'}) differ "
                f"from the replay's ({', '.join(happened) or 'none'})")
            break
        differs = [name for name in sorted(set(recorded) | set(replayed))
                   if recorded.get(name) != replayed.get(name)]
        if differs:
            name = differs[0]
            result.problems.append(
                f"{label}: the recorded {name} ({_num(recorded.get(name))}) differs "
                f"from the replay ({_num(replayed.get(name))})"
                + (f" and {len(differs) - 1} more" if len(differs) > 1 else ""))
            break
    else:
        if market is not None:
            game = market[0].adopt(game, market[1], len(save.log))
        if save.outcome != game.outcome:
            result.problems.append(f"the recorded outcome '{save.outcome}' differs from the "
                                   f"replay's '{game.outcome}'")
        elif save.score != game.score:
            result.problems.append(f"the recorded score {save.score!r} differs from the "
                                   f"replay's {game.score!r}")
    result.game = game
    game.created = save.created
    game.save_path = Path(path)
    game.game_id = save.signed.game_id if save.signed else None
    game.student = save.signed.student if save.signed else None
    game.continued_from = save.continued_from.model_dump() if save.continued_from else None
    game.dev_used = save.dev or any(r.dev for r in save.log)
    return result


def _in_market(market: tuple[ClassMarket, int], k: int, line: LogLine) -> str | None:
    """How quarter ``k`` of a save differs from what its lab played in the class's market."""
    cls, i = market
    played = cls.played[i]
    if k >= len(played):
        return "the class's market has not played this quarter"
    m = played[k]
    for what, saved, there in (("plan", line.plan, m.plan), ("answers", line.choices, m.choices),
                               ("live events", line.injected, m.injected)):
        if saved != there:
            return f"the recorded {what} differ from what the class's market played"
    return None


def load_game(path: Path, content: Content) -> Game:
    """A saved game, replayed and verified, with its quarter in progress put back; SaveError
    (one line, naming the file) otherwise."""
    result = verify(path, content)
    if result.problems:
        raise SaveError(f"{path}: {result.problems[0]}")
    assert result.game is not None and result.save is not None
    restore_draft(result.game, result.save.draft)
    return result.game


def continue_anew(path: Path, content: Content) -> tuple[Game, list[str]]:
    """A save that cannot replay here (made by an earlier Frontier Lab, or with packs that are
    gone) played again under ``content``: the same scenario, seed, lab and decisions, quarter
    by quarter. A new game, whose numbers are this version's; it records where it came from
    (``continued_from``) and returns what these rules left out of it, as sentences. Only ever
    the player's choice (``play --load FILE --anew``, or c in the Load dialog)."""
    save = read_save(path)
    if save.scenario not in content.scenarios:
        raise SaveError(f"scenario '{save.scenario}' is not in the installed packs, so the game "
                        "cannot be played again here", path)
    game = Game(content, save.scenario, save.seed, save.lab)
    log = [_log_line(r) for r in save.log]
    left_out = game.replay_decisions(log)
    game.continued_from = {
        "file": Path(path).name, "game_version": save.game_version, "quarters": len(save.log),
        "packs": [stamp.model_dump() for stamp in save.packs], "left_out": left_out}
    return game, left_out


def _log_line(record: QuarterRecord) -> LogLine:
    """A saved quarter as the game's action log holds it."""
    return LogLine(quarter=record.quarter, plan=dict(record.plan),
                   choices=[(c.event, c.choice) for c in record.choices],
                   injected=list(record.injected), dev=list(record.dev))


def _num(value: float | None) -> str:
    return "missing" if value is None else f"{value!r}"


# What a listing says of a save, from the strongest claim down.
STATUSES = ("verified", "edited", "other content", "damaged")


def status(path: Path, content: Content) -> tuple[str, str]:
    """(status, why) for a listing: "verified" (it replays to every recorded number), "other
    content" (made with packs that differ from the ones here), "edited" (it does not replay to
    what it records, or its seals do not match) or "damaged" (it cannot be read at all)."""
    try:
        result = verify(path, content)
    except SaveError as exc:
        return "damaged", str(exc)
    if result.verified:
        return "verified", ""
    assert result.save is not None
    if content_problems(result.save, content):
        return "other content", result.problems[0]
    return "edited", result.problems[0]


def restore_backup(path: Path) -> Path:
    """Put a damaged save's ``.bak`` (its last good version) back in its place, atomically; the
    damaged file is kept beside it as ``.NAME.damaged`` (hidden: never listed). Returns where the
    damaged file went; SaveError if there is no readable ``.bak``."""
    backup = path.with_name(path.name + ".bak")
    if not backup.is_file():
        raise SaveError("there is no .bak of this save to restore", path)
    read_save(backup)  # a .bak that cannot be read is no better (SaveError names it)
    kept = path.with_name(f".{path.name}.damaged")
    temp = path.with_name(f".{path.name}.restore.tmp")
    try:
        temp.write_bytes(backup.read_bytes())
        if path.exists():
            os.replace(path, kept)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise SaveError(f"could not restore the .bak: {exc.strerror or exc}", path) from None
    return kept
