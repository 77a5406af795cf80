"""Where the shipped content lives: the source tree's content/, or the copy inside a wheel."""

from __future__ import annotations

from pathlib import Path


def content_dir() -> Path:
    here = Path(__file__).resolve().parent
    source = here.parent / "content"
    return source if source.is_dir() else here / "_content"


def base_pack_dir() -> Path:
    return content_dir() / "base"
