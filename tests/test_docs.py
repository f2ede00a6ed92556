"""docs/autograd.md is the learners' textbook: its examples must run and print what it shows, and its excerpts of
minigrad's source must still be in the source. (A doc that drifts from the code teaches the wrong thing.)

A ```python block whose first line is ``# from minigrad/PATH.py`` is an excerpt: its lines (blank and ``...`` lines
skipped) must appear in that file in order. Every other python block runs; the blocks of one ``## `` section share a
namespace; a ```text block right after a runnable block is the output it must print.
"""

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "autograd.md"


def _blocks(text):
    """(section, language, lines, line number) for each fenced block."""
    lines, blocks, section, i = text.split("\n"), [], None, 0
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i]
        fence = re.match(r"^```(\w+)\s*$", lines[i])
        if fence:
            end = lines.index("```", i + 1)
            blocks.append((section, fence.group(1), lines[i + 1 : end], i + 1))
            i = end
        i += 1
    return blocks


BLOCKS = _blocks(DOC.read_text())
SECTIONS = list(dict.fromkeys(section for section, language, _, _ in BLOCKS if language == "python"))


def _is_excerpt(body):
    return bool(body) and body[0].startswith("# from minigrad/")


@pytest.mark.parametrize("section", SECTIONS)
def test_examples_print_what_the_doc_shows(section):
    namespace = {"__name__": "__doc__"}
    for k, (where, language, body, line) in enumerate(BLOCKS):
        if where != section or language != "python" or _is_excerpt(body):
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile("\n".join(body), f"{DOC}:{line}", "exec"), namespace)
        printed = [text.rstrip() for text in out.getvalue().rstrip("\n").split("\n")] if out.getvalue() else []
        following = BLOCKS[k + 1] if k + 1 < len(BLOCKS) else None
        shown = (
            [text.rstrip() for text in following[2]]
            if following and following[1] == "text" and following[0] == section
            else None
        )
        assert printed == (shown or []), f"docs/autograd.md:{line} prints\n" + "\n".join(printed)


@pytest.mark.parametrize(
    "line, path, body",
    [
        (line, body[0].split()[2], body)
        for _, language, body, line in BLOCKS
        if language == "python" and _is_excerpt(body)
    ],
)
def test_source_excerpts_are_still_in_the_source(line, path, body):
    source = [text.strip() for text in (ROOT / path).read_text().split("\n")]
    position = 0
    for text in (t.strip() for t in body[1:]):
        if text and text != "...":
            assert text in source[position:], f"docs/autograd.md:{line}: not in {path} (in order): {text}"
            position = source.index(text, position) + 1
