"""Where the shipped content lives: the source tree's content/, or the copy inside a wheel; and
the archive of the shipped packs as they were (content-archive/, ``game.packs.archive``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def content_dir() -> Path:
    here = Path(__file__).resolve().parent
    source = here.parent / "content"
    return source if source.is_dir() else here / "_content"


def archive_dir() -> Path:
    """The shipped archive of packs as they were, one folder per pack and content hash."""
    here = Path(__file__).resolve().parent
    source = here.parent / "content-archive"
    return source if source.is_dir() else here / "_content_archive"


def base_pack_dir() -> Path:
    return content_dir() / "base"


def parse_cache_dir() -> Path | None:
    """Where the shipped content's parsed TOML is kept between runs (None: not kept).

    ``$FRONTIER_LAB_CACHE`` names the folder (``off`` keeps nothing); else the user's cache
    folder (``$XDG_CACHE_HOME`` or ``~/.cache``), under ``frontier-lab``. Per Python version,
    since the cached form is Python's own (``marshal``).
    """
    chosen = os.environ.get("FRONTIER_LAB_CACHE")
    if chosen is not None and chosen.strip().lower() in ("off", "0", "no", ""):
        return None
    root = Path(chosen) if chosen else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "frontier-lab"
    return root / f"toml-py{sys.version_info[0]}{sys.version_info[1]}"
