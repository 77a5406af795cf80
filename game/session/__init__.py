"""Games a person plays and keeps: the live game, its preview, and its save files.

``game.session.game.Game`` is one game at batch size one; ``game.session.saves`` reads and
writes save files; ``game.session.store`` turns games into saves and saves back into games (by
replaying them), and verifies them.
"""

from game.session.saves import (
    FORMAT_VERSION,
    MAX_SAVE_BYTES,
    MIGRATIONS,
    EventChoice,
    PackStamp,
    QuarterRecord,
    SaveError,
    SaveFile,
    SaveSummary,
    dump_save,
    list_saves,
    migrate,
    read_save,
    save_path,
    saves_dir,
    utc_now,
    write_save,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_SAVE_BYTES",
    "MIGRATIONS",
    "EventChoice",
    "PackStamp",
    "QuarterRecord",
    "SaveError",
    "SaveFile",
    "SaveSummary",
    "dump_save",
    "list_saves",
    "migrate",
    "read_save",
    "save_path",
    "saves_dir",
    "utc_now",
    "write_save",
]
