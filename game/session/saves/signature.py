"""A class's signature on a save: HMAC-SHA256, with the class's secret key, over the whole save.

The seals of a save (``game.session.store.seal``) show where a record was changed, but anyone can
recompute them. A class's games are also signed by the class's server, which holds a secret key
the students never see (``game.classroom.secret``): a save whose lab, game id, creation time,
content, draft or any quarter was changed, or that was made anywhere but on the class's server,
does not carry a signature that checks.

The message is the save as its model holds it (every field but the signature itself), as JSON
with sorted keys: what a save reads back as is what was signed, whatever the TOML's layout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

from game.session.saves.record import SaveFile, Signed


def _message(save: SaveFile) -> bytes:
    body = save.model_dump(exclude={"signed": {"signature"}})
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      default=_when).encode()


def _when(value: object) -> str:
    if isinstance(value, dt.datetime):  # (the only value JSON has no form for)
        return value.astimezone(dt.UTC).isoformat()
    raise TypeError(f"a save holds a {type(value).__name__}, which has no signed form")


def sign(save: SaveFile, key: bytes, game_id: str, student: str | None = None) -> SaveFile:
    """The save, signed as game ``game_id`` (of the roster's ``student``) with ``key``."""
    save = save.model_copy(update={"signed": Signed(game_id=game_id, student=student,
                                                    signature="-")})
    digest = hmac.new(key, _message(save), hashlib.sha256).hexdigest()
    return save.model_copy(update={"signed": Signed(game_id=game_id, student=student,
                                                    signature=digest)})


def signed_by(save: SaveFile, key: bytes) -> bool:
    """Whether the save carries a signature made with ``key`` over everything it holds."""
    if save.signed is None:
        return False
    expected = hmac.new(key, _message(save), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, save.signed.signature)
