"""Content packs: TOML read, validated and explained like a compiler would.

The names below load on first use (PEP 562), so that importing a light submodule such as
``game.packs.errors`` does not pull in the loader, the engine and numpy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from game.packs.content import Content
    from game.packs.economy import DEFAULT_SCENARIO
    from game.packs.errors import ContentError, Problem
    from game.packs.loading import check, load_content, load_economy

_WHERE = {
    "DEFAULT_SCENARIO": "game.packs.economy",
    "ContentError": "game.packs.errors",
    "Problem": "game.packs.errors",
    "Content": "game.packs.content",
    "check": "game.packs.loading",
    "load_content": "game.packs.loading",
    "load_economy": "game.packs.loading",
}

__all__ = [
    "DEFAULT_SCENARIO",
    "Content",
    "ContentError",
    "Problem",
    "check",
    "load_content",
    "load_economy",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'game.packs' has no attribute {name!r}")
