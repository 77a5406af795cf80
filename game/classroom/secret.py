"""A class's secrets: the key that signs its games, and (by default) its seed.

``frontier-lab class new`` writes ``DIR/.class/secret.toml``, readable and writable by the
instructor's account only (mode 600). The class's server (``frontier-lab serve --class DIR``)
runs as that account: its games read the key and sign every save (``game.session.saves
.signature``), and play the secret seed. Students play in a browser and never see the file; a
student who copies the class folder, or plays ``frontier-lab play --class DIR`` as another
account, has neither the key nor the seed: their games are practice, listed apart by the report,
and they cannot rehearse the class's luck offline.

What this guarantees, and against whom, is in docs/CLASSROOM.md ("What the ranking
guarantees").
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from game.classroom.folder import ClassError, meta_dir

SECRET_FILE = "secret.toml"
_HEADER = """\
# This class's secrets, written by `frontier-lab class new`: the key that signs every game played
# through `frontier-lab serve --class`, and the class's seed when it is secret. Readable by the
# instructor's account only. Never share it: whoever holds it can sign games and knows the luck.
"""


@dataclass(frozen=True)
class ClassSecret:
    key: bytes  # 32 random bytes
    seed: int | None  # the class's seed, when the class keeps it secret


def secret_path(class_dir: str | Path) -> Path:
    return meta_dir(class_dir) / SECRET_FILE


def create_secret(class_dir: str | Path, seed: int | None) -> ClassSecret:
    """Write a new key (and the secret seed, if any), readable by this account only; an
    existing secret is replaced (a class made again is a new class: its old games no longer
    count)."""
    made = ClassSecret(secrets.token_bytes(32), seed)
    path = secret_path(class_dir)
    text = _HEADER + f'key = "{made.key.hex()}"\n' + (f"seed = {seed}\n" if seed is not None
                                                      else "")
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ClassError(f"{path}: cannot write the class's key ({exc.strerror or exc})") \
            from None
    return made


def read_secret(class_dir: str | Path) -> ClassSecret | None:
    """The class's secret, or None where there is none or this account may not read it (a
    student's); ClassError when it is there, readable, and not a secret this game wrote."""
    path = secret_path(class_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClassError(f"{path}: cannot read the class's key ({exc})") from None
    try:
        data = tomllib.loads(text)
        key = bytes.fromhex(data["key"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError):
        raise ClassError(f"{path}: not a class key written by `frontier-lab class new`; make "
                         "the class again with `frontier-lab class new DIR --force`") from None
    seed = data.get("seed")
    if len(key) < 16 or (seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                                               or seed < 0)):
        raise ClassError(f"{path}: not a class key written by `frontier-lab class new`; make "
                         "the class again with `frontier-lab class new DIR --force`")
    return ClassSecret(key, seed)
