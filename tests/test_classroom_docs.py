"""docs/CLASSROOM.md stays true: its generated concepts, a debrief for every scenario, commands
that parse, and a link from the README."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from game.classroom import lessons
from game.cli import build_parser
from game.packs import load_content

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "CLASSROOM.md"


@pytest.fixture(scope="module")
def content():
    return load_content()


def test_the_scenario_concepts_are_generated_from_the_packs(content):
    text = DOC.read_text(encoding="utf-8")
    assert lessons.generated_section(text) == lessons.markdown(content), (
        "docs/CLASSROOM.md's scenario concepts are out of date: run "
        "`python -m game.classroom.lessons`")


def test_every_scenario_has_debrief_questions_and_its_concepts(content):
    text = DOC.read_text(encoding="utf-8")
    for sid in content.scenarios:
        assert f"### Debrief: `{sid}`" in text, f"no debrief questions for scenario '{sid}'"
        assert f"### `{sid}`:" in lessons.generated_section(text)


def test_the_history_debrief_quotes_the_scenarios_record(content):
    """The table of recorded figures in the `openai-2023` debrief is the scenario's [[history]]."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Debrief: `openai-2023`", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d{4}Q[1-4]) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", section, re.M)
    history = content.scenarios["openai-2023"].history
    assert [r[0] for r in rows] == [p.quarter for p in history]
    for (quarter, runrate, value, rental), point in zip(rows, history, strict=True):
        assert (float(runrate), float(value), float(rental)) == (
            point.runrate, point.valuation, point.rental_price), (
            f"docs/CLASSROOM.md quotes other figures for {quarter} than openai-2023's [[history]]")


def test_every_command_in_the_guide_parses():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    commands = [line for line in lines if line.startswith("frontier-lab ")]
    commands += re.findall(r"`(frontier-lab (?:class|serve|play|simulate|replay)[^`]*)`", text)
    parser = build_parser()
    checked = 0
    for command in commands:
        if "|" in command or "..." in command or "[" in command:
            continue  # a synopsis, not a command line
        args = shlex.split(command)[1:]
        try:
            parser.parse_args(args)
        except SystemExit as exc:
            if exc.code == 0:  # --version, --help
                continue
            pytest.fail(f"docs/CLASSROOM.md: `{command}` does not parse (exit {exc.code})")
        checked += 1
    assert checked >= 10


def test_the_readme_links_the_guide():
    assert "(docs/CLASSROOM.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
