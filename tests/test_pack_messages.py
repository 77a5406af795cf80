"""Messages a modder can act on: TOML syntax errors at the line the mistake began, with the fix,
and ids that fail their pattern told in words (naming a look-alike letter of another script)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from game.packs import check
from game.packs.errors import ContentError
from game.packs.reading import parse_toml
from game.packs.toml_syntax import explain


@pytest.mark.parametrize(("text", "said"), [
    ('a = 1\ntext = """abc\nmore\n\nb = 2\nc = 3\n',
     'f.toml:2: TOML syntax: a multi-line string opened here is never closed: end it with """'),
    ('a = "abc\nb = 2\n', 'f.toml:1:9: TOML syntax: a string is not closed on this line'),
    ("a = hello\n", 'f.toml:1:5: TOML syntax: text must be in quotes: key = "…"'),
    ("a = True\n", "f.toml:1:5: TOML syntax: write true in lowercase"),
    ("a 1\n", "f.toml:1:3: TOML syntax: write key = value"),
    ("a = 1\na = 2\n", "f.toml:2:6: TOML syntax: this key or table is already set above"),
    ("x = 0\na = [1, 2\nb = 3\n", "f.toml:2: TOML syntax: an array opened here is not closed"),
    ("a = 1 2\n", "f.toml:1:7: TOML syntax: one key = value a line, and text with spaces in"),
    ("a = 'abc\nb=1\n", "f.toml:1: TOML syntax: a 'string' is not closed on this line"),
])
def test_a_syntax_error_is_told_where_it_began_with_the_fix(text: str, said: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_toml(Path("f.toml"), text.encode())
    assert str(caught.value).startswith(said)


@given(st.text(max_size=200), st.text(max_size=60), st.integers(-3, 40) | st.none(),
       st.integers(-3, 80) | st.none())
def test_explaining_never_fails(msg: str, text: str, line: int | None, col: int | None) -> None:
    for message in (msg, "Unterminated string", "Illegal character '\\n'", "Invalid value",
                    "Unclosed array", "Expected \"'\""):
        said, _, _ = explain(message, text, line, col)
        assert said.startswith("TOML syntax: ")


@pytest.mark.parametrize(("line", "said"), [
    ('id = "p.b\u0430d"', "'p.b\u0430d' has '\u0430' (U+0430 CYRILLIC SMALL LETTER A, which "
                          "looks like 'a'): an event id is PACK.name"),
    ('id = "p.Bad"', "'p.Bad' is not valid: an event id is PACK.name: lowercase letters, "
                     "digits and _, with one dot"),
])
def test_an_id_that_fails_its_pattern_is_told_in_words(tmp_path: Path, line: str,
                                                       said: str) -> None:
    pack = tmp_path / "p"
    (pack / "events").mkdir(parents=True)
    (pack / "pack.toml").write_text('id = "p"\nname = "p"\nversion = "0.1.0"\n')
    (pack / "events" / "e.toml").write_text(
        f'[[event]]\n{line}\ntitle = "t"\ntext = "x"\ncategory = "demand"\n'
        'mtth_quarters = 3\nconcept = "Big Idea"\n')
    found = [str(p).replace(f"{pack}/", "") for p in check([pack])]
    assert f"events/e.toml:2:1: 'event[0].id': {said}" in "\n".join(found), found
    # a concept that cannot be an id is said once, not again as an unknown concept
    assert sum("Big Idea" in p for p in found) == 1, found
