"""A document's generated region: the text between two markers, kept true to the code.

``python -m game.classroom.lessons`` (docs/CLASSROOM.md's scenario concepts) and ``python -m
game.bots.history`` (docs/ENGINE.md's historical check) each own one region; run without
arguments they rewrite it, with ``--check`` they only say whether it is up to date (exit 1 if
not). ENGINE.md's parameter tables are a region too (:mod:`game.docs.engine_tables`), rewritten
with docs/SOURCES.md by ``python -m game.docs.parameter_docs``, which has its own command.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Region:
    path: Path
    begin: str  # the marker lines around the generated text
    end: str
    what: str  # what it holds, for the messages: "the scenario concepts"
    command: str  # what rewrites it: "python -m game.classroom.lessons"
    blank: bool = False  # a blank line between each marker and the generated text

    def _span(self, text: str) -> tuple[int, int]:
        start, end = text.find(self.begin), text.find(self.end)
        if start < 0 or end < start:
            raise ValueError(f"the document needs the markers {self.begin} and {self.end}, "
                             "in that order")
        return start + len(self.begin), end

    def section(self, text: str) -> str:
        """The generated text as it stands in the document."""
        start, end = self._span(text)
        return text[start:end].strip("\n") + "\n"

    def rewrite(self, text: str, section: str) -> str:
        """The document with ``section`` between the markers."""
        start, end = self._span(text)
        pad = "\n" if self.blank else ""
        return text[:start] + "\n" + pad + section + pad + text[end:]

    def main(self, make: Callable[[], str], argv: Sequence[str] | None = None) -> int:
        """The command: rewrite the region with ``make()``, or with --check compare only."""
        args = list(sys.argv[1:] if argv is None else argv)
        text = self.path.read_text(encoding="utf-8")
        section = make()
        if "--check" in args:
            if self.section(text) != section:
                print(f"{self.path}: {self.what} out of date; run `{self.command}`",
                      file=sys.stderr)
                return 1
            return 0
        self.path.write_text(self.rewrite(text, section), encoding="utf-8")
        print(f"{self.path}: {self.what} rewritten")
        return 0
